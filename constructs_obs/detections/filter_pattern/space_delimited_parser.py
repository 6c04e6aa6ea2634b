"""Space-delimited filter patterns parsed: ``[ip, user, ..., status_code = 4*, bytes > 10]``.

The grammar of the CloudWatch Logs user guide: a bracketed, comma-separated list of slots; a
slot is ``...`` or conditions on named fields (a letter or ``_``, then letters, digits or
``_``), joined by ``&&`` (binding tighter) and ``||``, with parentheses. An empty slot (the
guide's trailing comma, ``[..., status_code,]``) is a field without a name. ``<``, ``<=``,
``>`` and ``>=`` take an unquoted number; a ``%regex%`` needs ``=`` or ``!=``. ``[]`` (no
field at all) is accepted, as CloudWatch Logs accepts it, and matches every event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from constructs_obs.detections.filter_pattern._literal import TextPredicate
from constructs_obs.detections.filter_pattern._scanner import (
    MAX_NESTING,
    RELATIONAL,
    Scanner,
    scan_comparison,
    scan_value,
)
from constructs_obs.detections.filter_pattern.space_delimited_pattern import (
    ANONYMOUS,
    ELLIPSIS,
    FieldAll,
    FieldAny,
    FieldNode,
    FieldTest,
    Slot,
    compile_fields,
    space_delimited_predicate,
)

__all__ = ["SpaceDelimitedParser"]

_FIELD_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SpaceDelimitedParser:
    """``[slot, slot, ...]`` where a slot is ``...`` or conditions on named fields."""

    def __init__(self, scanner: Scanner) -> None:
        self.scanner = scanner
        self.depth = 0

    def parse(self) -> TextPredicate:
        scanner = self.scanner
        opening = scanner.pos
        scanner.take("[")
        slots: list[Slot | str] = []
        while True:
            scanner.skip_space()
            if scanner.at_end():
                raise scanner.error("'[' is never closed", opening)
            if scanner.peek() in ",]":
                # An empty slot, as in "[..., status_code,]": a field without a name.
                slots.append(ANONYMOUS)
            elif scanner.take(ELLIPSIS):
                if not slots or slots[-1] is not ELLIPSIS:
                    slots.append(ELLIPSIS)
            else:
                slots.append(self.parse_slot())
            scanner.skip_space()
            if scanner.take(","):
                continue
            if scanner.peek() == "]":
                break
            raise scanner.error(f"expected ',' or ']', found {scanner.describe_here()}")
        scanner.take("]")
        scanner.skip_space()
        if not scanner.at_end():
            raise scanner.error(
                "unexpected text after the closing ']' of the space-delimited pattern"
            )
        if slots == [ANONYMOUS]:
            # "[]": CloudWatch Logs accepts it. It names no field and sets no condition, so it
            # is read as matching every event (the guide does not say otherwise).
            return _every_event
        return space_delimited_predicate(slots)

    def parse_slot(self) -> Slot:
        node = self.parse_any()
        names = frozenset(_field_names(node))
        return Slot(_first_name(node), compile_fields(node), names)

    def parse_any(self) -> FieldNode:
        children = self.scanner.separated(self.parse_all, "||")
        return children[0] if len(children) == 1 else FieldAny(tuple(children))

    def parse_all(self) -> FieldNode:
        children = self.scanner.separated(self.parse_unary, "&&")
        return children[0] if len(children) == 1 else FieldAll(tuple(children))

    def parse_unary(self) -> FieldNode:
        scanner = self.scanner
        scanner.skip_space()
        if scanner.peek() == "(":
            opening = scanner.pos
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise scanner.error(f"parentheses nested more than {MAX_NESTING} deep")
            scanner.pos += 1
            node = self.parse_any()
            scanner.skip_space()
            if not scanner.take(")"):
                raise scanner.error("'(' is never closed", opening)
            self.depth -= 1
            return node
        match = _FIELD_NAME.match(scanner.text, scanner.pos)
        if match is None:
            raise scanner.error(
                f"expected a field name (a letter or '_', then letters, digits or '_'), found "
                f"{scanner.describe_here()}"
            )
        scanner.pos = match.end()
        name = match.group()
        scanner.skip_space()
        op = scan_comparison(scanner)
        if op is None:
            return FieldTest(name, None)
        scanner.skip_space()
        if scanner.at_end():
            raise scanner.error(f"expected a value after '{op}'")
        value = scan_value(scanner, stop=",[]()")
        if op in RELATIONAL and (value.number is None or value.quoted):
            raise scanner.error(
                f"'{op}' compares numbers: expected an unquoted number", value.column - 1
            )
        if op not in ("=", "!=") and value.regex is not None:
            raise scanner.error(f"a regular expression needs '=' or '!=', not '{op}'")
        return FieldTest(name, op, value)


def _every_event(_message: str) -> bool:
    return True


def _field_names(node: FieldNode) -> Iterable[str]:
    if isinstance(node, FieldTest):
        yield node.name
    else:
        for child in node.children:
            yield from _field_names(child)


def _first_name(node: FieldNode) -> str:
    return next(iter(_field_names(node)))
