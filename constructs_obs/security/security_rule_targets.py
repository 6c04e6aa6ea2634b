"""Where the security rules send what they detect, and the messages they send.

Topic targets get a readable text (who, what, where, from which IP, when, severity, ATT&CK
ids and what to check first); Lambda responders a JSON object with the same and the original
``detail``; an event bus (a central one in a security account) the event as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jsii
from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.interfaces.aws_events import IRuleRef

from constructs_obs.alarms.alarm_topic import AlarmTopic
from constructs_obs.private.validate import Check
from constructs_obs.security.detection_spec import SecurityDetectionSpec

__all__ = [
    "SecurityTarget",
    "Targets",
    "TopicTarget",
    "readable_object",
    "readable_text",
    "sort_targets",
]

SecurityTarget = AlarmTopic | sns.ITopic | lambda_.IFunction | events.IEventBus

_FIELD = events.EventField.from_path


def readable_text(spec: SecurityDetectionSpec) -> str:
    """The message a topic target receives."""
    return (
        f"[SECURITY] {spec.title}. {_FIELD('$.detail.userIdentity.arn')} "
        f"({_FIELD('$.detail.userIdentity.type')}) called {_FIELD('$.detail.eventName')} on "
        f"{_FIELD('$.detail.eventSource')} in account {_FIELD('$.account')}, region "
        f"{_FIELD('$.region')}, from {_FIELD('$.detail.sourceIPAddress')} at "
        f"{_FIELD('$.detail.eventTime')}. Error: {_FIELD('$.detail.errorCode')}. "
        f"Event id: {_FIELD('$.detail.eventID')}. Detection {spec.detection.value} "
        f"({spec.severity.value}; ATT&CK {', '.join(spec.attack)}). {spec.message}"
    )


def readable_object(spec: SecurityDetectionSpec) -> events.RuleTargetInput:
    """The JSON object a Lambda target receives."""
    return events.RuleTargetInput.from_object(
        {
            "detection": spec.detection.value,
            "severity": spec.severity.value,
            "attack": list(spec.attack),
            "summary": readable_text(spec),
            "who": {
                "arn": _FIELD("$.detail.userIdentity.arn"),
                "type": _FIELD("$.detail.userIdentity.type"),
                "accessKeyId": _FIELD("$.detail.userIdentity.accessKeyId"),
            },
            "what": {
                "eventName": _FIELD("$.detail.eventName"),
                "eventSource": _FIELD("$.detail.eventSource"),
                "errorCode": _FIELD("$.detail.errorCode"),
            },
            "where": {"account": _FIELD("$.account"), "region": _FIELD("$.region")},
            "sourceIp": _FIELD("$.detail.sourceIPAddress"),
            "when": _FIELD("$.detail.eventTime"),
            "detail": _FIELD("$.detail"),
        }
    )


@jsii.implements(events.IRuleTarget)
class TopicTarget:
    """An SNS target that leaves the topic policy alone (AlarmTopic already lets this account's
    rules publish; for other topics the construct adds a statement scoped to its rules)."""

    def __init__(
        self,
        topic: sns.ITopic,
        message: events.RuleTargetInput,
        dlq: sqs.IQueue,
        retry_attempts: int,
        max_event_age: Duration,
    ) -> None:
        self._topic = topic
        self._message = message
        self._dlq = dlq
        self._retry_attempts = retry_attempts
        self._max_event_age = max_event_age

    def bind(self, rule: IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        del id
        self._dlq.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[self._dlq.queue_arn],
                conditions={"ArnEquals": {"aws:SourceArn": rule.rule_ref.rule_arn}},
            )
        )
        return events.RuleTargetConfig(
            arn=self._topic.topic_arn,
            input=self._message,
            dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=self._dlq.queue_arn),
            retry_policy=events.CfnRule.RetryPolicyProperty(
                maximum_retry_attempts=self._retry_attempts,
                maximum_event_age_in_seconds=int(self._max_event_age.to_seconds()),
            ),
        )


@dataclass(frozen=True)
class Targets:
    """The targets, by kind."""

    topics: list[sns.ITopic]
    functions: list[lambda_.IFunction]
    buses: list[events.IEventBus]


def sort_targets(check: Check, given: Sequence[SecurityTarget]) -> Targets:
    """The targets by kind; anything else is refused naming ``targets``."""
    if isinstance(given, str) or not isinstance(given, Sequence):
        check.fail(
            "targets",
            f"expected a list of topics, Lambda functions or event buses, got {given!r}",
        )
    if not given:
        check.fail("targets", "name at least one topic, Lambda function or event bus")
    targets = Targets(topics=[], functions=[], buses=[])
    for target in given:
        if isinstance(target, AlarmTopic):
            targets.topics.append(target.topic)
        elif hasattr(target, "topic_arn"):
            targets.topics.append(target)  # type: ignore[arg-type]
        elif hasattr(target, "function_arn"):
            targets.functions.append(target)  # type: ignore[arg-type]
        elif hasattr(target, "event_bus_arn"):
            targets.buses.append(target)
        else:
            hint = (
                "; import one by ARN (sns.Topic.from_topic_arn, ...) rather than naming it"
                if isinstance(target, str)
                else ""
            )
            check.fail(
                "targets",
                f"{target!r} is not a target; use an AlarmTopic or SNS topic, a Lambda "
                f"function or an event bus{hint}",
            )
    return targets
