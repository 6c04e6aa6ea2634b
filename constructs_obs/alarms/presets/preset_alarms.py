"""What the alarm presets share: per-signal options merged over defaults, one alarm per signal.

A preset is a table of signals (what to watch, at which default thresholds) handed to
``PresetAlarms``, which merges the user's ``AlarmOptions`` over each signal's defaults and
creates one threshold alarm per enabled signal. Periods are checked before a metric is built:
aws-cdk-lib refuses a period CloudWatch does not accept with a JavaScript error instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from constructs_obs.alarms.alarm_kinds import AlarmIdentity, add_threshold_alarm
from constructs_obs.alarms.alarm_routing import AlarmRouting
from constructs_obs.alarms.severity import Severity
from constructs_obs.private.alarm_checks import check_period
from constructs_obs.private.stack_limits import watch_stack_limits
from constructs_obs.private.validate import Check

__all__ = ["AlarmOptions"]

MetricFactory = Callable[[Duration], cloudwatch.IMetric]
"""Builds a signal's metric for the period its alarm ends up with."""

GREATER: Final = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
AT_LEAST: Final = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
LESS: Final = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD


@dataclass(frozen=True)
class AlarmOptions:
    """Overrides for one preset alarm; a field left as None keeps the preset's default.

    Attributes
    ----------
    threshold, period, evaluation_periods, datapoints_to_alarm, severity, runbook_url:
        The alarm's settings.
    enabled:
        False leaves this alarm out.
    """

    threshold: float | None = None
    period: Duration | None = None
    evaluation_periods: int | None = None
    datapoints_to_alarm: int | None = None
    severity: Severity | None = None
    runbook_url: str | None = None
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
        watch_stack_limits(self)
        check = Check(kind, id)
        if routing is not None and not isinstance(routing, AlarmRouting):
            check.fail("routing", f"expected an AlarmRouting, got {type(routing).__name__}")
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
        return add_threshold_alarm(
            self,
            signal.construct_id,
            metric=signal.metric(chosen.period),
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
            evaluation_periods=chosen.evaluation_periods or 1,
            datapoints_to_alarm=chosen.datapoints_to_alarm,
            treat_missing_data=signal.treat_missing_data,
        )


def _chosen(check: Check, signal: Signal, given: AlarmOptions | None) -> AlarmOptions:
    """The user's options for ``signal`` over its defaults; the period checked if enabled."""
    if given is not None and not isinstance(given, AlarmOptions):
        check.fail(signal.key, f"expected AlarmOptions, got {type(given).__name__}")
    chosen = (given or AlarmOptions()).over(signal.defaults)
    if chosen.enabled:
        assert chosen.period is not None
        # Before the metric is built: aws-cdk-lib refuses a bad period with a JavaScript error.
        check_period(check, chosen.period, high_resolution=False, parameter=f"{signal.key}.period")
    return chosen


def minutes(count: int) -> Duration:
    """``count`` minutes, the unit preset periods are written in."""
    return Duration.minutes(count)
