"""Athena's (Trino's) function semantics in DuckDB: macros, one Python function, and the rewrite.

sqlglot transpiles Athena SQL to DuckDB SQL by name, not by meaning: ``json_extract_scalar``
becomes ``->>``, which aborts the whole query on text that is not JSON and returns objects as
JSON text, where Trino returns NULL. :func:`rewrite` replaces every function whose DuckDB
twin answers differently by a call to a macro of :data:`MACROS` that answers as Trino does,
and refuses any function it cannot vouch for (:data:`SUPPORTED_FUNCTIONS`) with an error naming
it, rather than run it with other semantics. :func:`install` creates the macros on a
connection.

What Trino does, from its documentation and its source (``io.trino.operator.scalar``):

- ``json_extract_scalar(json, path)``: the value at ``path`` as text if it is a string, number
  or boolean; NULL for an object, an array, JSON ``null``, a missing key, and text that is not
  JSON (``JsonExtract.extract`` returns NULL on a parse error: the query goes on). Numbers keep
  their text (``1.50`` stays ``1.50``). Keys match **exactly, case-sensitively**: Trino looks
  them up with Jackson's ``nextFieldName`` (``$.mfaused`` does not find ``MFAUsed``). The
  case-insensitive matching of Athena is the Hive JSON SerDe's, when it maps a record's keys
  to the table's columns (``eventName`` to ``eventname``); the local engine does the same when
  it reads a log file (:mod:`~constructs_obs.audit.local.source_view`).
- ``json_extract(json, path)``: the JSON value at ``path`` (``null`` is the JSON text
  ``null``), NULL if missing or not JSON; ``json_format(json)``: its text.
- ``element_at(array, i)``: 1-based, from the end if negative, NULL out of range, an error for
  0; ``element_at(map, key)``: NULL for a missing key. The subscript ``array[i]`` fails out of
  range (Trino: "Array subscript must be less than or equal to array length").
- ``from_iso8601_timestamp(text)``: an ISO 8601 date or date-time (offset or ``Z``; a date
  alone is midnight UTC, Athena's session zone); anything else fails the query.
- ``date_diff(unit, t1, t2)``: the number of *whole* units elapsed from ``t1`` to ``t2`` (Joda's
  field difference); DuckDB's ``date_diff`` counts unit boundaries crossed, its ``date_sub``
  counts whole units: the rewrite uses ``date_sub``.
- ``regexp_like``: a partial match, as DuckDB's ``regexp_matches`` (a pattern RE2 cannot run,
  e.g. a back-reference, fails locally instead of matching); ``lower``/``upper``/
  ``cardinality``: NULL in, NULL out; ``try(expr)``: NULL where ``expr`` fails.

Two differences remain, both on data AWS does not write: Trino parses JSON as a stream and
answers from text that breaks *after* the value asked for (``{"a": 1, oops`` gives ``1`` for
``$.a``), where the local engine requires the whole text to be JSON; and numbers inside an
object-valued column of a log file (``requestParameters``) are re-written by DuckDB's JSON
reader (``1.50`` as ``1.5``) before any function sees them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, NoReturn

from constructs_obs.audit.errors import QueryDefinitionError
from constructs_obs.audit.local._messages import AD_HOC
from constructs_obs.audit.schema import COLUMNS

if TYPE_CHECKING:
    import duckdb
    from sqlglot import exp

__all__ = [
    "MACROS",
    "SUPPORTED_FUNCTIONS",
    "install",
    "json_path_pointer",
    "rewrite",
    "start_session",
]

_NUMBER: Final = "-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][-+]?[0-9]+)?"

#: The macros, one ``CREATE MACRO`` each (in the database: every cursor of it sees them); ``p``
#: is a JSON pointer (``/a/0``) made from the Trino path by :func:`json_path_pointer`.
MACROS: Final = (
    # The number tokens of j (those after the key "k" if k is given) worth the value at p.
    "CREATE MACRO trino_json_numbers(j, p, k) AS list_distinct(list_filter("
    "regexp_extract_all(j, CASE WHEN k IS NULL THEN '' ELSE "
    "'\"' || regexp_escape(k) || '\"\\s*:\\s*' END || '(" + _NUMBER + ")', 1), "
    "lambda n: TRY_CAST(n AS DOUBLE) = CAST(json_extract(j, p) AS DOUBLE)))",
    # The text of the number at p as j writes it: DuckDB re-writes a fractional number
    # (1.50 as 1.5), so take the tokens of j after the same key, or anywhere in j, with the
    # same value; if they are not all written alike, fail rather than guess.
    "CREATE MACRO trino_json_number_text(j, p) AS list_transform([[trino_json_numbers("
    "j, p, CASE WHEN regexp_matches(p, '/[0-9]+$') THEN NULL ELSE replace(replace("
    "regexp_extract(p, '[^/]*$'), '~1', '/'), '~0', '~') END), trino_json_numbers(j, p, NULL)]]"
    ", lambda c: CASE WHEN len(c[1]) = 1 THEN c[1][1] WHEN len(c[1]) = 0 AND len(c[2]) = 1 "
    "THEN c[2][1] ELSE CAST(CAST('json_extract_scalar cannot tell how the number at ' || p "
    "|| ' is written' AS BIGINT) AS VARCHAR) END)[1]",
    # The value at p, if j is JSON and the value a string, a number (its text) or a boolean.
    "CREATE MACRO trino_json_extract_scalar(j, p) AS "
    "CASE try(json_type(CAST(j AS VARCHAR), p)) "
    "WHEN 'VARCHAR' THEN json_extract_string(CAST(j AS VARCHAR), p) "
    "WHEN 'BOOLEAN' THEN json_extract_string(CAST(j AS VARCHAR), p) "
    "WHEN 'BIGINT' THEN json_extract_string(CAST(j AS VARCHAR), p) "
    "WHEN 'UBIGINT' THEN json_extract_string(CAST(j AS VARCHAR), p) "
    "WHEN 'DOUBLE' THEN trino_json_number_text(CAST(j AS VARCHAR), p) "
    "WHEN 'HUGEINT' THEN trino_json_number_text(CAST(j AS VARCHAR), p) END",
    "CREATE MACRO trino_json_extract(j, p) AS try(json_extract(CAST(j AS VARCHAR), p))",
    "CREATE MACRO trino_json_format(j) AS CAST(j AS VARCHAR)",
    # An index of 0 fails the query as in Trino (and gives NULL under try()).
    "CREATE MACRO trino_element_at(a, i) AS a[CASE WHEN i = 0 THEN "
    "CAST('SQL array indices start at 1 (element_at index ' || i || ')' AS BIGINT) ELSE i END]",
    "CREATE MACRO trino_subscript(a, i) AS a[CASE WHEN i BETWEEN 1 AND len(a) THEN i "
    "ELSE CAST('Array subscript ' || i || ' out of bounds (1 to ' || len(a) || ')' AS BIGINT) "
    "END]",
    "CREATE MACRO trino_from_iso8601_timestamp(s) AS CASE WHEN regexp_full_match(s, "
    r"'\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?') "
    "THEN CAST(s AS TIMESTAMPTZ) ELSE "
    "CAST('from_iso8601_timestamp: invalid format: ' || s AS TIMESTAMPTZ) END",
)

#: The functions (Trino names) the local engine runs with Trino's semantics.
SUPPORTED_FUNCTIONS: Final = frozenset(
    {
        "avg",
        "cardinality",
        "cast",
        "coalesce",
        "concat",
        "count",
        "date_diff",
        "element_at",
        "from_iso8601_timestamp",
        "if",
        "json_extract",
        "json_extract_scalar",
        "json_format",
        "length",
        "lower",
        "max",
        "min",
        "regexp_like",
        "row_number",
        "strpos",
        "substr",
        "sum",
        "try",
        "unnest",
        "upper",
    }
)

_CAST_TYPES: Final = frozenset(
    {"VARCHAR", "TEXT", "BIGINT", "INT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP"}
)
_DATE_UNITS: Final = frozenset(
    {"MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}
)
_MAP_PATHS: Final = frozenset(
    {("useridentity", "sessioncontext", "webidfederationdata", "attributes")}
)
_TOP_LEVEL: Final = frozenset(column.name for column in COLUMNS)
_UNQUOTED_KEY = re.compile(r"\.([A-Za-z0-9_:@$-]+)")
_QUOTED_KEY = re.compile(r'\["((?:[^"\\]|\\.)*)"\]')
_INDEX = re.compile(r"\[([0-9]+)\]")


def install(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the macros in ``connection``'s database, and start its session
    (:func:`start_session`)."""
    start_session(connection)
    for macro in MACROS:
        connection.execute(macro)


