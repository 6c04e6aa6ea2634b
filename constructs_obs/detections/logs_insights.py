"""Translate a CloudWatch Logs filter pattern into a Logs Insights ``filter`` expression.

Metric filters and Logs Insights speak different languages. A dashboard that shows the events
behind a pattern alarm needs the Insights form of the pattern: JSON patterns become field
comparisons on the fields Logs Insights discovers in JSON events (``$.a.b[0]`` is ``a.b.0``),
text patterns become ``@message like`` tests. Space-delimited patterns have no Insights
equivalent; for them (and for anything else Insights cannot express) the translation is
``None`` and the caller shows recent events instead.

Example
-------
>>> logs_insights_filter('{ $.level = "ERROR" && $.latency > 100 }')
'(level = "ERROR" and latency > 100)'
>>> logs_insights_filter('?ERROR ?"timed out"')
'(@message like "ERROR" or @message like "timed out")'
"""

from __future__ import annotations

import json
import re

from constructs_obs.detections.filter_pattern._literal import Literal
from constructs_obs.detections.filter_pattern._scanner import Scanner, scan_quoted
from constructs_obs.detections.filter_pattern.filter_pattern import compile_filter_pattern
from constructs_obs.detections.filter_pattern.json_parser import (
    And,
    Condition,
    JsonNode,
    JsonParser,
    JsonPath,
    Or,
)

__all__ = ["logs_insights_filter"]

_PLAIN_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REGEX_SPECIAL = re.compile(r"([\\/.^$|?+()\[\]{}*])")


class _UntranslatableError(Exception):
    """The pattern uses something Logs Insights cannot express exactly."""


def logs_insights_filter(pattern: str) -> str | None:
    """The Logs Insights filter expression equivalent to ``pattern``, or None.

    Raises
    ------
    FilterPatternSyntaxError
        ``pattern`` is not a valid filter pattern.
    """
    compile_filter_pattern(pattern)  # validates, with the column of any error
    stripped = pattern.strip()
    try:
        if not stripped:
            return None
        if stripped.startswith("{"):
            scanner = Scanner(pattern, len(pattern) - len(pattern.lstrip()))
            return _node(JsonParser(scanner).parse())
        if stripped.startswith("["):
            return None
        return _terms(pattern)
    except _UntranslatableError:
        return None


def _field(path: JsonPath) -> str:
    parts = [str(step) for step in path]
    if all(_PLAIN_FIELD.fullmatch(part) or part.isdigit() for part in parts):
        return ".".join(parts)
    return "`" + ".".join(parts) + "`"


def _quote(text: str) -> str:
    return json.dumps(text)


def _regex_literal(text: str) -> str:
    return _REGEX_SPECIAL.sub(r"\\\1", text)


def _condition(condition: Condition) -> str:
    field = _field(condition.path)
    if condition.op == "NOT EXISTS":
        return f"not ispresent({field})"
    if condition.op == "IS NULL":
        raise _UntranslatableError  # Insights cannot tell a JSON null from a missing field
    if condition.op in ("IS TRUE", "IS FALSE"):
        return f"{field} = {'1' if condition.op == 'IS TRUE' else '0'}"
    literal = condition.value
    assert literal is not None
    if literal.regex is not None:
        raise _UntranslatableError
    if condition.op not in ("=", "!="):
        return f"{field} {condition.op} {literal.text}"
    return _equality(field, condition.op, literal)


def _equality(field: str, op: str, literal: Literal) -> str:
    text = literal.text
    if literal.number is not None and not literal.quoted:
        return f"{field} {op} {text}"
    starts, ends = text.startswith("*"), text.endswith("*") and len(text) > 1
    core = text.strip("*")
    if not starts and not ends:
        return f"{field} {op} {_quote(text)}"
    if "*" in core:
        raise _UntranslatableError
    regex = ("" if starts else "^") + _regex_literal(core) + ("" if ends else "$")
    negate = "not " if op == "!=" else ""
    return f"{field} {negate}like /{regex}/"


def _node(node: JsonNode) -> str:
    if isinstance(node, Condition):
        return _condition(node)
    joiner = " and " if isinstance(node, And) else " or "
    assert isinstance(node, And | Or)
    return "(" + joiner.join(_node(child) for child in node.children) + ")"


def _terms(pattern: str) -> str:
    """``a b`` (both), ``?a ?b`` (either), ``-c`` (not), ``"a phrase"``."""
    scanner = Scanner(pattern)
    groups: list[list[str]] = []
    excluded: list[str] = []
    current: list[str] | None = None
    while True:
        scanner.skip_space()
        if scanner.at_end():
            break
        marker = scanner.peek() if scanner.peek() in "?-" else ""
        if marker:
            scanner.pos += 1
            scanner.skip_space()
        if scanner.peek() == "%":
            raise _UntranslatableError  # a filter-pattern regex is not an Insights regex
        if scanner.peek() == '"':
            term = scan_quoted(scanner)
        else:
            start = scanner.pos
            while not scanner.at_end() and not scanner.peek().isspace():
                scanner.pos += 1
            term = pattern[start : scanner.pos]
        test = f"@message like {_quote(term)}"
        if marker == "-":
            excluded.append(f"@message not like {_quote(term)}")
        elif marker == "?" or current is None:
            current = [test]
            groups.append(current)
        else:
            current.append(test)
    alternatives = [" and ".join(group) for group in groups]
    expression = (
        alternatives[0]
        if len(alternatives) == 1
        else ("(" + " or ".join(f"({a})" if " and " in a else a for a in alternatives) + ")")
    )
    if excluded:
        expression = " and ".join([f"({expression})", *excluded])
    return expression
