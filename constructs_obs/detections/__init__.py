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

from typing import TYPE_CHECKING, Final

from constructs_obs.private.exports import face

if TYPE_CHECKING:
    from constructs_obs.detections.detection import (
        Detection as Detection,
    )
    from constructs_obs.detections.detection import (
        DetectionKind as DetectionKind,
    )
    from constructs_obs.detections.detection import (
        SkippedDetection as SkippedDetection,
    )
    from constructs_obs.detections.detection_set import (
        DetectionSet as DetectionSet,
    )
    from constructs_obs.detections.errors import (
        DetectionTemplateError as DetectionTemplateError,
    )
    from constructs_obs.detections.errors import (
        EventPatternSyntaxError as EventPatternSyntaxError,
    )
    from constructs_obs.detections.errors import (
        FilterPatternSyntaxError as FilterPatternSyntaxError,
    )
    from constructs_obs.detections.errors import (
        RecordLoadError as RecordLoadError,
    )
    from constructs_obs.detections.evaluation_report import (
        EvaluationReport as EvaluationReport,
    )
    from constructs_obs.detections.evaluation_report import (
        Firing as Firing,
    )
    from constructs_obs.detections.event_pattern import (
        EventPattern as EventPattern,
    )
    from constructs_obs.detections.event_pattern import (
        compile_event_pattern as compile_event_pattern,
    )
    from constructs_obs.detections.filter_pattern.filter_pattern import (
        FilterPattern as FilterPattern,
    )
    from constructs_obs.detections.filter_pattern.filter_pattern import (
        FilterPatternKind as FilterPatternKind,
    )
    from constructs_obs.detections.filter_pattern.filter_pattern import (
        compile_filter_pattern as compile_filter_pattern,
    )
    from constructs_obs.detections.logs_insights import (
        logs_insights_filter as logs_insights_filter,
    )
    from constructs_obs.detections.record_ref import (
        RecordRef as RecordRef,
    )
    from constructs_obs.detections.records import (
        GLOBAL_SERVICE_EVENT_SOURCES as GLOBAL_SERVICE_EVENT_SOURCES,
    )
    from constructs_obs.detections.records import (
        RecordSource as RecordSource,
    )
    from constructs_obs.detections.records import (
        delivery_region as delivery_region,
    )
    from constructs_obs.detections.records import (
        eventbridge_detail_type as eventbridge_detail_type,
    )
    from constructs_obs.detections.records import (
        eventbridge_source as eventbridge_source,
    )
    from constructs_obs.detections.records import (
        is_read_only_management_event as is_read_only_management_event,
    )
    from constructs_obs.detections.records import (
        iter_records as iter_records,
    )
    from constructs_obs.detections.records import (
        load_records as load_records,
    )
    from constructs_obs.detections.records import (
        to_eventbridge_event as to_eventbridge_event,
    )
    from constructs_obs.detections.template_source import (
        DETECTION_METADATA as DETECTION_METADATA,
    )
    from constructs_obs.detections.template_source import (
        TemplateSource as TemplateSource,
    )
    from constructs_obs.detections.template_source import (
        template_region as template_region,
    )

_EXPORTS: Final = {
    "constructs_obs.detections.errors": (
        "DetectionTemplateError",
        "EventPatternSyntaxError",
        "FilterPatternSyntaxError",
        "RecordLoadError",
    ),
    "constructs_obs.detections.detection": (
        "Detection",
        "DetectionKind",
        "SkippedDetection",
    ),
    "constructs_obs.detections.detection_set": ("DetectionSet",),
    "constructs_obs.detections.evaluation_report": (
        "EvaluationReport",
        "Firing",
    ),
    "constructs_obs.detections.event_pattern": (
        "EventPattern",
        "compile_event_pattern",
    ),
    "constructs_obs.detections.filter_pattern.filter_pattern": (
        "FilterPattern",
        "FilterPatternKind",
        "compile_filter_pattern",
    ),
    "constructs_obs.detections.logs_insights": ("logs_insights_filter",),
    "constructs_obs.detections.record_ref": ("RecordRef",),
    "constructs_obs.detections.records": (
        "GLOBAL_SERVICE_EVENT_SOURCES",
        "RecordSource",
        "delivery_region",
        "eventbridge_detail_type",
        "eventbridge_source",
        "is_read_only_management_event",
        "iter_records",
        "load_records",
        "to_eventbridge_event",
    ),
    "constructs_obs.detections.template_source": (
        "DETECTION_METADATA",
        "TemplateSource",
        "template_region",
    ),
}

__all__, __getattr__, __dir__ = face(__name__, _EXPORTS, globals())
