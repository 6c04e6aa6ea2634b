"""Incident targets: where an alarm's "CloudWatch Alarm State Change" event goes.

``AlarmRouting`` reaches incident targets through one EventBridge rule per severity; the rule
sends a readable event to a custom event bus (same or another account), an API destination, or
creates a Systems Manager OpsItem. This module holds the targets, the event they receive, and
the rule target each becomes: a role that may reach that target only, a dead-letter queue, and
the routing's retry policy.

The roles trust ``events.amazonaws.com`` only on behalf of the one incident rule that uses them
(``aws:SourceAccount`` and ``aws:SourceArn``, the condition keys EventBridge documents for the
rule that sends the event). ``ssm:CreateOpsItem`` has no resource type in the Service
Authorization Reference (its resource is ``*``), so the OpsItem grant is on ``*``: a grant on
``opsitem/*`` never matches. aws-cdk-lib's event-bus target takes no retry policy although
CloudFormation accepts ``RetryPolicy`` on every target (aws-cdk issue 28735): it is set on the
rule's L1 instead of being dropped. An event-bus target takes no input transformer: the alarm
event is forwarded as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import jsii
from aws_cdk import Duration, Names, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from aws_cdk.interfaces.aws_events import IRuleRef
from constructs import Construct

from constructs_obs.acknowledge import acknowledge_nag
from constructs_obs.alarms.severity import Severity

__all__ = ["IncidentMatch", "IncidentTarget"]


class IncidentMatch(Enum):
    """How the incident rule recognises this routing's alarms."""

    NAME_PREFIX = "name_prefix"
    """Alarm names ``<prefix>-*-<severity>``: works across stacks (default)."""
    ALARM_ARNS = "alarm_arns"
    """The ARNs of the alarms routed here: exact, but the rule then depends on every alarm's
    stack, so keep the alarms in the routing's stack."""


class IncidentKind(Enum):
    EVENT_BUS = "event_bus"
    API_DESTINATION = "api_destination"
    OPS_ITEM = "ops_item"


@dataclass(frozen=True)
class IncidentTarget:
    """Where an incident event goes: build one with the class methods."""

    kind: IncidentKind
    event_bus: events.IEventBus | None = None
    api_destination: events.IApiDestination | None = None
    ops_item_category: str = "Availability"
    ops_item_severity: str = "2"

    @classmethod
    def to_event_bus(cls, bus: events.IEventBus) -> IncidentTarget:
        """Forward the alarm event to a custom event bus, in this account or another one (the
        bus policy there must allow this account's ``events:PutEvents``)."""
        return cls(kind=IncidentKind.EVENT_BUS, event_bus=bus)

    @classmethod
    def to_api_destination(cls, destination: events.IApiDestination) -> IncidentTarget:
        """POST a readable JSON event to an incident tool's HTTPS endpoint."""
        return cls(kind=IncidentKind.API_DESTINATION, api_destination=destination)

    @classmethod
    def to_ops_item(cls, *, category: str = "Availability", severity: str = "2") -> IncidentTarget:
        """Create a Systems Manager OpsCenter OpsItem (severity "1" highest to "4")."""
        return cls(
            kind=IncidentKind.OPS_ITEM, ops_item_category=category, ops_item_severity=severity
        )


OPS_ITEM_CATEGORIES = ("Availability", "Cost", "Performance", "Recovery", "Security")


def readable_event(severity: Severity) -> events.RuleTargetInput:
    field_ = events.EventField.from_path
    alarm = field_("$.detail.alarmName")
    state = field_("$.detail.state.value")
    return events.RuleTargetInput.from_object(
        {
            "summary": f"[{severity.value.upper()}] {alarm} is {state}",
            "alarm": alarm,
            "severity": severity.value,
            "state": state,
            "previousState": field_("$.detail.previousState.value"),
            "reason": field_("$.detail.state.reason"),
            "time": field_("$.time"),
            "account": field_("$.account"),
            "region": field_("$.region"),
            "alarmArn": field_("$.resources[0]"),
        }
    )


@jsii.implements(events.IRuleTarget)
class OpsItemTarget:
    """EventBridge's OpsCenter target: creates an OpsItem from the alarm event."""

    def __init__(
        self,
        incident: IncidentTarget,
        *,
        role: iam.IRole,
        dead_letter_queue: sqs.IQueue,
        retry_attempts: int,
        max_event_age: Duration,
    ) -> None:
        self._incident = incident
        self._role = role
        self._dlq = dead_letter_queue
        self._retry_attempts = retry_attempts
        self._max_event_age = max_event_age

    def bind(self, rule: IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        del id  # the target id is chosen by the rule
        stack = Stack.of(rule)
        field_ = events.EventField.from_path
        alarm = field_("$.detail.alarmName")
        item = events.RuleTargetInput.from_object(
            {
                "title": f"{alarm} is {field_('$.detail.state.value')}",
                "description": field_("$.detail.state.reason"),
                "source": "CloudWatch",
                "category": self._incident.ops_item_category,
                "severity": self._incident.ops_item_severity,
                "operationalData": {
                    "/aws/dedup": {
                        "type": "SearchableString",
                        "value": f'{{"dedupString": "{alarm}"}}',
                    },
                    "/aws/resources": {
                        "type": "SearchableString",
                        "value": f'[{{"arn": "{field_("$.resources[0]")}"}}]',
                    },
                },
            }
        )
        self._dlq.add_to_resource_policy(
            iam.PolicyStatement(
                sid=f"AllowEventRule{Names.unique_id(rule)}",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[self._dlq.queue_arn],
                conditions={"ArnEquals": {"aws:SourceArn": rule.rule_ref.rule_arn}},
            )
        )
        return events.RuleTargetConfig(
            arn=f"arn:{stack.partition}:ssm:{stack.region}:{stack.account}:opsitem",
            role=self._role,
            input=item,
            dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=self._dlq.queue_arn),
            retry_policy=events.CfnRule.RetryPolicyProperty(
                maximum_retry_attempts=self._retry_attempts,
                maximum_event_age_in_seconds=int(self._max_event_age.to_seconds()),
            ),
        )


