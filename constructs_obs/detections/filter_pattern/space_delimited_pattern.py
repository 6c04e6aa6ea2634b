"""Space-delimited filter patterns compiled to a predicate on the text of a log event.

``[ip, user, ..., status_code = 4*, bytes > 10]`` names the fields of a line: the CloudWatch
Logs user guide splits a message on whitespace, a run between double quotes or square brackets
being one field; ``...`` stands for any number of fields, and a condition may read another
field of the line. A slot whose conditions only read its own field is checked as soon as it is
placed, so a pattern with several ellipses stays fast on long lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from constructs_obs.detections.filter_pattern._literal import (
    NUMBER,
    Literal,
    TextPredicate,
    string_test,
)
from constructs_obs.detections.filter_pattern._scanner import RELATIONAL

__all__ = [
    "ANONYMOUS",
    "ELLIPSIS",
    "FieldAll",
    "FieldAny",
    "FieldNode",
    "FieldTest",
    "Slot",
    "compile_fields",
    "space_delimited_predicate",
    "split_fields",
]


@dataclass(frozen=True)
class FieldTest:
    name: str
    op: str | None  # None: the name only binds the field
    value: Literal | None = None


@dataclass(frozen=True)
class FieldAll:
    children: tuple[FieldNode, ...]


@dataclass(frozen=True)
class FieldAny:
    children: tuple[FieldNode, ...]


FieldNode = FieldTest | FieldAll | FieldAny
_Bindings = dict[str, str]
_FieldPredicate = Callable[[_Bindings], bool]


@dataclass(frozen=True)
class Slot:
    name: str
    test: _FieldPredicate
    names: frozenset[str]  # every field name the slot's conditions read


ELLIPSIS: Final = "..."
ANONYMOUS: Final = Slot("", lambda _bindings: True, frozenset())


def _field_value_test(op: str, literal: Literal) -> Callable[[str], bool]:
    """A condition on the text of a space-delimited field."""
    if op in RELATIONAL:
        compare, bound = RELATIONAL[op], literal.number
        return lambda text: NUMBER.fullmatch(text) is not None and compare(float(text), bound)
    equals = string_test(literal) if literal.number is None else _text_equals_number(literal)
    if op == "=":
        return equals
    return lambda text: not equals(text)


def _text_equals_number(literal: Literal) -> Callable[[str], bool]:
    """A field equals an unquoted number: numerically when it is a number, else as written."""
    number, written = literal.number, literal.text

    def equals(text: str) -> bool:
        if NUMBER.fullmatch(text) is not None:
            return float(text) == number
        return text == written

    return equals


def compile_fields(node: FieldNode) -> _FieldPredicate:
    if isinstance(node, FieldTest):
        if node.op is None or node.value is None:
            return lambda _bindings: True
        name = node.name
        test = _field_value_test(node.op, node.value)

        def field_test(bindings: _Bindings) -> bool:
            text = bindings.get(name)
            return text is not None and test(text)

        return field_test
    children = tuple(compile_fields(child) for child in node.children)
    if isinstance(node, FieldAll):
        return lambda bindings: all(child(bindings) for child in children)
    return lambda bindings: any(child(bindings) for child in children)


def split_fields(message: str) -> list[str]:
    """The fields of a space-delimited log event.

    Fields are separated by whitespace; the characters between double quotes or between
    square brackets form one field, without the quotes or brackets.
    """
    fields: list[str] = []
    pos, end = 0, len(message)
    while pos < end:
        char = message[pos]
        if char.isspace():
            pos += 1
            continue
        if char in '"[':
            closing = message.find('"' if char == '"' else "]", pos + 1)
            if closing < 0:
                closing = end
            fields.append(message[pos + 1 : closing])
            pos = closing + 1
            continue
        start = pos
        while pos < end and not message[pos].isspace():
            pos += 1
        fields.append(message[start:pos])
    return fields


def space_delimited_predicate(slots: list[Slot | str]) -> TextPredicate:
    count = len(slots)
    # need[i]: how many fields slots i.. need at least (ellipses need none).
    need = [0] * (count + 1)
    for index in range(count - 1, -1, -1):
        need[index] = need[index + 1] + (0 if slots[index] is ELLIPSIS else 1)
    # A slot whose conditions only read its own field is checked as soon as it is placed;
    # one that reads other fields waits until every field is placed.
    immediate = [isinstance(slot, Slot) and slot.names <= {slot.name} for slot in slots]
    deferred = [
        slot
        for slot, now in zip(slots, immediate, strict=True)
        if isinstance(slot, Slot) and not now
    ]
    has_ellipsis = ELLIPSIS in slots

    def matches(message: str) -> bool:
        fields = split_fields(message)
        total = len(fields)
        if total < need[0] or (not has_ellipsis and total != count):
            return False
        bindings: _Bindings = {}
        failed: set[tuple[int, int]] = set()

        def place(index: int, field: int) -> bool:
            while index < count:
                slot = slots[index]
                if not isinstance(slot, Slot):
                    break
                if field >= total:
                    return False
                bindings[slot.name] = fields[field]
                if immediate[index] and not slot.test(bindings):
                    return False
                index += 1
                field += 1
            if index == count:
                return field == total and all(slot.test(bindings) for slot in deferred)
            # An ellipsis: try every number of fields it could absorb.
            if not deferred and (index, field) in failed:
                return False
            for skip_to in range(field, total - need[index + 1] + 1):
                if place(index + 1, skip_to):
                    return True
            failed.add((index, field))
            return False

        return place(0, 0)

    return matches
