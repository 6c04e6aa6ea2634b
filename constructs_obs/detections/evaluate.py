"""Evaluate a template's detections against CloudTrail records, offline.

A :class:`DetectionSet` collects the detections of synthesized CloudFormation templates:
every ``AWS::Logs::MetricFilter`` (its ``FilterPattern``) and every ``AWS::Events::Rule`` with
an ``EventPattern``. :meth:`DetectionSet.evaluate` then runs them over CloudTrail records the
way AWS would:

* a metric filter sees a record as CloudTrail delivers it to the trail's log group: one log
  event holding the record's compact JSON text;
* a rule sees the event EventBridge builds from the record (``detail`` is the record, see
  :func:`to_eventbridge_event`); a ``DISABLED`` rule sees nothing, and read-only management
  events only reach rules whose state is ``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS``.

The :class:`EvaluationReport` says which detection fired for which record.

Example
-------
In a test of your own stack::

    from constructs_obs.detections import DetectionSet, load_records

    def test_root_console_sign_in_is_detected(stack):
        detections = DetectionSet.from_template(stack)  # or a template dict, or a path
        report = detections.evaluate(load_records("tests/fixtures/cloudtrail"))
        print(report.summary())
        assert report.fired("RootUsageMetricFilter1A2B3C4D") == [3]
        assert report.counts()["ConsoleLoginWithoutMfaRule5E6F7A8B"] == 1

Patterns whose text or JSON uses CloudFormation intrinsics (``{"Ref": ...}``,
``{"Fn::...": ...}``) cannot be evaluated offline: they are listed in
:attr:`DetectionSet.skipped` and in the report's notes instead of failing.
"""

from __future__ import annotations

import difflib
import enum
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from constructs_obs.detections._guards import (
    DETAIL_TYPE_KEY,
    SOURCE_KEY,
    Guard,
    GuardKey,
    best_guard,
)
from constructs_obs.detections.errors import (
    DetectionTemplateError,
    EventPatternSyntaxError,
    FilterPatternSyntaxError,
    RecordLoadError,
)
from constructs_obs.detections.event_pattern import EventPattern, compile_event_pattern
from constructs_obs.detections.filter_pattern import (
    FilterPattern,
    compact_json,
    compile_filter_pattern,
)
from constructs_obs.detections.records import (
    RecordSource,
    eventbridge_detail_type,
    eventbridge_source,
    is_read_only_management_event,
    iter_records,
    load_records,
    to_eventbridge_event,
)

if TYPE_CHECKING:
    import aws_cdk

__all__ = [
    "Detection",
    "DetectionKind",
    "DetectionSet",
    "EvaluationReport",
    "Firing",
    "RecordRef",
    "SkippedDetection",
    "TemplateSource",
    "iter_records",
    "load_records",
    "to_eventbridge_event",
]

#: A synthesized template: a dict, the path of a ``.template.json``, or an ``aws_cdk.Stack``.
TemplateSource: TypeAlias = "Mapping[str, Any] | str | os.PathLike[str] | aws_cdk.Stack"