@dataclass(frozen=True)
class RuleDelivery:
    """How one incident rule delivers to its targets; ``rule_arn`` is the rule's ARN written
    out (a reference to the rule would make its targets' roles and the rule depend on each
    other)."""

    severity: Severity
    rule_arn: str
    message: events.RuleTargetInput
    dead_letter_queue: sqs.IQueue
    retry_attempts: int
    max_event_age: Duration


def incident_rule_target(
    scope: Construct, index: int, incident: IncidentTarget, delivery: RuleDelivery
) -> events.IRuleTarget:
    """The rule target that reaches ``incident``, with a role (``<Severity>Target<index>Role``
    in ``scope``) whose managed policy (``...Policy``) allows that one action."""
    severity = delivery.severity.value
    name = f"{severity.capitalize()}Target{index}"
    role = iam.Role(
        scope,
        f"{name}Role",
        assumed_by=iam.ServicePrincipal(
            "events.amazonaws.com",
            conditions={
                "StringEquals": {"aws:SourceAccount": Stack.of(scope).account},
                "ArnEquals": {"aws:SourceArn": delivery.rule_arn},
            },
        ),
        description=f"Lets the {severity} incident rule reach target {index}",
    )
    if incident.kind is IncidentKind.EVENT_BUS:
        return _event_bus_target(scope, name, role, incident, delivery)
    if incident.kind is IncidentKind.API_DESTINATION:
        return _api_destination_target(scope, name, role, incident, delivery)
    return _ops_item_target(scope, name, role, incident, delivery)


def _event_bus_target(
    scope: Construct, name: str, role: iam.Role, incident: IncidentTarget, delivery: RuleDelivery
) -> events.IRuleTarget:
    assert incident.event_bus is not None
    bus = incident.event_bus
    _managed_policy(scope, name, role, delivery, "events:PutEvents", bus.event_bus_arn)
    # No input transformer for an event-bus target: the original alarm event is forwarded.
    # The retry policy aws-cdk-lib's helper refuses is set by ``add_incident_targets``.
    return targets.EventBus(
        bus, role=role.without_policy_updates(), dead_letter_queue=delivery.dead_letter_queue
    )


def _api_destination_target(
    scope: Construct, name: str, role: iam.Role, incident: IncidentTarget, delivery: RuleDelivery
) -> events.IRuleTarget:
    assert incident.api_destination is not None
    destination = incident.api_destination
    _managed_policy(
        scope, name, role, delivery, "events:InvokeApiDestination", destination.api_destination_arn
    )
    return targets.ApiDestination(
        destination,
        event_role=role.without_policy_updates(),
        event=delivery.message,
        dead_letter_queue=delivery.dead_letter_queue,
        retry_attempts=delivery.retry_attempts,
        max_event_age=delivery.max_event_age,
    )


def _ops_item_target(
    scope: Construct, name: str, role: iam.Role, incident: IncidentTarget, delivery: RuleDelivery
) -> events.IRuleTarget:
    policy = _managed_policy(scope, name, role, delivery, "ssm:CreateOpsItem", "*")
    acknowledge_nag(
        policy,
        "AwsSolutions-IAM5[Resource::*]",
        "ssm:CreateOpsItem has no resource type in the Service Authorization Reference (its "
        "resource is '*'), so IAM matches it only on '*'; the statement allows that one "
        "action, and only EventBridge acting for this incident rule can assume the role.",
    )
    return OpsItemTarget(
        incident,
        role=role,
        dead_letter_queue=delivery.dead_letter_queue,
        retry_attempts=delivery.retry_attempts,
        max_event_age=delivery.max_event_age,
    )


def add_incident_targets(
    scope: Construct, rule: events.Rule, incidents: list[IncidentTarget], delivery: RuleDelivery
) -> None:
    """Add a target per incident to ``rule`` (which has no other target), each with the retry
    policy of ``delivery``: for an event bus it is written into the rule's L1, where
    aws-cdk-lib's ``targets.EventBus`` has no way to set it."""
    cfn_rule = rule.node.default_child
    assert isinstance(cfn_rule, events.CfnRule)
    for position, incident in enumerate(incidents):
        rule.add_target(incident_rule_target(scope, position + 1, incident, delivery))
        if incident.kind is IncidentKind.EVENT_BUS:
            cfn_rule.add_property_override(
                f"Targets.{position}.RetryPolicy",
                {
                    "MaximumRetryAttempts": delivery.retry_attempts,
                    "MaximumEventAgeInSeconds": int(delivery.max_event_age.to_seconds()),
                },
            )


def _managed_policy(
    scope: Construct,
    name: str,
    role: iam.Role,
    delivery: RuleDelivery,
    action: str,
    resource: str,
) -> iam.ManagedPolicy:
    return iam.ManagedPolicy(
        scope,
        f"{name}Policy",
        description=f"Lets the {delivery.severity.value} incident rule call {action}",
        roles=[role],
        statements=[iam.PolicyStatement(actions=[action], resources=[resource])],
    )
