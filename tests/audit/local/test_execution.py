"""Running one statement: rows as Python values, timestamps with time zone as aware UTC."""

from __future__ import annotations

import datetime as dt
import sys

import duckdb
import pytest

from constructs_obs.audit.local.execution import Statement, fetch, show_progress


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
