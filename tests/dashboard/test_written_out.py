"""Other stacks' names written out from their literal L1 properties (no stack export)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs

from constructs_obs.dashboard.written_out import WrittenOut, literal_alarm_name, portable
from tests.support.harness import DEFAULT_ENV


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Producer", env=DEFAULT_ENV)


def test_literal_values_are_themselves() -> None:
    stack = _stack()
    assert WrittenOut().name("orders", stack) == "orders"


def test_references_to_named_resources_are_written_out() -> None:
    stack = _stack()
    group = logs.LogGroup(stack, "Logs", log_group_name="/shop/orders")
    queue = sqs.Queue(stack, "Queue", queue_name="orders")
    written = WrittenOut()
    assert cdk.Token.is_unresolved(group.log_group_name)
    assert written.name(group.log_group_name, group) == "/shop/orders"  # Ref
    assert written.name(queue.queue_name, queue) == "orders"  # Fn::GetAtt QueueName


def test_generated_names_are_not_written_out() -> None:
    stack = _stack()
    queue = sqs.Queue(stack, "Queue")
    written = WrittenOut()
    assert written.name(queue.queue_name, queue) is None
    assert written.name(queue.queue_arn, queue) is None  # an ARN is not a name property
    assert written.name(cdk.Aws.ACCOUNT_ID, queue) is None  # not a resource reference
    assert written.metric(queue.metric_number_of_messages_sent(), queue) is None


def test_metrics_and_math_expressions_get_their_dimensions_written_out() -> None:
    stack = _stack()
    queue = sqs.Queue(stack, "Queue", queue_name="orders")
    metric = queue.metric_approximate_number_of_messages_visible()
    assert not portable(metric)
    written = WrittenOut().metric(metric, queue)
    assert isinstance(written, cloudwatch.Metric)
    assert portable(written)
    assert written.dimensions == {"QueueName": "orders"}
    expression = cloudwatch.MathExpression(expression="m1 * 2", using_metrics={"m1": metric})
    written_expression = WrittenOut().metric(expression, queue)
    assert isinstance(written_expression, cloudwatch.MathExpression)
    assert portable(written_expression)
    assert written_expression.expression == "m1 * 2"


def test_literal_alarm_names() -> None:
    stack = _stack()
    metric = cloudwatch.Metric(namespace="Shop", metric_name="Orders")
    named = cloudwatch.Alarm(
        stack, "Named", metric=metric, threshold=1, evaluation_periods=1, alarm_name="orders-low"
    )
    unnamed = cloudwatch.Alarm(stack, "Unnamed", metric=metric, threshold=1, evaluation_periods=1)
    assert literal_alarm_name(named) == "orders-low"
    assert literal_alarm_name(unnamed) is None
