"""JSON filter patterns compiled to a predicate on a parsed event, and to guards.

What the CloudWatch Logs user guide leaves open, decided once here:

* A comparison only applies to a value node (a string or a number). On a missing field, an
  object, an array, a boolean or ``null`` both ``=`` and ``!=`` are false; use ``NOT EXISTS``,
  ``IS NULL``, ``IS TRUE``/``IS FALSE`` for those (this is what the Security Hub root-usage
  pattern relies on).
* ``=``/``!=`` with a string compare the text of the field (a number's JSON text, ``400``);
  with an unquoted number they compare numbers (``1e3`` equals ``1000``) or, on a string
  field, the text as written. ``<``, ``<=``, ``>``, ``>=`` only apply to JSON numbers.

An OR-chain of equalities on one selector (``$.eventName = A || $.eventName = B``) becomes one
set lookup, and :func:`json_guards` tells the evaluator which record fields must hold which
values for the pattern to match at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from constructs_obs.detections._guards import Guard, GuardKey, all_of, any_of
from constructs_obs.detections.filter_pattern._literal import (
    Literal,
    ObjectPredicate,
    string_test,
)
from constructs_obs.detections.filter_pattern._scanner import RELATIONAL
from constructs_obs.detections.filter_pattern.json_parser import (
    And,
    Condition,
    JsonNode,
    JsonPath,
    Or,
)

__all__ = ["compile_json", "json_guards"]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Final = _Missing()

# Texts a finite JSON number can have, plus the non-finite ones Python's json module reads.
_NUMBER_TEXT: Final = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|-?Infinity|NaN")
_SCALAR_TYPES: Final = frozenset({str, int, float})


def _text_of(value: Any) -> str | None:
    """The text a value node has in the log event: a string, or a number's JSON text."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return str(value)
    if kind is float:
        return json.dumps(value)
    return None


def _could_be_number_text(text: str) -> bool:
    return _NUMBER_TEXT.fullmatch(text) is not None


def _value_equals(literal: Literal) -> Callable[[Any], bool]:
    """``field = literal`` for a JSON value node; False for anything but strings and numbers."""
    if literal.number is not None:
        number, written = literal.number, literal.text

        def equals_number(value: Any) -> bool:
            kind = type(value)
            if kind is int or kind is float:
                return bool(value == number)
            return kind is str and value == written

        return equals_number
    if literal.is_exact_string and not _could_be_number_text(literal.text):
        # No number has this text, so plain equality is exact (and False for non-strings).
        exact = literal.text
        return lambda value: bool(value == exact)
    test = string_test(literal)

    def equals_text(value: Any) -> bool:
        text = _text_of(value)
        return text is not None and test(text)

    return equals_text


def _get_one(key: str) -> Callable[[dict[str, Any]], Any]:
    missing = _MISSING

    def get_one(event: dict[str, Any]) -> Any:
        return event.get(key, missing)

    return get_one


def _get_two(first: str, second: str) -> Callable[[dict[str, Any]], Any]:
    missing = _MISSING

    def get_two(event: dict[str, Any]) -> Any:
        value = event.get(first, missing)
        if type(value) is dict:
            return value.get(second, missing)
        return missing

    return get_two


def _getter(path: JsonPath) -> Callable[[dict[str, Any]], Any]:
    """Read a selector from a parsed event (a dict); ``_MISSING`` when it is not there."""
    names = [step for step in path if isinstance(step, str)]
    if len(names) == len(path) == 1:
        return _get_one(names[0])
    if len(names) == len(path) == 2:
        return _get_two(names[0], names[1])
    missing = _MISSING

    def get_path(event: dict[str, Any]) -> Any:
        value: Any = event
        for step in path:
            if type(step) is str:
                if type(value) is not dict:
                    return missing
                value = value.get(step, missing)
                if value is missing:
                    return missing
            else:
                if type(value) is not list or not isinstance(step, int) or step >= len(value):
                    return missing
                value = value[step]
        return value

    return get_path


