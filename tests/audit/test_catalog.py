"""The shipped ``.sql`` files follow the conventions Athena and the local engine rely on."""

from __future__ import annotations

import re
from importlib import resources
from typing import Final

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from constructs_obs.audit import (
    AuditQuery,
    QueryDefinitionError,
    QueryParameterError,
    UnknownQueryError,
    get_query,
    load_queries,
)
from constructs_obs.audit.catalog import count_placeholders, parse_day, parse_header
from constructs_obs.audit.local.translation import translate

EXPECTED_QUERIES: Final = (
    "access_denied_by_principal",
    "access_key_activity",
    "bucket_access",
    "console_signins_without_mfa",
    "iam_changes",
    "ip_activity",
    "principal_timeline",
    "root_activity",
    "trail_tampering",
)
QUERY_FILES: Final = sorted(
    (
        entry
        for entry in resources.files("constructs_obs.audit").joinpath("queries").iterdir()
        if entry.name.endswith(".sql")
    ),
    key=lambda entry: entry.name,
)
WEEK: Final = {"start_day": "2024/03/01", "end_day": "2024/03/05"}


def _ids(entry: object) -> str:
    return getattr(entry, "name", str(entry))


def test_the_catalog() -> None:
    queries = load_queries()
    assert tuple(queries) == EXPECTED_QUERIES
    assert sorted(entry.name for entry in QUERY_FILES) == [f"{n}.sql" for n in EXPECTED_QUERIES]
    assert queries["bucket_access"].params == ("start_day", "end_day", "bucket_name")
    assert queries["access_key_activity"].params == ("start_day", "end_day", "access_key_id")
    assert queries["ip_activity"].params == ("start_day", "end_day", "source_ip")
    assert queries["principal_timeline"].params == ("start_day", "end_day", "principal_arn")


@pytest.mark.parametrize("entry", QUERY_FILES, ids=_ids)
def test_header_matches_the_file(entry: resources.abc.Traversable) -> None:
    text = entry.read_text(encoding="utf-8")
    lines = text.splitlines()
    stem = entry.name.removesuffix(".sql")
    assert lines[0] == f"-- name: {stem}"
    assert re.fullmatch(r"-- description: \S.*", lines[1])
    assert re.fullmatch(r"-- params: start_day, end_day(, [a-z][a-z0-9_]*)*", lines[2])
    params = [param.strip() for param in lines[2].removeprefix("-- params:").split(",")]
    assert text.count("?") == len(params)  # no '?' in strings or comments either
    query = get_query(stem)
    assert query.sql == text
    assert query.params == tuple(params)
    assert query.path.read_text(encoding="utf-8") == text
    assert query.body.lstrip().startswith("SELECT")


@pytest.mark.parametrize("query", load_queries().values(), ids=lambda query: query.name)
def test_every_query_scans_a_day_range_first(query: AuditQuery) -> None:
    # Positional placeholders are numbered in text order: the first two must be the days.
    first = query.body.index("?")
    assert query.body.index("day BETWEEN ? AND ?") == first - len("day BETWEEN ")
    tree = sqlglot.parse_one(query.sql, read="athena")
    ranges = [
        between
        for between in tree.find_all(exp.Between)
        if isinstance(between.this, exp.Column) and between.this.name == "day"
    ]
    assert len(ranges) == 1
    assert isinstance(ranges[0].args["low"], exp.Placeholder)
    assert isinstance(ranges[0].args["high"], exp.Placeholder)
    # The range restricts every row: it is a conjunct of the top-level WHERE.
    where = tree.args["where"].this
    conjuncts = list(where.flatten()) if isinstance(where, exp.And) else [where]
    assert ranges[0] in conjuncts


@pytest.mark.parametrize("query", load_queries().values(), ids=lambda query: query.name)
def test_every_query_reads_the_table_and_orders_its_rows(query: AuditQuery) -> None:
    tree = sqlglot.parse_one(query.sql, read="athena")
    assert {table.sql() for table in tree.find_all(exp.Table)} == {"cloudtrail_logs"}
    assert tree.args.get("order") is not None
    assert not query.sql.rstrip().endswith(";")  # Athena prepared statements take no ';'
    placeholders = list(tree.find_all(exp.Placeholder))
    assert len(placeholders) == len(query.params) == count_placeholders(query.sql)


@pytest.mark.parametrize("query", load_queries().values(), ids=lambda query: query.name)
def test_every_query_transpiles_to_duckdb(query: AuditQuery) -> None:
    (duckdb_sql,) = sqlglot.transpile(
        query.sql, read="athena", write="duckdb", unsupported_level=ErrorLevel.RAISE
    )
    assert count_placeholders(duckdb_sql) == len(query.params)
    assert "BETWEEN ? AND ?" in duckdb_sql
    # DuckDB's parser accepts the result.
    assert sqlglot.parse_one(duckdb_sql, read="duckdb") is not None