def start_session(connection: duckdb.DuckDBPyConnection) -> None:
    """Set up a connection (a cursor too) as Athena's sessions are: the time zone is UTC."""
    connection.execute("SET TimeZone = 'UTC'")


def json_path_pointer(path: str) -> str:
    """The JSON pointer (``/a/0``) of a Trino JSON path (``$.a[0]``, ``$["a b"]``).

    Raises
    ------
    QueryDefinitionError
        If ``path`` is not a path Trino's ``json_extract`` reads (``$`` then ``.key``,
        ``["key"]`` or ``[index]`` steps).
    """
    if not path.startswith("$"):
        raise QueryDefinitionError(AD_HOC, f"invalid JSON path {path!r}: it must start with '$'")
    tokens: list[str] = []
    position = 1
    while position < len(path):
        for pattern in (_UNQUOTED_KEY, _QUOTED_KEY, _INDEX):
            match = pattern.match(path, position)
            if match is not None:
                token = match.group(1)
                if pattern is _QUOTED_KEY:
                    token = re.sub(r"\\(.)", r"\1", token)
                tokens.append(token)
                position = match.end()
                break
        else:
            raise QueryDefinitionError(
                AD_HOC,
                f"invalid JSON path {path!r} at offset {position}: expected .key, "
                '["key"] or [index]',
            )
    return "".join("/" + token.replace("~", "~0").replace("/", "~1") for token in tokens)


