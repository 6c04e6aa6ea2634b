"""Run the audit queries on CloudTrail log files on disk, with DuckDB.

:class:`LocalAuditEngine` points at a folder in CloudTrail's S3 layout (a bucket synced with
``aws s3 sync``, or test fixtures)::

    [<prefix>/]AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/<yyyy>/<MM>/<dd>/*.json.gz

and exposes the files to DuckDB as a view called ``cloudtrail_logs`` with the columns of the
Athena table (:mod:`~constructs_obs.audit.local.source_view`) plus the ``account``, ``region``
and ``day`` partition columns read from the path. The SQL, written in Athena's dialect, is
transpiled by sqlglot (:mod:`~constructs_obs.audit.local.translation`).

Like partition projection in Athena, the day range of a query prunes the folders listed
(:mod:`~constructs_obs.audit.local.log_files`): a one-day query over a month of logs reads one
day of files (see :attr:`QueryResult.files_scanned`). Only the fields a query uses are
converted from JSON.

Athena reads only what the table projects (days from ``projection_start``, the projected
regions and accounts); a file of the day range outside the engine's :class:`TableProjection`
is read and warned about (the ``constructs_obs.audit`` logger, and
:attr:`QueryResult.outside_projection`), or left out with ``only_projected=True``.

A log file that cannot be read (not gzip, truncated, malformed JSON, or not shaped like a
CloudTrail log) is skipped, logged as a warning on the ``constructs_obs.audit`` logger and
listed in :attr:`QueryResult.skipped_files`; the query runs on the other files.

duckdb, sqlglot, tqdm, msgspec, pyarrow and isal are the ``audit`` extra: they are imported
when a query runs, not when this module is imported.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from constructs_obs.audit.catalog import get_query
from constructs_obs.audit.errors import LogFolderError, QueryExecutionError, QueryParameterError
from constructs_obs.audit.local._extra import require
from constructs_obs.audit.local._messages import AD_HOC, first_line
from constructs_obs.audit.local.execution import (
    Rows,
    Statement,
    connect,
    decoding_progress,
    execute_with_progress,
    fetch,
    show_progress,
)
from constructs_obs.audit.local.log_files import (
    LOG_ROOT_NAME,
    MAX_PREFIX_DEPTH,
    LogFile,
    check_days,
    find_log_roots,
    list_log_files,
)
from constructs_obs.audit.local.parquet_cache import CacheEntry, ParquetCache
from constructs_obs.audit.local.query_result import QueryResult, SkippedFile
from constructs_obs.audit.local.record_decoder import decodable, decode_files, with_file_values
from constructs_obs.audit.local.source_view import (
    TAG_COLUMN,
    SourceView,
    cached_view_sql,
    copy_to_parquet_sql,
    larger_object_size,
    object_size_for,
)
from constructs_obs.audit.local.translation import translate
from constructs_obs.audit.projection import TableProjection
from constructs_obs.errors import InvalidParameterError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

__all__ = ["LocalAuditEngine"]

_LOGGER: Final = logging.getLogger("constructs_obs.audit")

# After this many files skipped one failed run at a time, check every file once instead.
_SKIPS_BEFORE_SWEEP: Final = 2


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
    projection:
        What the Athena table projects (``AuditQueries.projection``): a query that reads a
        log file outside it (a day before ``projection_start``, a region or an account not
        projected) warns, on the ``constructs_obs.audit`` logger (stderr) and in
        :attr:`QueryResult.outside_projection`, since Athena would not read that file.
        Default: - ``AuditQueries``' defaults: from 2024/01/01, every commercial region,
        any account.
    only_projected:
        Leave out the files outside ``projection`` instead of warning, to answer exactly
        what Athena would. Default: ``False``, every file in the day range is read.
    cache:
        A folder to keep each log folder read into Parquet
        (:mod:`~constructs_obs.audit.local.parquet_cache`): the first query over a day
        reads its JSON once (and takes longer), later queries read columns. Created if
        missing, readable by its owner only. Default: - no cache, JSON read every time.
    fast_json:
        Decode the log files with msgspec (in worker processes, one per thread) when every
        field a query reads is text (:mod:`~constructs_obs.audit.local.record_decoder`),
        about twice as fast; a file it cannot decode goes to DuckDB's reader. One difference:
        a key written twice in an object (DuckDB skips the file, msgspec keeps the last
        value). ``False``: DuckDB's JSON reader for every file. Default: ``True``.

    Raises
    ------
    LogFolderError
        If ``root`` does not exist, is not a folder, or has no ``AWSLogs`` folder.
    InvalidParameterError
        If ``threads`` is less than 1, or ``cache`` cannot be made a folder.

    Examples
    --------
    >>> engine = LocalAuditEngine("s3-copy/my-trail-bucket")  # doctest: +SKIP
    >>> result = engine.run(
    ...     "root_activity", {"start_day": "2024/01/01", "end_day": "2024/01/31"}
    ... )  # doctest: +SKIP
    >>> print(result.to_table())  # doctest: +SKIP
    """

    def __init__(
        self,
        root: Path | str,
        *,
        threads: int | None = None,
        projection: TableProjection | None = None,
        only_projected: bool = False,
        cache: Path | str | None = None,
        fast_json: bool = True,
    ) -> None:
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
        if projection is not None and not isinstance(projection, TableProjection):
            raise InvalidParameterError(
                "LocalAuditEngine",
                "projection",
                f"expected a TableProjection (AuditQueries.projection), got {projection!r}",
            )
        self.root: Final = path.resolve()
        self.threads: Final = threads
        self.projection: Final = projection or TableProjection()
        self.only_projected: Final = bool(only_projected)
        self.cache: Final = _open_cache(cache)
        self.fast_json: Final = bool(fast_json)
        self.log_roots: Final = find_log_roots(self.root)
        if not self.log_roots:
            raise LogFolderError(
                given,
                f"no {LOG_ROOT_NAME} folder in it or up to {MAX_PREFIX_DEPTH} levels below; "
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
        check_days(start_day, end_day)
        return list_log_files(self.log_roots, start_day, end_day)

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
        check_days(start_day, end_day)
        translation = translate(sql)
        if translation.placeholders != len(params):
            raise QueryParameterError(
                AD_HOC,
                "params",
                f"the SQL has {translation.placeholders} '?' placeholder(s) but "
                f"{len(params)} value(s) were given",
            )
        return self._run(AD_HOC, sql, tuple(params), start_day, end_day, progress=progress)

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
        require("duckdb")
        translation = translate(sql)
        source = SourceView.for_paths(translation.paths)
        files, outside = self._projected(self.list_files(start_day, end_day), name)
        statement = Statement(
            name, translation.sql, values, show_progress(progress), translation.required
        )
        cached = None
        if self.cache is not None:
            cached = self._execute_cached(self.cache, files, statement)
        if cached is None:
            (columns, rows), files, skipped, worker_cpu = self._execute_readable(
                source, files, statement
            )
        else:
            (columns, rows), skipped, worker_cpu = cached, [], 0.0
        return QueryResult(
            columns=columns,
            rows=rows,
            files_scanned=tuple(log_file.path for log_file in files),
            skipped_files=tuple(sorted(skipped, key=lambda skipped_file: skipped_file.path)),
            outside_projection=outside,
            only_projected=self.only_projected,
            query=name,
            duckdb_sql=translation.sql,
            elapsed_seconds=time.perf_counter() - started,
            worker_cpu_seconds=worker_cpu,
        )

    def _projected(
        self, files: list[LogFile], name: str
    ) -> tuple[list[LogFile], tuple[SkippedFile, ...]]:
        """The files to read, and those outside the projection (left out or warned about)."""
        outside: list[SkippedFile] = []
        inside: list[LogFile] = []
        for log_file in files:
            reason = self.projection.outside(
                account=log_file.account, region=log_file.region, day=log_file.day
            )
            if reason is None:
                inside.append(log_file)
            else:
                outside.append(SkippedFile(log_file.path, reason))
        if outside:
            _LOGGER.log(
                logging.INFO if self.only_projected else logging.WARNING,
                "%s: %s %d log file(s) Athena would not read, outside the table's projection "
                "(first: %s: %s)%s",
                name,
                "left out" if self.only_projected else "read",
                len(outside),
                outside[0].path,
                outside[0].reason,
                ""
                if self.only_projected
                else "; only_projected=True (--only-projected) leaves them out",
            )
        return (inside if self.only_projected else files), tuple(outside)

    def _execute_readable(
        self,
        source: SourceView,
        files: list[LogFile],
        statement: Statement,
        tags: Mapping[Path, str] | None = None,
    ) -> tuple[Rows, list[LogFile], list[SkippedFile], float]:
        """Run ``statement`` on the files that can be read: the rows, the files read, the
        files skipped, the decoder workers' CPU seconds. A file DuckDB fails on is left out
        and the statement runs again. ``tags``: see :meth:`SourceView.create`."""
        import duckdb  # noqa: PLC0415 - the audit extra, imported on use

        # Filling the cache (tags) reads every column, the JSON text ones too: DuckDB's reader.
        decoded, json_files, worker_cpu = (
            self._decode(source, files, statement) if tags is None else (None, files, 0.0)
        )
        skipped: list[SkippedFile] = []
        object_size = object_size_for(json_files)
        swept = False
        while True:
            # The message only: DuckDB's exception, its traceback and the frames holding the
            # connection are let go here, not chained to the error raised.
            try:
                rows = self._execute(
                    source, json_files, object_size, statement, tags, decoded, len(files)
                )
                if not skipped:  # hashing thousands of paths costs milliseconds
                    return rows, files, skipped, worker_cpu
                left_out = {skipped_file.path for skipped_file in skipped}
                read = [log_file for log_file in files if log_file.path not in left_out]
                return rows, read, skipped, worker_cpu
            except (duckdb.IOException, duckdb.InvalidInputException) as error:
                message, readable = str(error), False
            except duckdb.Error as error:
                message, readable = str(error), True
            larger = None if readable else larger_object_size(message, object_size)
            if larger is not None:
                object_size = larger
                continue
            bad: list[SkippedFile] = []
            if not readable:
                bad, swept = self._unreadable(
                    message, source, json_files, object_size, swept=swept, skipped=len(skipped)
                )
            if not bad:
                raise QueryExecutionError(statement.name, first_line(message))
            for skipped_file in bad:
                _LOGGER.warning(
                    "skipping unreadable CloudTrail log file %s: %s",
                    skipped_file.path,
                    skipped_file.reason,
                )
            skipped.extend(bad)
            bad_paths = {skipped_file.path for skipped_file in bad}
            json_files = [log_file for log_file in json_files if log_file.path not in bad_paths]

    def _decode(
        self, source: SourceView, files: list[LogFile], statement: Statement
    ) -> tuple[pa.Table | None, list[LogFile], float]:
        """The records msgspec decodes (:mod:`~constructs_obs.audit.local.record_decoder`),
        but those the statement can never use, with their partition values, the files left for
        DuckDB's reader, the workers' CPU."""
        if not (self.fast_json and files and decodable(source.columns)):
            return None, files, 0.0
        for module in ("msgspec", "pyarrow", "isal"):
            require(module)
        cpus = os.cpu_count() or 1
        workers = min(self.threads or cpus, cpus)
        paths = [log_file.path for log_file in files]
        with decoding_progress(statement, len(files)) as progress:
            decoded = decode_files(source.columns, paths, workers, progress, statement.required)
        json_files = [files[index] for index in decoded.refused]
        if decoded.table is None:
            return None, json_files, decoded.worker_cpu_seconds
        per_file = {
            "account": [log_file.account for log_file in files],
            "region": [log_file.region for log_file in files],
            "day": [log_file.day for log_file in files],
        }
        return with_file_values(decoded.table, per_file), json_files, decoded.worker_cpu_seconds

    def _execute_cached(
        self, cache: ParquetCache, files: list[LogFile], statement: Statement
    ) -> Rows | None:
        """Run ``statement`` on the cache's entries of ``files``, reading the log folders not
        cached yet into it first, in one pass; ``None`` when a folder holds a file that
        could not be read with every column (the JSON answers, as without the cache)."""
        import duckdb  # noqa: PLC0415 - the audit extra, imported on use

        for attempt in range(2):
            entries = cache.entries(files)
            missing = [entry for entry in entries if entry.load() is None]
            if missing:
                self._fill(cache, missing, statement)
            parquet_files: list[Path] = []
            for entry in entries:
                stored = entry.load()
                if stored is None or stored.skipped:
                    return None
                parquet_files.extend(stored.parquet_files)
            try:
                return self._query_cached(parquet_files, statement)
            except duckdb.IOException as error:
                # An entry replaced by another process meanwhile: look again, once.
                message = str(error)
                if attempt == 0:
                    continue
            except duckdb.Error as error:
                message = str(error)
            break
        raise QueryExecutionError(statement.name, first_line(message))

    def _query_cached(self, parquet_files: list[Path], statement: Statement) -> Rows:
        with self._connect() as connection:
            if parquet_files:
                connection.execute(cached_view_sql(parquet_files))
            else:
                SourceView.for_paths(None).create(connection, [], 0)
            if statement.show_progress:
                return execute_with_progress(connection, statement, len(parquet_files))
            return fetch(connection, statement)

    def _fill(self, cache: ParquetCache, entries: list[CacheEntry], statement: Statement) -> None:
        """Read the log files of ``entries`` into the cache, in one pass."""
        staging = cache.staging()
        try:
            files = [log_file for entry in entries for log_file in entry.files]
            tags = {log_file.path: entry.key for entry in entries for log_file in entry.files}
            copy = Statement(
                f"{statement.name} (reading into the cache)",
                copy_to_parquet_sql(staging),
                (),
                statement.show_progress,
            )
            source = SourceView.for_paths(None)
            _, _, skipped, _ = self._execute_readable(source, files, copy, tags)
            for entry in entries:
                entry.commit(
                    staging / f"{TAG_COLUMN}={entry.key}",
                    [item for item in skipped if item.path.parent == entry.folder],
                )
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _unreadable(
        self,
        message: str,
        source: SourceView,
        files: Sequence[LogFile],
        object_size: int,
        *,
        swept: bool,
        skipped: int,
    ) -> tuple[list[SkippedFile], bool]:
        """The files to leave out after DuckDB's ``message``, and whether every file has
        been read on its own: the file the message names while few have failed, otherwise
        every file checked once (``[]`` when that was done already)."""
        culprit = _file_named_in(message, files)
        if culprit is not None and (swept or skipped < _SKIPS_BEFORE_SWEEP):
            return [SkippedFile(culprit.path, _reason(message, culprit.path))], swept
        if not swept:
            return self._sweep(source, files, object_size), True
        return [], swept

    def _connect(self) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]:
        return connect(self.threads)

    def _execute(
        self,
        source: SourceView,
        files: Sequence[LogFile],
        object_size: int,
        statement: Statement,
        tags: Mapping[Path, str] | None,
        decoded: pa.Table | None = None,
        file_count: int | None = None,
    ) -> Rows:
        with self._connect() as connection:
            source.create(connection, files, object_size, tags, decoded)
            if statement.show_progress:
                count = len(files) if file_count is None else file_count
                return execute_with_progress(connection, statement, count)
            return fetch(connection, statement)

    def _sweep(
        self, source: SourceView, files: Sequence[LogFile], object_size: int
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


def _open_cache(cache: Path | str | None) -> ParquetCache | None:
    if cache is None or str(cache) == "":
        return None
    try:
        return ParquetCache(Path(cache).expanduser())
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise InvalidParameterError(
            "LocalAuditEngine",
            "cache",
            f"must be a folder this user can create and write, empty or a cache already, "
            f"got {str(cache)!r}: {reason}",
        ) from None


def _file_named_in(message: str, files: Sequence[LogFile]) -> LogFile | None:
    named = [log_file for log_file in files if str(log_file.path) in message]
    return max(named, key=lambda log_file: len(str(log_file.path)), default=None)


def _reason(message: str, path: Path) -> str:
    """DuckDB's message about a file, naming it by its file name (the path is shown apart)."""
    return first_line(message).replace(str(path), path.name)