def test_json_functions_are_translated_to_trino_semantics() -> None:
    sql = get_query("console_signins_without_mfa").sql
    duckdb_sql = translate(sql).sql
    assert "->>" not in duckdb_sql  # DuckDB's operator aborts on text that is not JSON
    assert "UPPER(TRINO_JSON_EXTRACT_SCALAR(additionaleventdata, '/MFAUsed'))" in duckdb_sql


def test_unknown_query_lists_the_known_ones() -> None:
    with pytest.raises(UnknownQueryError) as info:
        get_query("root_activty")
    message = str(info.value)
    assert message.startswith("unknown audit query 'root_activty'; known queries: ")
    for name in EXPECTED_QUERIES:
        assert name in message
    assert info.value.known == EXPECTED_QUERIES


def test_bind_orders_the_values() -> None:
    query = get_query("bucket_access")
    params = {"bucket_name": "b", "end_day": "2024/03/05", "start_day": "2024/03/01"}
    assert query.bind(params) == ("2024/03/01", "2024/03/05", "b")


@pytest.mark.parametrize(
    ("params", "parameter", "message"),
    [
        ({"start_day": "2024/03/01"}, "params", "missing end_day, bucket_name"),
        (
            {**WEEK, "bucket_name": "b", "bucket": "b", "limit": "3"},
            "params",
            r"unexpected bucket, limit \(the query takes start_day, end_day, bucket_name\)",
        ),
        ({**WEEK, "bucket": "b"}, "params", "missing bucket_name; unexpected bucket"),
        (
            {**WEEK, "start_day": "2024-03-01", "bucket_name": "b"},
            "start_day",
            r"'2024-03-01' is not a day in the format yyyy/MM/dd \(e.g. 2024/01/31\)",
        ),
        ({**WEEK, "end_day": "2024/3/5", "bucket_name": "b"}, "end_day", "yyyy/MM/dd"),
        ({**WEEK, "end_day": "2023/02/29", "bucket_name": "b"}, "end_day", "not a day of the"),
        (
            {"start_day": "2024/03/05", "end_day": "2024/03/01", "bucket_name": "b"},
            "end_day",
            "'2024/03/01' is before start_day '2024/03/05'",
        ),
        ({**WEEK, "bucket_name": 3}, "bucket_name", "expected a string, got int"),
    ],
)
def test_bad_params(params: dict[str, object], parameter: str, message: str) -> None:
    with pytest.raises(QueryParameterError, match=message) as info:
        get_query("bucket_access").bind(params)  # type: ignore[arg-type]
    assert info.value.parameter == parameter
    assert info.value.query == "bucket_access"
    assert str(info.value).startswith(f"query 'bucket_access': invalid {parameter}: ")
    assert isinstance(info.value, ValueError)


def test_parse_day() -> None:
    assert str(parse_day("q", "start_day", "2024/02/29")) == "2024-02-29"


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("SELECT 1", "missing header line"),
        (
            "-- name: q\n-- description: d\n-- params: start_day, end_day\n-- owner: me\nSELECT 1",
            "unknown header line 'owner'",
        ),
        ("-- name: q\n-- name: r\n-- description: d\n-- params: start_day, end_day\n", "twice"),
        ("-- name: Q\n-- description: d\n-- params: start_day, end_day\n", "not snake_case"),
        ("-- name: q\n-- description:\n-- params: start_day, end_day\n", "description is empty"),
        ("-- name: q\n-- description: d\n-- params: end_day, start_day\n", "must start with"),
        ("-- name: q\n-- description: d\n-- params: start_day\n", "must start with"),
        ("-- name: q\n-- description: d\n-- params: start_day, end_day, x, x\n", "listed twice"),
        (
            "-- name: q\n-- description: d\n-- params: start_day, end_day\nSELECT ? FROM t",
            "the SQL has 1 '\\?' placeholder\\(s\\) but the header lists 2",
        ),
    ],
)
def test_header_conventions_are_enforced(sql: str, problem: str) -> None:
    with pytest.raises(QueryDefinitionError, match=problem):
        parse_header(sql, "q.sql")


def test_header_with_blank_and_free_comment_lines() -> None:
    sql = (
        "-- name: q\n\n-- description: what it does\n-- a free comment\n"
        "-- params: start_day, end_day, ip\n"
        "SELECT 1 FROM cloudtrail_logs WHERE day BETWEEN ? AND ? AND sourceipaddress = ?"
    )
    header = parse_header(sql, "q.sql")
    assert header.params == ("start_day", "end_day", "ip")
    assert header.description == "what it does"


@pytest.mark.parametrize(
    ("sql", "count"),
    [
        ("SELECT ? , ?", 2),
        ("SELECT '?', \"?\" -- ?\n, ?", 1),
        ("SELECT 'it''s ?' /* ? */, ?", 1),
        ("SELECT '?", 0),
        ("SELECT 1 /* ? ", 0),
    ],
)
def test_count_placeholders(sql: str, count: int) -> None:
    assert count_placeholders(sql) == count
