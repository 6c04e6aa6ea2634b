"""What the alarm presets share: per-signal options merged over defaults, one alarm per signal.

A preset is a table of signals (what to watch, at which default thresholds) handed to
``PresetAlarms``, which merges the user's ``AlarmOptions`` over each signal's defaults and
creates one threshold alarm per enabled signal. Periods are checked before a metric is built:
aws-cdk-lib refuses a period CloudWatch does not accept with a JavaScript error instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Final, TypeVar, cast

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from constructs_obs.alarms.alarm_kinds import AlarmIdentity, add_threshold_alarm
from constructs_obs.alarms.alarm_routing import AlarmRouting
from constructs_obs.alarms.severity import Severity
from constructs_obs.private.alarm_checks import check_flag, check_period, check_statistic
from constructs_obs.private.metrics import MetricFacts, remember_metric
from constructs_obs.private.scopes import adopt, child_path, duration_seconds, path_of
from constructs_obs.private.stack_limits import watch_stack_limits
from constructs_obs.private.validate import Check

__all__ = ["AlarmOptions"]

_R = TypeVar("_R")

MAX_RESOURCE_NAME: Final = 128
"""The longest ``resource_name`` a preset takes; the alarm name adds the routing's prefix,
the signal and the severity (CloudWatch allows 255 characters)."""

MetricFactory = Callable[[Duration], cloudwatch.IMetric]
"""Builds a signal's metric for the period its alarm ends up with."""


@dataclass(frozen=True)
class ThresholdUnit:
    """What a signal's threshold measures, and the thresholds that make sense for it."""

    name: str
    minimum: float = 0
    maximum: float | None = None


PERCENT: Final = ThresholdUnit("percent", 0, 100)
COUNT: Final = ThresholdUnit("count")
SECONDS: Final = ThresholdUnit("seconds")
MILLISECONDS: Final = ThresholdUnit("milliseconds")
BYTES: Final = ThresholdUnit("bytes")

GREATER: Final = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
AT_LEAST: Final = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
LESS: Final = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD


@dataclass(frozen=True)
class AlarmOptions:
    """Overrides for one preset alarm; a field left as None keeps the preset's default.

    Attributes
    ----------
    threshold, period, evaluation_periods, datapoints_to_alarm, severity, runbook_url:
        The alarm's settings. The threshold is in the signal's unit (a percentage is 0-100);
        ``evaluation_periods`` and ``datapoints_to_alarm`` are at least 1.
    statistic:
        A statistic CloudWatch accepts (``Average``, ``p90``, ``tm90``, ...; the median is
        ``p50``). Default: the preset's.
    enabled:
        False leaves this alarm out.
    """

    threshold: float | None = None
    period: Duration | None = None
    evaluation_periods: int | None = None
    datapoints_to_alarm: int | None = None
    severity: Severity | None = None
    runbook_url: str | None = None
    statistic: str | None = None
    enabled: bool = True

    def over(self, defaults: AlarmOptions) -> AlarmOptions:
        """These options with every unset field taken from ``defaults``."""
        chosen = {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }
        return replace(defaults, **chosen)


FIVE_ONE_MINUTE_PERIODS: Final = AlarmOptions(
    period=Duration.minutes(1), evaluation_periods=5, severity=Severity.WARNING
)
"""Defaults of a signal that must hold for 5 minutes, seen minute by minute (a warning)."""

ONE_FIVE_MINUTE_PERIOD: Final = AlarmOptions(period=Duration.minutes(5), evaluation_periods=1)
"""Defaults of a signal counted over one 5-minute period."""


@dataclass(frozen=True)
class Signal:
    """One alarm a preset creates."""

    key: str
    construct_id: str
    metric: MetricFactory
    defaults: AlarmOptions
    comparison: cloudwatch.ComparisonOperator
    summary: str
    treat_missing_data: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.MISSING
    unit: ThresholdUnit = COUNT


def metric_per_period(
    metric: Callable[..., cloudwatch.Metric], name: str, statistic: str
) -> MetricFactory:
    """``metric(name, statistic=statistic, period=...)`` for the period the alarm chooses, e.g.
    ``metric_per_period(instance.metric, "CPUUtilization", "Average")``."""
    return lambda period: metric(name, statistic=statistic, period=period)


