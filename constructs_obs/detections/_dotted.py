"""Dotted keys: EventBridge reads ``"state.status"`` as the path ``state`` -> ``status``.

AWS's matching library (event-ruler, README "Compiled rules and JSON keys with dots") joins
the keys of a path with ``.`` both when it compiles a pattern and when it flattens an event:
the pattern ``{"detail": {"state.status": ["running"]}}`` is the pattern
``{"detail": {"state": {"status": ["running"]}}}``, and either matches both the event
``{"detail": {"state": {"status": "running"}}}`` and ``{"detail": {"state.status":
"running"}}``.

:func:`nest_pattern` rewrites a pattern without dotted keys (when two keys name the same field,
the later one wins, as the library's compiler does); :func:`expand_object` does the same to one
object of an event, only when one of its keys holds a dot, merging what the two spellings hold
(objects merge, and two values become the alternatives of an array). The matcher expands an
object only when a field it looks for is missing from it, so evaluating events without dotted
keys costs nothing more.
"""

from __future__ import annotations

from typing import Any

__all__ = ["expand_object", "has_dotted_key", "nest_pattern"]


def has_dotted_key(obj: dict[str, Any]) -> bool:
    """Whether a key of the object holds a ``.``."""
    return "." in "".join(obj)


def _is_or(key: str, value: Any) -> bool:
    return key == "$or" and isinstance(value, list)


def nest_pattern(pattern: dict[str, Any]) -> dict[str, Any]:
    """The pattern with every dotted key split into nested objects."""
    nested: dict[str, Any] = {}
    for key, given in pattern.items():
        if _is_or(key, given):
            nested[key] = [nest_pattern(item) if isinstance(item, dict) else item for item in given]
            continue
        value = nest_pattern(given) if isinstance(given, dict) else given
        *parents, last = key.split(".") if "." in key else [key]
        target = nested
        for name in parents:
            child = target.get(name)
            if not isinstance(child, dict):
                child = target[name] = {}
            target = child
        existing = target.get(last)
        if isinstance(existing, dict) and isinstance(value, dict) and value:
            target[last] = _merge_patterns(existing, value)
        else:
            target[last] = value
    return nested


def _merge_patterns(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    merged = dict(first)
    for key, value in second.items():
        existing = merged.get(key)
        if isinstance(existing, dict) and isinstance(value, dict) and not _is_or(key, value):
            merged[key] = _merge_patterns(existing, value)
        else:
            merged[key] = value
    return merged


def expand_object(obj: dict[str, Any]) -> dict[str, Any]:
    """One object of an event with its dotted keys split (its own objects are left as they are)."""
    expanded: dict[str, Any] = {}
    for key, value in obj.items():
        if "." not in key:
            _put(expanded, key, value)
            continue
        first, *rest = key.split(".")
        nested = value
        for name in reversed(rest):
            nested = {name: nested}
        _put(expanded, first, nested)
    return expanded


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if key in target:
        target[key] = _merge_values(target[key], value)
    else:
        target[key] = value


def _merge_values(first: Any, second: Any) -> Any:
    """What a field holds when two spellings of its path both give it a value."""
    if type(first) is dict and type(second) is dict:
        merged = dict(first)
        for key, value in second.items():
            _put(merged, key, value)
        return merged
    first_items = first if type(first) is list else [first]
    second_items = second if type(second) is list else [second]
    return [*first_items, *second_items]
