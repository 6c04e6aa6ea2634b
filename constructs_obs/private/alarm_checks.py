"""Checks shared by every alarm the library creates (CloudWatch's PutMetricAlarm limits)."""

from __future__ import annotations

from aws_cdk import Duration

from constructs_obs.private.validate import Check, is_token

ONE_DAY_SECONDS = 86_400
SEVEN_DAYS_SECONDS = 604_800
HIGH_RESOLUTION_PERIODS = (10, 30)


def check_period(
    check: Check, period: Duration, *, high_resolution: bool, parameter: str = "period"
) -> int:
    """A period CloudWatch accepts: 10 s or 30 s (high-resolution metrics only) or n x 60 s."""
    if not isinstance(period, Duration):
        check.fail(parameter, f"expected a Duration (such as Duration.minutes(5)), got {period!r}")
    if is_token(period):
        return 60
    seconds = int(period.to_seconds())
    if seconds in HIGH_RESOLUTION_PERIODS:
        if not high_resolution:
            check.fail(
                parameter,
                f"{seconds} s needs a metric published at high resolution; this metric is "
                "standard resolution, so use a multiple of 60 s",
            )
        return seconds
    if seconds <= 0 or seconds % 60 != 0:
        allowed = "10 s, 30 s or a multiple of 60 s" if high_resolution else "a multiple of 60 s"
        check.fail(parameter, f"{seconds} s is not a period CloudWatch accepts; allowed: {allowed}")
    return seconds


def check_evaluation(
    check: Check,
    *,
    period_seconds: int,
    evaluation_periods: int,
    datapoints_to_alarm: int | None,
) -> None:
    """Evaluation periods >= 1, datapoints in [1, evaluation periods], and the evaluation
    range within CloudWatch's limit (1 day for periods under an hour, else 7 days)."""
    check.integer("evaluation_periods", evaluation_periods, minimum=1)
    if datapoints_to_alarm is not None:
        check.integer("datapoints_to_alarm", datapoints_to_alarm, minimum=1)
        if datapoints_to_alarm > evaluation_periods:
            check.fail(
                "datapoints_to_alarm",
                f"{datapoints_to_alarm} is more than evaluation_periods ({evaluation_periods}); "
                "it must be between 1 and evaluation_periods",
            )
    limit = ONE_DAY_SECONDS if period_seconds < 3600 else SEVEN_DAYS_SECONDS
    if period_seconds * evaluation_periods > limit:
        check.fail(
            "evaluation_periods",
            f"{evaluation_periods} x {period_seconds} s = {period_seconds * evaluation_periods} s "
            f"is longer than CloudWatch allows ({limit} s for this period)",
        )