def rewrite(tree: exp.Expr) -> exp.Expr:
    """Replace the Trino functions of ``tree`` by the macros; refuse the others.

    Raises
    ------
    QueryDefinitionError
        Naming a function (or operator) the local engine cannot run as Athena does.
    """
    from sqlglot import exp  # noqa: PLC0415 - the audit extra, imported on use

    handlers = _handlers(exp)
    for node in list(tree.find_all(exp.Func, exp.Div, exp.Bracket)):
        handler = handlers.get(type(node))
        if handler is not None:
            replacement = handler(node)
            if replacement is not node:
                node.replace(replacement)
        elif isinstance(node, exp.Func) and not isinstance(node, (exp.Connector, *_passing(exp))):
            _refuse(_function_name(node))
    return tree


def _passing(exp: Any) -> tuple[type, ...]:
    """Functions whose DuckDB translation answers as Trino does."""
    return (
        exp.Array,
        exp.Avg,
        exp.Case,
        exp.Coalesce,
        exp.Concat,
        exp.Count,
        exp.Exists,
        exp.If,
        exp.Length,
        exp.Lower,
        exp.Max,
        exp.Min,
        exp.RegexpLike,
        exp.RowNumber,
        exp.StrPosition,
        exp.Substring,
        exp.Sum,
        exp.Try,
        exp.Unnest,
        exp.Upper,
    )


def _handlers(exp: Any) -> dict[type, Callable[[Any], Any]]:
    def call(name: str, *args: Any) -> Any:
        return exp.Anonymous(this=name, expressions=list(args))

    def cast(node: Any) -> Any:
        target = node.to.this.name if hasattr(node.to.this, "name") else str(node.to.this)
        if target not in _CAST_TYPES:
            _refuse(f"CAST to {node.to.sql(dialect='athena')}")
        return node

    def date_diff(node: Any) -> Any:
        unit = node.unit.name.upper() if node.unit is not None else ""
        if unit not in _DATE_UNITS:
            _refuse(f"date_diff with the unit {unit.lower() or 'missing'}")
        return call("date_sub", exp.Literal.string(unit.lower()), node.expression, node.this)

    def divide(node: Any) -> Any:
        if not any(_is_fractional(side, exp) for side in (node.this, node.expression)):
            _refuse(
                "the / operator on operands not known to be fractional",
                "; Athena divides integers as integers and DuckDB does not: CAST an operand "
                "AS double",
            )
        return node

    return {
        exp.JSONExtractScalar: lambda n: call("trino_json_extract_scalar", n.this, _json_path(n)),
        exp.JSONExtract: lambda n: call("trino_json_extract", n.this, _json_path(n)),
        exp.JSONFormat: lambda n: call("trino_json_format", n.this),
        exp.FromISO8601Timestamp: lambda n: call("trino_from_iso8601_timestamp", n.this),
        exp.ArraySize: lambda n: call("cardinality", n.this),
        exp.Bracket: _bracket,
        exp.Cast: cast,
        exp.TryCast: cast,
        exp.DateDiff: date_diff,
        exp.Div: divide,
    }


