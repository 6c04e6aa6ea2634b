"""Run the audit queries on CloudTrail log files on disk, with DuckDB.

:class:`LocalAuditEngine` points at a folder in CloudTrail's S3 layout (a bucket synced with
``aws s3 sync``, or test fixtures)::

    [<prefix>/]AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/*.json.gz

and exposes the files to DuckDB as a view called ``cloudtrail_logs`` with the columns of the
Athena table (:data:`~constructs_obs.audit.schema.COLUMNS`, lower-case, nested fields as
structs with lower-case field names, free-form parts as JSON text) plus the ``account``,
``region`` and ``day`` partition columns read from the path. The SQL, written in Athena's
dialect, is transpiled by sqlglot (``athena`` to ``duckdb``, ``?`` placeholders kept).

Like partition projection in Athena, the day range of a query prunes the folders listed: a
one-day query over a month of logs reads one day of files (see
:attr:`QueryResult.files_scanned`). Only the fields a query uses are converted from JSON.

A log file that cannot be read (not gzip, truncated, malformed JSON, or not shaped like a
CloudTrail log) is skipped, logged as a warning on the ``constructs_obs.audit`` logger and
listed in :attr:`QueryResult.skipped_files`; the query runs on the other files.

duckdb, sqlglot and tqdm are the ``audit`` extra: they are imported when a query runs, not
when this module is imported.
"""

from __future__ import annotations

import csv
import functools
import importlib
import importlib.util
import io
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from constructs_obs.audit.catalog import check_day_range, get_query
from constructs_obs.audit.errors import (
    LogFolderError,
    MissingAuditExtraError,
    QueryDefinitionError,
    QueryExecutionError,
    QueryParameterError,
)
from constructs_obs.audit.hive_types import (
    ArrayType,
    HiveType,
    MapType,
    PrimitiveType,
    StructType,
)
from constructs_obs.audit.schema import COLUMNS, PARTITION_KEYS, TABLE_NAME, json_key
from constructs_obs.errors import InvalidParameterError

if TYPE_CHECKING:
    import duckdb
    import sqlglot

__all__ = ["LocalAuditEngine", "LogFile", "QueryResult", "SkippedFile"]

_LOGGER: Final = logging.getLogger("constructs_obs.audit")

_AD_HOC: Final = "ad-hoc SQL"
_LOG_ROOT_NAME: Final = "AWSLogs"
_TRAIL_FOLDER: Final = "CloudTrail"
# How many folder levels (an S3 key prefix) may sit between the given root and AWSLogs.
_MAX_PREFIX_DEPTH: Final = 3
_YEAR = re.compile(r"[0-9]{4}")
_MONTH_OR_DAY = re.compile(r"[0-9]{2}")
# DuckDB reads a whole log file as one JSON value; it needs to know the largest one.
_MIN_OBJECT_SIZE: Final = 16 * 1024 * 1024
_MAX_OBJECT_SIZE: Final = 4 * 1024 * 1024 * 1024 - 1
# After this many files skipped one failed run at a time, check every file once instead.
_SKIPS_BEFORE_SWEEP: Final = 2
_DUCKDB_TYPES: Final = {
    "string": "VARCHAR",
    "char": "VARCHAR",
    "varchar": "VARCHAR",
    "boolean": "BOOLEAN",
    "tinyint": "TINYINT",
    "smallint": "SMALLINT",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "float": "FLOAT",
    "double": "DOUBLE",
    "binary": "BLOB",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}
_COLUMN_TYPES: Final[Mapping[str, HiveType]] = {
    column.name: column.parsed_type for column in COLUMNS
}
_PARTITION_NAMES: Final = tuple(column.name for column in PARTITION_KEYS)


@dataclass(frozen=True)
class LogFile:
    """A CloudTrail log file and the partition values its path gives.

    Parameters
    ----------
    path:
        The file.
    account:
        Account id (the folder after ``AWSLogs`` or after the organization id).
    region:
        Region folder.
    day:
        ``yyyy/MM/dd`` from the three date folders.
    organization_id:
        The ``o-...`` folder of an organization trail. Default: - an account trail.
    """

    path: Path
    account: str
    region: str
    day: str
    organization_id: str | None = None


@dataclass(frozen=True)
class SkippedFile:
    """A log file that could not be read, and why."""

    path: Path
    reason: str


