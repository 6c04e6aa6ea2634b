"""Which records a query can never use: those with a field NULL that its WHERE clause needs.

The msgspec reader (:mod:`~constructs_obs.audit.local.record_decoder`) builds Arrow columns for
every record it decodes and hands them over: a third of its time on the benchmark's full scan.
A record the query's WHERE clause rejects never reaches its answer, so the reader may leave it
out. This module finds the simplest such rule, from the query's syntax tree (sqlglot's, as
DuckDB runs it): the fields whose NULL makes the WHERE clause NULL or FALSE, never TRUE. For
example, ``errorcode LIKE 'AccessDenied%' OR errorcode LIKE 'Unauthorized%'`` needs
``errorcode``.

Only this shape is read: one ``SELECT`` from ``cloudtrail_logs`` alone (no join, subquery,
``WITH``, sample, ``PIVOT``/``UNPIVOT``, alias renaming its columns, nothing else reading the
table; only the parts of a ``SELECT`` that come after WHERE), whose WHERE clause is a
conjunction of parts built from, on a field with a constant or a placeholder on the other
side:

- comparisons (``=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``), ``LIKE`` and ``ILIKE`` (without
  ``ESCAPE``), ``IN`` a list, ``BETWEEN``, and ``IS NOT NULL``: NULL for a NULL field;
- ``AND`` (a field one side needs) and ``OR`` (a field both sides need), and parentheses.

Anything else needs no field, so nothing is left out. A field is a table column or a struct's
field inside it (``useridentity.type``: NULL when ``useridentity`` is). WHERE comes before
grouping, aggregates, windows, HAVING and LIMIT, so the answer is the same. One thing can
differ: a query that fails on a record its WHERE clause rejects (a cast of another field, say)
may then answer. DuckDB and Trino evaluate the parts of a WHERE clause in an order of their
own, so such a failure is not something either promises.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from constructs_obs.audit.schema import COLUMNS, TABLE_NAME

if TYPE_CHECKING:
    from sqlglot import exp

__all__ = ["Paths", "required_paths"]

_TOP_LEVEL: Final = frozenset(column.name for column in COLUMNS)

Paths = frozenset[tuple[str, ...]]


def required_paths(tree: exp.Expr) -> Paths:
    """The field paths (``("errorcode",)``, ``("useridentity", "type")``) whose NULL keeps a
    record out of the answer of ``tree``; empty when the query is not of the shape read."""
    from sqlglot import exp  # noqa: PLC0415 - the audit extra, imported on use

    if not isinstance(tree, exp.Select) or _given(tree) - _SELECT_PARTS:
        return frozenset()
    source = tree.args.get("from_")
    tables = list(tree.find_all(exp.Table))
    where = tree.args.get("where")
    if (
        where is None
        or source is None
        or tables != [source.this]
        or tables[0].name.lower() != TABLE_NAME
        # a schema, a pivot, a sample, columns renamed by the alias (t(a, b)): not the records
        or _given(tables[0]) - {"this", "alias"}
        or (tables[0].args.get("alias") and _given(tables[0].args["alias"]) - {"this"})
        or tree.find(exp.Pivot, exp.TableSample) is not None
        or any(query is not tree for query in tree.find_all(exp.Query))
    ):
        return frozenset()
    qualifiers = {TABLE_NAME, tables[0].alias_or_name.lower()}
    return _needed(where.this, qualifiers)


#: The parts of a SELECT that come after its WHERE clause (or are it): any other (WITH, a
#: join, LATERAL, CONNECT BY, MATCH_RECOGNIZE ...) and nothing is left out.
_SELECT_PARTS: Final = frozenset(
    {"expressions", "distinct", "from_", "where", "group", "having", "qualify", "windows"}
    | {"order", "limit", "offset"}
)


def _given(node: exp.Expr) -> set[str]:
    """The names of the parts ``node`` has (its arguments that are set)."""
    return {key for key, value in node.args.items() if value not in (None, [], False)}


def _needed(node: exp.Expr, qualifiers: set[str]) -> Paths:
    """The paths whose NULL makes ``node`` NULL or FALSE."""
    from sqlglot import exp  # noqa: PLC0415 - the audit extra, imported on use

    if isinstance(node, exp.Paren):
        return _needed(node.this, qualifiers)
    if isinstance(node, exp.And):
        return _needed(node.left, qualifiers) | _needed(node.right, qualifiers)
    if isinstance(node, exp.Or):
        return _needed(node.left, qualifiers) & _needed(node.right, qualifiers)
    compared = _compared(node)
    if compared is None:
        return frozenset()
    field, values = compared
    if not all(isinstance(value, exp.Literal | exp.Placeholder) for value in values):
        return frozenset()
    path = _path(field, qualifiers)
    return frozenset() if path is None else frozenset({path})


def _compared(node: exp.Expr) -> tuple[exp.Expr, list[exp.Expr]] | None:
    """The field side and the other side(s) of a part NULL for a NULL field, or ``None``."""
    from sqlglot import exp  # noqa: PLC0415 - the audit extra, imported on use

    compared: tuple[exp.Expr, list[exp.Expr]] | None = None
    if isinstance(node, exp.EQ | exp.NEQ | exp.LT | exp.LTE | exp.GT | exp.GTE):
        if isinstance(node.left, exp.Column | exp.Dot):
            compared = node.left, [node.right]
        else:
            compared = node.right, [node.left]
    elif isinstance(node, exp.Like | exp.ILike):
        compared = node.this, [node.expression]
    elif isinstance(node, exp.In) and not any(
        node.args.get(key) for key in ("query", "unnest", "field")
    ):
        compared = node.this, list(node.expressions)
    elif isinstance(node, exp.Between):
        compared = node.this, [node.args["low"], node.args["high"]]
    elif (
        isinstance(node, exp.Not)
        and isinstance(node.this, exp.Is)
        and isinstance(node.this.expression, exp.Null)
    ):
        compared = node.this.this, []
    return compared


def _path(node: exp.Expr, qualifiers: set[str]) -> tuple[str, ...] | None:
    """The field path of a column reference (``t.useridentity.type``), as DuckDB binds it: a
    first part naming the table is the table; ``None`` for anything else."""
    from sqlglot import exp  # noqa: PLC0415 - the audit extra, imported on use

    parts: list[str] = []
    while isinstance(node, exp.Dot):
        if not isinstance(node.expression, exp.Identifier):
            return None
        parts.insert(0, node.expression.name.lower())
        node = node.this
    if not isinstance(node, exp.Column) or not isinstance(node.this, exp.Identifier):
        return None
    parts[:0] = [part.name.lower() for part in node.parts]
    if len(parts) > 1 and parts[0] in qualifiers:
        parts = parts[1:]
    return tuple(parts) if parts[0] in _TOP_LEVEL else None
