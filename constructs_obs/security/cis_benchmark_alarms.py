"""CisBenchmarkAlarms: the CIS / Security Hub CloudWatch.1-14 metric filters and alarms.

Each control gets a metric filter with its exact pattern on the log group the multi-region
trail delivers to, a metric, and an alarm routed like every alarm of the library. Security Hub
also wants each alarm to notify an SNS topic that has a subscriber: the construct warns at
synth time when a routing severity used here has no topic.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from aws_cdk import Annotations, Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from constructs import Construct

from constructs_obs.alarms.alarm_kinds import AlarmIdentity, add_threshold_alarm
from constructs_obs.alarms.alarm_routing import AlarmRouting
from constructs_obs.alarms.severity import Severity
from constructs_obs.detections import FilterPatternSyntaxError, compile_filter_pattern
from constructs_obs.logs.encrypted_log_group import EncryptedLogGroup
from constructs_obs.logs.pattern_metric import check_namespace
from constructs_obs.private.alarm_checks import check_period
from constructs_obs.private.registry import DetectionRecord, registry_of
from constructs_obs.private.validate import Check
from constructs_obs.security.cis_controls import (
    ALL_CIS_CONTROLS,
    CIS_ATTACK_TECHNIQUES,
    CIS_CONTROLS,
    PROWLER_VARIANTS,
    CisControl,
)
from constructs_obs.security.detection_spec import add_detection_metadata

__all__ = [
    "DEFAULT_CIS_NAMESPACE",
    "NO_TOPIC_WARNING_ID",
    "CisBenchmarkAlarms",
    "check_routing",
    "trail_log_group_of",
]

DEFAULT_CIS_NAMESPACE = "CISBenchmark"
NO_TOPIC_WARNING_ID = "constructs-obs:cis-alarm-without-topic"


class CisBenchmarkAlarms(Construct):
    """Metric filters and alarms for the CIS monitoring controls (Security Hub CloudWatch.1-14
    and CIS 4.15).

    Parameters
    ----------
    trail_log_group:
        The log group the multi-region trail delivers to: ``AuditTrail.log_group`` (an
        ``EncryptedLogGroup``, whose ``log_group`` is used) or any ``logs.ILogGroup``.
    routing:
        Where the alarms go. ``None`` leaves the alarms without actions (a synth-time warning
        says so), for a user who adds them.
    controls:
        Which controls. Default: all of CloudWatch.1-14 and CIS 4.15.
    prowler_variants:
        Also ship the prowler-compatible filters for route tables and Organizations (extra
        filters; the Security Hub ones stay byte for byte). Default: False.
    namespace:
        The metrics' namespace. Default: ``CISBenchmark``.
    severities:
        Per-control severity overrides. Default: critical for root usage, console sign-in
        without MFA, CloudTrail changes, key deletion and Organizations; warning otherwise.
    period:
        The alarms' period (one breaching datapoint fires). Default: 5 minutes.

    Attributes
    ----------
    metric_filters / alarms:
        Keyed by ``CisControl``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        trail_log_group: EncryptedLogGroup | logs.ILogGroup,
        routing: AlarmRouting | None,
        controls: Collection[CisControl] = ALL_CIS_CONTROLS,
        prowler_variants: bool = False,
        namespace: str = DEFAULT_CIS_NAMESPACE,
        severities: Mapping[CisControl, Severity] | None = None,
        period: Duration | None = None,
    ) -> None:
        super().__init__(scope, id)
        check = self._check = Check("CisBenchmarkAlarms", id)
        log_group = trail_log_group_of(check, trail_log_group)
        check_routing(check, routing)
        chosen = _chosen_controls(check, controls, prowler_variants)
        check_namespace(check, namespace, "namespace")
        _check_severities(check, severities)
        period = period or Duration.minutes(5)
        check_period(check, period, high_resolution=False)

        self.metric_filters: dict[CisControl, logs.MetricFilter] = {}
        self.alarms: dict[CisControl, cloudwatch.Alarm] = {}
        used: set[Severity] = set()
        for control in chosen:
            severity = (severities or {}).get(control, CIS_CONTROLS[control].severity)
            used.add(severity)
            self._add_control(control, severity, log_group, namespace, period, routing)
        self._warn_without_topics(routing, used)

    def _add_control(
        self,
        control: CisControl,
        severity: Severity,
        trail_log_group: logs.ILogGroup,
        namespace: str,
        period: Duration,
        routing: AlarmRouting | None,
    ) -> None:
        """The metric filter of ``control`` on the trail's log group, and its alarm."""
        spec = CIS_CONTROLS[control]
        _compile_pattern(self._check, control)
        construct_id = spec.metric_name
        metric_filter = logs.MetricFilter(
            self,
            f"{construct_id}Filter",
            log_group=trail_log_group,
            filter_pattern=logs.FilterPattern.literal(spec.pattern),
            metric_namespace=namespace,
            metric_name=spec.metric_name,
            metric_value="1",
            default_value=0,
        )
        label = f"{control.value} (CIS {spec.cis})"
        cfn_filter = metric_filter.node.default_child
        assert isinstance(cfn_filter, logs.CfnMetricFilter)
        add_detection_metadata(
            cfn_filter,
            detection_id=control.value,
            title=spec.title,
            severity=severity,
            attack=CIS_ATTACK_TECHNIQUES[control],
        )
        self.metric_filters[control] = metric_filter
        registry_of(self).detections.append(
            DetectionRecord(
                path=metric_filter.node.path,
                label=f"{control.value} {spec.title}",
                kind="metric filter",
                metric=metric_filter.metric(statistic="Sum"),
            )
        )
        self.alarms[control] = add_threshold_alarm(
            self,
            f"{construct_id}Alarm",
            metric=metric_filter.metric(statistic="Sum", period=period),
            threshold=1,
            identity=AlarmIdentity(
                resource=f"cis-{control.value}",
                signal=spec.metric_name,
                severity=severity,
                summary=f"{label}: {spec.title.lower()} in the CloudTrail log",
            ),
            routing=routing,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )

    def _warn_without_topics(self, routing: AlarmRouting | None, used: set[Severity]) -> None:
        """Security Hub wants each alarm to notify an SNS topic: say when one would not."""
        if routing is None:
            Annotations.of(self).add_warning_v2(
                NO_TOPIC_WARNING_ID,
                "routing=None: the CIS alarms have no actions. Security Hub's CloudWatch "
                "controls pass only when each alarm notifies an SNS topic with a subscriber: "
                "pass an AlarmRouting with an AlarmTopic, or add actions to `alarms` yourself.",
            )
            return
        for severity in sorted(used, key=lambda s: s.value):
            if not routing.topics(severity):
                Annotations.of(self).add_warning_v2(
                    NO_TOPIC_WARNING_ID,
                    f"Security Hub's CloudWatch controls pass only when each alarm notifies "
                    f"an SNS topic with a subscriber; the routing has no topic for "
                    f"{severity.value} alarms.",
                )


