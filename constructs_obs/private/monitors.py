"""Alarms on the library's own machinery: dead-letter queues, failed deliveries, errors.

"Nothing lost" needs someone to hear when a delivery fails: each monitor fires on one bad
datapoint, notifies the given topics, and is recorded for the dashboard.

Every monitor has a name. A dashboard in another stack lists an alarm by its ARN, and without a
literal name CloudFormation knows it only through a stack export (``Fn::ImportValue``), which
also pins the alarm stack to the dashboard's. The default name reads
``<stack>-<path in the stack>-<signal>-monitor`` (the stack name is unique in its account and
region, the construct path in its stack): it ends with ``-monitor`` rather than a severity, so
the routings' incident rules (``<prefix>-*-<severity>``) never route a monitor into the path it
watches. Alarm names are registered like every other alarm name of the library; in the rare case
where two paths read the same once reduced to CloudWatch-friendly characters, the second gets a
short hash of its path.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_obs.errors import InvalidParameterError
from constructs_obs.private.names import MAX_ALARM_NAME_LENGTH, register_alarm_name
from constructs_obs.private.registry import AlarmKind, AlarmRecord, registry_of
from constructs_obs.private.scopes import adopt, child_path, path_of, stack_facts
from constructs_obs.private.validate import Check, is_token

MONITOR_SUFFIX: Final = "monitor"
_UNSAFE: Final = re.compile(r"[^A-Za-z0-9_.]+")
_HASH_LENGTH: Final = 8


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
    in the same account and region is refused at construct time. Without one, the alarm is
    named ``<stack>-<scope's path in its stack>-<signal>-monitor``.
    """
    check = Check(type(scope).__name__, scope.node.id)
    if alarm_name is not None:
        register_alarm_name(scope, check, alarm_name)
    else:
        alarm_name = _register_default_name(scope, check, signal)
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
    path = child_path(path_of(scope), id) or alarm.node.path
    adopt(alarm, scope, path)
    registry_of(scope).alarms.append(
        AlarmRecord(
            alarm=alarm,
            path=path,
            kind=AlarmKind.MONITOR,
            resource=resource,
            signal=signal,
            severity="critical",
            metric=metric,
            threshold=1,
            name=None if is_token(alarm_name) else alarm_name,
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


def monitor_alarm_name(scope: Construct, signal: str, *, hashed: bool = False) -> str:
    """``<stack>-<scope's path in its stack>-<signal>-monitor``, lower-case, at most 255
    characters (shortened with a hash of the path when longer, or when ``hashed``)."""
    stack = stack_facts(scope)
    path = path_of(scope)
    stack_name = stack.path if is_token(stack.name) else stack.name
    within = path.removeprefix(stack.path).strip("/")
    head = "-".join(p for p in (_name_part(stack_name), _name_part(within)) if p)
    tail = "-".join(p for p in (_name_part(signal), MONITOR_SUFFIX) if p)
    if hashed or len(head) + 1 + len(tail) > MAX_ALARM_NAME_LENGTH:
        digest = hashlib.sha256(path.encode()).hexdigest()[:_HASH_LENGTH]
        room = MAX_ALARM_NAME_LENGTH - len(tail) - len(digest) - 2
        head = f"{head[:room].rstrip('-')}-{digest}"
    return f"{head}-{tail}"


def _register_default_name(scope: Construct, check: Check, signal: str) -> str:
    try:
        return register_alarm_name(scope, check, monitor_alarm_name(scope, signal))
    except InvalidParameterError:
        # Another path reads the same once reduced (``A/B`` and ``A-B``): tell them apart.
        return register_alarm_name(scope, check, monitor_alarm_name(scope, signal, hashed=True))


def _name_part(text: str) -> str:
    """``text`` reduced to letters, digits, ``_`` and ``.``, other runs turned into ``-``."""
    return _UNSAFE.sub("-", text).strip("-").lower()
