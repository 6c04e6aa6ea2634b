"""``constructs-obs-audit``: list, show and run the audit queries on local CloudTrail logs.

Examples
--------
::

    constructs-obs-audit list
    constructs-obs-audit show root_activity
    constructs-obs-audit run bucket_access --logs ./trail-bucket \\
        --param start_day=2024/03/01 --param end_day=2024/03/31 --param bucket_name=my-bucket \\
        --format csv
    constructs-obs-audit sql "SELECT eventname, count(*) AS n FROM cloudtrail_logs \\
        WHERE day BETWEEN ? AND ? GROUP BY 1 ORDER BY 2 DESC" --logs ./trail-bucket \\
        --start-day 2024/03/01 --end-day 2024/03/31 -v 2024/03/01 -v 2024/03/31
    constructs-obs-audit run root_activity --logs ./trail-bucket --cache ~/.cache/ct \
        --param start_day=2024/03/01 --param end_day=2024/03/31

Exit codes: 0 on success, 2 for bad input (unknown query, missing or malformed parameter,
missing log folder; one line on stderr), 1 if the engine fails. Unreadable log files are
skipped with a warning on stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import Final, TextIO

from constructs_obs.audit.catalog import get_query, load_queries, parse_day
from constructs_obs.audit.errors import (
    MissingAuditExtraError,
    QueryExecutionError,
    QueryParameterError,
)
from constructs_obs.audit.local.engine import LocalAuditEngine
from constructs_obs.audit.local.query_result import QueryResult
from constructs_obs.audit.projection import (
    COMMERCIAL_REGIONS,
    DEFAULT_PROJECTION_START,
    TableProjection,
)
from constructs_obs.errors import ConstructsObsError

__all__ = ["main"]

PROG: Final = "constructs-obs-audit"
#: The environment variable naming a default ``--cache`` folder.
CACHE_VARIABLE: Final = "CONSTRUCTS_OBS_AUDIT_CACHE"
_FORMATS: Final = ("table", "json", "csv")
_USAGE_ERROR: Final = 2
_ENGINE_ERROR: Final = 1


def main(argv: list[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv:
        Arguments without the program name. Default: - ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit code: 0 on success, 2 for bad input, 1 if the engine failed.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed the usage and the error
        return exit_.code if isinstance(exit_.code, int) else _USAGE_ERROR
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(f"{PROG}: %(levelname)s: %(message)s"))
    # Warnings and errors only, whatever level the host process gave the root logger.
    handler.setLevel(logging.WARNING)
    logger = logging.getLogger("constructs_obs.audit")
    logger.addHandler(handler)
    propagate = logger.propagate
    logger.propagate = False
    try:
        if args.command == "list":
            return _list(sys.stdout)
        if args.command == "show":
            sys.stdout.write(get_query(args.query).sql)
            return 0
        return _run(args, sys.stdout)
    except (QueryExecutionError, MissingAuditExtraError) as error:
        _error(str(error))
        return _ENGINE_ERROR
    except ConstructsObsError as error:
        _error(str(error))
        return _USAGE_ERROR
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Run the audit trail's Athena queries on CloudTrail log files on disk, with DuckDB."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("list", help="list the queries, their parameters and what they find")
    show = commands.add_parser("show", help="print a query's Athena SQL")
    show.add_argument("query", help="query name (see 'list')")
    run = commands.add_parser("run", help="run a query on local CloudTrail logs")
    run.add_argument("query", help="query name (see 'list')")
    run.add_argument(
        "--param",
        "-p",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a query parameter, e.g. start_day=2024/01/01 (repeat for each one)",
    )
    _add_engine_options(run)
    sql = commands.add_parser("sql", help="run ad-hoc Athena SQL on local CloudTrail logs")
    sql.add_argument("sql", help="one SELECT in Athena's dialect, over cloudtrail_logs")
    sql.add_argument(
        "--value",
        "-v",
        action="append",
        default=[],
        metavar="VALUE",
        help="the value of the next '?' placeholder (repeat, in order)",
    )
    sql.add_argument("--start-day", default=None, help="read only files from this day on")
    sql.add_argument("--end-day", default=None, help="read only files up to this day")
    _add_engine_options(sql)
    return parser


def _add_engine_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--logs",
        required=True,
        metavar="FOLDER",
        help="folder in CloudTrail's S3 layout: AWSLogs, or a bucket/prefix above it",
    )
    command.add_argument("--format", "-f", choices=_FORMATS, default="table", help="output format")
    command.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar on stderr (default: when stderr is a terminal)",
    )
    command.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: CPUs)")
    command.add_argument(
        "--cache",
        default=os.environ.get(CACHE_VARIABLE) or None,
        metavar="DIR",
        help="keep each log folder read into Parquet in DIR: the first query over a day reads "
        f"its JSON once, later ones read columns (default: ${CACHE_VARIABLE}, else no cache)",
    )
    command.add_argument(
        "--projection-start",
        default=DEFAULT_PROJECTION_START,
        metavar="DAY",
        help=f"the table's projection_start (default: {DEFAULT_PROJECTION_START})",
    )
    command.add_argument(
        "--regions",
        default=None,
        help="the table's projected regions, comma-separated (default: every commercial region)",
    )
    command.add_argument(
        "--accounts",
        default=None,
        help="the table's projected accounts, comma-separated (default: any account)",
    )
    command.add_argument(
        "--only-projected",
        action="store_true",
        help="leave out files Athena would not read (outside the projection) instead of "
        "warning about them",
    )


def _list(out: TextIO) -> int:
    queries = load_queries()
    width = max(len(name) for name in queries)
    for query in queries.values():
        out.write(f"{query.name.ljust(width)}  {query.description}\n")
        out.write(f"{''.ljust(width)}  params: {', '.join(query.params)}\n")
    return 0


def _run(args: argparse.Namespace, out: TextIO) -> int:
    if args.command == "sql":
        engine = _engine(args)
        result = engine.run_sql(
            args.sql,
            args.value,
            start_day=args.start_day,
            end_day=args.end_day,
            progress=args.progress,
        )
    else:
        params = _params(args.query, args.param)
        get_query(args.query)  # an unknown query is reported before the folder is read
        result = _engine(args).run(args.query, params, progress=args.progress)
    out.write(_render(result, args.format))
    if result.skipped_files:
        _error(
            f"{len(result.skipped_files)} unreadable log file(s) skipped, see the warnings above",
            level="warning",
        )
    return 0


def _engine(args: argparse.Namespace) -> LocalAuditEngine:
    parse_day(PROG, "--projection-start", args.projection_start)
    projection = TableProjection(
        start_day=args.projection_start,
        regions=_listed(args.regions) or COMMERCIAL_REGIONS,
        accounts=_listed(args.accounts) or None,
    )
    return LocalAuditEngine(
        args.logs,
        threads=args.threads,
        projection=projection,
        only_projected=args.only_projected,
        cache=args.cache,
    )


def _listed(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def _params(query: str, pairs: Sequence[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        name = name.strip()
        if not separator or not name:
            raise QueryParameterError(query, "--param", f"expected NAME=VALUE, got {pair!r}")
        if name in params:
            raise QueryParameterError(query, name, "given twice")
        params[name] = value
    return params


def _render(result: QueryResult, output_format: str) -> str:
    if output_format == "json":
        return result.to_json() + "\n"
    if output_format == "csv":
        return result.to_csv()
    return result.to_table()


class _Formatter(logging.Formatter):
    """Lower-case level names, like argparse's ``prog: error: ...`` lines."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)
        record.levelname = record.levelname.lower()
        return super().format(record)


def _error(message: str, *, level: str = "error") -> None:
    sys.stderr.write(f"{PROG}: {level}: {message}\n")
