"""Offline detection evaluator: run a template's metric filters and rules over CloudTrail.

* :func:`compile_filter_pattern` -- CloudWatch Logs filter patterns (terms, JSON,
  space-delimited);
* :func:`compile_event_pattern` -- Amazon EventBridge event patterns;
* :class:`DetectionSet` -- the metric filters and rules of synthesized templates, evaluated
  over CloudTrail records (:func:`load_records`) into an :class:`EvaluationReport`.

Pure Python (the standard library only); ``aws_cdk`` is imported only to synthesize a Stack
passed to :meth:`DetectionSet.from_template`.
"""

from __future__ import annotations

from constructs_obs.detections.errors import (
    DetectionTemplateError,
    EventPatternSyntaxError,
    FilterPatternSyntaxError,
    RecordLoadError,
)
from constructs_obs.detections.evaluate import (
    Detection,
    DetectionKind,
    DetectionSet,
    EvaluationReport,
    Firing,
    RecordRef,
    SkippedDetection,
    TemplateSource,
)
from constructs_obs.detections.event_pattern import EventPattern, compile_event_pattern
from constructs_obs.detections.filter_pattern import (
    FilterPattern,
    FilterPatternKind,
    compile_filter_pattern,
)
from constructs_obs.detections.logs_insights import logs_insights_filter
from constructs_obs.detections.records import (
    RecordSource,
    eventbridge_detail_type,
    eventbridge_source,
    is_read_only_management_event,
    iter_records,
    load_records,
    to_eventbridge_event,
)

__all__ = [
    "Detection",
    "DetectionKind",
    "DetectionSet",
    "DetectionTemplateError",
    "EvaluationReport",
    "EventPattern",
    "EventPatternSyntaxError",
    "FilterPattern",
    "FilterPatternKind",
    "FilterPatternSyntaxError",
    "Firing",
    "RecordLoadError",
    "RecordRef",
    "RecordSource",
    "SkippedDetection",
    "TemplateSource",
    "compile_event_pattern",
    "compile_filter_pattern",
    "eventbridge_detail_type",
    "eventbridge_source",
    "is_read_only_management_event",
    "iter_records",
    "load_records",
    "logs_insights_filter",
    "to_eventbridge_event",
]
