"""From a log filter pattern to a metric: validation, the metric filter, the metric to alarm on.

Shared by ``EncryptedLogGroup.add_pattern_alarm`` and the CIS benchmark alarms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from constructs import Construct

from constructs_obs.private.validate import Check

MAX_PATTERN_LENGTH: Final = 1024
MAX_DIMENSIONS: Final = 3
_METRIC_TEXT = r"[^:*$]+"
_METRIC_TEXT_DOC = "must not contain ':', '*' or '$'"
_DIMENSION_NAME = r"[^:*$\s][^:*$]*"
_DIMENSION_VALUE = r"\$(\.[A-Za-z0-9_@\-\[\]\.]+|[A-Za-z0-9_]+)"

_METRICS_INSIGHTS_FUNCTION: Final = {
    "sum": "SUM",
    "average": "AVG",
    "avg": "AVG",
    "maximum": "MAX",
    "max": "MAX",
    "minimum": "MIN",
    "min": "MIN",
    "samplecount": "COUNT",
    "n": "COUNT",
}


@dataclass(frozen=True)
class PatternMetricSpec:
    """A validated metric-filter definition."""

    pattern: str
    metric_name: str
    metric_namespace: str
    metric_value: str
    default_value: float | None
    unit: cloudwatch.Unit | None
    dimensions: Mapping[str, str]


def check_pattern(check: Check, pattern: object) -> str:
    if not isinstance(pattern, str) or not pattern.strip():
        check.fail(
            "pattern",
            "must be a non-empty filter pattern (an empty pattern matches every event; "
            "count all events with the IncomingLogEvents metric instead)",
        )
    return check.text("pattern", pattern, max_length=MAX_PATTERN_LENGTH)


def check_namespace(check: Check, namespace: str, parameter: str = "metric_namespace") -> None:
    check.text(
        parameter, namespace, max_length=255, pattern=_METRIC_TEXT, pattern_doc=_METRIC_TEXT_DOC
    )
    if namespace.startswith("AWS/"):
        check.fail(parameter, "namespaces starting with 'AWS/' are reserved by AWS")


def check_metric_names(check: Check, metric_name: str, metric_namespace: str) -> None:
    check.text(
        "metric_name",
        metric_name,
        max_length=255,
        pattern=_METRIC_TEXT,
        pattern_doc=_METRIC_TEXT_DOC,
    )
    check_namespace(check, metric_namespace)


def _check_dimensions(check: Check, pattern: str, dimensions: Mapping[str, str]) -> None:
    if len(dimensions) > MAX_DIMENSIONS:
        check.fail(
            "dimensions",
            f"a metric filter takes at most {MAX_DIMENSIONS} dimensions, got {len(dimensions)}",
        )
    for key, selector in dimensions.items():
        check.text(
            "dimensions",
            key,
            max_length=255,
            pattern=_DIMENSION_NAME,
            pattern_doc="(a dimension name) must not contain ':', '*' or '$'",
        )
        if re.fullmatch(_DIMENSION_VALUE, selector) is None:
            check.fail(
                "dimensions",
                f"{key}={selector!r}: a dimension value must be a field of the event, such "
                "as '$.service' (JSON pattern) or '$service' (space-delimited pattern)",
            )
    if dimensions and not pattern.lstrip().startswith(("{", "[")):
        check.fail(
            "dimensions",
            "dimensions need a JSON ({ ... }) or space-delimited ([ ... ]) pattern that "
            "names the fields",
        )


def pattern_metric_spec(
    check: Check,
    *,
    pattern: object,
    metric_name: str,
    metric_namespace: str,
    metric_value: str = "1",
    default_value: float | None,
    default_value_given: bool,
    unit: cloudwatch.Unit | None = None,
    dimensions: Mapping[str, str] | None = None,
) -> PatternMetricSpec:
    """Validate a metric-filter definition; the default value is 0 unless dimensions are set
    (CloudWatch refuses a default value on a filter with dimensions)."""
    pattern = check_pattern(check, pattern)
    check_metric_names(check, metric_name, metric_namespace)
    check.text("metric_value", metric_value, max_length=100)
    dims = dict(dimensions or {})
    _check_dimensions(check, pattern, dims)
    if not default_value_given:
        default_value = None if dims else 0
    elif default_value is not None:
        default_value = check.finite("default_value", default_value)
        if dims:
            check.fail(
                "default_value",
                "CloudWatch does not allow a default value on a metric filter with "
                "dimensions; leave default_value unset",
            )
    return PatternMetricSpec(
        pattern=pattern,
        metric_name=metric_name,
        metric_namespace=metric_namespace,
        metric_value=metric_value,
        default_value=default_value,
        unit=unit,
        dimensions=dims,
    )


def check_statistic_for(check: Check, spec: PatternMetricSpec, statistic: str) -> None:
    if spec.dimensions and statistic.lower() not in _METRICS_INSIGHTS_FUNCTION:
        check.fail(
            "statistic",
            f"{statistic!r} cannot aggregate across dimensions; use one of Sum, Average, "
            "Maximum, Minimum, SampleCount",
        )


def create_metric_filter(
    scope: Construct, construct_id: str, log_group: logs.ILogGroup, spec: PatternMetricSpec
) -> logs.MetricFilter:
    return logs.MetricFilter(
        scope,
        construct_id,
        log_group=log_group,
        filter_pattern=logs.FilterPattern.literal(spec.pattern),
        metric_name=spec.metric_name,
        metric_namespace=spec.metric_namespace,
        metric_value=spec.metric_value,
        default_value=spec.default_value,
        dimensions=dict(spec.dimensions) or None,
        unit=spec.unit,
    )


def alarm_metric(
    spec: PatternMetricSpec, metric_filter: logs.MetricFilter, *, statistic: str, period: Duration
) -> cloudwatch.IMetric:
    """The metric to alarm on. With dimensions, a Metrics Insights query that aggregates every
    dimension value (an alarm on the dimensionless metric would never see a datapoint)."""
    if not spec.dimensions:
        return metric_filter.metric(statistic=statistic, period=period, unit=spec.unit)
    function = _METRICS_INSIGHTS_FUNCTION[statistic.lower()]
    dimension_list = ", ".join(_quote(key) for key in spec.dimensions)
    # Not SQL: a Metrics Insights query over validated, quoted metric and dimension names.
    query = (
        f"SELECT {function}({_quote(spec.metric_name)}) "  # noqa: S608 -- see above
        f"FROM SCHEMA({_quote(spec.metric_namespace)}, {dimension_list})"
    )
    return cloudwatch.MathExpression(
        expression=query,
        period=period,
        label=f"{spec.metric_name} (all {', '.join(spec.dimensions)})",
    )


def _quote(name: str) -> str:
    """A Metrics Insights identifier or string, double-quoted."""
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
