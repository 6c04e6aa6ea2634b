"""SecurityVolumeAlarms: the catalogue's volume detections as metric filters and alarms.

Some calls matter only in bulk: one ``GetSecretValue`` is an application starting, hundreds in
five minutes are someone harvesting secrets. Each volume detection of the catalogue gets a
metric filter on the log group the trail delivers to (like the CIS filters), counting the
matching records, and an alarm when a period's count reaches the detection's threshold, which
the user sets. The filter carries the CloudFormation metadata ``ConstructsObs::Detection``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from constructs import Construct

from constructs_obs.alarms.alarm_kinds import AlarmIdentity, add_threshold_alarm
from constructs_obs.alarms.alarm_routing import AlarmRouting
from constructs_obs.detections import FilterPatternSyntaxError, compile_filter_pattern
from constructs_obs.logs.encrypted_log_group import EncryptedLogGroup
from constructs_obs.logs.pattern_metric import check_namespace
from constructs_obs.private.alarm_checks import check_period
from constructs_obs.private.registry import DetectionRecord, registry_of
from constructs_obs.private.validate import Check
from constructs_obs.security.cis_benchmark_alarms import check_routing, trail_log_group_of
from constructs_obs.security.detection_spec import (
    DetectionSource,
    SecurityDetectionSpec,
    add_detection_metadata,
)
from constructs_obs.security.security_detections import (
    SECURITY_DETECTIONS,
    VOLUME_DETECTIONS,
    SecurityDetection,
    check_chosen,
)

__all__ = ["DEFAULT_VOLUME_NAMESPACE", "MAX_THRESHOLD", "SecurityVolumeAlarms"]

DEFAULT_VOLUME_NAMESPACE = "SecurityDetections"
MAX_THRESHOLD = 1_000_000


class SecurityVolumeAlarms(Construct):
    """Metric filters on the trail's log group, and alarms on their counts, for the volume
    detections of the catalogue (bulk secret reads, bulk parameter decryption, mass deletion).

    Parameters
    ----------
    trail_log_group:
        The log group the trail delivers to: ``AuditTrail.log_group`` (an
        ``EncryptedLogGroup``) or any ``logs.ILogGroup``.
    routing:
        Where the alarms go. ``None`` leaves them without actions.
    detections:
        Which volume detections. Default: all (``VOLUME_DETECTIONS``).
    thresholds:
        Per-detection counts per period that raise the alarm (1 to 1,000,000). Default: the
        catalogue's (50 secret reads, 50 decrypting parameter reads, 100 deletions).
    period:
        The alarms' period (one breaching period fires). Default: 5 minutes.
    namespace:
        The metrics' namespace. Default: ``SecurityDetections``.

    Attributes
    ----------
    metric_filters / alarms:
        Keyed by ``SecurityDetection``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        trail_log_group: EncryptedLogGroup | logs.ILogGroup,
        routing: AlarmRouting | None,
        detections: Collection[SecurityDetection] = VOLUME_DETECTIONS,
        thresholds: Mapping[SecurityDetection, int] | None = None,
        period: Duration | None = None,
        namespace: str = DEFAULT_VOLUME_NAMESPACE,
    ) -> None:
        super().__init__(scope, id)
        check = self._check = Check("SecurityVolumeAlarms", id)
        log_group = trail_log_group_of(check, trail_log_group)
        check_routing(check, routing)
        chosen = check_chosen(
            check,
            detections,
            source=DetectionSource.METRIC_FILTER,
            example=SecurityDetection.MASS_DELETION,
            elsewhere="an EventBridge rule detection: pass it to SecurityEventRules",
        )
        counts = _thresholds(check, thresholds, chosen)
        check_namespace(check, namespace, "namespace")
        period = period or Duration.minutes(5)
        check_period(check, period, high_resolution=False)

        self.metric_filters: dict[SecurityDetection, logs.MetricFilter] = {}
        self.alarms: dict[SecurityDetection, cloudwatch.Alarm] = {}
        for detection in chosen:
            spec = SECURITY_DETECTIONS[detection]
            metric_filter = self._filter(spec, log_group, namespace)
            self.metric_filters[detection] = metric_filter
            self.alarms[detection] = add_threshold_alarm(
                self,
                f"{_pascal(detection.value)}Alarm",
                metric=metric_filter.metric(statistic="Sum", period=period),
                threshold=counts[detection],
                identity=AlarmIdentity(
                    resource=f"security-{detection.value}",
                    signal="count",
                    severity=spec.severity,
                    summary=f"{spec.title}: {counts[detection]} or more in "
                    f"{int(period.to_minutes())} minutes. {spec.message}",
                ),
                routing=routing,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )

    def _filter(
        self, spec: SecurityDetectionSpec, log_group: logs.ILogGroup, namespace: str
    ) -> logs.MetricFilter:
        """The metric filter of one detection, marked and recorded for the dashboard."""
        try:
            compile_filter_pattern(spec.filter_pattern)
        except FilterPatternSyntaxError as error:
            self._check.fail("detections", f"{spec.detection.value}: {error}")
        metric_name = _pascal(spec.detection.value)
        metric_filter = logs.MetricFilter(
            self,
            f"{metric_name}Filter",
            log_group=log_group,
            filter_pattern=logs.FilterPattern.literal(spec.filter_pattern),
            metric_namespace=namespace,
            metric_name=metric_name,
            metric_value="1",
            default_value=0,
        )
        cfn_filter = metric_filter.node.default_child
        assert isinstance(cfn_filter, logs.CfnMetricFilter)
        add_detection_metadata(
            cfn_filter,
            detection_id=spec.detection.value,
            title=spec.title,
            severity=spec.severity,
            attack=spec.attack,
        )
        registry_of(self).detections.append(
            DetectionRecord(
                path=metric_filter.node.path,
                label=spec.title,
                kind="metric filter",
                metric=metric_filter.metric(statistic="Sum"),
            )
        )
        return metric_filter


def _thresholds(
    check: Check, given: object, chosen: list[SecurityDetection]
) -> dict[SecurityDetection, int]:
    """The threshold of every chosen detection: the user's, else the catalogue's."""
    counts: dict[SecurityDetection, int] = {}
    for detection in chosen:
        default = SECURITY_DETECTIONS[detection].threshold
        assert default is not None
        counts[detection] = default
    if given is None:
        return counts
    if not isinstance(given, Mapping):
        check.fail(
            "thresholds",
            f"expected a mapping of SecurityDetection to a count, got {type(given).__name__}",
        )
    for detection, count in given.items():
        if detection not in counts:
            check.fail(
                "thresholds",
                f"{detection!r} is not one of the chosen volume detections "
                f"({', '.join(d.value for d in chosen)})",
            )
        if isinstance(count, bool) or not isinstance(count, int):
            check.fail("thresholds", f"{detection.value}: expected a whole count, got {count!r}")
        check.integer(f"thresholds[{detection.value}]", count, minimum=1, maximum=MAX_THRESHOLD)
        counts[detection] = count
    return counts


def _pascal(text: str) -> str:
    return "".join(part.capitalize() for part in text.split("-"))