_KEYWORD_TESTS: Final[Mapping[str, Callable[[Any], bool]]] = {
    "NOT EXISTS": lambda value: value is _MISSING,
    "IS NULL": lambda value: value is None,
    "IS TRUE": lambda value: value is True,
    "IS FALSE": lambda value: value is False,
}


def _compile_condition(condition: Condition) -> ObjectPredicate:
    get = _getter(condition.path)
    op = condition.op
    keyword_test = _KEYWORD_TESTS.get(op)
    if keyword_test is not None:
        return lambda event: keyword_test(get(event))
    literal = condition.value
    assert literal is not None
    if op in RELATIONAL:
        compare, bound = RELATIONAL[op], literal.number

        def relational(event: dict[str, Any]) -> bool:
            value = get(event)
            kind = type(value)
            return (kind is int or kind is float) and compare(value, bound)

        return relational
    equals = _value_equals(literal)
    if op == "=":
        return lambda event: equals(get(event))

    def not_equal(event: dict[str, Any]) -> bool:
        value = get(event)
        return type(value) in _SCALAR_TYPES and not equals(value)

    return not_equal


def _compile_in_set(path: JsonPath, values: frozenset[str]) -> ObjectPredicate:
    get = _getter(path)

    def in_set(event: dict[str, Any]) -> bool:
        value = get(event)
        return type(value) is str and value in values

    return in_set


def _any(predicates: list[ObjectPredicate]) -> ObjectPredicate:
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        first, second = predicates
        return lambda event: first(event) or second(event)
    ordered = tuple(predicates)

    def any_of_them(event: dict[str, Any]) -> bool:
        return any(predicate(event) for predicate in ordered)

    return any_of_them


def _all(predicates: list[ObjectPredicate]) -> ObjectPredicate:
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        first, second = predicates
        return lambda event: first(event) and second(event)
    ordered = tuple(predicates)

    def all_of_them(event: dict[str, Any]) -> bool:
        return all(predicate(event) for predicate in ordered)

    return all_of_them


def _flatten(node: And | Or, kind: type[And] | type[Or]) -> Iterable[JsonNode]:
    for child in node.children:
        if isinstance(child, kind):
            yield from _flatten(child, kind)
        else:
            yield child


def _is_set_member(node: JsonNode) -> bool:
    """``$.a.b = "text"`` on plain properties: a member of an OR-chain of equalities."""
    return (
        isinstance(node, Condition)
        and node.op == "="
        and node.value is not None
        and node.value.is_exact_string
        and not _could_be_number_text(node.value.text)
        and all(isinstance(step, str) for step in node.path)
    )


def compile_json(node: JsonNode) -> ObjectPredicate:
    if isinstance(node, Condition):
        return _compile_condition(node)
    if isinstance(node, And):
        return _all([compile_json(child) for child in _flatten(node, And)])
    # An OR-chain of equalities on one selector becomes one set lookup.
    predicates: list[ObjectPredicate] = []
    members: dict[JsonPath, set[str]] = {}
    for child in _flatten(node, Or):
        if _is_set_member(child):
            assert isinstance(child, Condition)
            assert child.value is not None
            members.setdefault(child.path, set()).add(child.value.text)
        else:
            predicates.append(compile_json(child))
    for path, values in members.items():
        predicates.insert(0, _compile_in_set(path, frozenset(values)))
    return _any(predicates)


def json_guards(node: JsonNode) -> dict[GuardKey, Guard]:
    if isinstance(node, And):
        return all_of(json_guards(child) for child in node.children)
    if isinstance(node, Or):
        return any_of(json_guards(child) for child in node.children)
    if node.op == "NOT EXISTS" or not all(isinstance(step, str) for step in node.path):
        return {}
    key: GuardKey = tuple(str(step) for step in node.path)
    if _is_set_member(node):
        assert node.value is not None
        return {key: Guard(frozenset({node.value.text}))}
    # Every other test needs the field to be there (IS NULL: present and null).
    return {key: Guard(None)}