def _json_path(node: Any) -> Any:
    """The JSON pointer literal of the path of a json_extract(_scalar) call."""
    from sqlglot import exp  # noqa: PLC0415 - the audit extra, imported on use

    path = node.expression
    if isinstance(path, exp.Literal) and path.is_string:
        return exp.Literal.string(json_path_pointer(path.this))
    if not isinstance(path, exp.JSONPath):
        _refuse(f"{_function_name(node)} with a path that is not a literal")
    tokens = []
    for part in path.expressions:
        if isinstance(part, exp.JSONPathRoot):
            continue
        if not isinstance(part, exp.JSONPathKey | exp.JSONPathSubscript) or not isinstance(
            part.this, str | int
        ):
            _refuse(f"{_function_name(node)} with the JSON path {path.sql()}")
        tokens.append(str(part.this))
    pointer = "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)
    return exp.Literal.string(pointer)


def _bracket(node: Any) -> Any:
    """element_at(a, i) (``safe``) or a[i], with Trino's bounds."""
    from sqlglot import exp  # noqa: PLC0415 - the audit extra, imported on use

    (index,) = node.expressions
    if node.args.get("safe"):  # element_at
        if _is_map(node.this) or (isinstance(index, exp.Literal) and index.is_string):
            return node  # DuckDB's map[key]: the value, NULL if missing
        return _call("trino_element_at", node.this, index)
    if _is_map(node.this) or (isinstance(index, exp.Literal) and index.is_string):
        _refuse("a map subscript m[key] (use element_at(m, key))")
    if isinstance(index, exp.Literal) and not node.args.get("offset"):
        index = exp.Literal.number(int(index.this) + 1)  # sqlglot holds literals 0-based
    return _call("trino_subscript", node.this, index)


def _call(name: str, *args: Any) -> Any:
    from sqlglot import exp  # noqa: PLC0415 - the audit extra, imported on use

    return exp.Anonymous(this=name, expressions=list(args))


def _is_fractional(node: Any, exp: Any) -> bool:
    if isinstance(node, exp.Literal) and not node.is_string:
        return "." in node.this or "e" in node.this.lower()
    if isinstance(node, exp.Cast):
        return bool(node.to.this.name in ("DOUBLE", "FLOAT", "DECIMAL"))
    return isinstance(node, exp.Paren) and _is_fractional(node.this, exp)


def _is_map(node: Any) -> bool:
    """Whether ``node`` is a column path the table types as a map."""
    from sqlglot import exp  # noqa: PLC0415 - the audit extra, imported on use

    parts: list[str] = []
    while isinstance(node, exp.Dot):
        parts.insert(0, node.expression.name.lower())
        node = node.this
    if isinstance(node, exp.Column):
        parts[:0] = [part.name.lower() for part in node.parts]
    for index, part in enumerate(parts):
        if part in _TOP_LEVEL:
            return tuple(parts[index:]) in _MAP_PATHS
    return False


def _function_name(node: Any) -> str:
    from sqlglot import exp  # noqa: PLC0415 - the audit extra, imported on use

    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return str(node.sql_name()).lower()


def _refuse(what: str, hint: str = "") -> NoReturn:
    raise QueryDefinitionError(
        AD_HOC,
        f"{what} is not supported by the local engine, which cannot run it with Athena's "
        f"semantics{hint} (supported functions: {', '.join(sorted(SUPPORTED_FUNCTIONS))})",
    )
