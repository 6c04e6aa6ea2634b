"""One detection found in a template: a metric filter or an EventBridge rule, and its pattern.

A :class:`Detection` carries what the template says (logical id, metric or rule name, the
pattern, the log group or event bus as written, possibly as an intrinsic) and the compiled
pattern. A rule whose ``State`` is ``DISABLED`` never fires. Patterns CloudFormation only
resolves at deploy time cannot be evaluated offline: they become a :class:`SkippedDetection`
with the reason.
"""

from __future__ import annotations

import difflib
import enum
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from constructs_obs.detections._evaluator import Evaluator, normalized_records
from constructs_obs.detections.event_pattern import EventPattern
from constructs_obs.detections.filter_pattern.filter_pattern import FilterPattern

__all__ = [
    "Detection",
    "DetectionKind",
    "SkippedDetection",
    "describe_kinds",
    "detection_position",
    "unique_ids",
]

_DISABLED: Final = "DISABLED"


class DetectionKind(enum.StrEnum):
    """What kind of resource a detection is."""

    METRIC_FILTER = "metric_filter"
    RULE = "rule"


@dataclass(frozen=True)
class Detection:
    """One detection found in a template.

    Attributes
    ----------
    kind:
        ``metric_filter`` or ``rule``.
    logical_id:
        The resource's logical id in its template.
    id:
        The id reports use: the logical id, or ``"<template>/<logical id>"`` when several
        templates of one set hold the same logical id.
    name:
        The metric name (a metric filter's first metric transformation) or the rule's
        ``Name``; None when the template does not give it as a literal.
    pattern:
        The filter pattern, or the event pattern as compact JSON.
    template:
        The label of the template it came from (a stack name or a file name).
    metric_namespace:
        The metric namespace (metric filters).
    log_group:
        ``LogGroupName`` as found in the template: a name, or an intrinsic such as
        ``{"Ref": "TrailLogGroup1234"}`` (metric filters).
    state:
        The rule's ``State`` (``ENABLED`` when the template leaves it out).
    event_bus:
        The rule's ``EventBusName`` as found (None: the default bus).
    detection_id:
        The catalogue or control id the resource's ``ConstructsObs::Detection`` metadata gives
        (``CloudWatch.1``); None without that metadata.
    title:
        The metadata's title; None without it.
    severity:
        The metadata's severity (``HIGH``...); None without it.
    attack:
        The metadata's MITRE ATT&CK technique ids (``T1098``...); empty without them.
    region:
        The region the stack is deployed in, when known: a rule only sees the records
        EventBridge delivers there. None: unknown (a rule then sees every region's records).
    """

    kind: DetectionKind
    logical_id: str
    name: str | None
    pattern: str
    template: str
    id: str = ""
    metric_namespace: str | None = None
    log_group: Any = None
    state: str | None = None
    event_bus: Any = None
    detection_id: str | None = None
    title: str | None = None
    severity: str | None = None
    attack: tuple[str, ...] = ()
    region: str | None = None
    filter_pattern: FilterPattern | None = field(default=None, compare=False, repr=False)
    event_pattern: EventPattern | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", self.logical_id)

    def __hash__(self) -> int:
        # log_group and event_bus may be intrinsics (dicts): hash the identity only.
        return hash((self.kind, self.template, self.logical_id, self.id))

    @property
    def label(self) -> str:
        """The title when there is one, else the name, else the logical id."""
        return self.title or self.name or self.logical_id

    @property
    def enabled(self) -> bool:
        """False for a rule whose state is ``DISABLED``."""
        return self.state != _DISABLED

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether this detection fires for one CloudTrail record."""
        fired, _refs, _count = Evaluator([self]).run(normalized_records([record]))
        return bool(fired[0])


@dataclass(frozen=True)
class SkippedDetection:
    """A metric filter or rule that cannot be evaluated offline, and why."""

    kind: DetectionKind
    logical_id: str
    template: str
    reason: str

    def __str__(self) -> str:
        return f"{self.kind} {self.logical_id} ({self.template}) not evaluated: {self.reason}"


def describe_kinds(detections: Sequence[Detection]) -> str:
    """How many metric filters and rules: ``"5 metric filters, 6 rules"``."""
    filters = sum(1 for detection in detections if detection.kind is DetectionKind.METRIC_FILTER)
    rules = len(detections) - filters
    return f"{filters} metric filter{'s' * (filters != 1)}, {rules} rule{'s' * (rules != 1)}"


def detection_position(
    detections: Sequence[Detection], by_id: Mapping[str, Detection], detection_id: str
) -> int:
    """Where a detection is, by id or (when unambiguous) by logical id or catalogue id."""
    detection = by_id.get(detection_id)
    if detection is None:
        same = [item for item in detections if item.logical_id == detection_id]
        kind = "logical id"
        if not same:
            same = [item for item in detections if item.detection_id == detection_id]
            kind = "catalogue id"
        if len(same) == 1:
            detection = same[0]
        elif len(same) > 1:
            raise KeyError(
                f"{detection_id!r} is the {kind} of several detections; use one of "
                f"{', '.join(item.id for item in same)}"
            )
        else:
            close = difflib.get_close_matches(detection_id, list(by_id), n=3)
            hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise KeyError(f"no detection {detection_id!r}{hint}")
    return detections.index(detection)


def unique_ids(detections: Sequence[Detection]) -> list[Detection]:
    """The detections with the ids reports use, unique within the set.

    A detection's id is its catalogue id (``CloudWatch.1``) when its metadata gives one, else
    its logical id. When several share it: ``"<catalogue id>/<logical id>"`` (then
    ``"<catalogue id>/<template>/<logical id>"``) for catalogue ids, and
    ``"<template>/<logical id>"`` for logical ids found in several templates.
    """
    bases = [detection.detection_id or detection.logical_id for detection in detections]
    counts = Counter(bases)
    first = [
        base
        if counts[base] == 1
        else (
            f"{base}/{detection.logical_id}"
            if detection.detection_id
            else f"{detection.template}/{detection.logical_id}"
        )
        for base, detection in zip(bases, detections, strict=True)
    ]
    counts = Counter(first)
    ids = [
        candidate
        if counts[candidate] == 1 or not detection.detection_id
        else f"{detection.detection_id}/{detection.template}/{detection.logical_id}"
        for candidate, detection in zip(first, detections, strict=True)
    ]
    return [
        detection if detection.id == new_id else replace(detection, id=new_id)
        for detection, new_id in zip(detections, ids, strict=True)
    ]
