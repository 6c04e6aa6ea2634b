"""EventBridge content filters compiled to value tests: ``prefix`` ... ``cidr``.

The operators of the EventBridge user guide ("Content filtering"): ``prefix`` and ``suffix``
(plain or ``{"equals-ignore-case": ...}``), ``equals-ignore-case``, ``wildcard`` (``*`` any run
of characters, ``\\*`` and ``\\\\`` escapes, no two ``*`` in a row), ``anything-but`` (a value,
a list of strings or of numbers, or ``{"prefix"|"suffix"|"wildcard"|"equals-ignore-case": ...}``),
``numeric`` (one comparison, or a range: a lower bound, then an upper bound above it) and
``cidr`` (IPv4 and IPv6). As EventBridge does, it refuses an ``anything-but`` ``prefix`` or
``suffix`` of ``""`` ("Null prefix/suffix not allowed") and a range whose bottom is not below
its top ("Bottom must be less than top"). ``exists`` is handled by :mod:`.event_pattern`,
since it is about the field rather than its value.

Where the documentation is silent this module chooses one behaviour: ``anything-but`` of
strings is true for any present value that is not one of them (a number, ``true`` or ``null``
included); its ``prefix``/``suffix``/``wildcard``/``equals-ignore-case`` forms are true for
any value that is not a string matching them; ``numeric`` and ``cidr`` only apply to JSON
numbers and strings respectively.

It also names the parts of a pattern in error messages (:func:`where`, :func:`json_type`) and
compares numbers by their JSON text (:func:`number_text`), for both stages.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from constructs_obs.detections.errors import EventPatternSyntaxError

__all__ = ["ValueTest", "compile_filter", "finite", "json_type", "number_text", "where"]

ValueTest = Callable[[Any], bool]

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


_JSON_TYPE_NAMES: Final[Mapping[type, str]] = {
    type(None): "null",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "an array",
    dict: "an object",
}


def json_type(value: Any) -> str:
    """What a JSON value is, for an error message: ``"a string"``, ``"an array"``..."""
    return _JSON_TYPE_NAMES.get(type(value), f"a {type(value).__name__} (not JSON)")


def where(path: Sequence[str | int]) -> str:
    """A path in the pattern as an error message names it: ``detail.eventName[0]``."""
    if not path:
        return "<pattern>"
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def number_text(value: int | float) -> str:
    """The JSON text of a number: EventBridge compares numbers by it (``300`` is not ``300.0``)."""
    return str(value) if type(value) is int else repr(value)


def _is_number(value: Any) -> bool:
    kind = type(value)
    return kind is int or kind is float


def finite(value: int | float, path: tuple[str | int, ...]) -> int | float:
    """``value``, or an error when it is infinite or NaN (not a JSON number)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise EventPatternSyntaxError(where(path), f"{value} is not a JSON number")
    return value


def _string_operand(value: Any, path: tuple[str | int, ...], what: str) -> str:
    if not isinstance(value, str):
        raise EventPatternSyntaxError(where(path), f"{what} takes a string, got {json_type(value)}")
    return value


def compile_filter(spec: dict[str, Any], path: tuple[str | int, ...]) -> ValueTest:
    """One content filter: an object with exactly one operator."""
    if len(spec) != 1:
        raise EventPatternSyntaxError(
            where(path),
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
        where(here), f"unknown operator {name!r}; known: {', '.join(_OPERATORS)}"
    )