@dataclass(frozen=True)
class QueryResult:
    """What a query returned, and which files it read.

    Parameters
    ----------
    columns:
        Column names, in order.
    rows:
        One tuple per row; strings, integers or ``None`` for the shipped queries.
    files_scanned:
        The log files whose records went into the query, in path order.
    skipped_files:
        Files in the day range that could not be read, with the reason.
    query:
        The query name, or ``"ad-hoc SQL"``.
    duckdb_sql:
        The SQL DuckDB ran, as transpiled from Athena's dialect.
    elapsed_seconds:
        Wall time of the run, listing and reading included.
    """

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    files_scanned: tuple[Path, ...]
    skipped_files: tuple[SkippedFile, ...] = ()
    query: str = _AD_HOC
    duckdb_sql: str = ""
    elapsed_seconds: float = 0.0

    def to_records(self) -> list[dict[str, Any]]:
        """Return the rows as dictionaries keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return the rows as a JSON array of objects (values that JSON lacks as strings)."""
        return json.dumps(self.to_records(), indent=indent, ensure_ascii=False, default=str)

    def to_csv(self) -> str:
        """Return the rows as CSV with a header line; ``None`` becomes an empty field."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow(["" if value is None else value for value in row])
        return buffer.getvalue()

    def to_table(self, *, max_width: int | None = 60) -> str:
        """Return the rows as an aligned text table, with a row count at the end.

        Parameters
        ----------
        max_width:
            Longest cell shown; longer values are cut with ``…``. ``None``: no limit.
            Default: - 60 characters.
        """
        cells = [[_cell(value, max_width) for value in row] for row in self.rows]
        widths = [
            max([len(name), *(len(row[index]) for row in cells)])
            for index, name in enumerate(self.columns)
        ]
        numeric = [
            bool(self.rows) and all(isinstance(row[index], int | float) for row in self.rows)
            for index in range(len(self.columns))
        ]

        def line(values: Sequence[str]) -> str:
            padded = (
                value.rjust(width) if right else value.ljust(width)
                for value, width, right in zip(values, widths, numeric, strict=True)
            )
            return " | ".join(padded).rstrip()

        count = len(self.rows)
        lines = [line(self.columns), "-+-".join("-" * width for width in widths)]
        lines.extend(line(row) for row in cells)
        lines.append(f"({count} row{'' if count == 1 else 's'})")
        return "\n".join(lines) + "\n"


class LocalAuditEngine:
    """Runs the audit queries (or ad-hoc Athena SQL) on CloudTrail log files on disk.

    Parameters
    ----------
    root:
        A folder holding CloudTrail's S3 layout: the ``AWSLogs`` folder itself, or a folder
        (a bucket, or a key prefix of one) with ``AWSLogs`` at most three levels below it.
        Account trails (``AWSLogs/<account>/CloudTrail/...``) and organization trails
        (``AWSLogs/<org-id>/<account>/CloudTrail/...``) can be mixed.
    threads:
        DuckDB worker threads. Default: - one per CPU.

    Raises
    ------
    LogFolderError
        If ``root`` does not exist, is not a folder, or has no ``AWSLogs`` folder.
    InvalidParameterError
        If ``threads`` is less than 1.

    Examples
    --------
    >>> engine = LocalAuditEngine("s3-copy/my-trail-bucket")  # doctest: +SKIP
    >>> result = engine.run(
    ...     "root_activity", {"start_day": "2024/01/01", "end_day": "2024/01/31"}
    ... )  # doctest: +SKIP
    >>> print(result.to_table())  # doctest: +SKIP
    """

    def __init__(self, root: Path | str, *, threads: int | None = None) -> None:
        given = str(root)
        path = Path(root).expanduser()
        if not path.exists():
            raise LogFolderError(given, "does not exist")
        if not path.is_dir():
            raise LogFolderError(given, "is not a folder")
        if threads is not None and threads < 1:
            raise InvalidParameterError(
                "LocalAuditEngine", "threads", f"must be at least 1, got {threads}"
            )
        self.root: Final = path.resolve()
        self.threads: Final = threads
        self.log_roots: Final = _find_log_roots(self.root)
        if not self.log_roots:
            raise LogFolderError(
                given,
                f"no {_LOG_ROOT_NAME} folder in it or up to {_MAX_PREFIX_DEPTH} levels below; "
                "expected CloudTrail's layout [<prefix>/]AWSLogs/[<org-id>/]<account>/"
                "CloudTrail/<region>/YYYY/MM/DD/*.json.gz",
            )

    def list_files(self, start_day: str | None = None, end_day: str | None = None) -> list[LogFile]:
        """List the log files, pruning folders outside ``start_day``..``end_day``.

        Only the date folders in the range are opened, as Athena's partition projection
        only reads the partitions a query's ``day`` predicate selects.

        Parameters
        ----------
        start_day, end_day:
            Inclusive range of days as ``yyyy/MM/dd``. Default: - every day.

        Returns
        -------
        list[LogFile]
            The ``*.json.gz`` files of the ``CloudTrail`` folders (not ``CloudTrail-Digest``
            or ``CloudTrail-Insight``), in path order.
        """
        if (start_day is None) != (end_day is None):
            raise QueryParameterError(
                _AD_HOC, "start_day" if start_day is None else "end_day", "give both days or none"
            )
        if start_day is not None and end_day is not None:
            check_day_range(_AD_HOC, start_day, end_day)
        files = [
            log_file
            for log_root in self.log_roots
            for log_file in _list_log_files(log_root, start_day, end_day)
        ]
        files.sort(key=lambda log_file: log_file.path)
        return files

    def run(
        self, query_name: str, params: Mapping[str, str], *, progress: bool | None = None
    ) -> QueryResult:
        """Run a named query of the catalog.

        Parameters
        ----------
        query_name:
            One of :func:`~constructs_obs.audit.catalog.load_queries`.
        params:
            A value for each of the query's parameters, by name (``start_day`` and
            ``end_day`` as ``yyyy/MM/dd``).
        progress:
            Show a progress bar on stderr. Default: - when stderr is a terminal.

        Raises
        ------
        UnknownQueryError
            If there is no such query (the message lists the known ones).
        QueryParameterError
            If a parameter is missing, unexpected or malformed (the message names it).
        QueryExecutionError
            If DuckDB rejects the query.
        MissingAuditExtraError
            If duckdb, sqlglot or tqdm is not installed.
        """
        query = get_query(query_name)
        values = query.bind(params)
        return self._run(
            query.name,
            query.sql,
            values,
            params["start_day"],
            params["end_day"],
            progress=progress,
        )

    def run_sql(
        self,
        sql: str,
        params: Sequence[str] = (),
        *,
        start_day: str | None = None,
        end_day: str | None = None,
        progress: bool | None = None,
    ) -> QueryResult:
        """Run ad-hoc SQL in Athena's dialect against ``cloudtrail_logs``.

        Parameters
        ----------
        sql:
            One query (``SELECT``/``WITH``), in Athena's dialect.
        params:
            Values of its ``?`` placeholders, in order.
        start_day, end_day:
            Read only the files of these days (inclusive, ``yyyy/MM/dd``); the SQL should
            filter ``day`` the same way, as Athena would prune partitions from it.
            Default: - every file is read.
        progress:
            Show a progress bar on stderr. Default: - when stderr is a terminal.

        Raises
        ------
        QueryParameterError
            If the number of values differs from the number of placeholders, or a day is
            malformed.
        QueryDefinitionError
            If ``sql`` is not one query sqlglot can read as Athena SQL.
        QueryExecutionError
            If DuckDB rejects the query.
        """
        if (start_day is None) != (end_day is None):
            raise QueryParameterError(
                _AD_HOC, "start_day" if start_day is None else "end_day", "give both days or none"
            )
        if start_day is not None and end_day is not None:
            check_day_range(_AD_HOC, start_day, end_day)
        translation = _translate(sql)
        if translation.placeholders != len(params):
            raise QueryParameterError(
                _AD_HOC,
                "params",
                f"the SQL has {translation.placeholders} '?' placeholder(s) but "
                f"{len(params)} value(s) were given",
            )
        return self._run(_AD_HOC, sql, tuple(params), start_day, end_day, progress=progress)

    def _run(
        self,
        name: str,
        sql: str,
        values: tuple[str, ...],
        start_day: str | None,
        end_day: str | None,
        *,
        progress: bool | None,
    ) -> QueryResult:
        started = time.perf_counter()
        _require("duckdb")
        import duckdb  # noqa: PLC0415 - the audit extra, imported on use

        translation = _translate(sql)
        source = _Source.for_paths(translation.paths)
        files = self.list_files(start_day, end_day)
        if progress is None:
            # On a terminal, a bar if tqdm is there; asked for explicitly, tqdm is required.
            show_progress = sys.stderr.isatty() and importlib.util.find_spec("tqdm") is not None
        else:
            show_progress = progress
        skipped: list[SkippedFile] = []
        object_size = _object_size_for(files)
        swept = False
        while True:
            try:
                columns, rows = self._execute(
                    source, files, object_size, translation.sql, values, name, show_progress
                )
                break
            except (duckdb.IOException, duckdb.InvalidInputException) as error:
                message = str(error)
                if "maximum_object_size" in message and object_size < _MAX_OBJECT_SIZE:
                    object_size = min(_MAX_OBJECT_SIZE, object_size * 4)
                    continue
                culprit = _file_named_in(message, files)
                if culprit is not None and (swept or len(skipped) < _SKIPS_BEFORE_SWEEP):
                    bad = [SkippedFile(culprit.path, _reason(message, culprit.path))]
                elif not swept:
                    swept = True
                    bad = self._sweep(source, files, object_size)
                else:
                    bad = []
                if not bad:
                    raise QueryExecutionError(name, _first_line(message)) from None
                for skipped_file in bad:
                    _LOGGER.warning(
                        "skipping unreadable CloudTrail log file %s: %s",
                        skipped_file.path,
                        skipped_file.reason,
                    )
                skipped.extend(bad)
                bad_paths = {skipped_file.path for skipped_file in bad}
                files = [log_file for log_file in files if log_file.path not in bad_paths]
            except duckdb.Error as error:
                raise QueryExecutionError(name, _first_line(str(error))) from None
        return QueryResult(
            columns=columns,
            rows=rows,
            files_scanned=tuple(log_file.path for log_file in files),
            skipped_files=tuple(sorted(skipped, key=lambda skipped_file: skipped_file.path)),
            query=name,
            duckdb_sql=translation.sql,
            elapsed_seconds=time.perf_counter() - started,
        )

    def _connect(self) -> duckdb.DuckDBPyConnection:
        import duckdb  # noqa: PLC0415 - the audit extra, imported on use

        config: dict[str, str | bool | int | float | list[str]] = {}
        if self.threads is not None:
            config["threads"] = self.threads
        return duckdb.connect(":memory:", config=config)

    def _execute(
        self,
        source: _Source,
        files: Sequence[LogFile],
        object_size: int,
        sql: str,
        values: tuple[str, ...],
        name: str,
        show_progress: bool,
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        with self._connect() as connection:
            if files:
                connection.execute(
                    "CREATE TEMP TABLE _ct_files AS SELECT unnest(?) AS filename, unnest(?) AS "
                    "account, unnest(?) AS region, unnest(?) AS day",
                    [
                        [str(log_file.path) for log_file in files],
                        [log_file.account for log_file in files],
                        [log_file.region for log_file in files],
                        [log_file.day for log_file in files],
                    ],
                )
            connection.execute(source.view_sql(files, object_size))
            if show_progress:
                return _execute_with_progress(connection, sql, values, name, len(files))
            cursor = connection.execute(sql, list(values))
            rows = cursor.fetchall()
            return _column_names(cursor), rows

    def _sweep(
        self, source: _Source, files: Sequence[LogFile], object_size: int
    ) -> list[SkippedFile]:
        """Read every file on its own; return the ones DuckDB cannot read."""
        import duckdb  # noqa: PLC0415 - the audit extra, imported on use

        bad: list[SkippedFile] = []
        with self._connect() as connection:
            for log_file in files:
                try:
                    connection.execute(source.check_sql(log_file, object_size)).fetchall()
                except (duckdb.IOException, duckdb.InvalidInputException) as error:
                    bad.append(SkippedFile(log_file.path, _reason(str(error), log_file.path)))
        return bad


@dataclass(frozen=True)
class _Translation:
    sql: str
    placeholders: int
    # Field paths the query reads (("useridentity", "arn"), ("eventname",) ...); None: all.
    paths: frozenset[tuple[str, ...]] | None


@functools.lru_cache(maxsize=128)
def _translate(sql: str) -> _Translation:
    _require("sqlglot")
    import sqlglot  # noqa: PLC0415 - the audit extra, imported on use
    from sqlglot import exp  # noqa: PLC0415
    from sqlglot.errors import ErrorLevel, SqlglotError  # noqa: PLC0415

    try:
        statements = [
            statement for statement in sqlglot.parse(sql, read="athena") if statement is not None
        ]
    except SqlglotError as error:
        raise QueryDefinitionError(
            _AD_HOC, f"not valid Athena SQL: {_first_line(str(error))}"
        ) from None
    if len(statements) != 1:
        raise QueryDefinitionError(_AD_HOC, f"expected one query, found {len(statements)}")
    (tree,) = statements
    if not isinstance(tree, exp.Query):
        raise QueryDefinitionError(
            _AD_HOC, f"only queries (SELECT, WITH) can run, not {tree.key.upper()}"
        )
    try:
        duck_sql = tree.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as error:
        raise QueryDefinitionError(
            _AD_HOC, f"cannot translate to DuckDB: {_first_line(str(error))}"
        ) from None
    placeholders = sum(1 for _ in tree.find_all(exp.Placeholder))
    return _Translation(duck_sql, placeholders, _read_paths(tree))


def _read_paths(tree: sqlglot.exp.Expr) -> frozenset[tuple[str, ...]] | None:
    """The table fields a query reads, or ``None`` if it may read every one (``*``)."""
    from sqlglot import exp  # noqa: PLC0415 - the audit extra, imported on use

    for star in tree.find_all(exp.Star):
        if not isinstance(star.parent, exp.Count):
            return None
    top_level = set(_COLUMN_TYPES)
    paths: set[tuple[str, ...]] = set()
    for column in tree.find_all(exp.Column):
        parts = [part.name.lower() for part in column.parts]
        node: exp.Expr = column
        while isinstance(node.parent, exp.Dot) and node.parent.this is node:
            parts.append(node.parent.expression.name.lower())
            node = node.parent
        for index, part in enumerate(parts):
            if part in top_level:
                paths.add(tuple(parts[index:]))
                break
    return frozenset(paths)


@dataclass(frozen=True)
class _Source:
    """How to read the fields a query needs from the log files, and name them as Athena does."""

    columns: tuple[tuple[str, HiveType], ...]

    @classmethod
    def for_paths(cls, paths: frozenset[tuple[str, ...]] | None) -> _Source:
        if paths is None:
            return cls(tuple(_COLUMN_TYPES.items()))
        columns = []
        for name, hive_type in _COLUMN_TYPES.items():
            below = [path[1:] for path in paths if path[0] == name]
            if below:
                columns.append((name, _prune(hive_type, below)))
        if not columns:
            # Counting rows still needs one field to read.
            columns.append(("eventid", _COLUMN_TYPES["eventid"]))
        return cls(tuple(columns))

    def record_type(self) -> str:
        """DuckDB type of one record, with CloudTrail's JSON keys."""
        fields = (
            f"{_quote(json_key((name,)))} {_duckdb_type(hive_type, (name,))}"
            for name, hive_type in self.columns
        )
        return f"STRUCT({', '.join(fields)})"

    def read_json(self, paths: Sequence[str], object_size: int, *, filename: bool = True) -> str:
        records_type = _literal(self.record_type() + "[]")
        file_list = "[" + ", ".join(_literal(path) for path in paths) + "]"
        return (
            f"read_json({file_list}, columns = {{'Records': {records_type}}}, "
            "auto_detect = false, format = 'unstructured', records = true, "
            f"filename = {'true' if filename else 'false'}, maximum_object_size = {object_size})"
        )

    # The SQL below is assembled from the schema and from file paths quoted by _literal: no
    # user text reaches it (ruff's S608 cannot tell).
    def view_sql(self, files: Sequence[LogFile], object_size: int) -> str:
        projections = [
            f"{_rename('r.' + _quote(json_key((name,))), hive_type, (name,))} AS {_quote(name)}"
            for name, hive_type in self.columns
        ]
        projections.extend(_quote(name) for name in _PARTITION_NAMES)
        if files:
            scan = self.read_json([str(log_file.path) for log_file in files], object_size)
            source = f'SELECT f.account, f.region, f.day, unnest(j."Records") AS r FROM {scan} AS j'  # noqa: S608
            source += " JOIN _ct_files AS f ON j.filename = f.filename"
        else:
            nothing = "NULL::VARCHAR AS account, NULL::VARCHAR AS region, NULL::VARCHAR AS day"
            source = f"SELECT {nothing}, NULL::{self.record_type()} AS r WHERE false"
        select = ", ".join(projections)
        return f"CREATE TEMP VIEW {TABLE_NAME} AS SELECT {select} FROM ({source}) AS s"  # noqa: S608

    def check_sql(self, log_file: LogFile, object_size: int) -> str:
        scan = self.read_json([str(log_file.path)], object_size, filename=False)
        return f'SELECT sum(len("Records")) FROM {scan}'  # noqa: S608


