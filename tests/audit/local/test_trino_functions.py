"""Parity: every function the translation touches answers locally as Athena (Trino) documents.

Each row of ``PARITY`` is (SQL, input, Athena's answer). The answers come from the Trino
documentation (functions/json, functions/array, functions/datetime, functions/regexp,
functions/conditional "try") and, where the documentation is silent (NULL, malformed input),
from Trino's source: ``io.trino.operator.scalar.JsonExtract`` returns NULL when the text is not
JSON or the value is not a scalar, looks keys up exactly (``JsonParser.nextFieldName``), and
returns a number's text as written (``JsonParser.getText``); its Javadoc examples (the
``store``/``book`` document below) are reused as is.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Final

import pytest

from constructs_obs.audit import LocalAuditEngine, QueryDefinitionError, QueryExecutionError
from constructs_obs.audit.local.trino_functions import (
    SUPPORTED_FUNCTIONS,
    json_path_pointer,
)
from tests.audit.fixture_logs import ACCOUNT_A, LogFileSpec
from tests.audit.local.local_logs import MAY_1, record, run_in, write_log

UTC: Final = dt.UTC
# The document of the Javadoc of Trino's JsonExtract.
STORE: Final = (
    '{"store": {"book": [{"category": "reference", "author": "Nigel Rees", "title": '
    '"Sayings of the Century", "price": 8.95, "contributors": [["Adam", "Levine"], '
    '["Bob", "Strong"]]}, {"category": "fiction", "author": "Evelyn Waugh", "title": '
    '"Sword of Honour", "price": 12.99, "isbn": "0-553-21311-3", "last_owner": null}], '
    '"bicycle": {"color": "red", "price": 19.95}}}'
)
T1: Final = "TIMESTAMP '2020-06-01 12:30:45.000000000'"
T2: Final = "TIMESTAMP '2020-06-02 12:30:45.123456789'"

#: (SQL with one ``?`` for the input, input, Athena's answer).
PARITY: Final[list[tuple[str, Any, Any]]] = [
    # json_extract_scalar: scalars as text, NULL for the rest, never an error.
    ("json_extract_scalar(?, '$.a')", '{"a": "x"}', "x"),
    ("json_extract_scalar(?, '$.a')", "not JSON at all", None),
    ("json_extract_scalar(?, '$.a')", '{"a": ', None),
    ("json_extract_scalar(?, '$.a')", "", None),
    ("json_extract_scalar(?, '$.a')", '"a JSON string"', None),
    ("json_extract_scalar(?, '$.a')", None, None),
    ("json_extract_scalar(?, '$.a')", '{"a": {"b": 1}}', None),
    ("json_extract_scalar(?, '$.a')", '{"a": [1, 2]}', None),
    ("json_extract_scalar(?, '$.a')", '{"a": null}', None),
    ("json_extract_scalar(?, '$.a')", '{"b": "x"}', None),
    ("json_extract_scalar(?, '$.a')", '{"a": true}', "true"),
    ("json_extract_scalar(?, '$.a')", '{"a": 1.50}', "1.50"),
    ("json_extract_scalar(?, '$.a')", '{"a": 1e3, "b": 1000}', "1e3"),
    ("json_extract_scalar(?, '$.a')", '{"a": 42}', "42"),
    ("json_extract_scalar(?, '$.a.x')", '{"a": {"x": 2.50}, "b": 2.5}', "2.50"),
    ("json_extract_scalar(?, '$.b')", '{"a": {"x": 2.50}, "b": 2.5}', "2.5"),
    ("json_extract_scalar(?, '$.a[1]')", '{"a": [0.10, 2.0E1]}', "2.0E1"),
    (
        "json_extract_scalar(?, '$.a')",
        '{"a": 123456789012345678901234}',
        "123456789012345678901234",
    ),
    ("json_extract_scalar(?, '$.MFAUsed')", '{"MFAUsed": "YES"}', "YES"),
    ("json_extract_scalar(?, '$.mfaused')", '{"MFAUsed": "YES"}', None),
    ("json_extract_scalar(?, '$[\"x y\"]')", '{"x y": "z"}', "z"),
    ("json_extract_scalar(?, '$.a[1]')", '{"a": ["p", "q"]}', "q"),
    ("json_extract_scalar(?, '$.a[5]')", '{"a": ["p", "q"]}', None),
    ("json_extract_scalar(?, '$.store.book[0].author')", STORE, "Nigel Rees"),
    ("json_extract_scalar(?, '$.store.bicycle.price')", STORE, "19.95"),
    ("json_extract_scalar(?, '$.store.book[0].isbn')", STORE, None),
    ("json_extract_scalar(?, '$.store.book[1].last_owner')", STORE, None),
    ("json_extract_scalar(?, '$.store.book[0].contributors[0][1]')", STORE, "Levine"),
    ('json_extract_scalar(?, \'$["store"]["book"][0]["author"]\')', STORE, "Nigel Rees"),
    # json_extract: JSON values (null is the JSON text null), NULL if missing or not JSON.
    ("json_extract(?, '$.store.book[0].author')", STORE, '"Nigel Rees"'),
    ("json_extract(?, '$.store.book[0].contributors[0]')", STORE, '["Adam","Levine"]'),
    ("json_extract(?, '$.store.book[1].last_owner')", STORE, "null"),
    ("json_extract(?, '$.store.book[0].isbn')", STORE, None),
    ("json_extract(?, '$.a')", "not JSON at all", None),
    ("json_extract(?, '$.a')", None, None),
    ("json_format(json_extract(?, '$.store.bicycle'))", STORE, '{"color":"red","price":19.95}'),
    ("json_format(json_extract(?, '$.a'))", '{"a": [1, 2]}', "[1,2]"),
    ("json_format(json_extract(?, '$.a'))", "not JSON at all", None),
    # element_at and the subscript.
    ("element_at(ARRAY['a', 'b', 'c'], ?)", 2, "b"),
    ("element_at(ARRAY['a', 'b', 'c'], ?)", -1, "c"),
    ("element_at(ARRAY['a', 'b', 'c'], ?)", 4, None),
    ("element_at(ARRAY['a', 'b', 'c'], ?)", -4, None),
    ("element_at(ARRAY['a', 'b', 'c'], ?)", None, None),
    ("try(element_at(ARRAY['a', 'b', 'c'], ?))", 0, None),
    ("ARRAY['a', 'b', 'c'][?]", 3, "c"),
    ("try(ARRAY['a', 'b', 'c'][?])", 4, None),
    # from_iso8601_timestamp: ISO 8601 only; a day alone is midnight in UTC (Athena's zone).
    (
        "from_iso8601_timestamp(?)",
        "2020-05-11T11:15:05.055+01:00",
        dt.datetime(2020, 5, 11, 10, 15, 5, 55000, tzinfo=UTC),
    ),
    (
        "from_iso8601_timestamp(?)",
        "2024-03-02T08:01:30Z",
        dt.datetime(2024, 3, 2, 8, 1, 30, tzinfo=UTC),
    ),
    ("from_iso8601_timestamp(?)", "2020-05-11", dt.datetime(2020, 5, 11, tzinfo=UTC)),
    ("from_iso8601_timestamp(?)", None, None),
    ("try(from_iso8601_timestamp(?))", "11/05/2020", None),
    ("try(from_iso8601_timestamp(?))", "2020-05-11 11:15:05", None),
    # date_diff: whole units elapsed from the first to the second.
    (f"date_diff('second', {T1}, {T2}) + length(?)", "", 86400),
    (f"date_diff('millisecond', {T1}, {T2}) + length(?)", "", 86400123),
    (
        "date_diff('day', TIMESTAMP '2020-03-01 00:00:00', TIMESTAMP '2020-03-02 00:00:00') "
        "+ length(?)",
        "",
        1,
    ),
    (
        "date_diff('day', from_iso8601_timestamp(?), "
        "from_iso8601_timestamp('2024-01-02T01:00:00Z'))",
        "2024-01-01T23:00:00Z",
        0,
    ),
    (
        "date_diff('day', from_iso8601_timestamp(?), "
        "from_iso8601_timestamp('2024-01-01T01:00:00Z'))",
        "2024-01-03T00:00:00Z",
        -1,
    ),
    ("date_diff('hour', from_iso8601_timestamp(?), TIMESTAMP '2024-01-02 01:00:00')", None, None),
    # regexp_like: a match anywhere in the text.
    ("regexp_like(?, '\\d+b')", "1a 2b 14m", True),
    ("regexp_like(?, '^b')", "abc", False),
    ("regexp_like(?, 'b')", None, None),
    # lower and upper: NULL in, NULL out.
    ("lower(?)", None, None),
    ("upper(?)", None, None),
    ("lower(?)", "ÄB", "äb"),
    ("upper(?)", "mfa", "MFA"),
    # try: NULL where the expression fails.
    ("try(CAST(? AS integer))", "not a number", None),
    ("try(CAST(? AS integer))", "42", 42),
    # cardinality.
    ("cardinality(ARRAY[1, 2, length(?)])", "abc", 3),
]


@pytest.mark.parametrize(
    ("sql", "value", "expected"), PARITY, ids=[f"{n:02d}" for n in range(len(PARITY))]
)
def test_parity_with_athena(engine: LocalAuditEngine, sql: str, value: Any, expected: Any) -> None:
    # GIVEN an expression and its input, WHEN the local engine runs it
    result = engine.run_sql(f"SELECT {sql} AS v", [value])
    # THEN it answers what Athena answers
    assert result.rows == [(expected,)]


def test_the_parity_table_covers_every_rewritten_function() -> None:
    names = {sql.split("(")[0].strip() for sql, _, _ in PARITY}
    names |= {"json_format", "element_at", "try", "date_diff"}
    for name in (
        "json_extract_scalar",
        "json_extract",
        "element_at",
        "from_iso8601_timestamp",
        "date_diff",
        "regexp_like",
        "lower",
        "upper",
        "try",
        "cardinality",
    ):
        assert name in names
        assert name in SUPPORTED_FUNCTIONS


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("element_at(ARRAY[1, 2], 0)", "SQL array indices start at 1"),
        ("ARRAY[1, 2][3]", "Array subscript 3 out of bounds"),
        ("from_iso8601_timestamp('11/05/2020')", "invalid format: 11/05/2020"),
    ],
)
def test_what_fails_in_athena_fails_locally(
    engine: LocalAuditEngine, sql: str, message: str
) -> None:
    with pytest.raises(QueryExecutionError, match=message):
        engine.run_sql(f"SELECT {sql}")


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("approx_distinct(eventname)", "approx_distinct is not supported by the local engine"),
        ("json_size(requestparameters, '$.a')", "json_size is not supported"),
        ("json_extract_scalar(requestparameters, eventname)", "path that is not a literal"),
        ("count(*) / 2", "the / operator on operands not known to be fractional"),
        ("CAST(eventtime AS json)", "CAST to JSON is not supported"),
        ("date_diff('fortnight', 1, 2)", "unit fortnight"),
    ],
)
def test_a_function_the_translation_cannot_carry_is_refused_by_name(
    engine: LocalAuditEngine, sql: str, message: str
) -> None:
    with pytest.raises(QueryDefinitionError, match=message) as info:
        engine.run_sql(f"SELECT {sql} FROM cloudtrail_logs")  # noqa: S608
    assert "supported functions: avg, cardinality" in str(info.value)


def test_dividing_fractional_operands_runs(engine: LocalAuditEngine) -> None:
    assert engine.run_sql("SELECT 7 / 2.0 AS v, CAST(7 AS double) / 2 AS w").rows == [(3.5, 3.5)]


@pytest.mark.parametrize(
    ("path", "pointer"),
    [
        ("$", ""),
        ("$.a", "/a"),
        ("$.a[0].b", "/a/0/b"),
        ('$["a/b"]["c~d"]', "/a~1b/c~0d"),
        ('$["say \\"hi\\""]', '/say "hi"'),
    ],
)
def test_json_paths_become_json_pointers(path: str, pointer: str) -> None:
    assert json_path_pointer(path) == pointer


@pytest.mark.parametrize(("path", "offset"), [("a.b", None), ("$.a[*]", 3), ("$..a", 1)])
def test_invalid_json_paths_are_refused(path: str, offset: int | None) -> None:
    with pytest.raises(QueryDefinitionError, match="invalid JSON path") as info:
        json_path_pointer(path)
    if offset is not None:
        assert f"at offset {offset}" in str(info.value)


def test_text_additional_event_data_gives_null_instead_of_aborting(tmp_path: Path) -> None:
    # GIVEN a sign-in whose additionalEventData is a string, not an object
    signin = record(1)
    signin["additionalEventData"] = "MFA details withheld"
    write_log(
        tmp_path / "AWSLogs", LogFileSpec(ACCOUNT_A, "us-east-1", "20240501T1000Z", (signin,))
    )
    # WHEN ad-hoc SQL reads a key of it THEN the row is there, the key NULL
    sql = (
        "SELECT eventid, json_extract_scalar(additionaleventdata, '$.MFAUsed') AS mfa "
        "FROM cloudtrail_logs WHERE day BETWEEN ? AND ?"
    )
    result = run_in(LocalAuditEngine(tmp_path), sql, MAY_1)
    assert result.rows == [(signin["eventID"], None)]


def test_element_at_of_a_map_column(tmp_path: Path) -> None:
    # GIVEN a web-identity session whose federation data has attributes (a map column)
    event = record(1)
    event["userIdentity"] = {
        "type": "WebIdentityUser",
        "sessionContext": {
            "webIdFederationData": {
                "federatedProvider": "accounts.google.com",
                "attributes": {"accounts.google.com:aud": "app-id"},
            }
        },
    }
    write_log(tmp_path / "AWSLogs", LogFileSpec(ACCOUNT_A, "us-east-1", "20240501T1000Z", (event,)))
    attributes = "useridentity.sessioncontext.webidfederationdata.attributes"
    select = (
        f"element_at({attributes}, 'accounts.google.com:aud'), "
        f"element_at({attributes}, 'missing'), cardinality({attributes})"
    )
    sql = f"SELECT {select} FROM cloudtrail_logs WHERE day BETWEEN ? AND ?"  # noqa: S608
    result = run_in(LocalAuditEngine(tmp_path), sql, MAY_1)
    assert result.rows == [("app-id", None, 1)]
