"""pattern_metric: a filter pattern's metric validated, its filter, and the metric to alarm on.

CloudWatch refuses a default value on a metric filter with dimensions, takes at most three
dimensions, each a field of the event, and an alarm on such a metric must aggregate every
dimension value (a Metrics Insights query).
"""

from __future__ import annotations

import math
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs

from constructs_obs import InvalidParameterError
from constructs_obs.logs.pattern_metric import (
    PatternMetricSpec,
    alarm_metric,
    check_statistic_for,
    create_metric_filter,
    pattern_metric_spec,
)
from constructs_obs.private.validate import Check

NAMESPACE = "ConstructsObs/LogPatterns"


def _spec(**given: Any) -> PatternMetricSpec:
    """``pattern_metric_spec`` with a plain text pattern and no default value given."""
    arguments: dict[str, Any] = {
        "pattern": "E",
        "metric_name": "M",
        "metric_namespace": NAMESPACE,
        "default_value": None,
        "default_value_given": False,
        **given,
    }
    return pattern_metric_spec(Check("Test", "A"), **arguments)


_JSON = "{ $.a = 1 }"

BAD_SPECS: dict[str, tuple[dict[str, Any], str]] = {
    "empty pattern": ({"pattern": ""}, "pattern: must be a non-empty"),
    "blank pattern": ({"pattern": "   "}, "pattern: must be a non-empty"),
    "pattern too long": ({"pattern": "x" * 1025}, "pattern: must be at most 1024"),
    "four dimensions": (
        {"pattern": _JSON, "dimensions": {"A": "$.a", "B": "$.b", "C": "$.c", "D": "$.d"}},
        "dimensions: a metric filter takes at most 3 dimensions, got 4",
    ),
    "literal dimension value": (
        {"pattern": _JSON, "dimensions": {"A": "constant"}},
        "dimensions: A='constant': a dimension value must be a field",
    ),
    "dimensions on a text pattern": (
        {"pattern": "ERROR", "dimensions": {"A": "$a"}},
        "dimensions: dimensions need a JSON",
    ),
    "default value with dimensions": (
        {
            "pattern": _JSON,
            "default_value": 0,
            "default_value_given": True,
            "dimensions": {"A": "$.a"},
        },
        "default_value: CloudWatch does not allow a default value",
    ),
    "nan default value": (
        {"default_value": math.nan, "default_value_given": True},
        "default_value: expected a finite number",
    ),
    "metric name with colon": ({"metric_name": "a:b"}, "metric_name: 'a:b' must not contain"),
    "reserved namespace": (
        {"metric_namespace": "AWS/X"},
        "metric_namespace: namespaces starting with 'AWS/' are reserved",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_bad_spec(case: str) -> None:
    given, message = BAD_SPECS[case]
    with pytest.raises(InvalidParameterError) as info:
        _spec(**given)
    assert message in str(info.value)
    assert str(info.value).startswith("Test 'A': invalid ")


def test_percentile_across_dimensions() -> None:
    spec = _spec(pattern=_JSON, dimensions={"A": "$.a"})
    with pytest.raises(InvalidParameterError, match="statistic: 'p99' cannot aggregate across"):
        check_statistic_for(Check("Test", "A"), spec, "p99")
    check_statistic_for(Check("Test", "A"), _spec(), "p99")  # without dimensions: any statistic


def test_default_value_is_zero_without_dimensions_and_unset_with_them() -> None:
    assert _spec().default_value == 0
    assert _spec(pattern=_JSON, dimensions={"A": "$.a"}).default_value is None
    assert _spec(default_value=None, default_value_given=True).default_value is None
    assert _spec(default_value=2, default_value_given=True).default_value == 2.0


def _group(stack: cdk.Stack) -> logs.LogGroup:
    return logs.LogGroup(stack, "Logs")


def test_without_dimensions_the_alarm_watches_the_filters_metric(stack: cdk.Stack) -> None:
    spec = _spec(unit=cloudwatch.Unit.COUNT)
    metric_filter = create_metric_filter(stack, "Filter", _group(stack), spec)
    metric = alarm_metric(spec, metric_filter, statistic="Sum", period=cdk.Duration.minutes(1))
    assert isinstance(metric, cloudwatch.Metric)
    assert (metric.namespace, metric.metric_name, metric.statistic) == (NAMESPACE, "M", "Sum")
    assert metric.unit == cloudwatch.Unit.COUNT


@pytest.mark.parametrize(
    ("statistic", "function"),
    [("Sum", "SUM"), ("avg", "AVG"), ("Maximum", "MAX"), ("min", "MIN"), ("SampleCount", "COUNT")],
)
def test_with_dimensions_a_metrics_insights_query_aggregates_every_value(
    stack: cdk.Stack, statistic: str, function: str
) -> None:
    spec = _spec(pattern=_JSON, dimensions={"Service": "$.service", "Operation": "$.op"})
    metric_filter = create_metric_filter(stack, "Filter", _group(stack), spec)
    metric = alarm_metric(spec, metric_filter, statistic=statistic, period=cdk.Duration.minutes(5))
    assert isinstance(metric, cloudwatch.MathExpression)
    schema = f'SCHEMA("{NAMESPACE}", "Service", "Operation")'
    assert metric.expression == f'SELECT {function}("M") FROM {schema}'  # noqa: S608 -- not SQL
    assert metric.label == "M (all Service, Operation)"


def test_names_in_the_query_are_quoted_and_escaped(stack: cdk.Stack) -> None:
    spec = _spec(pattern=_JSON, metric_name='Say "hi" \\o/', dimensions={"A": "$.a"})
    metric_filter = create_metric_filter(stack, "Filter", _group(stack), spec)
    metric = alarm_metric(spec, metric_filter, statistic="Sum", period=cdk.Duration.minutes(5))
    assert isinstance(metric, cloudwatch.MathExpression)
    assert metric.expression.startswith('SELECT SUM("Say \\"hi\\" \\\\o/") FROM')