def _prune(hive_type: HiveType, paths: Sequence[tuple[str, ...]]) -> HiveType:
    """Keep the parts of ``hive_type`` that ``paths`` (relative to it) reach."""
    if any(not path for path in paths):
        return hive_type
    match hive_type:
        case StructType(fields):
            kept = []
            for name, field_type in fields:
                below = [path[1:] for path in paths if path[0] == name]
                if below:
                    kept.append((name, _prune(field_type, below)))
            # A path to a field that does not exist: keep everything, DuckDB names the error.
            return StructType(tuple(kept)) if kept else hive_type
        case ArrayType(element):
            return ArrayType(_prune(element, paths))
        case _:
            return hive_type


def _duckdb_type(hive_type: HiveType, path: tuple[str, ...]) -> str:
    match hive_type:
        case PrimitiveType("decimal", arguments) if arguments:
            return f"DECIMAL({', '.join(str(argument) for argument in arguments)})"
        case PrimitiveType(name):
            return _DUCKDB_TYPES.get(name, "VARCHAR")
        case StructType(fields):
            inner = ", ".join(
                f"{_quote(json_key((*path, name)))} {_duckdb_type(field_type, (*path, name))}"
                for name, field_type in fields
            )
            return f"STRUCT({inner})"
        case ArrayType(element):
            return f"{_duckdb_type(element, path)}[]"
        case MapType(key, value):
            return f"MAP({_duckdb_type(key, path)}, {_duckdb_type(value, path)})"


