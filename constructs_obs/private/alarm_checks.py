"""Checks shared by every alarm the library creates (CloudWatch's PutMetricAlarm limits), and
the type checks of what alarms are sent to: statistics CloudWatch accepts, HTTPS endpoints,
lists that must not be strings, booleans that must not be truthy strings."""

from __future__ import annotations

import re
from typing import Any, Final
from urllib.parse import urlsplit

from aws_cdk import Duration

from constructs_obs.private.scopes import duration_exact_seconds, duration_seconds
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
    exact = duration_exact_seconds(period)
    if exact is not None and exact % 1:
        # duration_seconds would meet aws-cdk-lib's JavaScript error on a fraction of a second
        check.fail(
            parameter,
            f"{period.to_human_string()} is not a period CloudWatch accepts; allowed: 10 s, "
            "30 s or a multiple of 60 s",
        )
    seconds = duration_seconds(period)
    if seconds is None:  # a token: known at deploy time only
        return 60
    return check_period_seconds(
        check, seconds, high_resolution=high_resolution, parameter=parameter
    )


def check_period_seconds(
    check: Check, seconds: int, *, high_resolution: bool, parameter: str = "period"
) -> int:
    """``check_period`` for a period already in seconds."""
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


# -- statistics ------------------------------------------------------------------------------
# CloudWatch's statistics: the five simple ones (aws-cdk-lib also accepts its aliases, in any
# case) and the extended ones: percentile ``p99``/``p99.9``, the short forms ``tm90``,
# ``wm90``, ``tc90``, ``ts90`` (bound 0-100), the ranges ``TM(10%:90%)`` / ``TM(0.5:2)``
# (also WM, TC, TS and the percentile rank PR(a:b), absolute bounds only) and ``IQM``.
_SIMPLE_STATISTICS: Final = {
    "samplecount": "SampleCount",
    "n": "SampleCount",
    "average": "Average",
    "avg": "Average",
    "sum": "Sum",
    "minimum": "Minimum",
    "min": "Minimum",
    "maximum": "Maximum",
    "max": "Maximum",
}
_SHORT_FORM = re.compile(r"(p|tm|wm|tc|ts)(\d{1,3}(?:\.\d{1,10})?)", re.IGNORECASE)
_BOUND = r"(?:\d+(?:\.\d+)?%?)?"
_RANGE_FORM = re.compile(rf"(TM|WM|TC|TS|PR)\(({_BOUND}):({_BOUND})\)")
_COMMON_MISTAKES: Final = {
    "median": "use 'p50' (the 50th percentile) for the median",
    "mean": "use 'Average'",
    "count": "use 'SampleCount' (number of datapoints) or 'Sum' (of a count metric)",
    "total": "use 'Sum'",
}
STATISTICS_ALLOWED: Final = (
    "SampleCount, Average, Sum, Minimum, Maximum, a percentile such as p99 or p99.9, "
    "tm90/wm90/tc90/ts90, TM(10%:90%) (also WM, TC, TS, PR(a:b)) or IQM"
)


def check_statistic(check: Check, parameter: str, statistic: object) -> str:
    """A statistic CloudWatch accepts (see ``STATISTICS_ALLOWED``); 'Median' and other common
    words are refused with the statistic that means it."""
    if not isinstance(statistic, str):
        check.fail(parameter, f"expected a statistic name (a string), got {statistic!r}")
    if is_token(statistic):
        return statistic
    mistake = _COMMON_MISTAKES.get(statistic.strip().lower())
    if mistake is not None:
        check.fail(parameter, f"{statistic!r} is not a CloudWatch statistic; {mistake}")
    if statistic.lower() in _SIMPLE_STATISTICS or statistic == "IQM":
        return statistic
    short = _SHORT_FORM.fullmatch(statistic)
    if short is not None:
        if float(short.group(2)) > 100:
            check.fail(parameter, f"{statistic!r}: the percentage must be between 0 and 100")
        return statistic
    ranged = _RANGE_FORM.fullmatch(statistic)
    if ranged is None:
        check.fail(
            parameter,
            f"{statistic!r} is not a CloudWatch statistic; allowed: {STATISTICS_ALLOWED}",
        )
    _check_range(check, parameter, statistic, ranged)
    return statistic


def _check_range(check: Check, parameter: str, statistic: str, ranged: re.Match[str]) -> None:
    """Bounds of ``TM(a:b)``-like statistics: at least one, both percentages (0-100, a < b)
    or both absolute; PR takes absolute values only."""
    low, high = ranged.group(2), ranged.group(3)
    bounds = [bound for bound in (low, high) if bound]
    if not bounds:
        check.fail(parameter, f"{statistic!r} needs at least one bound, e.g. TM(10%:90%)")
    percents = {bound.endswith("%") for bound in bounds}
    if len(percents) > 1:
        check.fail(parameter, f"{statistic!r} mixes a percentage and an absolute bound")
    if ranged.group(1) == "PR" and True in percents:
        check.fail(parameter, f"{statistic!r}: PR(a:b) takes absolute values, not percentages")
    values = [float(bound.rstrip("%")) for bound in bounds]
    if True in percents and any(value > 100 for value in values):
        check.fail(parameter, f"{statistic!r}: percentages must be between 0 and 100")
    if len(values) == 2 and values[0] >= values[1]:
        check.fail(parameter, f"{statistic!r}: the lower bound must be below the upper bound")


# -- types users get wrong -------------------------------------------------------------------


def check_flag(check: Check, parameter: str, value: object) -> bool:
    """A real bool: a string such as "no" is truthy in Python and would turn the option on."""
    if not isinstance(value, bool):
        check.fail(parameter, f"expected True or False, got {value!r}")
    return value


def check_list(check: Check, parameter: str, value: object, what: str) -> tuple[Any, ...]:
    """A list or tuple of ``what``; a string (read character by character), a mapping, None
    or a single item is refused."""
    if isinstance(value, str | bytes):
        check.fail(
            parameter,
            f"expected a list of {what}, got the string {value!r}; wrap it in a list: [{value!r}]",
        )
    if not isinstance(value, list | tuple):
        check.fail(parameter, f"expected a list of {what}, got {type(value).__name__}")
    return tuple(value)


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


def check_https_url(check: Check, parameter: str, value: object) -> str:
    """An ``https://`` URL with a host name (plain HTTP and host-less URLs refused)."""
    if not isinstance(value, str):
        check.fail(parameter, f"expected an https:// URL (a string), got {value!r}")
    if is_token(value):
        return value
    if not value.lower().startswith("https://"):
        check.fail(parameter, f"{value!r} must be an https:// URL (plain HTTP is not allowed)")
    if any(character.isspace() for character in value):
        check.fail(parameter, f"{value!r} is not a URL: it contains whitespace")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises on a port that is not a number in 0-65535)
    except ValueError as error:
        check.fail(parameter, f"{value!r} is not a URL: {error}")
    host = parts.hostname or ""
    if _HOST.fullmatch(host) is None:
        check.fail(parameter, f"{value!r} has no valid host name; expected https://<host>/<path>")
    return value
