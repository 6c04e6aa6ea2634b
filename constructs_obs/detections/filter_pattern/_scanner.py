"""The scanner the filter-pattern parsers share: a cursor over the text, and the values in it.

Every syntax error of a filter pattern is raised here, as a
:class:`~constructs_obs.detections.errors.FilterPatternSyntaxError` that points at the column
of the problem. The scanner also encodes what the CloudWatch Logs user guide allows in a
value: double-quoted strings (``\\"`` and ``\\\\`` escapes), ``%regex%`` with the documented
subset of characters and operators, and unquoted values made of letters, digits and
``_ . - + : / *``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

from constructs_obs.detections.errors import FilterPatternSyntaxError
from constructs_obs.detections.filter_pattern._literal import NUMBER, Literal

__all__ = [
    "MAX_NESTING",
    "MAX_REGEXES",
    "RELATIONAL",
    "Scanner",
    "scan_comparison",
    "scan_quoted",
    "scan_regex",
    "scan_value",
]

#: Parentheses deeper than this are a syntax error (not a RecursionError).
MAX_NESTING: Final = 64
#: CloudWatch Logs allows two ``%regex%`` in one filter pattern (PutMetricFilter: "a quota of
#: two regular expression patterns within a single filter pattern").
MAX_REGEXES: Final = 2

_UNQUOTED_VALUE_CHARS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.*+-:/"
)
_REGEX_CHARS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    ":_#=@/;,-"  # supported symbol characters
    "^$?[]{}|\\*+."  # supported operators
)
#: The comparisons that only apply to numbers.
RELATIONAL: Final[Mapping[str, Callable[[Any, Any], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


_T = TypeVar("_T")


class Scanner:
    """A cursor over the pattern text that raises errors pointing at a column."""

    def __init__(self, text: str, pos: int = 0) -> None:
        self.text = text
        self.pos = pos
        self.end = len(text)
        self.regexes = 0

    def error(self, problem: str, at: int | None = None) -> FilterPatternSyntaxError:
        """The error to raise for a problem here (or at position ``at``)."""
        where = self.pos if at is None else at
        return FilterPatternSyntaxError(self.text, where + 1, problem)

    def skip_space(self) -> None:
        text, pos, end = self.text, self.pos, self.end
        while pos < end and text[pos].isspace():
            pos += 1
        self.pos = pos

    def at_end(self) -> bool:
        return self.pos >= self.end

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < self.end else ""

    def startswith(self, token: str) -> bool:
        return self.text.startswith(token, self.pos)

    def take(self, token: str) -> bool:
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def separated(self, parse: Callable[[], _T], operator: str) -> list[_T]:
        """One or more ``parse()`` results separated by ``operator`` (spaces around it)."""
        items = [parse()]
        while True:
            self.skip_space()
            if not self.take(operator):
                return items
            items.append(parse())

    def take_word(self, word: str) -> bool:
        """Take a keyword (any case) that is not the start of a longer name."""
        end = self.pos + len(word)
        if self.text[self.pos : end].upper() != word:
            return False
        if end < self.end and (self.text[end].isalnum() or self.text[end] == "_"):
            return False
        self.pos = end
        return True

    def describe_here(self) -> str:
        if self.at_end():
            return "the end of the pattern"
        return repr(self.text[self.pos])


def scan_quoted(scanner: Scanner) -> str:
    opening = scanner.pos
    scanner.pos += 1
    text, end = scanner.text, scanner.end
    chars: list[str] = []
    pos = scanner.pos
    while pos < end:
        char = text[pos]
        if char == "\\" and pos + 1 < end and text[pos + 1] in '"\\':
            chars.append(text[pos + 1])
            pos += 2
            continue
        if char == '"':
            scanner.pos = pos + 1
            return "".join(chars)
        chars.append(char)
        pos += 1
    raise scanner.error("unterminated string: no closing '\"'", opening)


def scan_regex(scanner: Scanner) -> re.Pattern[str]:
    opening = scanner.pos
    scanner.regexes += 1
    if scanner.regexes > MAX_REGEXES:
        raise scanner.error(
            f"a filter pattern may hold at most {MAX_REGEXES} regular expressions (%...%); "
            "CloudWatch Logs refuses more",
            opening,
        )
    text, end = scanner.text, scanner.end
    pos = opening + 1
    while pos < end and text[pos] != "%":
        if text[pos] == "\\":
            pos += 1
        pos += 1
    if pos >= end:
        raise scanner.error("unterminated regular expression: no closing '%'", opening)
    body = text[opening + 1 : pos]
    for offset, char in enumerate(body):
        if char not in _REGEX_CHARS:
            shown = "a space" if char == " " else repr(char)
            raise scanner.error(
                f"{shown} is not supported in a regular expression (allowed: letters, digits, "
                "the symbols : _ # = @ / ; , - and the operators ^ $ ? [ ] { } | \\ * + .)",
                opening + 1 + offset,
            )
    if not body:
        raise scanner.error("empty regular expression '%%'", opening)
    try:
        compiled = re.compile(body)
    except re.error as error:
        raise scanner.error(
            f"invalid regular expression: {error.msg}", opening + 1 + (error.pos or 0)
        ) from None
    scanner.pos = pos + 1
    return compiled


def scan_value(scanner: Scanner, stop: str) -> Literal:
    """A value after an operator: "quoted", %regex% or an unquoted run of allowed characters."""
    start = scanner.pos
    column = start + 1
    char = scanner.peek()
    if char == '"':
        return Literal(scan_quoted(scanner), quoted=True, column=column)
    if char == "%":
        regex = scan_regex(scanner)
        return Literal(scanner.text[start : scanner.pos], False, column, regex=regex)
    text, end = scanner.text, scanner.end
    pos = start
    while pos < end:
        char = text[pos]
        if char.isspace() or char in stop or text.startswith(("&&", "||"), pos):
            break
        if char not in _UNQUOTED_VALUE_CHARS:
            raise scanner.error(
                f"{char!r} must be inside a double-quoted value (unquoted values may only "
                "hold letters, digits and _ . - + : / *)",
                pos,
            )
        pos += 1
    if pos == start:
        raise scanner.error(f"expected a value, found {scanner.describe_here()}")
    scanner.pos = pos
    value = text[start:pos]
    number = float(value) if NUMBER.fullmatch(value) else None
    return Literal(value, quoted=False, column=column, number=number)


def scan_comparison(scanner: Scanner) -> str | None:
    for op in ("!=", "<=", ">=", "=", "<", ">"):
        if scanner.take(op):
            return op
    return None