def _compile_affix(name: str, operand: Any, path: tuple[str | int, ...]) -> ValueTest:
    """``prefix``/``suffix``, plain or ``{"equals-ignore-case": ...}``."""
    ignore_case = isinstance(operand, dict)
    if ignore_case:
        if list(operand) != ["equals-ignore-case"]:
            raise EventPatternSyntaxError(
                where(path), f'{name} takes a string or {{"equals-ignore-case": "..."}}'
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
                    where(path),
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
                    where(path), f"consecutive '*' are not allowed in a wildcard ({pattern!r})"
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
        raise EventPatternSyntaxError(where(path), f"{what} needs at least one string")
    for index, item in enumerate(items):
        at = (*path, index) if isinstance(operand, list) else path
        _string_operand(item, at, what)
    return items


def _compile_anything_but(operand: Any, path: tuple[str | int, ...]) -> ValueTest:
    if isinstance(operand, dict):
        if len(operand) != 1:
            raise EventPatternSyntaxError(
                where(path),
                "anything-but takes a value, an array, or an object with one of prefix, suffix, "
                "wildcard, equals-ignore-case",
            )
        name, inner = next(iter(operand.items()))
        here = (*path, name)
        if name in ("prefix", "suffix", "wildcard", "equals-ignore-case"):
            operands = _string_list(inner, here, name)
            if name in ("prefix", "suffix") and "" in operands:
                raise EventPatternSyntaxError(
                    where(here),
                    f'anything-but {name} cannot be "" (it would exclude every string); '
                    'EventBridge refuses it ("Null prefix/suffix not allowed")',
                )
            positive = _any_of_tests([compile_filter({name: item}, here) for item in operands])
            return lambda value: not positive(value)
        raise EventPatternSyntaxError(
            where(here),
            f"anything-but cannot hold {name!r}; use prefix, suffix, wildcard or "
            "equals-ignore-case",
        )
    items = operand if isinstance(operand, list) else [operand]
    if not items:
        raise EventPatternSyntaxError(where(path), "anything-but needs at least one value")
    if all(isinstance(item, str) for item in items):
        excluded_strings = frozenset(items)
        return lambda value: not (type(value) is str and value in excluded_strings)
    if all(isinstance(item, int | float) and not isinstance(item, bool) for item in items):
        excluded_numbers = frozenset(number_text(finite(item, path)) for item in items)
        return lambda value: not (_is_number(value) and number_text(value) in excluded_numbers)
    raise EventPatternSyntaxError(
        where(path),
        "anything-but takes a string, a number, or an array of only strings or only numbers",
    )


def _any_of_tests(tests: list[ValueTest]) -> ValueTest:
    if len(tests) == 1:
        return tests[0]
    return lambda value: any(test(value) for test in tests)


def _compile_numeric(operand: Any, path: tuple[str | int, ...]) -> ValueTest:
    if not isinstance(operand, list) or len(operand) not in (2, 4):
        raise EventPatternSyntaxError(
            where(path),
            'numeric takes [op, number] or [op, number, op, number], e.g. [">", 0, "<=", 5]',
        )
    comparisons: list[tuple[str, Callable[[Any, Any], bool], float]] = []
    for index in range(0, len(operand), 2):
        op, bound = operand[index], operand[index + 1]
        if not isinstance(op, str) or op not in _NUMERIC_OPERATORS:
            raise EventPatternSyntaxError(
                where((*path, index)),
                f"expected one of {', '.join(map(repr, _NUMERIC_OPERATORS))}, got {json.dumps(op)}",
            )
        if not isinstance(bound, int | float) or isinstance(bound, bool):
            raise EventPatternSyntaxError(
                where((*path, index + 1)), f"expected a number, got {json_type(bound)}"
            )
        comparisons.append((op, _NUMERIC_OPERATORS[op], finite(bound, (*path, index + 1))))
    if len(comparisons) == 2:
        _check_range(comparisons, path)
    checks = tuple((compare, bound) for _, compare, bound in comparisons)

    def in_range(value: Any) -> bool:
        kind = type(value)
        if kind is not int and kind is not float:
            return False
        return all(compare(value, bound) for compare, bound in checks)

    return in_range


def _check_range(
    comparisons: list[tuple[str, Callable[[Any, Any], bool], float]], path: tuple[str | int, ...]
) -> None:
    """A range is ``[">" or ">=", low, "<" or "<=", high]`` with ``low < high``.

    AWS's matching library (event-ruler, ``JsonRuleCompiler``) reads the lower bound first and
    refuses a range whose bottom is not below its top ("Bottom must be less than top").
    """
    (low_op, _, low), (high_op, _, high) = comparisons
    if low_op[0] != ">" or high_op[0] != "<":
        raise EventPatternSyntaxError(
            where(path),
            "a numeric range needs one lower bound (> or >=) then one upper bound (< or <=), in "
            f'that order, e.g. [">", 0, "<=", 5]; got {low_op!r} then {high_op!r}',
        )
    if not low < high:
        raise EventPatternSyntaxError(
            where(path),
            f"the range is upside down or empty: its lower bound {low} must be below its upper "
            f'bound {high} (EventBridge refuses it: "Bottom must be less than top")',
        )


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
            where(path), f"{text!r} is not an IPv4 or IPv6 CIDR block such as 10.0.0.0/24"
        ) from None

    def in_network(value: Any) -> bool:
        if type(value) is not str:
            return False
        address = _ip(value)
        return address is not None and address.version == network.version and address in network

    return in_network
