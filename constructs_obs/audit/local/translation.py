"""Athena SQL to DuckDB SQL, with sqlglot, and the table fields a query reads.

The audit queries are written once, in Athena's dialect (Trino), and deployed verbatim; the
local engine runs the same text after sqlglot transpiles it (``athena`` to ``duckdb``, ``?``
placeholders kept, anything sqlglot cannot translate an error rather than a silent change), after
:func:`~constructs_obs.audit.local.trino_functions.rewrite` has put Trino's semantics in place
of DuckDB's for the functions whose answers differ, and refused the functions it cannot carry.
Only one query (``SELECT`` or ``WITH``) may run: the engine reads log files, it writes
nothing. The fields a query reads (``useridentity.arn``, ``eventname``, ...) tell the engine
which parts of each record to convert from JSON; a ``*`` outside ``count(*)`` reads them all.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from constructs_obs.audit.errors import QueryDefinitionError
from constructs_obs.audit.local._extra import require
from constructs_obs.audit.local._messages import AD_HOC, first_line
from constructs_obs.audit.local.row_filter import required_paths
from constructs_obs.audit.local.trino_functions import rewrite
from constructs_obs.audit.schema import COLUMNS

if TYPE_CHECKING:
    import sqlglot

__all__ = ["Translation", "translate"]

_TOP_LEVEL: Final = frozenset(column.name for column in COLUMNS)


@dataclass(frozen=True)
class Translation:
    """A query in DuckDB's dialect, with what binding and reading it need.

    Parameters
    ----------
    sql:
        The query as DuckDB runs it.
    placeholders:
        How many ``?`` values it takes.
    paths:
        Field paths the query reads (``("useridentity", "arn")``, ``("eventname",)`` ...);
        ``None``: every field.
    required:
        Field paths whose NULL keeps a record out of the answer: a reader may leave such
        records out (:mod:`~constructs_obs.audit.local.row_filter`).
    """

    sql: str
    placeholders: int
    paths: frozenset[tuple[str, ...]] | None
    required: frozenset[tuple[str, ...]] = frozenset()


@functools.lru_cache(maxsize=128)
def translate(sql: str) -> Translation:
    """Transpile one Athena query to DuckDB; the result is cached by query text.

    Raises
    ------
    QueryDefinitionError
        If ``sql`` is not one query sqlglot can read as Athena SQL and write for DuckDB.
    MissingAuditExtraError
        If sqlglot is not installed.
    """
    require("sqlglot")
    import sqlglot  # noqa: PLC0415 - the audit extra, imported on use
    from sqlglot import exp  # noqa: PLC0415
    from sqlglot.errors import ErrorLevel, SqlglotError  # noqa: PLC0415

    try:
        statements = [
            statement for statement in sqlglot.parse(sql, read="athena") if statement is not None
        ]
    except SqlglotError as error:
        raise QueryDefinitionError(
            AD_HOC, f"not valid Athena SQL: {first_line(str(error))}"
        ) from None
    if len(statements) != 1:
        raise QueryDefinitionError(AD_HOC, f"expected one query, found {len(statements)}")
    (tree,) = statements
    if not isinstance(tree, exp.Query):
        raise QueryDefinitionError(
            AD_HOC, f"only queries (SELECT, WITH) can run, not {tree.key.upper()}"
        )
    paths = _read_paths(tree)
    rewrite(tree)
    try:
        duck_sql = tree.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as error:
        raise QueryDefinitionError(
            AD_HOC, f"cannot translate to DuckDB: {first_line(str(error))}"
        ) from None
    placeholders = sum(1 for _ in tree.find_all(exp.Placeholder))
    return Translation(duck_sql, placeholders, paths, required_paths(tree))


def _read_paths(tree: sqlglot.exp.Expr) -> frozenset[tuple[str, ...]] | None:
    """The table fields a query reads, or ``None`` if it may read every one (``*``)."""
    from sqlglot import exp  # noqa: PLC0415 - the audit extra, imported on use

    for star in tree.find_all(exp.Star):
        if not isinstance(star.parent, exp.Count):
            return None
    paths: set[tuple[str, ...]] = set()
    for column in tree.find_all(exp.Column):
        parts = [part.name.lower() for part in column.parts]
        node: exp.Expr = column
        while isinstance(node.parent, exp.Dot) and node.parent.this is node:
            parts.append(node.parent.expression.name.lower())
            node = node.parent
        for index, part in enumerate(parts):
            if part in _TOP_LEVEL:
                paths.add(tuple(parts[index:]))
                break
    return frozenset(paths)
