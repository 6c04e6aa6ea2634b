"""Helpers of the local-engine tests: the fixture tree's files, log files written into a
temporary tree, and SQL run over a range of days."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from constructs_obs.audit import (
    COLUMNS,
    PARTITION_KEYS,
    LocalAuditEngine,
    QueryResult,
    load_queries,
)
from tests.audit.fixture_logs import (
    ACCOUNT_A,
    ALICE_KEY,
    LOG_ROOT,
    SOME_ROLE,
    SUSPECT_IP,
    LogFileSpec,
    event_id,
    load_sample,
    log_files,
)

__all__ = [
    "ALL_LOG_FILES",
    "COUNT_SQL",
    "EVERY_DAY",
    "MAY_1",
    "TABLE_COLUMNS",
    "answer",
    "bad_file",
    "catalog_params",
    "files_of",
    "good_file",
    "gzip_json",
    "record",
    "run_in",
    "run_python",
    "write_log",
]

#: Every log file of the fixture tree, in path order.
ALL_LOG_FILES: Final = sorted(LOG_ROOT / spec.relative_path for spec in log_files())
#: The columns of ``cloudtrail_logs``: Athena's, then the partition keys.
TABLE_COLUMNS: Final = tuple(column.name for column in COLUMNS + PARTITION_KEYS)


def files_of(*days: str) -> tuple[Path, ...]:
    """The fixture tree's log files of ``days``, in path order."""
    return tuple(sorted(LOG_ROOT / spec.relative_path for spec in log_files() if spec.day in days))


def record(number: int, when: str = "2024-05-01T10:00:00Z") -> dict[str, object]:
    """A root console sign-in record of the samples, numbered and timed."""
    sample = load_sample("04_consolelogin_root_nomfa_success.json")
    sample.update(eventID=event_id(number), eventTime=when)
    return sample


def write_log(log_root: Path, spec: LogFileSpec) -> Path:
    """Write the log file ``spec`` describes under ``log_root`` (an ``AWSLogs`` folder)."""
    path = log_root / spec.relative_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(spec.content())
    return path


def good_file(log_root: Path, number: int, stamp: str = "20240501T1000Z") -> Path:
    """A readable log file of 2024/05/01 holding the record ``number``."""
    return write_log(log_root, LogFileSpec(ACCOUNT_A, "us-east-1", stamp, (record(number),)))


def bad_file(log_root: Path, stamp: str, content: bytes) -> Path:
    """A log file of 2024/05/01 holding ``content`` as is."""
    return write_log(log_root, LogFileSpec(ACCOUNT_A, "us-east-1", stamp, raw=content))


#: The day of the log files ``good_file`` and ``bad_file`` write.
MAY_1: Final = {"start_day": "2024/05/01", "end_day": "2024/05/01"}


def run_in(
    engine: LocalAuditEngine,
    sql: str,
    period: Mapping[str, str],
    *values: str,
    progress: bool | None = None,
) -> QueryResult:
    """Run ``sql`` whose first two placeholders are the days of ``period``, reading those days."""
    start, end = period["start_day"], period["end_day"]
    return engine.run_sql(
        sql, [start, end, *values], start_day=start, end_day=end, progress=progress
    )


COUNT_SQL: Final = "SELECT eventid FROM cloudtrail_logs WHERE day BETWEEN ? AND ? ORDER BY eventid"


def gzip_json(text: str) -> bytes:
    """``text`` gzipped the same way each run."""
    return gzip.compress(text.encode(), mtime=0)


#: Every fixture day, the corrupt one (2024/03/20) included.
EVERY_DAY: Final = {"start_day": "2024/01/01", "end_day": "2024/12/31"}
# A value for each catalog query's parameters other than the days.
_QUERY_VALUES: Final = {
    "bucket_name": "BUCKETNAME",
    "access_key_id": ALICE_KEY,
    "source_ip": SUSPECT_IP,
    "principal_arn": SOME_ROLE,
}


def catalog_params(name: str, days: Mapping[str, str]) -> dict[str, str]:
    """Parameters of the catalog query ``name`` over ``days``, with values the fixtures match."""
    query = load_queries()[name]
    return {**days, **{param: _QUERY_VALUES[param] for param in query.params[2:]}}


def answer(result: QueryResult) -> tuple[object, ...]:
    """What two ways of running a query must agree on: rows, files read, files skipped."""
    return (result.columns, result.rows, result.files_scanned, result.skipped_files)


def run_python(*arguments: str) -> subprocess.CompletedProcess[str]:
    """This Python run with ``arguments`` in a process of its own (``-c`` code, or a script):
    its exit code and output, whatever they are."""
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    return subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, check=False, env=env
    )
