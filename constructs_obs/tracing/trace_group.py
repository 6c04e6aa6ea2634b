"""TraceGroup: an X-Ray group (a filter expression over traces) with alarms on faults and latency.

X-Ray publishes one metric per group: ``ApproximateTraceCount`` (namespace ``AWS/X-Ray``,
dimension ``GroupName``), the number of traces per minute that match the group's filter
expression. It publishes no fault or latency metric for a group, so the alarms watch two
companion groups whose filter expressions narrow the group's to the service's own faults
(``service("x") { fault }``, HTTP 5XX) and slow responses (``service("x") { responsetime > N }``)
and fire on their trace counts. The conditions are scoped to the service, as X-Ray's filter
expressions allow: a trace-level ``fault = true`` would also match a trace in which only a
downstream service faulted, paging the service's owner for another service's fault.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_xray as xray
from constructs import Construct

from constructs_obs.alarms.alarm_routing import AlarmRouting
from constructs_obs.alarms.presets.preset_alarms import AlarmOptions, PresetAlarms, Signal, minutes
from constructs_obs.alarms.severity import Severity
from constructs_obs.private.names import register_name
from constructs_obs.private.stack_limits import watch_stack_limits
from constructs_obs.private.validate import Check, is_token
from constructs_obs.tracing.sampling_rule import MAX_RULE_NAME_LENGTH, RESERVED_NAME

__all__ = ["GROUP_METRIC_NAME", "GROUP_METRIC_NAMESPACE", "TraceGroup"]

GROUP_METRIC_NAMESPACE: Final = "AWS/X-Ray"
GROUP_METRIC_NAME: Final = "ApproximateTraceCount"
FAULTS_SUFFIX: Final = "-faults"
SLOW_SUFFIX: Final = "-slow"
_LONGEST_SUFFIX: Final = max(len(FAULTS_SUFFIX), len(SLOW_SUFFIX))
# What the X-Ray console accepts in a group name: letters, digits and dashes.
GROUP_NAME_PATTERN: Final = r"[A-Za-z0-9][A-Za-z0-9-]*"
# A service name as a filter expression quotes it: no double quote, no backslash.
_SERVICE_NAME = r'[^"\\\s][^"\\]{0,63}'
_SERVICE_ONLY = re.compile(r'\s*service\(\s*"([^"\\]+)"\s*\)\s*')

GREATER_OR_EQUAL = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD


class TraceGroup(Construct):
    """An X-Ray group with Insights, and alarms on its fault and slow-response trace counts.

    Defaults of the alarms (each overridable with ``AlarmOptions``, or disabled with
    ``AlarmOptions(enabled=False)``; a disabled alarm creates no companion group):

    =========== ======================================================== ========
    alarm       fires when                                               severity
    =========== ======================================================== ========
    ``faults``  at least 1 trace with a fault (5XX) within 5 minutes     critical
    ``latency`` at least 5 traces slower than ``slow_response`` within   warning
                5 minutes
    =========== ======================================================== ========

    Parameters
    ----------
    service_name:
        The service the alarms watch: its own faults (``service("x") { fault }``) and slow
        responses (``service("x") { responsetime > N }``). Default: the service of a filter
        expression that is exactly ``service("x")``; needed, while an alarm is on, for any
        other expression.
    filter_expression:
        The X-Ray filter expression of the group, e.g. ``service("orders") AND
        annotation.tier = "web"`` (the companion groups add the service-scoped condition to
        it). Default: ``service("<service_name>")``.
    insights:
        X-Ray Insights (anomaly detection on the group's fault rate). Default: True.
    insights_notifications:
        Insights events to EventBridge (needs ``insights``). Default: False.
    group_name:
        Unique per account and region; letters, digits and dashes, at most 32 characters, or 25
        when alarms are on (the companion groups add ``-faults`` / ``-slow``); not ``Default``.
        Default: the construct id.
    routing:
        Where the alarms go (and what their names start with). Default: no actions; names start
        with the stack name.
    slow_response:
        What counts as slow for the latency alarm: the server's response time above this.
        Default: 1 second.
    faults / latency:
        Overrides for the two alarms.
    runbook_url:
        An ``https://`` link carried by both alarms' descriptions.

    Attributes
    ----------
    group:
        The ``AWS::XRay::Group``; ``group_name`` and ``group_arn`` name it.
    fault_group / slow_group:
        The companion groups (None when their alarm is disabled).
    alarms:
        The alarms by key (``faults``, ``latency``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        service_name: str | None = None,
        filter_expression: str | None = None,
        insights: bool = True,
        insights_notifications: bool = False,
        group_name: str | None = None,
        routing: AlarmRouting | None = None,
        slow_response: Duration | None = None,
        faults: AlarmOptions | None = None,
        latency: AlarmOptions | None = None,
        runbook_url: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        watch_stack_limits(self)
        check = Check("TraceGroup", id)
        _check_insights(check, insights, insights_notifications)
        slow_seconds = _check_slow_response(check, slow_response)
        _check_alarm_options(check, faults=faults, latency=latency)
        with_faults = faults is None or faults.enabled
        with_latency = latency is None or latency.enabled
        expression, service = _check_filter(
            check, filter_expression, service_name, with_alarms=with_faults or with_latency
        )
        name = _check_group_name(
            check,
            group_name if group_name is not None else id,
            with_alarms=with_faults or with_latency,
        )
        register_name(self, check, kind="group", parameter="group_name", name=name)

        self.group = self._group(name, expression, insights, insights_notifications)
        self.group_name = name
        self.group_arn = self.group.attr_group_arn
        self.filter_expression = expression
        self.service_name = service
        self.fault_group: xray.CfnGroup | None = None
        self.slow_group: xray.CfnGroup | None = None
        if with_faults:
            self.fault_group = self._companion(
                check, "FaultsGroup", FAULTS_SUFFIX, _scoped(expression, service, "fault")
            )
        if with_latency:
            self.slow_group = self._companion(
                check,
                "SlowGroup",
                SLOW_SUFFIX,
                _scoped(expression, service, f"responsetime > {slow_seconds:g}"),
            )
        self.alarms: dict[str, cloudwatch.Alarm] = self._alarms(
            routing, slow_seconds, faults, latency, runbook_url
        )

    def _group(
        self, name: str, expression: str, insights: bool, notifications: bool
    ) -> xray.CfnGroup:
        """The group itself (the construct's ``Resource``), with Insights as asked."""
        return xray.CfnGroup(
            self,
            "Resource",
            group_name=name,
            filter_expression=expression,
            insights_configuration=xray.CfnGroup.InsightsConfigurationProperty(
                insights_enabled=insights, notifications_enabled=notifications
            ),
        )

    def _companion(
        self, check: Check, construct_id: str, suffix: str, expression: str
    ) -> xray.CfnGroup:
        name = f"{self.group_name}{suffix}"
        register_name(self, check, kind="group", parameter="group_name", name=name)
        return xray.CfnGroup(
            self,
            construct_id,
            group_name=name,
            filter_expression=expression,
            insights_configuration=xray.CfnGroup.InsightsConfigurationProperty(
                insights_enabled=False, notifications_enabled=False
            ),
        )

    def _alarms(
        self,
        routing: AlarmRouting | None,
        slow_seconds: float,
        faults: AlarmOptions | None,
        latency: AlarmOptions | None,
        runbook_url: str | None,
    ) -> dict[str, cloudwatch.Alarm]:
        """The alarms on the companion groups' trace counts (none when both are disabled)."""
        signals = self._signals(slow_seconds)
        if not signals:
            return {}
        presets = PresetAlarms(
            self,
            "Alarms",
            kind="TraceGroup",
            routing=routing,
            resource_name=self.group_name,
            signals=signals,
            options={"faults": faults, "latency": latency},
            runbook_url=runbook_url,
        )
        return presets.alarms

    def _signals(self, slow_seconds: float) -> list[Signal]:
        """One signal per companion group: its trace count, at least N within 5 minutes."""
        five = AlarmOptions(period=minutes(5), evaluation_periods=1)
        signals = []
        if self.fault_group is not None:
            signals.append(
                Signal(
                    "faults",
                    "FaultsAlarm",
                    _trace_count(self.fault_group.group_name),
                    AlarmOptions(threshold=1, severity=Severity.CRITICAL).over(five),
                    GREATER_OR_EQUAL,
                    "{threshold:g} or more traces of X-Ray group {resource} ended in a fault "
                    "(5XX) within the period",
                    cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )
        if self.slow_group is not None:
            signals.append(
                Signal(
                    "latency",
                    "LatencyAlarm",
                    _trace_count(self.slow_group.group_name),
                    AlarmOptions(threshold=5, severity=Severity.WARNING).over(five),
                    GREATER_OR_EQUAL,
                    "{threshold:g} or more traces of X-Ray group {resource} took longer than "
                    f"{slow_seconds:g} s within the period",
                    cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )
        return signals

    def metric_trace_count(self, period: Duration | None = None) -> cloudwatch.Metric:
        """Traces per period matching the group's filter expression (Sum)."""
        return _trace_count(self.group_name)(period or Duration.minutes(5))


def _check_insights(check: Check, insights: object, notifications: object) -> None:
    for parameter, flag in (("insights", insights), ("insights_notifications", notifications)):
        if not isinstance(flag, bool):
            check.fail(parameter, f"expected True or False, got {flag!r}")
    if notifications and not insights:
        check.fail(
            "insights_notifications",
            "X-Ray sends Insights notifications only for groups with insights=True",
        )


def _check_slow_response(check: Check, slow_response: Duration | None) -> float:
    """The latency alarm's threshold in seconds (default 1), longer than 0."""
    slow = Duration.seconds(1) if slow_response is None else slow_response
    if not isinstance(slow, Duration):
        check.fail("slow_response", f"expected a Duration, got {slow!r}")
    slow_seconds = slow.to_milliseconds(integral=False) / 1000
    if slow_seconds <= 0:
        check.fail("slow_response", "must be longer than 0 seconds")
    return slow_seconds


def _check_alarm_options(
    check: Check, *, faults: AlarmOptions | None, latency: AlarmOptions | None
) -> None:
    """The alarm overrides are ``AlarmOptions`` (or None)."""
    for parameter, options in (("faults", faults), ("latency", latency)):
        if options is not None and not isinstance(options, AlarmOptions):
            check.fail(parameter, f"expected AlarmOptions, got {type(options).__name__}")


def _check_filter(
    check: Check, expression: str | None, service_name: str | None, *, with_alarms: bool
) -> tuple[str, str | None]:
    """The group's filter expression and the service its alarms are scoped to."""
    service = None
    if service_name is not None:
        service = check.text(
            "service_name",
            service_name,
            max_length=64,
            pattern=_SERVICE_NAME,
            pattern_doc="must not start with a space and must contain no '\"' or '\\' (at most "
            "64 characters)",
        )
    if expression is None:
        if service is None:
            check.fail("filter_expression", "pass a filter_expression or a service_name")
        return f'service("{service}")', service
    text = check_filter_expression(check, expression)
    if service is None and not is_token(text):
        alone = _SERVICE_ONLY.fullmatch(text)
        service = alone.group(1) if alone is not None else None
    if service is None and with_alarms:
        check.fail(
            "service_name",
            f"the alarms watch one service's own faults and slow responses "
            f'(service("x") {{ fault }}), and {text!r} names no single service; pass '
            "service_name, or disable both alarms",
        )
    return text, service


def _scoped(expression: str, service: str | None, condition: str) -> str:
    """``expression`` narrowed to ``service``'s own segments that meet ``condition``."""
    scoped = f'service("{service}") {{ {condition} }}'
    if expression == f'service("{service}")':
        return scoped
    return f"({expression}) AND {scoped}"


def _check_group_name(check: Check, name: str, *, with_alarms: bool) -> str:
    """A valid X-Ray group name that leaves room for the companion groups' suffixes."""
    check.text(
        "group_name",
        name,
        max_length=MAX_RULE_NAME_LENGTH,
        pattern=GROUP_NAME_PATTERN,
        pattern_doc="must start with a letter or digit and contain only letters, digits and "
        "'-' (what the X-Ray console accepts)",
    )
    if not is_token(name) and name == RESERVED_NAME:
        check.fail("group_name", f"{RESERVED_NAME!r} is reserved by X-Ray; choose another name")
    if with_alarms and not is_token(name):
        limit = MAX_RULE_NAME_LENGTH - _LONGEST_SUFFIX
        if len(name) > limit:
            check.fail(
                "group_name",
                f"{name!r} is {len(name)} characters; with alarms the companion groups "
                f"'{name}{FAULTS_SUFFIX}' and '{name}{SLOW_SUFFIX}' must fit X-Ray's "
                f"{MAX_RULE_NAME_LENGTH}, so at most {limit} characters",
            )
    return name


def _trace_count(group_name: str) -> Callable[[Duration], cloudwatch.Metric]:
    def metric(period: Duration) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=GROUP_METRIC_NAMESPACE,
            metric_name=GROUP_METRIC_NAME,
            dimensions_map={"GroupName": group_name},
            statistic="Sum",
            period=period,
        )

    return metric


def check_filter_expression(check: Check, expression: object) -> str:
    """A non-empty filter expression with balanced parentheses, braces and quotes."""
    text = check.text("filter_expression", expression, max_length=10_000)
    if is_token(text):
        return text
    depth: list[str] = []
    closing = {")": "(", "}": "{"}
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "({":
            depth.append(char)
        elif char in closing and (not depth or depth.pop() != closing[char]):
            check.fail("filter_expression", f"{text!r} has an unmatched {char!r}")
    if in_string:
        check.fail("filter_expression", f"{text!r} has an unterminated string")
    if depth:
        check.fail("filter_expression", f"{text!r} has an unclosed {depth[-1]!r}")
    return text