_METRIC_FILTER: Final = "AWS::Logs::MetricFilter"
_RULE: Final = "AWS::Events::Rule"
_ALL_MANAGEMENT_EVENTS: Final = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
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
        """The name when there is one, else the logical id."""
        return self.name or self.logical_id

    @property
    def enabled(self) -> bool:
        """False for a rule whose state is ``DISABLED``."""
        return self.state != _DISABLED

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether this detection fires for one CloudTrail record."""
        return bool(DetectionSet([self]).evaluate([record]).fired(self.id))


@dataclass(frozen=True)
class SkippedDetection:
    """A metric filter or rule that cannot be evaluated offline, and why."""

    kind: DetectionKind
    logical_id: str
    template: str
    reason: str

    def __str__(self) -> str:
        return f"{self.kind} {self.logical_id} ({self.template}) not evaluated: {self.reason}"


@dataclass(frozen=True)
class RecordRef:
    """Which record fired: its position in the evaluated sequence and its identity."""

    index: int
    event_id: str | None
    event_name: str | None

    def __str__(self) -> str:
        return f"#{self.index} {self.event_name or '?'} ({self.event_id or 'no eventID'})"


@dataclass(frozen=True)
class Firing:
    """One detection firing for one record."""

    detection: Detection
    record: RecordRef


# --------------------------------------------------------------------------------------------
# Reading templates
# --------------------------------------------------------------------------------------------


def _read_template(template: TemplateSource, label: str | None) -> tuple[Mapping[str, Any], str]:
    if isinstance(template, Mapping):
        return template, label or "template"
    if isinstance(template, str | os.PathLike):
        path = Path(template)
        try:
            parsed = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise DetectionTemplateError(str(path), f"cannot read: {error.strerror}") from None
        except ValueError as error:
            raise DetectionTemplateError(
                str(path), f"not a JSON template (only JSON templates are supported): {error}"
            ) from None
        if not isinstance(parsed, dict):
            raise DetectionTemplateError(str(path), "a template is a JSON object")
        return parsed, label or path.name.removesuffix(".json").removesuffix(".template")
    import aws_cdk  # noqa: PLC0415  (only for users who pass a Stack)
    from aws_cdk.assertions import Template  # noqa: PLC0415

    if not isinstance(template, aws_cdk.Stack):
        raise TypeError(
            "a template is a dict, the path of a .template.json or an aws_cdk.Stack, got "
            f"{type(template).__name__}"
        )
    synthesized: Mapping[str, Any] = Template.from_stack(template).to_json()
    return synthesized, label or template.stack_name


def _intrinsic(value: Any, path: str = "") -> str | None:
    """Where (and which) CloudFormation intrinsic a value uses, or None for plain JSON."""
    if isinstance(value, Mapping):
        if len(value) == 1:
            (key,) = value
            if key == "Ref" or str(key).startswith("Fn::"):
                return f"{key} at {path or 'the top'}"
        for key, item in value.items():
            found = _intrinsic(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _intrinsic(item, f"{path}[{index}]")
            if found:
                return found
    return None


def _literal(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _collect(
    template: Mapping[str, Any], label: str
) -> tuple[list[Detection], list[SkippedDetection]]:
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        raise DetectionTemplateError(label, "the template has no Resources section")
    detections: list[Detection] = []
    skipped: list[SkippedDetection] = []
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping):
            continue
        properties = resource.get("Properties") or {}
        where = f"{label}: {logical_id}"
        if resource.get("Type") == _METRIC_FILTER:
            found = _metric_filter(logical_id, properties, label, where)
        elif resource.get("Type") == _RULE and "EventPattern" in properties:
            found = _rule(logical_id, properties, label, where)
        else:
            continue
        if isinstance(found, Detection):
            detections.append(found)
        else:
            skipped.append(found)
    return detections, skipped


def _metric_filter(
    logical_id: str, properties: Mapping[str, Any], label: str, where: str
) -> Detection | SkippedDetection:
    pattern = properties.get("FilterPattern")
    if not isinstance(pattern, str):
        return SkippedDetection(
            DetectionKind.METRIC_FILTER,
            logical_id,
            label,
            f"FilterPattern is not a literal string ({_intrinsic(pattern) or 'missing'})",
        )
    try:
        compiled = compile_filter_pattern(pattern)
    except FilterPatternSyntaxError as error:
        raise DetectionTemplateError(where, f"FilterPattern is not valid: {error}") from error
    transformations = properties.get("MetricTransformations")
    first = (
        transformations[0]
        if isinstance(transformations, list)
        and transformations
        and isinstance(transformations[0], Mapping)
        else {}
    )
    return Detection(
        kind=DetectionKind.METRIC_FILTER,
        logical_id=logical_id,
        name=_literal(first.get("MetricName")),
        pattern=pattern,
        template=label,
        metric_namespace=_literal(first.get("MetricNamespace")),
        log_group=properties.get("LogGroupName"),
        filter_pattern=compiled,
    )


def _rule(
    logical_id: str, properties: Mapping[str, Any], label: str, where: str
) -> Detection | SkippedDetection:
    pattern = properties["EventPattern"]
    if isinstance(pattern, str):
        try:
            pattern = json.loads(pattern)
        except ValueError as error:
            raise DetectionTemplateError(
                where, f"EventPattern is not valid JSON: {error}"
            ) from None
    uses = _intrinsic(pattern)
    if uses:
        return SkippedDetection(
            DetectionKind.RULE,
            logical_id,
            label,
            f"EventPattern uses a CloudFormation intrinsic ({uses}); its value is only known "
            "at deploy time",
        )
    if not isinstance(pattern, Mapping):
        raise DetectionTemplateError(where, "EventPattern is not a JSON object")
    try:
        compiled = compile_event_pattern(pattern)
    except EventPatternSyntaxError as error:
        raise DetectionTemplateError(where, f"EventPattern is not valid: {error}") from error
    state = properties.get("State", "ENABLED")
    return Detection(
        kind=DetectionKind.RULE,
        logical_id=logical_id,
        name=_literal(properties.get("Name")),
        pattern=compiled.text,
        template=label,
        state=state if isinstance(state, str) else "ENABLED",
        event_bus=properties.get("EventBusName"),
        event_pattern=compiled,
    )


# --------------------------------------------------------------------------------------------
# The index: which detections can match a record at all
# --------------------------------------------------------------------------------------------


class _Unknown:
    __slots__ = ()


_UNKNOWN: Final = _Unknown()  # the key path crosses an array: cannot tell, so run them all
_ABSENT: Final = object()


def _record_key(event_key: GuardKey) -> GuardKey | None:
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
                value = value.get(step, _ABSENT)
                if value is _ABSENT:
                    return value
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
    with_values: list[int] = field(default_factory=list)
    if_present: list[int] = field(default_factory=list)


class _Index:
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
            else:
                group.with_values.append(position)
                for value in guard.values:
                    group.by_value.setdefault(value, []).append(position)
        self.groups = tuple(
            (group.read, group.by_value, group.with_values, group.if_present)
            for group in groups.values()
        )

    def candidates(self, record: dict[str, Any]) -> list[int]:
        found = list(self.always)
        for read, by_value, with_values, if_present in self.groups:
            value = read(record)
            if value is _ABSENT:
                continue
            if if_present:
                found += if_present
            if type(value) is str:
                hit = by_value.get(value)
                if hit:
                    found += hit
            elif with_values:
                found += with_values  # not a string (array, number...): run them to be sure
        return found


# --------------------------------------------------------------------------------------------
# The set and its evaluation
# --------------------------------------------------------------------------------------------

_JSON_FILTER: Final = 0
_TEXT_FILTER: Final = 1
_RULE_KIND: Final = 2


class DetectionSet:
    """The detections (metric filters and rules) of one or more synthesized templates.

    Parameters
    ----------
    detections:
        The detections; ids must be unique.
    skipped:
        Detections found but not evaluable offline (reported in every evaluation's notes).
    """

    def __init__(
        self, detections: Iterable[Detection], skipped: Iterable[SkippedDetection] = ()
    ) -> None:
        self.detections: tuple[Detection, ...] = tuple(detections)
        self.skipped: tuple[SkippedDetection, ...] = tuple(skipped)
        self._by_id: dict[str, Detection] = {}
        for detection in self.detections:
            if detection.id in self._by_id:
                raise DetectionTemplateError(
                    detection.template, f"two detections have the id {detection.id!r}"
                )
            self._by_id[detection.id] = detection
        self._compile()

    @classmethod
    def from_template(cls, template: TemplateSource, *, label: str | None = None) -> DetectionSet:
        """The detections of one template.

        Parameters
        ----------
        template:
            A synthesized template as a dict, the path of a ``.template.json``, or an
            ``aws_cdk.Stack`` (synthesized here).
        label:
            How reports name the template. Default: the stack name, the file name, or
            ``"template"``.

        Raises
        ------
        DetectionTemplateError
            The template cannot be read, or a pattern in it is not valid (the message names
            the logical id).
        """
        document, name = _read_template(template, label)
        detections, skipped = _collect(document, name)
        return cls(detections, skipped)

    @classmethod
    def from_templates(cls, *templates: TemplateSource) -> DetectionSet:
        """The detections of several templates (e.g. every stack of an app).

        A logical id found in more than one template is reported as
        ``"<template>/<logical id>"``.
        """
        detections: list[Detection] = []
        skipped: list[SkippedDetection] = []
        labels: set[str] = set()
        for position, template in enumerate(templates):
            document, label = _read_template(template, None)
            if label in labels:
                label = f"{label}#{position + 1}"
            labels.add(label)
            found, not_evaluable = _collect(document, label)
            detections += found
            skipped += not_evaluable
        counts: dict[str, int] = {}
        for detection in detections:
            counts[detection.logical_id] = counts.get(detection.logical_id, 0) + 1
        detections = [
            replace(detection, id=f"{detection.template}/{detection.logical_id}")
            if counts[detection.logical_id] > 1
            else detection
            for detection in detections
        ]
        return cls(detections, skipped)

    def __len__(self) -> int:
        return len(self.detections)

    def __iter__(self) -> Iterator[Detection]:
        return iter(self.detections)

    def __getitem__(self, detection_id: str) -> Detection:
        return self.detections[_position(self.detections, self._by_id, detection_id)]

    def __repr__(self) -> str:
        return f"<DetectionSet of {len(self)} detections ({_kinds(self.detections)})>"

    def _compile(self) -> None:
        self._kinds: list[int] = []
        self._tests: list[Callable[[Any], bool]] = []
        self._read_only_too: list[bool] = []
        self._notes: list[str] = [str(skip) for skip in self.skipped]
        guards: list[tuple[GuardKey, Guard] | None] = []
        self._active: list[int] = []
        for position, detection in enumerate(self.detections):
            self._read_only_too.append(detection.state == _ALL_MANAGEMENT_EVENTS)
            if detection.filter_pattern is not None:
                pattern = detection.filter_pattern
                if pattern._object_predicate is not None:
                    self._kinds.append(_JSON_FILTER)
                    self._tests.append(pattern._object_predicate)
                    guards.append(best_guard(pattern._guards))
                else:
                    assert pattern._text_predicate is not None
                    self._kinds.append(_TEXT_FILTER)
                    self._tests.append(pattern._text_predicate)
                    guards.append(None)
            elif detection.event_pattern is not None:
                self._kinds.append(_RULE_KIND)
                self._tests.append(detection.event_pattern._test)
                record_guards = {
                    key: guard
                    for key, guard in (
                        (_record_key(event_key), guard)
                        for event_key, guard in detection.event_pattern._guards.items()
                    )
                    if key is not None
                }
                guards.append(best_guard(record_guards))
                if detection.event_bus not in (None, "default"):
                    self._notes.append(
                        f"rule {detection.id} is on event bus {detection.event_bus!r}; "
                        "CloudTrail events reach the default bus: evaluated as if they reached "
                        "this one too"
                    )
            else:
                raise ValueError(f"detection {detection.id!r} has no compiled pattern")
            if detection.enabled:
                self._active.append(position)
            else:
                self._notes.append(f"rule {detection.id} is DISABLED: it never fires")
        self._index = _Index([guards[position] for position in self._active])

    def evaluate(
        self, records: RecordSource | Iterable[Mapping[str, Any] | str]
    ) -> EvaluationReport:
        """Run every detection over CloudTrail records.

        Parameters
        ----------
        records:
            Records as parsed dicts or as JSON text (one record per string, used as the log
            event text), or anything :func:`load_records` accepts (a file or folder path).

        Returns
        -------
        EvaluationReport
            Which detection fired for which record.

        Raises
        ------
        RecordLoadError
            A record is not a JSON object (or its text is not JSON).
        """
        fired, refs, count = self._run(_normalized(records))
        return EvaluationReport(self.detections, fired, refs, count, tuple(self._notes))

    def _run(
        self, items: Iterable[tuple[dict[str, Any], str | None]]
    ) -> tuple[list[list[int]], dict[int, RecordRef], int]:
        fired: list[list[int]] = [[] for _ in self.detections]
        refs: dict[int, RecordRef] = {}
        kinds, tests, read_only_too = self._kinds, self._tests, self._read_only_too
        active = self._active
        candidates = self._index.candidates
        count = 0
        for index, (record, given_text) in enumerate(items):
            count += 1
            found = candidates(record)
            if not found:
                continue
            text = given_text
            event: object = _ABSENT
            read_only = False
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
                    if event is _ABSENT:
                        event = to_eventbridge_event(record)
                        read_only = is_read_only_management_event(record)
                    matched = (
                        event is not None
                        and (read_only_too[position] or not read_only)
                        and tests[position](event)
                    )
                if matched:
                    fired[position].append(index)
                    hit = True
            if hit:
                refs[index] = _record_ref(index, record)
        return fired, refs, count

    def matching(self, record: Mapping[str, Any] | str) -> list[Detection]:
        """The detections that fire for one record."""
        return self.evaluate([record]).detections_for(0)


def _normalized(
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


def _record_ref(index: int, record: Mapping[str, Any]) -> RecordRef:
    event_id, event_name = record.get("eventID"), record.get("eventName")
    return RecordRef(
        index,
        event_id if isinstance(event_id, str) else None,
        event_name if isinstance(event_name, str) else None,
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


def _kinds(detections: Sequence[Detection]) -> str:
    filters = sum(1 for detection in detections if detection.kind is DetectionKind.METRIC_FILTER)
    rules = len(detections) - filters
    return f"{filters} metric filter{'s' * (filters != 1)}, {rules} rule{'s' * (rules != 1)}"


def _position(
    detections: Sequence[Detection], by_id: Mapping[str, Detection], detection_id: str
) -> int:
    """Where a detection is, by id or (when unambiguous) by logical id."""
    detection = by_id.get(detection_id)
    if detection is None:
        same = [item for item in detections if item.logical_id == detection_id]
        if len(same) == 1:
            detection = same[0]
        elif len(same) > 1:
            raise KeyError(
                f"{detection_id!r} is the logical id of several detections; use one of "
                f"{', '.join(item.id for item in same)}"
            )
        else:
            close = difflib.get_close_matches(detection_id, list(by_id), n=3)
            hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise KeyError(f"no detection {detection_id!r}{hint}")
    return detections.index(detection)


class EvaluationReport:
    """Which detection fired for which record in one evaluation.

    Attributes
    ----------
    detections:
        Every detection of the set, in template order.
    record_count:
        How many records were evaluated.
    notes:
        Detections that were not evaluated (intrinsics, disabled rules) and other caveats.
    """

    def __init__(
        self,
        detections: tuple[Detection, ...],
        fired: list[list[int]],
        records: dict[int, RecordRef],
        record_count: int,
        notes: tuple[str, ...],
    ) -> None:
        self.detections = detections
        self.record_count = record_count
        self.notes = notes
        self._fired = fired
        self._records = records
        self._by_id = {detection.id: detection for detection in detections}
        self._by_record: dict[int, list[int]] | None = None

    def fired(self, detection_id: str) -> list[int]:
        """The indexes of the records a detection fired for, in order.

        Parameters
        ----------
        detection_id:
            The detection's id (its logical id, unless that is ambiguous).

        Raises
        ------
        KeyError
            No detection has this id.
        """
        return list(self._fired[_position(self.detections, self._by_id, detection_id)])

    def detections_for(self, record_index: int) -> list[Detection]:
        """The detections that fired for one record (by its index), in template order."""
        if not 0 <= record_index < self.record_count:
            raise IndexError(
                f"record {record_index} was not evaluated ({self.record_count} records)"
            )
        if self._by_record is None:
            by_record: dict[int, list[int]] = {}
            for position, indexes in enumerate(self._fired):
                for index in indexes:
                    by_record.setdefault(index, []).append(position)
            self._by_record = by_record
        return [self.detections[position] for position in self._by_record.get(record_index, [])]

    def record(self, record_index: int) -> RecordRef:
        """The eventID and eventName of a record that fired a detection."""
        try:
            return self._records[record_index]
        except KeyError:
            raise KeyError(f"record {record_index} fired no detection") from None

    def counts(self) -> dict[str, int]:
        """How many records each detection fired for, by detection id (zeros included)."""
        return {
            detection.id: len(indexes)
            for detection, indexes in zip(self.detections, self._fired, strict=True)
        }

    def firings(self) -> list[Firing]:
        """Every (detection, record) firing, by record then by detection."""
        found = [
            (index, position) for position, indexes in enumerate(self._fired) for index in indexes
        ]
        return [
            Firing(self.detections[position], self._records[index])
            for index, position in sorted(found)
        ]

    def never_fired(self) -> list[Detection]:
        """The detections that fired for no record."""
        return [
            detection
            for detection, indexes in zip(self.detections, self._fired, strict=True)
            if not indexes
        ]

    def summary(self) -> str:
        """A readable table: every detection, how often it fired, its first record."""
        fired_count = sum(1 for indexes in self._fired if indexes)
        lines = [
            f"Evaluated {self.record_count} CloudTrail record"
            f"{'s' * (self.record_count != 1)} against {len(self.detections)} detections "
            f"({_kinds(self.detections)}): {fired_count} fired.",
        ]
        if self.detections:
            id_width = max(len("detection"), *(len(detection.id) for detection in self.detections))
            name_width = max(len("name"), *(len(detection.label) for detection in self.detections))
            lines.append(
                f"  {'fired':>7}  {'kind':<13}  {'detection':<{id_width}}  "
                f"{'name':<{name_width}}  first record"
            )
            for detection, indexes in zip(self.detections, self._fired, strict=True):
                first = str(self._records[indexes[0]]) if indexes else "-"
                lines.append(
                    f"  {len(indexes):>7}  {detection.kind.value:<13}  "
                    f"{detection.id:<{id_width}}  {detection.label:<{name_width}}  {first}"
                )
        if self.notes:
            lines.append("Notes:")
            lines.extend(f"  - {note}" for note in self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<EvaluationReport: {self.record_count} records, {sum(map(len, self._fired))} firings>"
        )
