"""Translation: Athena SQL to DuckDB, and the table fields a query reads."""

from __future__ import annotations

from constructs_obs.audit import LocalAuditEngine
from constructs_obs.audit.local.translation import translate
from tests.audit.conftest import WEEK
from tests.audit.local.local_logs import run_in


def test_athena_functions_are_translated(engine: LocalAuditEngine) -> None:
    sql = (
        "SELECT count(*) AS n, max(json_extract_scalar(requestparameters, '$.userName')) AS u "
        "FROM cloudtrail_logs WHERE day BETWEEN ? AND ? "
        "AND from_iso8601_timestamp(eventtime) < from_iso8601_timestamp('2024-03-02T08:01:30Z') "
        "AND regexp_like(eventname, '^(Create|Attach)') AND cardinality(resources) IS NULL"
    )
    result = run_in(engine, sql, WEEK)
    assert result.rows == [(2, "Bob")]  # CreateUser and AttachUserPolicy, 8 and 9


def test_only_the_fields_a_query_uses_are_read() -> None:
    translation = translate(
        "SELECT t.useridentity.sessioncontext.sessionissuer.arn, count(*) FROM cloudtrail_logs t "
        "WHERE day BETWEEN ? AND ? AND json_extract_scalar(requestparameters, '$.a') = ? "
        "GROUP BY 1"
    )
    # The partition columns come from the path and are always there.
    assert translation.paths == frozenset(
        {("useridentity", "sessioncontext", "sessionissuer", "arn"), ("requestparameters",)}
    )
    assert translation.placeholders == 3
    star = translate("SELECT * FROM cloudtrail_logs")
    assert star.paths is None
    counted = translate("SELECT count(*) FROM cloudtrail_logs")
    assert counted.paths == frozenset()
