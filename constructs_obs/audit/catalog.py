"""The named audit queries: ``.sql`` files shipped in ``constructs_obs/audit/queries``.

Each file is one query in Athena's (Trino) dialect against the unqualified table
``cloudtrail_logs``, with ``?`` positional parameters, so that the same text can be deployed
as an Athena named query and as a prepared statement, and run locally by
:class:`~constructs_obs.audit.local.engine.LocalAuditEngine`. It starts with a header::

    -- name: root_activity
    -- description: One line saying what the query finds.
    -- params: start_day, end_day

``name`` is the file stem; ``params`` names the ``?`` placeholders in the order they appear,
and always starts with ``start_day, end_day``: every query scans ``day BETWEEN ? AND ?``
only, the partition range (days as ``yyyy/MM/dd``).

This module has no optional dependency: it reads the files with :mod:`importlib.resources`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Final

from constructs_obs.audit.errors import (
    QueryDefinitionError,
    QueryParameterError,
    UnknownQueryError,
)
from constructs_obs.audit.schema import DAY_FORMAT

__all__ = [
    "DAY_PARAMS",
    "AuditQuery",
    "QueryHeader",
    "check_day_range",
    "count_placeholders",
    "get_query",
    "load_queries",
    "parse_day",
    "parse_header",
]

#: The first two parameters of every query: the inclusive range of ``day`` partitions.
DAY_PARAMS: Final = ("start_day", "end_day")

_PACKAGE: Final = "constructs_obs.audit"
_QUERIES_FOLDER: Final = "queries"
_HEADER_LINE = re.compile(r"--\s*(?P<key>[a-z_]+)\s*:\s*(?P<value>.*?)\s*")
_SNAKE_CASE = re.compile(r"[a-z][a-z0-9_]*")
_DAY = re.compile(r"[0-9]{4}/[0-9]{2}/[0-9]{2}")
_HEADER_KEYS: Final = ("name", "description", "params")
_DAY_RANGE: Final = "day BETWEEN ? AND ?"
_PARAMS_LINE = re.compile(r"^--\s*params\s*:.*$", re.MULTILINE)


@dataclass(frozen=True)
class QueryHeader:
    """The ``-- name:``, ``-- description:`` and ``-- params:`` lines of a query."""

    name: str
    description: str
    params: tuple[str, ...]


@dataclass(frozen=True)
class AuditQuery:
    """One named audit query.

    Parameters
    ----------
    name:
        Snake-case name, the stem of the ``.sql`` file.
    description:
        One line saying what the query finds.
    params:
        Names of the ``?`` placeholders, in order; always starts with ``start_day, end_day``.
    sql:
        The whole file, header included, exactly as shipped: what Athena runs (as a named
        query or a prepared statement) and what the local engine transpiles.
    path:
        Where the file is inside the installed package.
    """

    name: str
    description: str
    params: tuple[str, ...]
    sql: str
    path: Traversable

    def bind(self, params: Mapping[str, str]) -> tuple[str, ...]:
        """Check ``params`` against :attr:`params` and return the values in placeholder order.

        Parameters
        ----------
        params:
            A value for every parameter, by name; ``start_day`` and ``end_day`` as
            ``yyyy/MM/dd`` with ``start_day <= end_day``.

        Returns
        -------
        tuple[str, ...]
            The values for the ``?`` placeholders, in order.

        Raises
        ------
        QueryParameterError
            If a parameter is missing, unexpected, not a string, or a day is malformed.
        """
        missing = [name for name in self.params if name not in params]
        unexpected = sorted(name for name in params if name not in self.params)
        if missing or unexpected:
            problems = []
            if missing:
                problems.append(f"missing {', '.join(missing)}")
            if unexpected:
                problems.append(f"unexpected {', '.join(unexpected)}")
            raise QueryParameterError(
                self.name,
                "params",
                f"{'; '.join(problems)} (the query takes {', '.join(self.params)})",
            )
        for name in self.params:
            if not isinstance(params[name], str):
                raise QueryParameterError(
                    self.name, name, f"expected a string, got {type(params[name]).__name__}"
                )
        check_day_range(self.name, params["start_day"], params["end_day"])
        return tuple(params[name] for name in self.params)

    def with_account_filter(self) -> AuditQuery:
        """This query for a table whose ``account`` is an injected projection, which Athena
        reads only for an account the query names: ``AND account = ?`` after the day range,
        and ``account`` as the third parameter.

        Raises
        ------
        QueryDefinitionError
            If the query does not restrict ``day BETWEEN ? AND ?`` exactly once.
        """
        if self.sql.count(_DAY_RANGE) != 1:
            raise QueryDefinitionError(
                self.name, f"expected {_DAY_RANGE!r} once, to add the account filter after it"
            )
        params = (*DAY_PARAMS, "account", *self.params[2:])
        sql = self.sql.replace(_DAY_RANGE, f"{_DAY_RANGE} AND account = ?")
        sql = _PARAMS_LINE.sub(f"-- params: {', '.join(params)}", sql, count=1)
        return dataclasses.replace(self, params=params, sql=sql)

    @property
    def body(self) -> str:
        """The SQL without its header comment lines."""
        return _split_header(self.sql)[1]


def parse_day(query: str, parameter: str, value: str) -> dt.date:
    """Parse a ``yyyy/MM/dd`` day parameter.

    Parameters
    ----------
    query:
        The query name, for the error message.
    parameter:
        The parameter name, for the error message.
    value:
        The value to parse, e.g. ``"2024/01/31"``.

    Raises
    ------
    QueryParameterError
        If ``value`` is not a real day written as ``yyyy/MM/dd``.
    """
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise QueryParameterError(
            query, parameter, f"{value!r} is not a day in the format {DAY_FORMAT} (e.g. 2024/01/31)"
        )
    try:
        return dt.datetime.strptime(value, "%Y/%m/%d").date()
    except ValueError:
        raise QueryParameterError(
            query, parameter, f"{value!r} is not a day of the calendar ({DAY_FORMAT})"
        ) from None


def check_day_range(query: str, start_day: str, end_day: str) -> None:
    """Check that ``start_day`` and ``end_day`` are ``yyyy/MM/dd`` days, in order.

    Raises
    ------
    QueryParameterError
        Naming the parameter at fault.
    """
    start = parse_day(query, "start_day", start_day)
    end = parse_day(query, "end_day", end_day)
    if start > end:
        raise QueryParameterError(
            query, "end_day", f"{end_day!r} is before start_day {start_day!r}"
        )


def count_placeholders(sql: str) -> int:
    """Count the ``?`` placeholders of ``sql``, outside quotes and comments."""
    count = 0
    index = 0
    length = len(sql)
    while index < length:
        char = sql[index]
        if char in "'\"":
            # A quoted string or identifier; a doubled quote escapes itself.
            index += 1
            while index < length:
                if sql[index] == char:
                    if index + 1 < length and sql[index + 1] == char:
                        index += 2
                        continue
                    break
                index += 1
        elif sql.startswith("--", index):
            newline = sql.find("\n", index)
            index = length if newline == -1 else newline
        elif sql.startswith("/*", index):
            end = sql.find("*/", index + 2)
            index = length if end == -1 else end + 1
        elif char == "?":
            count += 1
        index += 1
    return count


def parse_header(sql: str, source: str) -> QueryHeader:
    """Read and check the header of a query.

    Parameters
    ----------
    sql:
        The query text.
    source:
        The file name, for error messages.

    Raises
    ------
    QueryDefinitionError
        If a header line is missing, repeated or unknown, the params do not start with
        ``start_day, end_day``, or the number of ``?`` differs from the number of params.
    """
    header_lines, body = _split_header(sql)
    values: dict[str, str] = {}
    for line in header_lines:
        match = _HEADER_LINE.fullmatch(line.strip())
        if match is None:
            continue  # a free comment
        key = match.group("key")
        if key not in _HEADER_KEYS:
            raise QueryDefinitionError(
                source, f"unknown header line {key!r} (allowed: {', '.join(_HEADER_KEYS)})"
            )
        if key in values:
            raise QueryDefinitionError(source, f"header line {key!r} appears twice")
        values[key] = match.group("value")
    missing = [key for key in _HEADER_KEYS if key not in values]
    if missing:
        raise QueryDefinitionError(
            source, f"missing header line(s): {', '.join(f'-- {key}: ...' for key in missing)}"
        )
    name = values["name"]
    if not _SNAKE_CASE.fullmatch(name):
        raise QueryDefinitionError(source, f"name {name!r} is not snake_case")
    if not values["description"]:
        raise QueryDefinitionError(source, "the description is empty")
    params = tuple(part.strip() for part in values["params"].split(",") if part.strip())
    for param in params:
        if not _SNAKE_CASE.fullmatch(param):
            raise QueryDefinitionError(source, f"parameter {param!r} is not snake_case")
    if len(set(params)) != len(params):
        raise QueryDefinitionError(source, f"a parameter is listed twice: {', '.join(params)}")
    if params[:2] != DAY_PARAMS:
        raise QueryDefinitionError(
            source,
            "params must start with start_day, end_day (every query scans "
            f"'day BETWEEN ? AND ?'), found: {', '.join(params) or 'none'}",
        )
    placeholders = count_placeholders(body)
    if placeholders != len(params):
        raise QueryDefinitionError(
            source,
            f"the SQL has {placeholders} '?' placeholder(s) but the header lists "
            f"{len(params)} parameter(s): {', '.join(params)}",
        )
    return QueryHeader(name, values["description"], params)


def load_queries() -> dict[str, AuditQuery]:
    """Read every query shipped with the package.

    Returns
    -------
    dict[str, AuditQuery]
        The queries by name, in name order.

    Raises
    ------
    QueryDefinitionError
        If a shipped file breaks the conventions (a packaging bug, caught by the tests).
    """
    return dict(_load_all())


def get_query(name: str) -> AuditQuery:
    """Return the query called ``name``.

    Raises
    ------
    UnknownQueryError
        If there is none; the message lists the known queries.
    """
    queries = dict(_load_all())
    try:
        return queries[name]
    except KeyError:
        raise UnknownQueryError(name, list(queries)) from None


@functools.cache
def _load_all() -> tuple[tuple[str, AuditQuery], ...]:
    folder = resources.files(_PACKAGE).joinpath(_QUERIES_FOLDER)
    loaded: list[tuple[str, AuditQuery]] = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".sql"):
            continue
        stem = entry.name.removesuffix(".sql")
        sql = entry.read_text(encoding="utf-8")
        header = parse_header(sql, f"queries/{entry.name}")
        if header.name != stem:
            raise QueryDefinitionError(
                f"queries/{entry.name}", f"header name {header.name!r} differs from the file stem"
            )
        query = AuditQuery(header.name, header.description, header.params, sql, entry)
        loaded.append((query.name, query))
    return tuple(loaded)


def _split_header(sql: str) -> tuple[list[str], str]:
    lines = sql.splitlines(keepends=True)
    header: list[str] = []
    for line in lines:
        if line.lstrip().startswith("--"):
            header.append(line)
        elif line.strip():
            break
        else:
            header.append(line)
    return [line for line in header if line.strip()], "".join(lines[len(header) :])
