"""Amazon EventBridge event patterns: compile once, then match events offline.

Implements the matching the EventBridge user guide documents ("Event patterns", "Content
filtering", "Arrays", "Null values and empty strings"):

* every field named in the pattern must match; a field's value is an array of alternatives
  (any one matches) or a nested object; ``$or`` lists alternative sub-patterns;
* when the event's value is an array, the field matches if any element does; objects inside
  arrays are matched element by element (two fields of one sub-pattern must match inside the
  same element);
* exact values: strings (character by character), numbers (by their JSON text: ``300`` and
  ``300.0`` differ), ``true``, ``false``, ``null`` (``null`` and ``""`` are different values);
* content filters: ``prefix`` and ``suffix`` (plain or ``{"equals-ignore-case": ...}``),
  ``equals-ignore-case``, ``wildcard``, ``anything-but`` (a value, a list of strings or of
  numbers, or ``{"prefix"|"suffix"|"wildcard"|"equals-ignore-case": ...}``), ``numeric``
  ranges, ``exists`` (only leaf values exist: an object does not), ``cidr`` (IPv4 and IPv6).

What EventBridge refuses is refused here too (the messages of AWS's compiler, event-ruler, are
quoted): an empty array of values ("Empty arrays are not allowed"), wildcards too complex for
EventBridge (:mod:`._wildcard_complexity`), and the content filters :mod:`.content_filter`
refuses. A dotted key is a path, as in EventBridge: ``"state.status"`` is ``state`` ->
``status``, in a pattern and in an event (:mod:`._dotted`).

Where the documentation is silent this module chooses, and documents, one behaviour:

* every filter but ``exists: false`` needs the field to be present (the filters themselves,
  and what they choose, are in :mod:`.content_filter`);
* a pattern given as a parsed object cannot tell ``300.0`` from ``3.0e2`` (both are the
  float 300.0 once parsed);
* a dotted key is read as its path (``"a.b"`` is ``a`` -> ``b``, see :mod:`._dotted`) where
  the plain spelling is missing: an object that holds a field both ways is read through its
  nested spelling.

Example
-------
>>> rule = compile_event_pattern({"source": ["aws.iam"], "detail": {"eventName": [{"prefix": "Delete"}]}})
>>> rule.matches({"source": "aws.iam", "detail": {"eventName": "DeleteRolePolicy"}})
True
"""  # noqa: E501

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

from constructs_obs.detections._dotted import expand_object, nest_pattern
from constructs_obs.detections._guards import Guard, GuardKey, all_of, any_of
from constructs_obs.detections._wildcard_complexity import (
    MAX_WILDCARD_COMPLEXITY,
    wildcard_complexity,
)
from constructs_obs.detections.content_filter import (
    ValueTest,
    compile_filter,
    finite,
    json_type,
    number_text,
    where,
)
from constructs_obs.detections.errors import EventPatternSyntaxError

__all__ = ["EventPattern", "compile_event_pattern"]

_MAX_DEPTH: Final = 64


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Final = _Missing()
_EMPTY: Final[dict[str, Any]] = {}

FieldTest = Callable[[Any], bool]
ObjectTest = Callable[[dict[str, Any]], bool]


