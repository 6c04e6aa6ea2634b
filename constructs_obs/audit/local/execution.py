"""Running one statement on a DuckDB connection: the database it runs on, its rows, and a
progress bar on stderr.

duckdb and tqdm are the ``audit`` extra, imported on use.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import importlib.util
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from constructs_obs.audit.local._extra import require
from constructs_obs.audit.local.row_filter import Paths
from constructs_obs.audit.local.trino_functions import install, start_session

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "Rows",
    "Statement",
    "connect",
    "decoding_progress",
    "execute_with_progress",
    "fetch",
    "show_progress",
]


Rows = tuple[tuple[str, ...], list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Statement:
    """A translated query, the values of its placeholders, whether to show progress, and the
    field paths whose NULL keeps a record out of its answer
    (:attr:`~constructs_obs.audit.local.translation.Translation.required`)."""

    name: str
    sql: str
    values: tuple[str, ...]
    show_progress: bool
    required: Paths = frozenset()


_DATABASES: dict[int | None, duckdb.DuckDBPyConnection] = {}
# Databases a forked child inherited while a query used them: kept, never used.
_INHERITED: list[duckdb.DuckDBPyConnection] = []
_DATABASES_LOCK = threading.Lock()
_in_use = 0


@contextlib.contextmanager
def connect(threads: int | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor (its own session: temporary views and tables) on the in-memory database that
    queries with ``threads`` share, the macros installed once in it: opening a database costs
    25 ms, a cursor under 1 ms. The databases are closed at exit, and before the process
    forks when no query uses them (a child holding one crashes as it exits)."""
    global _in_use  # noqa: PLW0603 - counted under the lock
    with _DATABASES_LOCK:
        database = _DATABASES.get(threads)
        if database is None:
            database = _open(threads)
        cursor = database.cursor()
        _in_use += 1
    try:
        start_session(cursor)
        yield cursor
    finally:
        try:
            cursor.close()
        finally:
            with _DATABASES_LOCK:
                _in_use -= 1


def _open(threads: int | None) -> duckdb.DuckDBPyConnection:
    import duckdb  # noqa: PLC0415 - the audit extra, imported on use

    config: dict[str, str | bool | int | float | list[str]] = {}
    if threads is not None:
        config["threads"] = threads
    database = duckdb.connect(":memory:", config=config)
    install(database)
    _DATABASES[threads] = database
    return database


def _close_databases() -> None:
    with _DATABASES_LOCK:
        if _in_use == 0:
            while _DATABASES:
                _, database = _DATABASES.popitem()
                database.close()


def _forget_after_fork() -> None:
    global _DATABASES_LOCK, _in_use  # noqa: PLW0603 - the parent's queries are not the child's
    _DATABASES_LOCK = threading.Lock()
    _in_use = 0
    _INHERITED.extend(_DATABASES.values())
    _DATABASES.clear()


atexit.register(_close_databases)
if hasattr(os, "register_at_fork"):  # not on Windows, which does not fork
    os.register_at_fork(before=_close_databases, after_in_child=_forget_after_fork)


def show_progress(progress: bool | None) -> bool:
    """Whether to show a progress bar: ``progress``, or by default when stderr is a terminal."""
    if progress is None:
        # On a terminal, a bar if tqdm is there; asked for explicitly, tqdm is required.
        return sys.stderr.isatty() and importlib.util.find_spec("tqdm") is not None
    return progress


@contextlib.contextmanager
def decoding_progress(statement: Statement, file_count: int) -> Iterator[Callable[[int], None]]:
    """A function to call with each number of files decoded: a tqdm bar on stderr when the
    statement shows progress, else nothing."""
    if not statement.show_progress:
        yield lambda _done: None
        return
    tqdm = _tqdm()
    description = f"{statement.name} (decoding {file_count} file{'' if file_count == 1 else 's'})"
    with tqdm.tqdm(
        total=file_count, desc=description, unit="file", file=sys.stderr, leave=False
    ) as bar:
        yield bar.update


def execute_with_progress(
    connection: duckdb.DuckDBPyConnection, statement: Statement, file_count: int
) -> Rows:
    """Run the query in a worker thread and show DuckDB's progress with tqdm on stderr."""
    tqdm = _tqdm()
    connection.execute(
        "SET enable_progress_bar = true; SET enable_progress_bar_print = false; "
        "SET progress_bar_time = 0"
    )
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["columns"], outcome["rows"] = fetch(connection, statement)
        except BaseException as error:  # re-raised in the calling thread
            outcome["error"] = error

    worker = threading.Thread(target=work, name="constructs-obs-audit-query", daemon=True)
    description = f"{statement.name} ({file_count} file{'' if file_count == 1 else 's'})"
    with tqdm.tqdm(
        total=100,
        desc=description,
        unit="%",
        file=sys.stderr,
        leave=False,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]",
    ) as bar:
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.1)
                done = connection.query_progress()
                if done > bar.n:
                    bar.update(done - bar.n)
        finally:
            # Interrupted (Ctrl-C) or failing here, stop the query and wait for the worker: a
            # thread still holding the connection when Python exits makes DuckDB's bindings
            # (nanobind) print dozens of "leaked instance" lines after everything else.
            if worker.is_alive():
                connection.interrupt()
                worker.join()
        if "error" not in outcome:
            bar.update(100 - bar.n)
            bar.refresh()
    error = outcome.pop("error", None)
    if error is not None:
        try:
            raise error
        finally:
            del error  # no frame -> exception -> frame cycle keeps the connection alive
    columns: tuple[str, ...] = outcome["columns"]
    rows: list[tuple[Any, ...]] = outcome["rows"]
    return columns, rows


def fetch(connection: duckdb.DuckDBPyConnection, statement: Statement) -> Rows:
    """Run ``statement``: its column names and rows. A ``timestamp with time zone`` comes
    back as an aware UTC ``datetime`` (DuckDB would need pytz to convert it)."""
    relation = connection.sql(statement.sql, params=list(statement.values) or None)
    columns = tuple(str(name) for name in relation.columns)
    zoned = {
        index
        for index, column_type in enumerate(relation.types)
        if str(column_type) == "TIMESTAMP WITH TIME ZONE"
    }
    if not zoned:
        return columns, relation.fetchall()
    relation = relation.project(
        ", ".join(
            f"CAST({_quote(name)} AS TIMESTAMP)" if index in zoned else _quote(name)
            for index, name in enumerate(columns)
        )
    )
    rows = [
        tuple(
            value.replace(tzinfo=dt.UTC) if index in zoned and value is not None else value
            for index, value in enumerate(row)
        )
        for row in relation.fetchall()
    ]
    return columns, rows


def _tqdm() -> Any:
    """tqdm, the ``audit`` extra, imported on use."""
    require("tqdm")
    # tqdm ships no type information.
    import tqdm  # type: ignore[import-untyped]  # noqa: PLC0415 - the audit extra, on use

    return tqdm


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