class PresetAlarms(Construct):
    """Creates the alarms of ``signals``, keyed by signal in ``alarms``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        kind: str,
        routing: AlarmRouting | None,
        resource_name: str,
        signals: Sequence[Signal],
        options: Mapping[str, AlarmOptions | None],
        runbook_url: str | None,
    ) -> None:
        super().__init__(scope, id)
        # In the stack of ``scope``, at a path known in Python: no read back through jsii.
        adopt(self, scope, child_path(path_of(scope), id))
        watch_stack_limits(self)
        check = Check(kind, id)
        if routing is not None and not isinstance(routing, AlarmRouting):
            check.fail("routing", f"expected an AlarmRouting, got {type(routing).__name__}")
        # The resource part of each alarm name (<prefix>-<resource>-<signal>-<severity>, at
        # most 255 characters): bounded here so a long one is refused under its own name.
        check.text("resource_name", resource_name, max_length=MAX_RESOURCE_NAME)
        chosen = {signal.key: _chosen(check, signal, options.get(signal.key)) for signal in signals}
        self.resource_name = resource_name
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for signal in signals:
            if chosen[signal.key].enabled:
                self.alarms[signal.key] = self._add_alarm(
                    signal, chosen[signal.key], routing, runbook_url
                )

    def _add_alarm(
        self,
        signal: Signal,
        chosen: AlarmOptions,
        routing: AlarmRouting | None,
        runbook_url: str | None,
    ) -> cloudwatch.Alarm:
        assert chosen.period is not None
        assert chosen.threshold is not None
        metric = _with_statistic(signal.metric(chosen.period), chosen.statistic)
        # Built here for the period checked in _chosen, with the preset's statistic or the
        # user's (checked there too): the alarm's checks need not read the metric back.
        remember_metric(metric, MetricFacts(duration_seconds(chosen.period)))
        return add_threshold_alarm(
            self,
            signal.construct_id,
            metric=metric,
            threshold=chosen.threshold,
            identity=AlarmIdentity(
                resource=self.resource_name,
                signal=signal.key.replace("_", "-"),
                severity=chosen.severity or Severity.WARNING,
                summary=signal.summary.format(
                    resource=self.resource_name, threshold=chosen.threshold
                ),
                runbook_url=chosen.runbook_url or runbook_url,
            ),
            routing=routing,
            comparison_operator=signal.comparison,
            evaluation_periods=1
            if chosen.evaluation_periods is None
            else chosen.evaluation_periods,
            datapoints_to_alarm=chosen.datapoints_to_alarm,
            treat_missing_data=signal.treat_missing_data,
        )


def _chosen(check: Check, signal: Signal, given: AlarmOptions | None) -> AlarmOptions:
    """The user's options for ``signal`` over its defaults; the period checked if enabled."""
    if given is not None and not isinstance(given, AlarmOptions):
        check.fail(signal.key, f"expected AlarmOptions, got {type(given).__name__}")
    chosen = (given or AlarmOptions()).over(signal.defaults)
    check_flag(check, f"{signal.key}.enabled", chosen.enabled)
    if chosen.enabled:
        assert chosen.period is not None
        # Before the metric is built: aws-cdk-lib refuses a bad period with a JavaScript error.
        check_period(check, chosen.period, high_resolution=False, parameter=f"{signal.key}.period")
        _check_options(check, signal, chosen)
    return chosen


def _check_options(check: Check, signal: Signal, chosen: AlarmOptions) -> None:
    """The user's options as CloudWatch takes them: a threshold in the signal's unit, at
    least one evaluation period and datapoint (never silently raised to 1), a Severity and a
    statistic CloudWatch accepts."""
    key = signal.key
    threshold = check.finite(f"{key}.threshold", chosen.threshold)
    unit = signal.unit
    if threshold < unit.minimum or (unit.maximum is not None and threshold > unit.maximum):
        upper = "" if unit.maximum is None else f" to {unit.maximum:g}"
        check.fail(
            f"{key}.threshold",
            f"{threshold:g} is out of range: {key} is measured in {unit.name} "
            f"({unit.minimum:g}{upper}{'' if upper else ' or more'})",
        )
    if chosen.evaluation_periods is not None:
        check.integer(f"{key}.evaluation_periods", chosen.evaluation_periods, minimum=1)
    if chosen.datapoints_to_alarm is not None:
        check.integer(f"{key}.datapoints_to_alarm", chosen.datapoints_to_alarm, minimum=1)
    if chosen.severity is not None and not isinstance(chosen.severity, Severity):
        check.fail(
            f"{key}.severity",
            f"expected Severity.CRITICAL or Severity.WARNING, got {chosen.severity!r}",
        )
    if chosen.statistic is not None:
        check_statistic(check, f"{key}.statistic", chosen.statistic)
        if not isinstance(signal.metric(chosen.period or minutes(1)), cloudwatch.Metric):
            check.fail(
                f"{key}.statistic",
                f"{key} is a math expression over several metrics; a statistic does not apply",
            )


def _with_statistic(metric: cloudwatch.IMetric, statistic: str | None) -> cloudwatch.IMetric:
    """The signal's metric, with the user's statistic when one was chosen (checked before)."""
    if statistic is None or not isinstance(metric, cloudwatch.Metric):
        return metric
    return metric.with_(statistic=statistic)


def check_resource(check: Check, parameter: str, value: _R, attribute: str, expected: str) -> _R:
    """The monitored resource is a construct (``expected``), not its name: a string such as
    ``"orders-db"`` has none of its metrics. Import an existing resource with the service's
    ``from_...`` method. Returns the resource as ``declaring`` sees it."""
    viewed = None if isinstance(value, str) else declaring(value, attribute)
    if viewed is None:
        check.fail(
            parameter,
            f"expected {expected}, got {type(value).__name__} {value!r}; for a resource this "
            "app does not define, import it with the service's from_... method",
        )
    return viewed


def declaring(value: _R, attribute: str) -> _R | None:
    """``value``, or the view of it whose class declares ``attribute`` (None: it has none).

    An object jsii returns as several interfaces (an imported ECS service or cluster) answers
    every property read by asking each of its views whether it has the property and then
    reading it: two round trips to Node.js per read. The view that declares the property
    reads it in one; looking on the class reads nothing."""
    if hasattr(type(value), attribute):
        return value
    views = getattr(value, "__dict__", {}).get("_delegates")  # jsii's InterfaceDynamicProxy
    for view in views if isinstance(views, list) else ():
        if hasattr(type(view), attribute):
            return cast("_R", view)
    return value if hasattr(value, attribute) else None


_MINUTES: dict[int, Duration] = {}


def minutes(count: int) -> Duration:
    """``count`` minutes, the unit preset periods are written in (one ``Duration`` per count:
    durations are immutable, and what is known of one is kept, ``private/scopes.py``)."""
    duration = _MINUTES.get(count)
    if duration is None:
        duration = _MINUTES[count] = Duration.minutes(count)
    return duration
