"""The index of detections by guard: which detections can match a record at all.

Each detection is filed under its best guard (see :mod:`._guards`): "``eventName`` is one of
these strings", or "this field is present". For a record, :meth:`GuardIndex.candidates` reads
each guarded key once and returns only the detections whose guard the record satisfies, plus
those without a guard: an exact value is one dict lookup, a prefix guard (Lambda's versioned
event names) one ``str.startswith`` per detection that has one. A guard is a necessary
condition, so the index never changes a result; where it cannot tell (a key path that crosses
an array or an object with a dotted key, a value that is not a string) it runs the detections
to be sure.

A rule's guards are in the paths of the EventBridge event; :func:`record_key` maps them onto
the CloudTrail record the event is built from (``detail`` is the record).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from constructs_obs.detections._dotted import has_dotted_key
from constructs_obs.detections._guards import DETAIL_TYPE_KEY, SOURCE_KEY, Guard, GuardKey
from constructs_obs.detections.records import eventbridge_detail_type, eventbridge_source

__all__ = ["GuardIndex", "record_key"]


class _Unknown:
    __slots__ = ()


_UNKNOWN: Final = _Unknown()  # the key path crosses an array: cannot tell, so run them all
_ABSENT: Final = object()


def record_key(event_key: GuardKey) -> GuardKey | None:
    """The record field (or virtual key) an EventBridge event field comes from."""
    if len(event_key) > 1 and event_key[0] == "detail":
        return event_key[1:]
    if event_key == ("source",):
        return SOURCE_KEY
    if event_key == ("detail-type",):
        return DETAIL_TYPE_KEY
    return None


def _key_reader(key: GuardKey) -> Callable[[dict[str, Any]], Any]:
    if key == SOURCE_KEY:
        return lambda record: eventbridge_source(record.get("eventSource"))
    if key == DETAIL_TYPE_KEY:

        def detail_type(record: dict[str, Any]) -> Any:
            value = eventbridge_detail_type(record)
            return _ABSENT if value is None else value

        return detail_type
    if len(key) == 1:
        name = key[0]
        return lambda record: record.get(name, _ABSENT)

    def read(record: dict[str, Any]) -> Any:
        value: Any = record
        for step in key:
            if type(value) is dict:
                found = value.get(step, _ABSENT)
                if found is _ABSENT:
                    # "a.b" is the path a -> b too: with a dotted key, run them to be sure.
                    return _UNKNOWN if has_dotted_key(value) else _ABSENT
                value = found
            elif type(value) is list:
                return _UNKNOWN
            else:
                return _ABSENT
        return value

    return read


@dataclass
class _KeyGroup:
    read: Callable[[dict[str, Any]], Any]
    by_value: dict[str, list[int]] = field(default_factory=dict)
    by_prefix: list[tuple[tuple[str, ...], int]] = field(default_factory=list)
    with_values: list[int] = field(default_factory=list)
    if_present: list[int] = field(default_factory=list)


class GuardIndex:
    """Detections grouped by their best guard; the rest run for every record."""

    def __init__(self, guards: Sequence[tuple[GuardKey, Guard] | None]) -> None:
        groups: dict[GuardKey, _KeyGroup] = {}
        self.always: list[int] = []
        for position, chosen in enumerate(guards):
            if chosen is None:
                self.always.append(position)
                continue
            key, guard = chosen
            group = groups.get(key)
            if group is None:
                group = groups[key] = _KeyGroup(_key_reader(key))
            if guard.values is None:
                group.if_present.append(position)
            elif guard.prefixes:
                # An exact value also starts with itself: one startswith test covers both,
                # and files the detection once (never a duplicate candidate).
                group.with_values.append(position)
                starts = tuple(sorted(guard.values | guard.prefixes))
                group.by_prefix.append((starts, position))
            else:
                group.with_values.append(position)
                for value in guard.values:
                    group.by_value.setdefault(value, []).append(position)
        self.groups = tuple(
            (
                group.read,
                group.by_value,
                tuple(group.by_prefix),
                group.with_values,
                group.if_present,
            )
            for group in groups.values()
        )

    def candidates(self, record: dict[str, Any]) -> list[int]:
        found = list(self.always)
        for read, by_value, by_prefix, with_values, if_present in self.groups:
            value = read(record)
            if value is _ABSENT:
                continue
            if if_present:
                found += if_present
            if type(value) is str:
                hit = by_value.get(value)
                if hit:
                    found += hit
                for starts, position in by_prefix:
                    if value.startswith(starts):
                        found.append(position)
            elif with_values:
                found += with_values  # not a string (array, number...): run them to be sure
        return found
