"""Which records a query can never use (row_filter), and the msgspec reader leaving them out:
only fields whose NULL makes the WHERE clause not TRUE, only for a plain SELECT of the table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

import pytest

from constructs_obs.audit import load_queries
from constructs_obs.audit.local.record_decoder import decodable, decode_files
from constructs_obs.audit.local.source_view import SourceView
from constructs_obs.audit.local.translation import translate
from tests.audit.local.local_logs import gzip_json

_SELECT: Final = "SELECT eventid FROM cloudtrail_logs WHERE "
ERRORCODE: Final = frozenset({("errorcode",)})
ROOT: Final = frozenset({("useridentity", "type")})
NOTHING: Final[frozenset[tuple[str, ...]]] = frozenset()

#: (WHERE clause or whole query, the paths a record needs)
CASES: Final = (
    ("errorcode LIKE 'A%' OR errorcode LIKE 'B%'", ERRORCODE),
    ("day BETWEEN ? AND ? AND (errorcode LIKE 'A%' OR errorcode ILIKE '%b')", ERRORCODE),
    ("errorcode = 'x'", ERRORCODE),
    ("'x' <> errorcode", ERRORCODE),
    ("errorcode >= ? AND eventname < 'z'", ERRORCODE | {("eventname",)}),
    ("errorcode IN ('a', ?)", ERRORCODE),
    ("errorcode BETWEEN 'a' AND ?", ERRORCODE),
    ("errorcode IS NOT NULL", ERRORCODE),
    ("(errorcode = 'x' AND eventname = 'y') OR errorcode = 'z'", ERRORCODE),
    ("useridentity.type = 'Root'", ROOT),
    ('"userIdentity"."type" = \'Root\'', ROOT),
    ("cloudtrail_logs.errorcode = 'x'", ERRORCODE),
    # A field one side of an OR does not need is needed by none.
    ("errorcode LIKE 'A%' OR eventname = 'GetObject'", NOTHING),
    ("errorcode = 'x' OR errorcode IS NULL", NOTHING),
    # Parts that may be TRUE with the field NULL, or that this module does not read.
    ("errorcode IS NULL", NOTHING),
    ("NOT errorcode IS NULL", ERRORCODE),
    ("NOT (errorcode = 'x')", NOTHING),
    ("errorcode NOT IN ('a')", NOTHING),
    ("coalesce(errorcode, 'x') = 'x'", NOTHING),
    ("lower(errorcode) = 'x'", NOTHING),
    ("errorcode = eventname", NOTHING),
    ("errorcode LIKE 'A!%' ESCAPE '!'", NOTHING),
    ("errorcode IN (SELECT errorcode FROM cloudtrail_logs)", NOTHING),
    ("day = '2024/05/01'", NOTHING),  # a partition key: not a decoded field
    # Only a plain SELECT of the table alone.
    ("SELECT eventid FROM cloudtrail_logs", NOTHING),
    ("SELECT eventid FROM cloudtrail_logs AS t WHERE t.useridentity.type = 'Root'", ROOT),
    # DuckDB binds a first part naming the table to the table, even one named like a column.
    ("SELECT 1 FROM cloudtrail_logs AS eventname WHERE eventname.errorcode = 'x'", ERRORCODE),
    ("SELECT 1 FROM cloudtrail_logs TABLESAMPLE BERNOULLI (10) WHERE errorcode = 'x'", NOTHING),
    ("SELECT 1 FROM cloudtrail_logs a JOIN cloudtrail_logs b ON a.eventid = b.eventid "
     "WHERE a.errorcode = 'x'", NOTHING),
    ("WITH c AS (SELECT * FROM cloudtrail_logs) SELECT 1 FROM c WHERE errorcode = 'x'", NOTHING),
    ("SELECT 1 FROM cloudtrail_logs WHERE errorcode = 'x' UNION ALL "
     "SELECT 1 FROM cloudtrail_logs", NOTHING),
    ("SELECT (SELECT count(*) FROM cloudtrail_logs) FROM cloudtrail_logs WHERE errorcode = 'x'",
     NOTHING),
    ("SELECT 1 FROM other.cloudtrail_logs WHERE errorcode = 'x'", NOTHING),
    ("SELECT 1 FROM (SELECT * FROM cloudtrail_logs) WHERE errorcode = 'x'", NOTHING),
    # WHERE filters what the pivot makes, or fields the alias renamed: not the records' fields.
    ("SELECT eventid, col FROM cloudtrail_logs UNPIVOT (errorcode FOR col IN "
     "(errorcode, eventname)) WHERE errorcode = 'GetObject'", NOTHING),
    ("SELECT eventname, errorcode FROM cloudtrail_logs PIVOT (count(*) FOR errorcode IN "
     "('x' AS errorcode)) WHERE errorcode IS NOT NULL", NOTHING),
    ("SELECT eventversion FROM cloudtrail_logs AS t(eventname, eventversion) "
     "WHERE eventname = '1.08'", NOTHING),
    # What comes after WHERE keeps the rule.
    ("SELECT DISTINCT eventname, count(*) OVER (PARTITION BY eventname) AS n "
     "FROM cloudtrail_logs WHERE errorcode = 'x' ORDER BY 1 OFFSET 1 LIMIT 5", ERRORCODE),
    ("SELECT eventname, count(*) FROM cloudtrail_logs WHERE errorcode = 'x' "
     "GROUP BY 1 HAVING count(*) > 1", ERRORCODE),
)  # fmt: skip


@pytest.mark.parametrize(("sql", "needed"), CASES)
def test_the_fields_a_where_clause_needs(sql: str, needed: frozenset[tuple[str, ...]]) -> None:
    query = sql if sql.startswith(("SELECT", "WITH")) else _SELECT + sql
    assert translate(query).required == needed


def _record(number: int, **fields: object) -> dict[str, object]:
    return {"eventID": str(number), "eventName": "GetObject", **fields}


#: Records with the fields the WHERE clauses above need, set, null and missing.
RECORDS: Final = (
    _record(1, errorCode="AccessDenied", userIdentity={"type": "Root"}),
    _record(2, errorCode=None, userIdentity={"type": "Root"}),
    _record(3, userIdentity={"type": None}, resources=[{"ARN": "a"}]),
    _record(4, errorCode="Unauthorized", userIdentity={}),
    _record(5, errorCode="", userIdentity=None),
    _record(6, errorCode="x", resources=None),
)
_READS: Final = (
    "SELECT eventid, errorcode, useridentity.type, resources FROM cloudtrail_logs "
    "WHERE day BETWEEN ? AND ?"
)


@pytest.mark.parametrize(
    ("required", "kept"),
    [
        (NOTHING, ["1", "2", "3", "4", "5", "6"]),
        (ERRORCODE, ["1", "4", "5", "6"]),
        (ROOT, ["1", "2"]),
        (ERRORCODE | ROOT, ["1"]),
        # A path through an array, or to a field not decoded: nothing left out.
        (frozenset({("resources", "arn")}), ["1", "2", "3", "4", "5", "6"]),
        (frozenset({("eventsource",)}), ["1", "2", "3", "4", "5", "6"]),
    ],
)
@pytest.mark.parametrize("workers", [1, 2])
def test_records_missing_a_required_field_are_left_out(
    required: frozenset[tuple[str, ...]],
    kept: list[str],
    workers: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN two log files of the records above
    monkeypatch.setattr("constructs_obs.audit.local.record_decoder.PARALLEL_FROM", 1)
    paths = []
    for half in (RECORDS[:3], RECORDS[3:]):
        path = tmp_path / f"{half[0]['eventID']}.json.gz"
        path.write_bytes(gzip_json(json.dumps({"Records": list(half)})))
        paths.append(path)
    columns = SourceView.for_paths(translate(_READS).paths).columns
    # WHEN the msgspec reader decodes them, needing ``required``
    decoded = decode_files(columns, paths, workers, required=required)
    # THEN it keeps the records with every path set (an empty text is set), from their files
    assert decoded.table is not None
    assert decoded.table.column("eventid").to_pylist() == kept
    files = [0 if int(number) <= 3 else 1 for number in kept]
    assert decoded.table.column("_file").to_pylist() == files


def test_four_of_the_five_catalog_queries_the_msgspec_reader_reads_need_a_field() -> None:
    # GIVEN the catalog queries whose fields the msgspec reader decodes (as the README says)
    translations = [translate(query.sql) for query in load_queries().values()]
    decoded = [t for t in translations if decodable(SourceView.for_paths(t.paths).columns)]
    # THEN five, of which four leave out the records with a field NULL that they need
    assert len(decoded) == 5
    assert sum(1 for translation in decoded if translation.required) == 4
