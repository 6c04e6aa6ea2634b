"""The three alarm kinds every constructs-obs alarm is made of: static threshold,
anomaly-detection band, and composite (with an actions suppressor).

Each ``add_*`` function validates its input against CloudWatch's rules at construct time
(finite thresholds, periods CloudWatch accepts, datapoints within the evaluation periods,
positive band widths, unique names), names the alarm ``<prefix>-<resource>-<signal>-<severity>``,
writes a description that says what broke (with the runbook URL when given) and hands the
alarm to the routing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from constructs_obs.alarms.alarm_routing import AlarmRouting
from constructs_obs.alarms.naming import alarm_name
from constructs_obs.alarms.severity import Severity
from constructs_obs.errors import InvalidParameterError
from constructs_obs.private.alarm_checks import (
    check_evaluation,
    check_flag,
    check_https_url,
    check_list,
    check_period_seconds,
    check_statistic,
)
from constructs_obs.private.metrics import metric_facts
from constructs_obs.private.names import register_alarm_name, release_alarm_name
from constructs_obs.private.registry import AlarmKind, AlarmRecord, registry_of
from constructs_obs.private.scopes import adopt, child_path, path_of, stack_facts
from constructs_obs.private.validate import Check, is_token

__all__ = [
    "AlarmIdentity",
    "add_anomaly_alarm",
    "add_composite_alarm",
    "add_threshold_alarm",
    "metric_period_seconds",
]

MAX_DESCRIPTION_LENGTH: Final = 1024


@dataclass(frozen=True)
class AlarmIdentity:
    """What an alarm watches, for its name and description.

    Attributes
    ----------
    resource:
        The monitored thing, e.g. ``"orders-db"``.
    signal:
        What about it, e.g. ``"cpu"`` or ``"errors"``.
    severity:
        Routing picks the targets by severity. Default: WARNING.
    summary:
        One sentence saying what it means when the alarm fires. Default: derived from the
        resource and signal.
    runbook_url:
        An ``https://`` link the description carries for whoever is paged.
    """

    resource: str
    signal: str
    severity: Severity = Severity.WARNING
    summary: str | None = None
    runbook_url: str | None = None


def _name_and_description(
    scope: Construct,
    check: Check,
    identity: AlarmIdentity,
    routing: AlarmRouting | None,
    alarm_name_override: str | None,
) -> tuple[str, str]:
    _check_routing(check, routing)
    if not isinstance(identity, AlarmIdentity):
        check.fail("identity", f"expected an AlarmIdentity, got {type(identity).__name__}")
    if not isinstance(identity.severity, Severity):
        check.fail("severity", f"expected a Severity, got {identity.severity!r}")
    prefix = routing.name_prefix if routing is not None else stack_facts(scope).name
    name = alarm_name_override or alarm_name(
        prefix, identity.resource, identity.signal, identity.severity
    )
    if routing is not None and alarm_name_override is not None and not is_token(name):
        _check_routed_name(check, name, routing.name_prefix, identity.severity)
    summary = identity.summary or f"{identity.signal} of {identity.resource}"
    description = f"[{identity.severity.value.upper()}] {summary}."
    if identity.runbook_url is not None:
        check_https_url(check, "runbook_url", identity.runbook_url)
        description += f" Runbook: {identity.runbook_url}"
    if len(description) > MAX_DESCRIPTION_LENGTH:
        check.fail(
            "summary",
            f"the description is {len(description)} characters; CloudWatch allows "
            f"{MAX_DESCRIPTION_LENGTH}",
        )
    register_alarm_name(scope, check, name)  # last: a refused alarm leaves no name behind
    return name, description


def _check_routing(check: Check, routing: object) -> None:
    """None or an ``AlarmRouting`` (a topic goes into the routing's targets instead)."""
    if routing is not None and not isinstance(routing, AlarmRouting):
        check.fail(
            "routing",
            f"expected an AlarmRouting or None, got {type(routing).__name__}; put topics and "
            "functions in an AlarmRouting's critical/warning targets and pass the routing",
        )


def check_actions(check: Check, actions: object) -> tuple[cloudwatch.IAlarmAction, ...]:
    """A list or tuple of alarm actions (``cloudwatch.IAlarmAction``)."""
    chosen = check_list(check, "actions", actions, "cloudwatch.IAlarmAction")
    for action in chosen:
        if not callable(getattr(action, "bind", None)):
            check.fail(
                "actions",
                f"expected cloudwatch.IAlarmAction values (e.g. cw_actions.SnsAction(topic)), "
                f"got {action!r}",
            )
    return chosen


def _check_routed_name(check: Check, name: str, prefix: str, severity: Severity) -> None:
    """A routed alarm's own name must still read ``<prefix>-...-<severity>``: the routing's
    Lambda permission and incident rules recognise its alarms by that shape."""
    suffix = f"-{severity.value}"
    if not name.startswith(f"{prefix}-") or not name.endswith(suffix):
        check.fail(
            "alarm_name",
            f"{name!r} does not read '{prefix}-<...>{suffix}'; alarms routed by "
            f"'{prefix}' are recognised by that shape (Lambda permission, incident rules)",
        )


def metric_period_seconds(metric: cloudwatch.IMetric) -> int | None:
    """The period of a metric or math expression, in seconds (None when it has none)."""
    return metric_facts(metric).period_seconds


def _check_timing(
    check: Check,
    metric: cloudwatch.IMetric,
    *,
    evaluation_periods: int,
    datapoints_to_alarm: int | None,
    high_resolution: bool,
) -> None:
    """From the facts the library holds of ``metric`` (read once when it is not its own)."""
    check_flag(check, "high_resolution", high_resolution)
    facts = metric_facts(metric)
    if facts.statistic is not None:
        check_statistic(check, "metric", facts.statistic)
    namespace = facts.namespace
    if high_resolution and namespace is None and isinstance(metric, cloudwatch.Metric):
        namespace = metric.namespace
    if high_resolution and namespace is not None and namespace.startswith("AWS/"):
        check.fail(
            "high_resolution",
            f"{namespace} metrics are published at standard resolution; only custom metrics "
            "published with a storage resolution of 1 s can use 10 s or 30 s periods",
        )
    seconds = facts.period_seconds
    if seconds is not None:
        check_period_seconds(check, seconds, high_resolution=high_resolution)
        check_evaluation(
            check,
            period_seconds=seconds,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
        )


_BAND_OPERATORS: Final = (
    cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
    cloudwatch.ComparisonOperator.LESS_THAN_LOWER_THRESHOLD,
    cloudwatch.ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD,
)


def _check_band(
    check: Check, band_width: float, comparison_operator: cloudwatch.ComparisonOperator
) -> float:
    """A band width in standard deviations (> 0) and an operator that compares with a band."""
    band_width = check.finite("band_width", band_width)
    if band_width <= 0:
        check.fail("band_width", f"must be greater than 0 (standard deviations), got {band_width}")
    check.choice(
        "comparison_operator",
        comparison_operator,
        _BAND_OPERATORS,
        "GREATER_THAN_UPPER_THRESHOLD, LESS_THAN_LOWER_THRESHOLD, "
        "LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD",
    )
    return band_width


def add_threshold_alarm(
    scope: Construct,
    id: str,
    *,
    metric: cloudwatch.IMetric,
    threshold: float,
    identity: AlarmIdentity,
    routing: AlarmRouting | None = None,
    comparison_operator: cloudwatch.ComparisonOperator = (
        cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
    ),
    evaluation_periods: int = 1,
    datapoints_to_alarm: int | None = None,
    treat_missing_data: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.MISSING,
    high_resolution: bool = False,
    alarm_name: str | None = None,
    actions: tuple[cloudwatch.IAlarmAction, ...] = (),
) -> cloudwatch.Alarm:
    """A static-threshold alarm on ``metric`` (its period is the metric's period).

    ``high_resolution=True`` allows 10 s and 30 s periods for custom metrics published at
    high resolution.
    """
    check = Check("alarm", id)
    threshold = check.finite("threshold", threshold)
    actions = check_actions(check, actions)
    _check_timing(
        check,
        metric,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm,
        high_resolution=high_resolution,
    )
    name, description = _name_and_description(scope, check, identity, routing, alarm_name)
    alarm = cloudwatch.Alarm(
        scope,
        id,
        metric=metric,
        threshold=threshold,
        comparison_operator=comparison_operator,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm,
        treat_missing_data=treat_missing_data,
        alarm_name=name,
        alarm_description=description,
    )
    _route(alarm, identity.severity, routing, actions)
    _record(
        scope, id, alarm, name, identity, AlarmKind.THRESHOLD, metric=metric, threshold=threshold
    )
    return alarm


def add_anomaly_alarm(
    scope: Construct,
    id: str,
    *,
    metric: cloudwatch.IMetric,
    identity: AlarmIdentity,
    band_width: float = 2,
    routing: AlarmRouting | None = None,
    comparison_operator: cloudwatch.ComparisonOperator = (
        cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD
    ),
    evaluation_periods: int = 3,
    datapoints_to_alarm: int | None = None,
    treat_missing_data: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.MISSING,
    high_resolution: bool = False,
    actions: tuple[cloudwatch.IAlarmAction, ...] = (),
) -> cloudwatch.AnomalyDetectionAlarm:
    """An alarm that fires when ``metric`` leaves its anomaly-detection band, ``band_width``
    standard deviations wide."""
    check = Check("alarm", id)
    band_width = _check_band(check, band_width, comparison_operator)
    actions = check_actions(check, actions)
    _check_timing(
        check,
        metric,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm,
        high_resolution=high_resolution,
    )
    name, description = _name_and_description(scope, check, identity, routing, None)
    alarm = cloudwatch.AnomalyDetectionAlarm(
        scope,
        id,
        metric=metric,
        std_devs=band_width,
        comparison_operator=comparison_operator,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm,
        treat_missing_data=treat_missing_data,
        alarm_name=name,
        alarm_description=description,
    )
    _route(alarm, identity.severity, routing, actions)
    _record(
        scope, id, alarm, name, identity, AlarmKind.ANOMALY, metric=metric, band_width=band_width
    )
    return alarm


def add_composite_alarm(
    scope: Construct,
    id: str,
    *,
    rule: cloudwatch.IAlarmRule,
    identity: AlarmIdentity,
    routing: AlarmRouting | None = None,
    actions_suppressor: cloudwatch.IAlarm | None = None,
    suppressor_wait_period: Duration | None = None,
    suppressor_extension_period: Duration | None = None,
) -> cloudwatch.CompositeAlarm:
    """A composite alarm over ``rule``; while ``actions_suppressor`` is in ALARM (and for the
    wait/extension periods around it) its actions are suppressed, e.g. during maintenance."""
    check = Check("alarm", id)
    if actions_suppressor is None and (suppressor_wait_period or suppressor_extension_period):
        check.fail(
            "suppressor_wait_period",
            "the wait and extension periods apply to an actions_suppressor; pass one",
        )
    name, description = _name_and_description(scope, check, identity, routing, None)
    alarm = cloudwatch.CompositeAlarm(
        scope,
        id,
        alarm_rule=rule,
        composite_alarm_name=name,
        alarm_description=description,
        actions_suppressor=actions_suppressor,
        actions_suppressor_wait_period=suppressor_wait_period
        or (Duration.minutes(1) if actions_suppressor else None),
        actions_suppressor_extension_period=suppressor_extension_period
        or (Duration.minutes(1) if actions_suppressor else None),
    )
    _route(alarm, identity.severity, routing, ())
    _record(scope, id, alarm, name, identity, AlarmKind.COMPOSITE)
    return alarm


def _record(
    scope: Construct,
    id: str,
    alarm: cloudwatch.Alarm | cloudwatch.CompositeAlarm,
    name: str,
    identity: AlarmIdentity,
    kind: AlarmKind,
    *,
    metric: cloudwatch.IMetric | None = None,
    threshold: float | None = None,
    band_width: float | None = None,
) -> None:
    """Record the alarm for the dashboard and the remediation checks, with the path and name
    the library already holds (no read back through jsii)."""
    path = child_path(path_of(scope), id) or alarm.node.path
    adopt(alarm, scope, path)
    registry_of(scope).alarms.append(
        AlarmRecord(
            alarm=alarm,
            path=path,
            kind=kind,
            resource=identity.resource,
            signal=identity.signal,
            severity=identity.severity.value,
            metric=metric,
            threshold=threshold,
            band_width=band_width,
            name=None if is_token(name) else name,
        )
    )


def _route(
    alarm: cloudwatch.Alarm | cloudwatch.CompositeAlarm,
    severity: Severity,
    routing: AlarmRouting | None,
    actions: tuple[cloudwatch.IAlarmAction, ...],
) -> None:
    if routing is not None:
        try:
            routing.route(alarm, severity, extra_actions=actions)
        except InvalidParameterError:
            # A refused alarm leaves nothing behind: neither its name nor its construct.
            name = getattr(alarm.node.default_child, "alarm_name", None)
            if isinstance(name, str) and not is_token(name):
                release_alarm_name(alarm, name)
            parent = alarm.node.scope
            if parent is not None:
                parent.node.try_remove_child(alarm.node.id)
            raise
    elif actions:
        alarm.add_alarm_action(*actions)
