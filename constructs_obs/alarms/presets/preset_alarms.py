"""What the alarm presets share: per-signal options merged over defaults, one alarm per signal."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace

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


@dataclass(frozen=True)
class Signal:
    """One alarm a preset creates."""

    key: str
    construct_id: str
    metric: Callable[[Duration], cloudwatch.IMetric]
    defaults: AlarmOptions
    comparison: cloudwatch.ComparisonOperator
    summary: str
    treat_missing_data: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.MISSING


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
        self.resource_name = resource_name
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for signal in signals:
            given = options.get(signal.key)
            if given is not None and not isinstance(given, AlarmOptions):
                check.fail(signal.key, f"expected AlarmOptions, got {type(given).__name__}")
            chosen = (given or AlarmOptions()).over(signal.defaults)
            if not chosen.enabled:
                continue
            assert chosen.period is not None
            assert chosen.threshold is not None
            # Before the metric is built: aws-cdk-lib refuses a bad period with a JavaScript error.
            check_period(
                check, chosen.period, high_resolution=False, parameter=f"{signal.key}.period"
            )
            self.alarms[signal.key] = add_threshold_alarm(
                self,
                signal.construct_id,
                metric=signal.metric(chosen.period),
                threshold=chosen.threshold,
                identity=AlarmIdentity(
                    resource=resource_name,
                    signal=signal.key.replace("_", "-"),
                    severity=chosen.severity or Severity.WARNING,
                    summary=signal.summary.format(
                        resource=resource_name, threshold=chosen.threshold
                    ),
                    runbook_url=chosen.runbook_url or runbook_url,
                ),
                routing=routing,
                comparison_operator=signal.comparison,
                evaluation_periods=chosen.evaluation_periods or 1,
                datapoints_to_alarm=chosen.datapoints_to_alarm,
                treat_missing_data=signal.treat_missing_data,
            )


def minutes(count: int) -> Duration:
    return Duration.minutes(count)