def _rename(expression: str, hive_type: HiveType, path: tuple[str, ...]) -> str:
    """A DuckDB expression turning CloudTrail's field names into the table's lower-case ones."""
    match hive_type:
        case StructType(fields):
            packed = ", ".join(
                f"{_quote(name)} := "
                + _rename(
                    f"{expression}.{_quote(json_key((*path, name)))}", field_type, (*path, name)
                )
                for name, field_type in fields
            )
            return f"CASE WHEN {expression} IS NULL THEN NULL ELSE struct_pack({packed}) END"
        case ArrayType(StructType() as element):
            variable = f"e{len(path)}"
            return (
                f"list_transform({expression}, lambda {variable}: "
                f"{_rename(variable, element, path)})"
            )
        case _:
            return expression


def _execute_with_progress(
    connection: duckdb.DuckDBPyConnection,
    sql: str,
    values: tuple[str, ...],
    name: str,
    file_count: int,
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """Run the query in a worker thread and show DuckDB's progress with tqdm on stderr."""
    _require("tqdm")
    # tqdm ships no type information.
    import tqdm  # type: ignore[import-untyped]  # noqa: PLC0415 - the audit extra, on use

    connection.execute(
        "SET enable_progress_bar = true; SET enable_progress_bar_print = false; "
        "SET progress_bar_time = 0"
    )
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            cursor = connection.execute(sql, list(values))
            outcome["rows"] = cursor.fetchall()
            outcome["columns"] = _column_names(cursor)
        except BaseException as error:  # re-raised in the calling thread
            outcome["error"] = error

    worker = threading.Thread(target=work, name="constructs-obs-audit-query", daemon=True)
    description = f"{name} ({file_count} file{'' if file_count == 1 else 's'})"
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
        except KeyboardInterrupt:
            connection.interrupt()
            worker.join()
            raise
        if "error" not in outcome:
            bar.update(100 - bar.n)
            bar.refresh()
    if "error" in outcome:
        raise outcome["error"]
    columns: tuple[str, ...] = outcome["columns"]
    rows: list[tuple[Any, ...]] = outcome["rows"]
    return columns, rows


def _column_names(cursor: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    description = cursor.description or []
    return tuple(str(item[0]) for item in description)


def _find_log_roots(root: Path) -> tuple[Path, ...]:
    if root.name == _LOG_ROOT_NAME:
        return (root,)
    found: list[Path] = []
    frontier = [root]
    for _ in range(_MAX_PREFIX_DEPTH + 1):
        deeper: list[Path] = []
        for folder in frontier:
            for child in _subfolders(folder):
                if child.name == _LOG_ROOT_NAME:
                    found.append(child)
                elif not child.name.startswith("."):
                    deeper.append(child)
        frontier = deeper
    return tuple(sorted(found))


def _subfolders(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            return sorted(Path(entry.path) for entry in entries if entry.is_dir())
    except OSError:
        return []


def _list_log_files(
    log_root: Path, start_day: str | None, end_day: str | None
) -> Iterator[LogFile]:
    for trail, account, organization_id in _trail_folders(log_root):
        for region_folder in _subfolders(trail):
            for day_folder, day in _day_folders(region_folder, start_day, end_day):
                with os.scandir(day_folder) as entries:
                    names = sorted(
                        entry.name
                        for entry in entries
                        if entry.name.endswith(".json.gz") and entry.is_file()
                    )
                for file_name in names:
                    yield LogFile(
                        day_folder / file_name, account, region_folder.name, day, organization_id
                    )


def _trail_folders(log_root: Path) -> Iterator[tuple[Path, str, str | None]]:
    """``(<...>/CloudTrail, account, organization id)`` for account and organization trails."""
    for child in _subfolders(log_root):
        if (child / _TRAIL_FOLDER).is_dir():
            yield child / _TRAIL_FOLDER, child.name, None
            continue
        for account in _subfolders(child):
            if (account / _TRAIL_FOLDER).is_dir():
                yield account / _TRAIL_FOLDER, account.name, child.name


def _day_folders(
    region_folder: Path, start_day: str | None, end_day: str | None
) -> Iterator[tuple[Path, str]]:
    """The ``YYYY/MM/DD`` folders, opening only the years and months the range reaches."""
    for year in _subfolders(region_folder):
        if not _YEAR.fullmatch(year.name) or not _overlaps(year.name, 4, start_day, end_day):
            continue
        for month in _subfolders(year):
            month_key = f"{year.name}/{month.name}"
            if not _MONTH_OR_DAY.fullmatch(month.name) or not _overlaps(
                month_key, 7, start_day, end_day
            ):
                continue
            for day in _subfolders(month):
                day_key = f"{month_key}/{day.name}"
                if _MONTH_OR_DAY.fullmatch(day.name) and _overlaps(day_key, 10, start_day, end_day):
                    yield day, day_key


def _overlaps(key: str, length: int, start_day: str | None, end_day: str | None) -> bool:
    """Whether the period ``key`` (a prefix of ``yyyy/MM/dd``) meets the day range."""
    if start_day is None or end_day is None:
        return True
    return start_day[:length] <= key <= end_day[:length]


def _object_size_for(files: Sequence[LogFile]) -> int:
    """A ``maximum_object_size`` that fits the largest file, from the gzip size trailers."""
    largest = 0
    for log_file in files:
        try:
            with log_file.path.open("rb") as handle:
                handle.seek(-4, os.SEEK_END)
                largest = max(largest, int.from_bytes(handle.read(4), "little"))
        except OSError:
            continue  # too short to be gzip: DuckDB reports it
    size = _MIN_OBJECT_SIZE
    while size <= largest and size < _MAX_OBJECT_SIZE:
        size *= 2
    return min(size, _MAX_OBJECT_SIZE)


def _file_named_in(message: str, files: Sequence[LogFile]) -> LogFile | None:
    named = [log_file for log_file in files if str(log_file.path) in message]
    return max(named, key=lambda log_file: len(str(log_file.path)), default=None)


def _reason(message: str, path: Path) -> str:
    """DuckDB's message about a file, naming it by its file name (the path is shown apart)."""
    return _first_line(message).replace(str(path), path.name)


def _first_line(message: str) -> str:
    lines = message.strip().splitlines()
    return lines[0].strip() if lines else message


def _cell(value: object, max_width: int | None) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    if max_width is not None and len(text) > max_width:
        return text[: max(max_width - 1, 0)] + "…"
    return text


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _require(module: str) -> None:
    """Import an optional dependency of the ``audit`` extra, or say how to install it."""
    try:
        importlib.import_module(module)
    except ImportError:
        raise MissingAuditExtraError(module) from None
