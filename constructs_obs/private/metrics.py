"""What the library knows of a metric (period, statistic, namespace), without reading it back.

``IMetric.to_metric_config()`` returns a struct whose every field is a jsii round trip (fourteen
for one metric). The library builds most metrics itself from Python values (a pattern's
namespace and statistic, a preset's period), so their facts are remembered when they are built;
another metric (one a user passes) is read once, through its own properties where it is a
``Metric`` or ``MathExpression``.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from aws_cdk import aws_cloudwatch as cloudwatch

from constructs_obs.private.scopes import duration_seconds

__all__ = ["MetricFacts", "graph_metric_count", "metric_facts", "remember_metric"]


@dataclass(frozen=True)
class MetricFacts:
    """A metric's period in seconds (None: none, or a token), its statistic (None for a math
    expression, or a statistic the library chose and need not check again) and namespace
    (None when not known without a read)."""

    period_seconds: int | None
    statistic: str | None = None
    namespace: str | None = None


_KNOWN: weakref.WeakKeyDictionary[cloudwatch.IMetric, MetricFacts] = weakref.WeakKeyDictionary()


def remember_metric(metric: cloudwatch.IMetric, facts: MetricFacts) -> cloudwatch.IMetric:
    """Record what the library built ``metric`` from; returns ``metric``."""
    _KNOWN[metric] = facts
    return metric


def metric_facts(metric: cloudwatch.IMetric) -> MetricFacts:
    """The remembered facts of ``metric``, or those read from it."""
    known = _KNOWN.get(metric)
    if known is not None:
        return known
    if isinstance(metric, cloudwatch.Metric):
        facts = MetricFacts(
            period_seconds=duration_seconds(metric.period),
            statistic=metric.statistic,
            namespace=metric.namespace,
        )
    elif isinstance(metric, cloudwatch.MathExpression):
        facts = MetricFacts(period_seconds=duration_seconds(metric.period))
    else:
        config = metric.to_metric_config()
        if config.metric_stat is not None:
            stat = config.metric_stat
            facts = MetricFacts(
                period_seconds=duration_seconds(stat.period),
                statistic=stat.statistic,
                namespace=stat.namespace,
            )
        elif config.math_expression is not None:
            facts = MetricFacts(period_seconds=int(config.math_expression.period))
        else:
            facts = MetricFacts(period_seconds=None)
    _KNOWN[metric] = facts
    return facts


def graph_metric_count(metric: cloudwatch.IMetric) -> int:
    """How many metrics a graph of ``metric`` retrieves (those inside a math expression
    included), against CloudWatch's per-widget and per-dashboard limits."""
    if isinstance(metric, cloudwatch.Metric):
        return 1
    if isinstance(metric, cloudwatch.MathExpression):
        return 1 + len(metric.using_metrics)
    config = metric.to_metric_config()
    if config.math_expression is not None:
        return 1 + len(config.math_expression.using_metrics)
    return 1