class EventPattern:
    """A compiled EventBridge event pattern; build it with :func:`compile_event_pattern`.

    Attributes
    ----------
    pattern:
        The pattern as a JSON object (parsed when it was given as text).
    """

    __slots__ = ("_guards", "_test", "pattern")

    def __init__(
        self,
        pattern: dict[str, Any],
        test: ObjectTest,
        guards: Mapping[GuardKey, Guard],
    ) -> None:
        self.pattern = pattern
        self._test = test
        self._guards = guards

    @property
    def text(self) -> str:
        """The pattern as compact JSON text."""
        return json.dumps(self.pattern, separators=(",", ":"), ensure_ascii=False)

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether the pattern matches one event (a parsed JSON object)."""
        if type(event) is dict:
            return self._test(event)
        if not isinstance(event, Mapping):
            raise TypeError(
                f"an event is a Mapping (a parsed JSON object), got {type(event).__name__}"
            )
        return self._test(_plain_json(event))

    def __repr__(self) -> str:
        return f"compile_event_pattern({self.text!r})"


def compile_event_pattern(pattern: Mapping[str, Any] | str) -> EventPattern:
    """Compile an EventBridge event pattern.

    Parameters
    ----------
    pattern:
        The pattern as a JSON object (a Mapping) or as JSON text.

    Returns
    -------
    EventPattern
        The compiled pattern; compile once and call ``matches`` for every event.

    Raises
    ------
    EventPatternSyntaxError
        The pattern is not valid; the message names the path of the bad part.
    """
    if isinstance(pattern, str):
        try:
            parsed = json.loads(pattern)
        except RecursionError:
            raise EventPatternSyntaxError(
                "<pattern>", f"nested more than {_MAX_DEPTH} levels deep"
            ) from None
        except ValueError as error:
            raise EventPatternSyntaxError("<pattern>", f"not valid JSON: {error}") from None
    elif isinstance(pattern, Mapping):
        parsed = _plain_json(pattern)
    else:
        raise TypeError(f"an event pattern is a Mapping or JSON text, got {type(pattern).__name__}")
    if not isinstance(parsed, dict):
        raise EventPatternSyntaxError(
            "<pattern>", f"an event pattern is a JSON object, got {json_type(parsed)}"
        )
    if not parsed:
        raise EventPatternSyntaxError(
            "<pattern>", "an event pattern needs at least one field to match"
        )
    nested = nest_pattern(parsed)
    test, _ = _compile_object(nested, (), 0)
    _check_wildcard_complexity(nested)
    return EventPattern(parsed, test, _object_guards(nested, ()))


def _plain_json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_json(item) for item in value]
    return value


def _is_or(key: str, value: Any) -> bool:
    return key == "$or" and isinstance(value, list)


# --------------------------------------------------------------------------------------------
# Compiling
# --------------------------------------------------------------------------------------------


def _compile_object(
    pattern: dict[str, Any], path: tuple[str | int, ...], depth: int
) -> tuple[FieldTest, ObjectTest]:
    """A test of the value at ``path`` and a test of one object there."""
    if depth > _MAX_DEPTH:
        raise EventPatternSyntaxError(where(path), f"nested more than {_MAX_DEPTH} levels deep")
    fields: list[tuple[str, FieldTest]] = []
    alternatives: list[tuple[ObjectTest, ...]] = []
    for key, sub in pattern.items():
        here = (*path, key)
        if _is_or(key, sub):
            if len(sub) < 2 or not all(isinstance(item, dict) and item for item in sub):
                raise EventPatternSyntaxError(
                    where(here), "$or takes an array of at least two non-empty objects"
                )
            alternatives.append(
                tuple(
                    _compile_object(item, (*here, index), depth + 1)[1]
                    for index, item in enumerate(sub)
                )
            )
        elif isinstance(sub, dict):
            if not sub:
                raise EventPatternSyntaxError(
                    where(here), "an empty object matches nothing; remove it or add fields"
                )
            fields.append((key, _compile_object(sub, here, depth + 1)[0]))
        elif isinstance(sub, list):
            fields.append((key, _compile_leaf(sub, here)))
        else:
            raise EventPatternSyntaxError(
                where(here),
                f"must be an array of values to match (or an object), got {json_type(sub)}"
                f"; write [{json.dumps(sub)}] to match that value",
            )
    return _object_tests(tuple(fields), tuple(alternatives))


def _object_tests(
    field_tests: tuple[tuple[str, FieldTest], ...], or_tests: tuple[tuple[ObjectTest, ...], ...]
) -> tuple[FieldTest, ObjectTest]:
    """The tests of one level of a pattern: every field, and one branch of every ``$or``."""

    def test_object(obj: dict[str, Any]) -> bool:
        expanded = False
        for key, test in field_tests:
            value = obj.get(key, _MISSING)
            if value is _MISSING and not expanded:
                # A dotted key ("a.b") may hold the field: read the object with them split.
                expanded = True
                if "." in "".join(obj):
                    obj = expand_object(obj)
                    value = obj.get(key, _MISSING)
            if not test(value):
                return False
        if or_tests and not expanded and "." in "".join(obj):
            obj = expand_object(obj)
        return all(any(test(obj) for test in group) for group in or_tests)

    def test_value(value: Any) -> bool:
        if type(value) is dict:
            return test_object(value)
        if type(value) is list:
            objects = [item for item in _flat(value) if type(item) is dict]
            if objects:
                return any(test_object(item) for item in objects)
        return test_object(_EMPTY)

    return test_value, test_object


def _flat(values: list[Any]) -> Iterator[Any]:
    """The elements of an array, arrays inside it flattened (without recursion)."""
    stack = [iter(values)]
    while stack:
        for item in stack[-1]:
            if type(item) is list:
                stack.append(iter(item))
                break
            yield item
        else:
            stack.pop()


def _compile_leaf(values: list[Any], path: tuple[str | int, ...]) -> FieldTest:
    """The test of a field whose pattern is an array of alternatives."""
    if not values:
        raise EventPatternSyntaxError(
            where(path),
            'an empty array matches nothing and EventBridge refuses it ("Empty arrays are not '
            'allowed"); list at least one value, or remove the field',
        )
    strings: set[str] = set()
    numbers: set[str] = set()
    constants: list[Any] = []  # true, false, null (compared with `is`)
    tests: list[ValueTest] = []
    exists: set[bool] = set()
    for index, value in enumerate(values):
        here = (*path, index)
        if isinstance(value, str):
            strings.add(value)
        elif value is None or isinstance(value, bool):
            constants.append(value)
        elif isinstance(value, int | float):
            numbers.add(number_text(finite(value, here)))
        elif isinstance(value, dict):
            if list(value) == ["exists"]:
                flag = value["exists"]
                if not isinstance(flag, bool):
                    raise EventPatternSyntaxError(
                        where((*here, "exists")), f"must be true or false, got {json_type(flag)}"
                    )
                exists.add(flag)
            else:
                tests.append(compile_filter(value, here))
        else:
            raise EventPatternSyntaxError(
                where(here), f"an array of values cannot hold {json_type(value)}"
            )
    if True in exists:
        tests.append(lambda _value: True)  # any leaf value exists
    matches_missing = False in exists
    if not numbers and not constants and not tests:
        return _strings_only(frozenset(strings), matches_missing)
    return _any_value(
        frozenset(strings), frozenset(numbers), tuple(constants), tuple(tests), matches_missing
    )


def _strings_only(strings: frozenset[str], matches_missing: bool) -> FieldTest:
    def test_field(value: Any) -> bool:
        kind = type(value)
        if kind is str:
            return value in strings
        if kind is list:
            leaves = [item for item in _flat(value) if type(item) is not dict]
            if not leaves:
                return matches_missing
            return any(type(item) is str and item in strings for item in leaves)
        return matches_missing and (value is _MISSING or kind is dict)

    return test_field


def _any_value(
    strings: frozenset[str],
    numbers: frozenset[str],
    constants: tuple[Any, ...],
    tests: tuple[ValueTest, ...],
    matches_missing: bool,
) -> FieldTest:
    def test_leaf(value: Any) -> bool:
        kind = type(value)
        if kind is str:
            if value in strings:
                return True
        elif kind is int or kind is float:
            if number_text(value) in numbers:
                return True
        elif any(value is constant for constant in constants):
            return True
        return any(test(value) for test in tests)

    def test_field(value: Any) -> bool:
        if value is _MISSING or type(value) is dict:
            return matches_missing
        if type(value) is list:
            leaves = [item for item in _flat(value) if type(item) is not dict]
            if not leaves:
                return matches_missing
            return any(test_leaf(item) for item in leaves)
        return test_leaf(value)

    return test_field


def _wildcard_values(
    pattern: dict[str, Any], path: tuple[str, ...], found: dict[tuple[str, ...], list[str]]
) -> None:
    """The ``wildcard`` values of every field, across ``$or`` branches, by field path."""
    for key, sub in pattern.items():
        if _is_or(key, sub):
            for item in sub:
                _wildcard_values(item, path, found)
        elif isinstance(sub, dict):
            _wildcard_values(sub, (*path, key), found)
        else:
            for item in sub:
                if isinstance(item, dict) and isinstance(item.get("wildcard"), str):
                    found.setdefault((*path, key), []).append(item["wildcard"])


def _check_wildcard_complexity(pattern: dict[str, Any]) -> None:
    found: dict[tuple[str, ...], list[str]] = {}
    _wildcard_values(pattern, (), found)
    for path, values in found.items():
        score = wildcard_complexity(values, cap=MAX_WILDCARD_COMPLEXITY + 1)
        if score > MAX_WILDCARD_COMPLEXITY:
            raise EventPatternSyntaxError(
                where(path),
                f"the wildcards of this field are too complex for EventBridge (complexity "
                f"{score}+, at most {MAX_WILDCARD_COMPLEXITY} is known to be accepted): use "
                "fewer wildcard characters, fewer repeated characters after a '*', or prefix "
                "and suffix filters",
            )


# --------------------------------------------------------------------------------------------
# Guards (in the event's own paths; the evaluator maps them onto CloudTrail records)
# --------------------------------------------------------------------------------------------


def _object_guards(pattern: dict[str, Any], path: GuardKey) -> dict[GuardKey, Guard]:
    parts: list[dict[GuardKey, Guard]] = []
    for key, sub in pattern.items():
        if _is_or(key, sub):
            parts.append(any_of(_object_guards(item, path) for item in sub))
        elif isinstance(sub, dict):
            parts.append(_object_guards(sub, (*path, key)))
        elif any(isinstance(item, dict) and item.get("exists") is False for item in sub):
            continue  # matches when the field is missing
        elif all(isinstance(item, str) or _plain_prefix(item) is not None for item in sub):
            exact = frozenset(item for item in sub if isinstance(item, str))
            prefixes = frozenset(prefix for prefix in map(_plain_prefix, sub) if prefix is not None)
            parts.append({(*path, key): Guard(exact, prefixes)})
        else:
            parts.append({(*path, key): Guard(None)})
    return all_of(parts)


def _plain_prefix(item: object) -> str | None:
    """The string of ``{"prefix": "..."}`` (not the ``equals-ignore-case`` form), else None."""
    if isinstance(item, dict) and len(item) == 1:
        prefix = item.get("prefix")
        if isinstance(prefix, str):
            return prefix
    return None
