"""JSON filter patterns parsed into a tree: ``{ $.eventName = "ConsoleLogin" && ... }``.

The grammar of the CloudWatch Logs user guide: selectors ``$.a.b`` and ``$.a[0]`` (property
names of letters, digits, ``-`` and ``_``; numeric array indexes only), the comparisons ``=``,
``!=``, ``<``, ``<=``, ``>``, ``>=``, the keywords ``IS TRUE``, ``IS FALSE``, ``IS NULL`` and
``NOT EXISTS`` (any case), ``&&`` binding tighter than ``||``, and parentheses. ``<``, ``<=``,
``>`` and ``>=`` take an unquoted number; a ``%regex%`` needs ``=`` or ``!=``.

The tree is compiled to a predicate by :mod:`.json_pattern` and translated to Logs Insights by
:mod:`constructs_obs.detections.logs_insights`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from constructs_obs.detections.filter_pattern._literal import Literal
from constructs_obs.detections.filter_pattern._scanner import (
    MAX_NESTING,
    RELATIONAL,
    Scanner,
    scan_comparison,
    scan_value,
)

__all__ = ["And", "Condition", "JsonNode", "JsonParser", "JsonPath", "Or"]

_Step = str | int
#: A selector: property names and array indexes, ``$.a[0].b`` is ``("a", 0, "b")``.
JsonPath = tuple[_Step, ...]

_PROPERTY: Final = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Condition:
    path: JsonPath
    op: str  # a comparison, or "IS TRUE", "IS FALSE", "IS NULL", "NOT EXISTS"
    value: Literal | None = None


@dataclass(frozen=True)
class And:
    children: tuple[JsonNode, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[JsonNode, ...]


JsonNode = Condition | And | Or


class JsonParser:
    """``{ expr }`` where expr := and ('||' and)*, and := unary ('&&' unary)*."""

    def __init__(self, scanner: Scanner) -> None:
        self.scanner = scanner
        self.depth = 0

    def parse(self) -> JsonNode:
        scanner = self.scanner
        scanner.take("{")
        scanner.skip_space()
        if scanner.peek() == "}":
            raise scanner.error("empty JSON pattern: expected a condition such as $.field = value")
        node = self.parse_or()
        scanner.skip_space()
        if not scanner.take("}"):
            raise scanner.error(
                f"expected '&&', '||' or '}}' to close the JSON pattern, found "
                f"{scanner.describe_here()}"
            )
        scanner.skip_space()
        if not scanner.at_end():
            raise scanner.error("unexpected text after the closing '}' of the JSON pattern")
        return node

    def parse_or(self) -> JsonNode:
        children = self.scanner.separated(self.parse_and, "||")
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self) -> JsonNode:
        children = self.scanner.separated(self.parse_unary, "&&")
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary(self) -> JsonNode:
        scanner = self.scanner
        scanner.skip_space()
        if scanner.peek() == "(":
            opening = scanner.pos
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise scanner.error(f"parentheses nested more than {MAX_NESTING} deep")
            scanner.pos += 1
            node = self.parse_or()
            scanner.skip_space()
            if not scanner.take(")"):
                if scanner.at_end() or scanner.peek() == "}":
                    raise scanner.error("'(' is never closed", opening)
                raise scanner.error(f"expected '&&', '||' or ')', found {scanner.describe_here()}")
            self.depth -= 1
            return node
        return self.parse_condition()

    def parse_condition(self) -> Condition:
        scanner = self.scanner
        path = self.parse_selector()
        scanner.skip_space()
        if scanner.take_word("IS"):
            scanner.skip_space()
            for word in ("TRUE", "FALSE", "NULL"):
                if scanner.take_word(word):
                    return Condition(path, f"IS {word}")
            raise scanner.error("expected TRUE, FALSE or NULL after IS")
        if scanner.take_word("NOT"):
            scanner.skip_space()
            if scanner.take_word("EXISTS"):
                return Condition(path, "NOT EXISTS")
            raise scanner.error("expected EXISTS after NOT")
        op_at = scanner.pos
        op = scan_comparison(scanner)
        if op is None:
            raise scanner.error(
                "expected an operator (=, !=, <, <=, >, >=, IS TRUE, IS FALSE, IS NULL or "
                f"NOT EXISTS) after the selector, found {scanner.describe_here()}"
            )
        scanner.skip_space()
        if scanner.at_end():
            raise scanner.error(f"expected a value after '{op}'")
        value = scan_value(scanner, stop="(){}")
        if op in RELATIONAL and (value.number is None or value.quoted):
            raise scanner.error(
                f"'{op}' compares numbers: expected an unquoted number", value.column - 1
            )
        if op not in ("=", "!=") and value.regex is not None:
            raise scanner.error(f"a regular expression needs '=' or '!=', not '{op}'", op_at)
        return Condition(path, op, value)

    def parse_selector(self) -> JsonPath:
        scanner = self.scanner
        if not scanner.take("$"):
            raise scanner.error(
                f"expected a selector starting with '$.' (or '('), found {scanner.describe_here()}"
            )
        steps: list[_Step] = []
        text = scanner.text
        while True:
            if scanner.take("."):
                match = _PROPERTY.match(text, scanner.pos)
                if match is None:
                    raise scanner.error(
                        "expected a property name (letters, digits, '-' and '_') after '.'"
                    )
                steps.append(match.group())
                scanner.pos = match.end()
            elif scanner.startswith("["):
                if not steps:
                    raise scanner.error("an array index must follow a property, as in $.items[0]")
                opening = scanner.pos
                scanner.pos += 1
                digits = re.compile(r"\d+").match(text, scanner.pos)
                if digits is None:
                    raise scanner.error(
                        "expected an array index such as [0] (only numeric indexes are supported)"
                    )
                scanner.pos = digits.end()
                if not scanner.take("]"):
                    raise scanner.error("expected ']' to close the array index", opening)
                steps.append(int(digits.group()))
            else:
                break
        if not steps:
            raise scanner.error("expected '.' and a property name after '$', as in $.eventName")
        return tuple(steps)