def trail_log_group_of(check: Check, given: object) -> logs.ILogGroup:
    """The trail's log group: an ``EncryptedLogGroup``'s ``log_group``, or an ILogGroup."""
    allowed = "AuditTrail.log_group, an EncryptedLogGroup or a logs.ILogGroup"
    if isinstance(given, EncryptedLogGroup):
        return given.log_group
    if given is None:
        check.fail(
            "trail_log_group", f"is required: pass the log group the trail delivers to ({allowed})"
        )
    if isinstance(given, str):
        check.fail(
            "trail_log_group",
            f"expected {allowed}, got the string {given!r}; for a log group of another app, "
            "pass logs.LogGroup.from_log_group_name(scope, id, name)",
        )
    if not hasattr(given, "log_group_arn") or not hasattr(given, "log_group_name"):
        check.fail("trail_log_group", f"expected {allowed}, got {type(given).__name__}")
    return given  # type: ignore[return-value]


def check_routing(check: Check, routing: object) -> None:
    """``routing`` is an AlarmRouting or None."""
    if routing is not None and not isinstance(routing, AlarmRouting):
        check.fail(
            "routing",
            f"expected an AlarmRouting (or None for alarms without actions), got "
            f"{type(routing).__name__}",
        )


def _check_severities(check: Check, severities: object) -> None:
    if severities is None:
        return
    if not isinstance(severities, Mapping):
        check.fail(
            "severities",
            f"expected a mapping of CisControl to Severity, got {type(severities).__name__}",
        )
    for control, severity in severities.items():
        if not isinstance(control, CisControl):
            check.fail("severities", f"{control!r} is not a CisControl")
        if not isinstance(severity, Severity):
            check.fail("severities", f"{control}: expected a Severity, got {severity!r}")


def _compile_pattern(check: Check, control: CisControl) -> None:
    """Compile the control's filter pattern with the library's own parser: a pattern
    CloudWatch Logs would refuse fails here, at construct time, with a caret under it."""
    try:
        compile_filter_pattern(CIS_CONTROLS[control].pattern)
    except FilterPatternSyntaxError as error:
        check.fail("controls", f"{control.value}: {error}")


def _chosen_controls(
    check: Check, controls: Collection[CisControl], prowler_variants: bool
) -> list[CisControl]:
    """The controls, once each, then the prowler variants when asked for."""
    if isinstance(controls, str | CisControl) or not isinstance(controls, Collection):
        check.fail(
            "controls",
            f"expected a collection of CisControl (e.g. [CisControl.ROOT_USAGE]), got {controls!r}",
        )
    if not isinstance(prowler_variants, bool):
        check.fail("prowler_variants", f"expected True or False, got {prowler_variants!r}")
    chosen = list(dict.fromkeys(controls))
    if not chosen:
        check.fail("controls", "name at least one CisControl")
    for control in chosen:
        if not isinstance(control, CisControl):
            check.fail("controls", f"{control!r} is not a CisControl")
    if prowler_variants:
        chosen += [c for c in PROWLER_VARIANTS if c not in chosen]
    return chosen
