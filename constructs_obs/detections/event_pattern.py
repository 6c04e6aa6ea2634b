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

Where the documentation is silent this module chooses, and documents, one behaviour:

* every filter but ``exists: false`` needs the field to be present;
* ``anything-but`` of strings is true for any present value that is not one of them (a
  number, ``true`` or ``null`` included); its ``prefix``/``suffix``/``wildcard``/
  ``equals-ignore-case`` forms are true for any value that is not a string matching them;
* ``numeric`` and ``cidr`` only apply to JSON numbers and strings respectively;
* a pattern given as a parsed object cannot tell ``300.0`` from ``3.0e2`` (both are the
  float 300.0 once parsed).

Example
-------
>>> rule = compile_event_pattern({"source": ["aws.iam"], "detail": {"eventName": [{"prefix": "Delete"}]}})
>>> rule.matches({"source": "aws.iam", "detail": {"eventName": "DeleteRolePolicy"}})
True
"""  # noqa: E501

from __future__ import annotations

import functools
import ipaddress
import json
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

from constructs_obs.detections._guards import Guard, GuardKey, all_of, any_of
from constructs_obs.detections.errors import EventPatternSyntaxError

__all__ = ["EventPattern", "compile_event_pattern"]

_MAX_DEPTH: Final = 64


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Final = _Missing()
_EMPTY: Final[dict[str, Any]] = {}

ValueTest = Callable[[Any], bool]
FieldTest = Callable[[Any], bool]
ObjectTest = Callable[[dict[str, Any]], bool]

_OPERATORS: Final = (
    "prefix",
    "suffix",
    "equals-ignore-case",
    "wildcard",
    "anything-but",
    "numeric",
    "exists",
    "cidr",
)
_NUMERIC_OPERATORS: Final[Mapping[str, Callable[[Any, Any], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    ">=": operator.ge,
    ">": operator.gt,
}


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
            "<pattern>", f"an event pattern is a JSON object, got {_json_type(parsed)}"
        )
    if not parsed:
        raise EventPatternSyntaxError(
            "<pattern>", "an event pattern needs at least one field to match"
        )
    test, _ = _compile_object(parsed, (), 0)
    return EventPattern(parsed, test, _object_guards(parsed, ()))


def _plain_json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_json(item) for item in value]
    return value


_JSON_TYPE_NAMES: Final[Mapping[type, str]] = {
    type(None): "null",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "an array",
    dict: "an object",
}


def _json_type(value: Any) -> str:
    return _JSON_TYPE_NAMES.get(type(value), f"a {type(value).__name__} (not JSON)")


def _where(path: Sequence[str | int]) -> str:
    if not path:
        return "<pattern>"
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


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
        raise EventPatternSyntaxError(_where(path), f"nested more than {_MAX_DEPTH} levels deep")
    fields: list[tuple[str, FieldTest]] = []
    alternatives: list[tuple[ObjectTest, ...]] = []
    for key, sub in pattern.items():
        here = (*path, key)
        if _is_or(key, sub):
            if len(sub) < 2 or not all(isinstance(item, dict) and item for item in sub):
                raise EventPatternSyntaxError(
                    _where(here), "$or takes an array of at least two non-empty objects"
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
                    _where(here), "an empty object matches nothing; remove it or add fields"
                )
            fields.append((key, _compile_object(sub, here, depth + 1)[0]))
        elif isinstance(sub, list):
            fields.append((key, _compile_leaf(sub, here)))
        else:
            raise EventPatternSyntaxError(
                _where(here),
                f"must be an array of values to match (or an object), got {_json_type(sub)}"
                f"; write [{json.dumps(sub)}] to match that value",
            )
    field_tests = tuple(fields)
    or_tests = tuple(alternatives)

    def test_object(obj: dict[str, Any]) -> bool:
        for key, test in field_tests:
            if not test(obj.get(key, _MISSING)):
                return False
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


def _number_text(value: int | float) -> str:
    return str(value) if type(value) is int else repr(value)


def _is_number(value: Any) -> bool:
    kind = type(value)
    return kind is int or kind is float


def _compile_leaf(values: list[Any], path: tuple[str | int, ...]) -> FieldTest:
    """The test of a field whose pattern is an array of alternatives."""
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
            numbers.add(_number_text(_finite(value, here)))
        elif isinstance(value, dict):
            if list(value) == ["exists"]:
                flag = value["exists"]
                if not isinstance(flag, bool):
                    raise EventPatternSyntaxError(
                        _where((*here, "exists")), f"must be true or false, got {_json_type(flag)}"
                    )
                exists.add(flag)
            else:
                tests.append(_compile_filter(value, here))
        else:
            raise EventPatternSyntaxError(
                _where(here), f"an array of values cannot hold {_json_type(value)}"
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
            if _number_text(value) in numbers:
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


def _finite(value: int | float, path: tuple[str | int, ...]) -> int | float:
    if isinstance(value, float) and not math.isfinite(value):
        raise EventPatternSyntaxError(_where(path), f"{value} is not a JSON number")
    return value


def _string_operand(value: Any, path: tuple[str | int, ...], what: str) -> str:
    if not isinstance(value, str):
        raise EventPatternSyntaxError(
            _where(path), f"{what} takes a string, got {_json_type(value)}"
        )
    return value


def _compile_filter(spec: dict[str, Any], path: tuple[str | int, ...]) -> ValueTest:
    """One content filter: an object with exactly one operator."""
    if len(spec) != 1:
        raise EventPatternSyntaxError(
            _where(path),
            "a content filter is an object with exactly one operator (list several filters "
            f"in the array to match any of them), got {len(spec)} keys",
        )
    name, operand = next(iter(spec.items()))
    here = (*path, name)
    if name in ("prefix", "suffix"):
        return _compile_affix(name, operand, here)
    if name == "equals-ignore-case":
        lowered = _string_operand(operand, here, name).lower()
        return lambda value: type(value) is str and value.lower() == lowered
    if name == "wildcard":
        regex = _wildcard_regex(_string_operand(operand, here, name), here)
        return lambda value: type(value) is str and regex.fullmatch(value) is not None
    if name == "anything-but":
        return _compile_anything_but(operand, here)
    if name == "numeric":
        return _compile_numeric(operand, here)
    if name == "cidr":
        return _compile_cidr(operand, here)
    raise EventPatternSyntaxError(
        _where(here), f"unknown operator {name!r}; known: {', '.join(_OPERATORS)}"
    )


def _compile_affix(name: str, operand: Any, path: tuple[str | int, ...]) -> ValueTest:
    """``prefix``/``suffix``, plain or ``{"equals-ignore-case": ...}``."""
    ignore_case = isinstance(operand, dict)
    if ignore_case:
        if list(operand) != ["equals-ignore-case"]:
            raise EventPatternSyntaxError(
                _where(path), f'{name} takes a string or {{"equals-ignore-case": "..."}}'
            )
        operand = _string_operand(
            operand["equals-ignore-case"], (*path, "equals-ignore-case"), name
        )
    affix = _string_operand(operand, path, name)
    if ignore_case:
        lowered = affix.lower()
        if name == "prefix":
            return lambda value: type(value) is str and value.lower().startswith(lowered)
        return lambda value: type(value) is str and value.lower().endswith(lowered)
    if name == "prefix":
        return lambda value: type(value) is str and value.startswith(affix)
    return lambda value: type(value) is str and value.endswith(affix)


def _wildcard_regex(pattern: str, path: tuple[str | int, ...]) -> re.Pattern[str]:
    parts: list[str] = []
    pos = 0
    previous_star = False
    while pos < len(pattern):
        char = pattern[pos]
        if char == "\\":
            following = pattern[pos + 1 : pos + 2]
            if following not in ("*", "\\"):
                raise EventPatternSyntaxError(
                    _where(path),
                    "in a wildcard a backslash may only escape '*' or '\\' "
                    f"(at character {pos + 1} of {pattern!r})",
                )
            parts.append(re.escape(following))
            pos += 2
            previous_star = False
            continue
        if char == "*":
            if previous_star:
                raise EventPatternSyntaxError(
                    _where(path), f"consecutive '*' are not allowed in a wildcard ({pattern!r})"
                )
            parts.append(".*")
            previous_star = True
        else:
            parts.append(re.escape(char))
            previous_star = False
        pos += 1
    return re.compile("".join(parts), re.DOTALL)


def _string_list(operand: Any, path: tuple[str | int, ...], what: str) -> list[str]:
    items = operand if isinstance(operand, list) else [operand]
    if not items:
        raise EventPatternSyntaxError(_where(path), f"{what} needs at least one string")
    for index, item in enumerate(items):
        where = (*path, index) if isinstance(operand, list) else path
        _string_operand(item, where, what)
    return items


def _compile_anything_but(operand: Any, path: tuple[str | int, ...]) -> ValueTest:
    if isinstance(operand, dict):
        if len(operand) != 1:
            raise EventPatternSyntaxError(
                _where(path),
                "anything-but takes a value, an array, or an object with one of prefix, suffix, "
                "wildcard, equals-ignore-case",
            )
        name, inner = next(iter(operand.items()))
        here = (*path, name)
        if name in ("prefix", "suffix", "wildcard", "equals-ignore-case"):
            positive = _any_of_tests(
                [_compile_filter({name: item}, here) for item in _string_list(inner, here, name)]
            )
            return lambda value: not positive(value)
        raise EventPatternSyntaxError(
            _where(here),
            f"anything-but cannot hold {name!r}; use prefix, suffix, wildcard or "
            "equals-ignore-case",
        )
    items = operand if isinstance(operand, list) else [operand]
    if not items:
        raise EventPatternSyntaxError(_where(path), "anything-but needs at least one value")
    if all(isinstance(item, str) for item in items):
        excluded_strings = frozenset(items)
        return lambda value: not (type(value) is str and value in excluded_strings)
    if all(isinstance(item, int | float) and not isinstance(item, bool) for item in items):
        excluded_numbers = frozenset(_number_text(_finite(item, path)) for item in items)
        return lambda value: not (_is_number(value) and _number_text(value) in excluded_numbers)
    raise EventPatternSyntaxError(
        _where(path),
        "anything-but takes a string, a number, or an array of only strings or only numbers",
    )


def _any_of_tests(tests: list[ValueTest]) -> ValueTest:
    if len(tests) == 1:
        return tests[0]
    return lambda value: any(test(value) for test in tests)


def _compile_numeric(operand: Any, path: tuple[str | int, ...]) -> ValueTest:
    if not isinstance(operand, list) or len(operand) not in (2, 4):
        raise EventPatternSyntaxError(
            _where(path),
            'numeric takes [op, number] or [op, number, op, number], e.g. [">", 0, "<=", 5]',
        )
    comparisons: list[tuple[str, Callable[[Any, Any], bool], float]] = []
    for index in range(0, len(operand), 2):
        op, bound = operand[index], operand[index + 1]
        if not isinstance(op, str) or op not in _NUMERIC_OPERATORS:
            raise EventPatternSyntaxError(
                _where((*path, index)),
                f"expected one of {', '.join(map(repr, _NUMERIC_OPERATORS))}, got {json.dumps(op)}",
            )
        if not isinstance(bound, int | float) or isinstance(bound, bool):
            raise EventPatternSyntaxError(
                _where((*path, index + 1)), f"expected a number, got {_json_type(bound)}"
            )
        comparisons.append((op, _NUMERIC_OPERATORS[op], _finite(bound, (*path, index + 1))))
    if len(comparisons) == 2:
        kinds = sorted(op[0] for op, _, _ in comparisons)
        if kinds != ["<", ">"]:  # one of "<"/"<=" and one of ">"/">=", no "="
            raise EventPatternSyntaxError(
                _where(path),
                "a numeric range needs one lower bound (> or >=) and one upper bound (< or <=)",
            )
    checks = tuple((compare, bound) for _, compare, bound in comparisons)

    def in_range(value: Any) -> bool:
        kind = type(value)
        if kind is not int and kind is not float:
            return False
        return all(compare(value, bound) for compare, bound in checks)

    return in_range


@functools.lru_cache(maxsize=4096)
def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _compile_cidr(operand: Any, path: tuple[str | int, ...]) -> ValueTest:
    text = _string_operand(operand, path, "cidr")
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise EventPatternSyntaxError(
            _where(path), f"{text!r} is not an IPv4 or IPv6 CIDR block such as 10.0.0.0/24"
        ) from None

    def in_network(value: Any) -> bool:
        if type(value) is not str:
            return False
        address = _ip(value)
        return address is not None and address.version == network.version and address in network

    return in_network


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
        elif all(isinstance(item, str) for item in sub):
            parts.append({(*path, key): Guard(frozenset(sub))})
        else:
            parts.append({(*path, key): Guard(None)})
    return all_of(parts)
