"""Guards: necessary conditions that let the evaluator skip detections without running them.

A compiled pattern reports, for some fields of a CloudTrail record, a condition that must hold
for the pattern to match at all: "``eventName`` is one of these strings (or starts with one of
these prefixes)" or "``errorCode`` is present". The evaluator indexes detections by one such
guard each, so for a record it only runs the detections whose guard the record satisfies (plus
those without a guard).

Keys are paths into the CloudTrail record (``("userIdentity", "type")``) or one of the virtual
keys below, computed from the record the way EventBridge computes the event envelope.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

__all__ = [
    "DETAIL_TYPE_KEY",
    "SOURCE_KEY",
    "Guard",
    "GuardKey",
    "Guards",
    "all_of",
    "any_of",
    "best_guard",
]

GuardKey = tuple[str, ...]

#: The EventBridge ``source`` of the event built from a record (``aws.iam``).
SOURCE_KEY: Final[GuardKey] = ("@source",)
#: The EventBridge ``detail-type`` of the event built from a record.
DETAIL_TYPE_KEY: Final[GuardKey] = ("@detail-type",)


@dataclass(frozen=True)
class Guard:
    """The value at a key must be one of ``values``, or a string that starts with one of
    ``prefixes`` (Lambda's versioned event names: ``UpdateFunctionCode20150331v2``); with
    ``values=None``, only present."""

    values: frozenset[str] | None = None
    prefixes: frozenset[str] = frozenset()


Guards = Mapping[GuardKey, Guard]

# Fields every CloudTrail record has: "must be present" on one of them skips nothing.
_ALWAYS_PRESENT: Final = frozenset(
    {
        ("eventVersion",),
        ("eventTime",),
        ("eventSource",),
        ("eventName",),
        ("eventType",),
        ("eventID",),
        ("awsRegion",),
        ("sourceIPAddress",),
        ("userAgent",),
        ("userIdentity",),
        ("recipientAccountId",),
        ("requestParameters",),
        ("responseElements",),
        SOURCE_KEY,
        DETAIL_TYPE_KEY,
    }
)

# The most selective keys first: a record has one eventName among hundreds.
_PREFERENCE: Final[Mapping[GuardKey, int]] = {
    ("eventName",): 0,
    ("eventSource",): 1,
    SOURCE_KEY: 1,
    ("userIdentity", "type"): 2,
    ("eventType",): 3,
    DETAIL_TYPE_KEY: 3,
}


def all_of(parts: Iterable[Guards]) -> dict[GuardKey, Guard]:
    """Guards of a conjunction: every part's guards hold, intersected per key."""
    merged: dict[GuardKey, Guard] = {}
    for guards in parts:
        for key, guard in guards.items():
            seen = merged.get(key)
            if seen is None or seen.values is None:
                merged[key] = guard if guard.values is not None or seen is None else seen
            elif guard.values is not None:
                # Both hold: intersect exact sets; with a prefix on either side keep one of
                # them (the exact one when there is one): still a necessary condition.
                if not seen.prefixes and not guard.prefixes:
                    merged[key] = Guard(seen.values & guard.values)
                elif not guard.prefixes:
                    merged[key] = guard
    return merged


def any_of(parts: Iterable[Guards]) -> dict[GuardKey, Guard]:
    """Guards of a disjunction: only keys guarded in every part, values united."""
    listed = list(parts)
    if not listed:
        return {}
    common = set(listed[0])
    for guards in listed[1:]:
        common &= set(guards)
    merged: dict[GuardKey, Guard] = {}
    for key in common:
        value_sets = [guards[key].values for guards in listed]
        if any(values is None for values in value_sets):
            merged[key] = Guard(None)
        else:
            merged[key] = Guard(
                frozenset().union(*(v for v in value_sets if v is not None)),
                frozenset().union(*(guards[key].prefixes for guards in listed)),
            )
    return merged


def best_guard(guards: Guards) -> tuple[GuardKey, Guard] | None:
    """The guard that skips the most records, or None when none skips anything."""
    useful = [
        (key, guard)
        for key, guard in guards.items()
        if guard.values is not None or key not in _ALWAYS_PRESENT
    ]
    if not useful:
        return None

    def rank(item: tuple[GuardKey, Guard]) -> tuple[int, int, int, GuardKey]:
        key, guard = item
        if guard.values is None:
            return (1, 0, 0, key)
        size = len(guard.values) + len(guard.prefixes)
        return (0, _PREFERENCE.get(key, len(_PREFERENCE)), size, key)

    return min(useful, key=rank)
