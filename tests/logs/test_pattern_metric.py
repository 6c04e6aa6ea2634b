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


# -- the evaluator is the validator: patterns, metric values and statistics ------------------


def test_a_pattern_cloudwatch_cannot_parse_is_refused_with_a_caret() -> None:
    # GIVEN a JSON pattern cut off after the operator
    with pytest.raises(InvalidParameterError) as info:
        _spec(pattern="{ $.level = ")
    # THEN the error names the parameter and points at the end of the pattern
    message = str(info.value)
    assert message.startswith("Test 'A': invalid pattern: CloudWatch Logs would reject it:")
    assert "invalid filter pattern at column 13" in message
    assert message.endswith("  { $.level = \n              ^")
    assert info.value.parameter == "pattern"


@pytest.mark.parametrize(
    "pattern",
    ['{ $.level = "ERROR" ', "[ip, user", '"unclosed phrase', "{ $.a > abc }", "[a, b] tail"],
)
def test_each_pattern_language_is_parsed(pattern: str) -> None:
    with pytest.raises(InvalidParameterError, match="invalid pattern: CloudWatch Logs would"):
        _spec(pattern=pattern)


GOOD_METRIC_VALUES: list[tuple[str, str]] = [
    ("ERROR", "1"),
    ("ERROR", "2.5"),
    ("{ $.latency > 0 }", "$.latency"),
    ("{ $.a = 1 }", "$.timing.db[0]"),  # any field of the JSON event
    ("[ip, user, ..., bytes > 0]", "$bytes"),
    ('[ip, (user = "x,y" || user = %a[b]%), bytes]', "$bytes"),
]


@pytest.mark.parametrize(("pattern", "value"), GOOD_METRIC_VALUES)
def test_metric_value_a_number_or_a_field_the_pattern_addresses(pattern: str, value: str) -> None:
    assert _spec(pattern=pattern, metric_value=value).metric_value == value


BAD_METRIC_VALUES: dict[str, tuple[str, str, str]] = {
    "injected text after a JSON selector": (
        "{ $.latency > 0 }",
        "$.latency; drop",
        "a JSON pattern addresses fields as '$.field'",
    ),
    "a named field with a JSON pattern": ("{ $.a = 1 }", "$latency", "as '$.field'"),
    "a field on a terms pattern": ("ERROR", "$.latency", "a terms pattern has no fields"),
    "a field the space-delimited pattern does not name": (
        "[ip, user, bytes]",
        "$latency",
        "addresses its named fields ($bytes, $ip, $user)",
    ),
    "a JSON selector with a space-delimited pattern": ("[ip, bytes]", "$.bytes", "named fields"),
    "a value of the pattern, not a field": ("[ip, status = ok]", "$ok", "($ip, $status)"),
    "a word": ("ERROR", "latency", "is neither a number (such as '1') nor a field"),
}


@pytest.mark.parametrize("case", sorted(BAD_METRIC_VALUES))
def test_metric_value_that_is_no_field_of_the_pattern(case: str) -> None:
    pattern, value, problem = BAD_METRIC_VALUES[case]
    with pytest.raises(InvalidParameterError) as info:
        _spec(pattern=pattern, metric_value=value)
    assert str(info.value).startswith(f"Test 'A': invalid metric_value: {value!r} is neither")
    assert problem in str(info.value)


def test_a_dimension_must_be_a_field_the_pattern_addresses() -> None:
    with pytest.raises(InvalidParameterError) as info:
        _spec(pattern="[ip, bytes]", dimensions={"Ip": "$.ip"})
    assert "dimensions: Ip='$.ip': a dimension value must be a field" in str(info.value)
    assert _spec(pattern="[ip, bytes]", dimensions={"Ip": "$ip"}).dimensions == {"Ip": "$ip"}


@pytest.mark.parametrize(
    "statistic",
    [
        "SampleCount",
        "Sum",
        "Average",
        "Minimum",
        "Maximum",
        "avg",
        "n",
        "p99",
        "p99.9",
        "p0",
        "p100",
        "tm90",
        "wm98",
        "tc90",
        "ts99.5",
        "IQM",
        "TM(10%:90%)",
        "tm(:95%)",
        "WM(10%:90%)",
        "TC(2%:)",
        "TS(150:1000)",
        "PR(:300)",
        "PR(100:2000)",
    ],
)
def test_statistics_cloudwatch_computes(statistic: str) -> None:
    assert check_statistic_for(Check("Test", "A"), _spec(), statistic) == statistic


@pytest.mark.parametrize(
    "statistic",
    [
        "p101",
        "tm0",
        "p99.12345678901",
        "TM(90%:10%)",
        "TM(10%:900)",
        "PR(10%:90%)",
        "TM(:)",
        "percentile",
        "Sum ",
        "",
        "max(1)",
    ],
)
def test_statistics_cloudwatch_does_not_compute(statistic: str) -> None:
    with pytest.raises(InvalidParameterError, match="invalid statistic"):
        check_statistic_for(Check("Test", "A"), _spec(), statistic)


def test_median_is_refused_with_the_percentile_that_means_it() -> None:
    with pytest.raises(InvalidParameterError) as info:
        check_statistic_for(Check("Test", "A"), _spec(), "Median")
    assert str(info.value).startswith(
        "Test 'A': invalid statistic: 'Median' is not a statistic CloudWatch computes; "
        "for the median use 'p50'; allowed: SampleCount, Sum, Average"
    )


def test_a_range_statistic_reaches_the_metric(stack: cdk.Stack) -> None:
    spec = _spec()
    metric_filter = create_metric_filter(stack, "Filter", _group(stack), spec)
    metric = alarm_metric(
        spec, metric_filter, statistic="TM(10%:90%)", period=cdk.Duration.minutes(5)
    )
    assert isinstance(metric, cloudwatch.Metric)
    assert metric.statistic == "TM(10%:90%)"
