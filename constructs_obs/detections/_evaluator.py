"""The evaluation loop: detections compiled to one test each, run over CloudTrail records.

Each detection sees a record the way AWS shows it to that kind of resource:

* a JSON metric filter reads the record as the JSON event CloudTrail delivers to the trail's
  log group; any other metric filter reads that event's text (the record's compact JSON, or
  the text the record was given as);
* a rule sees the event EventBridge builds from the record (``detail`` is the record, see
  :func:`~constructs_obs.detections.records.to_eventbridge_event`); records EventBridge does not
  deliver reach no rule, a ``DISABLED`` rule sees nothing, read-only management events
  only reach rules whose state is ``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS``, and a rule
  whose region is known only sees the records EventBridge delivers in that region
  (:func:`~constructs_obs.detections.records.delivery_region`).

The :class:`~._guard_index.GuardIndex` skips the detections a record cannot match.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final, Protocol

from constructs_obs.detections._guard_index import GuardIndex, record_key
from constructs_obs.detections._guards import Guard, GuardKey, best_guard
from constructs_obs.detections.errors import RecordLoadError
from constructs_obs.detections.event_pattern import EventPattern
from constructs_obs.detections.filter_pattern.filter_pattern import FilterPattern, compact_json
from constructs_obs.detections.record_ref import RecordRef, record_ref
from constructs_obs.detections.records import (
    RecordSource,
    delivery_region,
    is_read_only_management_event,
    iter_records,
    to_eventbridge_event,
)

__all__ = ["EvaluableDetection", "Evaluator", "normalized_records"]

_ALL_MANAGEMENT_EVENTS: Final = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
_JSON_FILTER: Final = 0
_TEXT_FILTER: Final = 1
_RULE_KIND: Final = 2
_NOT_BUILT: Final = object()  # the EventBridge event of a record, before it is needed

#: Each record (a dict) with its JSON text when it was given as text.
NormalizedRecords = Iterable[tuple[dict[str, Any], str | None]]


class EvaluableDetection(Protocol):
    """What the loop reads of a detection (a :class:`~.detection.Detection` has it all)."""

    @property
    def id(self) -> str: ...

    @property
    def state(self) -> str | None: ...

    @property
    def enabled(self) -> bool: ...

    @property
    def event_bus(self) -> Any: ...

    @property
    def region(self) -> str | None: ...

    @property
    def filter_pattern(self) -> FilterPattern | None: ...

    @property
    def event_pattern(self) -> EventPattern | None: ...


class Evaluator:
    """Detections compiled for evaluation: a test, a kind and a guard each.

    Attributes
    ----------
    notes:
        Caveats found while compiling (disabled rules, rules on another event bus).
    """

    def __init__(
        self, detections: Sequence[EvaluableDetection], default_region: str | None = None
    ) -> None:
        self._count = len(detections)
        self._kinds: list[int] = []
        self._tests: list[Callable[[Any], bool]] = []
        self._read_only_too: list[bool] = []
        self._regions: list[str | None] = []
        self.notes: list[str] = []
        guards: list[tuple[GuardKey, Guard] | None] = []
        self._active: list[int] = []
        for position, detection in enumerate(detections):
            self._read_only_too.append(detection.state == _ALL_MANAGEMENT_EVENTS)
            self._regions.append(None)
            if detection.filter_pattern is not None:
                guards.append(self._add_filter(detection.filter_pattern))
            elif detection.event_pattern is not None:
                guards.append(self._add_rule(detection.event_pattern))
                self._regions[-1] = detection.region or default_region
                if detection.event_bus not in (None, "default"):
                    self.notes.append(
                        f"rule {detection.id} is on event bus {detection.event_bus!r}; "
                        "CloudTrail events reach the default bus: evaluated as if they reached "
                        "this one too"
                    )
            else:
                raise ValueError(f"detection {detection.id!r} has no compiled pattern")
            if detection.enabled:
                self._active.append(position)
            else:
                self.notes.append(f"rule {detection.id} is DISABLED: it never fires")
        self._index = GuardIndex([guards[position] for position in self._active])
        unplaced = sum(
            1
            for position in self._active
            if self._kinds[position] == _RULE_KIND and self._regions[position] is None
        )
        if unplaced:
            self.notes.append(
                f"{unplaced} rule{'s' * (unplaced != 1)} with no known region: evaluated against "
                "the records of every region (give DetectionSet or evaluate() a region)"
            )

    def _add_filter(self, pattern: FilterPattern) -> tuple[GuardKey, Guard] | None:
        if pattern._object_predicate is not None:
            self._kinds.append(_JSON_FILTER)
            self._tests.append(pattern._object_predicate)
            return best_guard(pattern._guards)
        assert pattern._text_predicate is not None
        self._kinds.append(_TEXT_FILTER)
        self._tests.append(pattern._text_predicate)
        return None

    def _add_rule(self, pattern: EventPattern) -> tuple[GuardKey, Guard] | None:
        self._kinds.append(_RULE_KIND)
        self._tests.append(pattern._test)
        record_guards = {
            key: guard
            for key, guard in (
                (record_key(event_key), guard) for event_key, guard in pattern._guards.items()
            )
            if key is not None
        }
        return best_guard(record_guards)

    def run(self, items: NormalizedRecords) -> tuple[list[list[int]], dict[int, RecordRef], int]:
        """The records each detection fired for, the records that fired, how many were read."""
        fired: list[list[int]] = [[] for _ in range(self._count)]
        refs: dict[int, RecordRef] = {}
        kinds, tests, read_only_too = self._kinds, self._tests, self._read_only_too
        regions = self._regions
        active = self._active
        candidates = self._index.candidates
        count = 0
        for index, (record, given_text) in enumerate(items):
            count += 1
            found = candidates(record)
            if not found:
                continue
            text = given_text
            event: object = _NOT_BUILT
            read_only = False
            record_region: str | None = None
            hit = False
            for slot in found:
                position = active[slot]
                kind = kinds[position]
                if kind == _JSON_FILTER:
                    matched = tests[position](record)
                elif kind == _TEXT_FILTER:
                    if text is None:
                        text = compact_json(record)
                    matched = tests[position](text)
                else:
                    if event is _NOT_BUILT:
                        event = to_eventbridge_event(record)
                        read_only = is_read_only_management_event(record)
                    region = regions[position]
                    if region is not None and record_region is None:
                        record_region = delivery_region(record) or ""
                    matched = (
                        event is not None
                        and (region is None or region == record_region)
                        and (read_only_too[position] or not read_only)
                        and tests[position](event)
                    )
                if matched:
                    fired[position].append(index)
                    hit = True
            if hit:
                refs[index] = record_ref(index, record)
        return fired, refs, count


def normalized_records(
    records: RecordSource | Iterable[Mapping[str, Any] | str],
) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Each record as a dict, with its JSON text when it was given as text."""
    if isinstance(records, str | os.PathLike | Mapping):
        for record in iter_records(records):
            yield record, None
        return
    for index, item in enumerate(records):
        if type(item) is dict:
            yield item, None
        elif isinstance(item, str):
            yield _parse_record(item, index), item
        elif isinstance(item, Mapping):
            yield next(iter_records([item])), None
        else:
            raise RecordLoadError(
                f"record {index}", f"a record is a dict or its JSON text, got {type(item).__name__}"
            )


def _parse_record(text: str, index: int) -> dict[str, Any]:
    try:
        record = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise RecordLoadError(f"record {index}", f"not valid JSON: {error}") from None
    if type(record) is not dict:
        raise RecordLoadError(
            f"record {index}", f"a record is a JSON object, got {type(record).__name__}"
        )
    return record
