"""Running one statement: rows as Python values, timestamps with time zone as aware UTC."""

from __future__ import annotations

import datetime as dt
import os
import sys

import duckdb
import pytest

from constructs_obs.audit.local.execution import Statement, connect, fetch, show_progress
from tests.audit.fixture_logs import BUCKET
from tests.audit.local.local_logs import run_python


def test_a_timestamp_with_time_zone_comes_back_aware_in_utc() -> None:
    sql = (
        "SELECT TIMESTAMPTZ '2024-03-01 10:00:00+02' AS at, NULL::TIMESTAMPTZ AS never, 'x' AS text"
    )
    with duckdb.connect() as connection:
        connection.execute("SET TimeZone = 'UTC'")
        columns, rows = fetch(connection, Statement("adhoc", sql, (), show_progress=False))
    assert columns == ("at", "never", "text")
    assert rows == [(dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.UTC), None, "x")]


def test_values_bind_to_placeholders() -> None:
    with duckdb.connect() as connection:
        _, rows = fetch(connection, Statement("adhoc", "SELECT ? || ?", ("a", "b"), False))
    assert rows == [("ab",)]


def test_no_bar_off_a_terminal_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert show_progress(None) is False
    assert show_progress(True) is True
    assert show_progress(False) is False


def test_cursors_share_a_database_but_not_their_temporary_views() -> None:
    with connect(None) as first, connect(None) as second:
        first.execute("CREATE TEMP VIEW only_here AS SELECT 1 AS x")
        # The macros are the database's: every cursor has them.
        assert second.execute("SELECT trino_json_format('{}')").fetchall() == [("{}",)]
        with pytest.raises(duckdb.CatalogException):
            second.execute("SELECT * FROM only_here")


_FORK = """
import os, sys
from constructs_obs.audit import LocalAuditEngine
engine = LocalAuditEngine(sys.argv[1])
sql = "SELECT count(*) FROM cloudtrail_logs WHERE day BETWEEN ? AND ?"
days = dict(start_day="2024/03/01", end_day="2024/03/05")
def count():
    return engine.run_sql(sql, ["2024/03/01", "2024/03/05"], **days).rows[0][0]
before = count()
child = os.fork()
if child == 0:
    code = 0 if count() == before else 3
    sys.exit(code)  # a normal exit, which a DuckDB database open at the fork would crash
_, status = os.waitpid(child, 0)
print(os.waitstatus_to_exitcode(status), count() == before)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_queries_and_exits_cleanly() -> None:
    # GIVEN a process that queried (its database open), WHEN it forks and the child queries
    # and exits normally, THEN the child exits 0 and the parent queries on
    completed = run_python("-c", _FORK, str(BUCKET))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["0", "True"]
