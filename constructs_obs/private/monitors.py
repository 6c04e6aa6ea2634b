"""Alarms on the library's own machinery: dead-letter queues, failed deliveries, errors.

"Nothing lost" needs someone to hear when a delivery fails: each monitor fires on one bad
datapoint, notifies the given topics, and is recorded for the dashboard.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_obs.private.names import register_alarm_name
from constructs_obs.private.registry import AlarmKind, AlarmRecord, registry_of
from constructs_obs.private.validate import Check


def add_monitor_alarm(
    scope: Construct,
    id: str,
    *,
    metric: cloudwatch.IMetric,
    summary: str,
    notify: Sequence[sns.ITopic],
    resource: str,
    signal: str,
    alarm_name: str | None = None,
) -> cloudwatch.Alarm:
    """A critical alarm when ``metric`` reaches 1 in one period (missing data is fine).

    A given ``alarm_name`` is registered like every other alarm name of the library: a clash
    in the same account and region is refused at construct time.
    """
    if alarm_name is not None:
        register_alarm_name(scope, Check(type(scope).__name__, scope.node.id), alarm_name)
    alarm = cloudwatch.Alarm(
        scope,
        id,
        metric=metric,
        threshold=1,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        alarm_name=alarm_name,
        alarm_description=f"[CRITICAL] {summary}",
    )
    if notify:
        alarm.add_alarm_action(*(cw_actions.SnsAction(topic) for topic in notify))
    registry_of(scope).alarms.append(
        AlarmRecord(
            alarm=alarm,
            path=alarm.node.path,
            kind=AlarmKind.MONITOR,
            resource=resource,
            signal=signal,
            severity="critical",
            metric=metric,
            threshold=1,
        )
    )
    return alarm


def add_dead_letter_alarm(
    scope: Construct,
    id: str,
    *,
    queue: sqs.IQueue,
    summary: str,
    notify: Sequence[sns.ITopic],
    resource: str,
    alarm_name: str | None = None,
) -> cloudwatch.Alarm:
    """A critical alarm as soon as a message waits in the dead-letter queue ``queue``."""
    return add_monitor_alarm(
        scope,
        id,
        metric=queue.metric_approximate_number_of_messages_visible(
            period=Duration.minutes(5), statistic="Maximum"
        ),
        summary=summary,
        notify=notify,
        resource=resource,
        signal="dead-letters",
        alarm_name=alarm_name,
    )
