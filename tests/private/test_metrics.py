"""metrics: what the library knows of a metric, remembered when it builds one, read once
(through the metric's own properties) when it is given one."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sqs as sqs

from constructs_obs.private.metrics import (
    MetricFacts,
    graph_metric_count,
    metric_facts,
    remember_metric,
)

CPU = cloudwatch.Metric(
    namespace="AWS/RDS",
    metric_name="CPUUtilization",
    statistic="p99",
    period=Duration.minutes(1),
)


def test_a_metric_is_read_through_its_properties() -> None:
    facts = metric_facts(CPU)
    config = CPU.to_metric_config().metric_stat
    assert config is not None
    assert facts == MetricFacts(
        period_seconds=int(config.period.to_seconds()),
        statistic=config.statistic,
        namespace=config.namespace,
    )
    assert facts == MetricFacts(60, "p99", "AWS/RDS")


def test_a_math_expression_has_a_period_and_no_statistic() -> None:
    expression = cloudwatch.MathExpression(
        expression="a + b", using_metrics={"a": CPU, "b": CPU}, period=Duration.minutes(10)
    )
    assert metric_facts(expression) == MetricFacts(600)
    assert graph_metric_count(expression) == 3


def test_a_metric_an_l2_returns_is_read_like_any_metric() -> None:
    queue = sqs.Queue(cdk.Stack(cdk.App(), "Stack"), "Queue")
    # Its facts are those its config reports.
    metric = queue.metric_approximate_age_of_oldest_message(period=Duration.minutes(2))
    assert metric_facts(metric).period_seconds == 120
    assert metric_facts(metric).namespace == "AWS/SQS"
    assert graph_metric_count(metric) == 1


def test_remembered_facts_win_over_a_read() -> None:
    metric = cloudwatch.Metric(namespace="Custom", metric_name="Orders")
    remembered = MetricFacts(300, statistic=None, namespace="Custom")
    assert remember_metric(metric, remembered) is metric
    assert metric_facts(metric) is remembered


class _Opaque:
    """An IMetric known only through to_metric_config (as a user's own class would be)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def to_metric_config(self) -> Any:
        return self._inner.to_metric_config()


@pytest.mark.parametrize(
    ("inner", "facts", "count"),
    [
        (CPU, MetricFacts(60, "p99", "AWS/RDS"), 1),
        (
            cloudwatch.MathExpression(
                expression="a * 2", using_metrics={"a": CPU}, period=Duration.minutes(5)
            ),
            MetricFacts(300),
            2,
        ),
    ],
    ids=["metric", "math"],
)
def test_any_other_imetric_is_read_from_its_config(
    inner: Any, facts: MetricFacts, count: int
) -> None:
    opaque: Any = _Opaque(inner)
    assert metric_facts(opaque) == facts
    assert graph_metric_count(opaque) == count
