"""Incident targets: what each target receives (the readable event, the OpsItem), and the rule
target each becomes (role, dead-letter queue, retry policy)."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_events as events
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template

from constructs_obs import AlarmRouting, AlarmTopic, IncidentTarget, Severity
from constructs_obs.alarms.incident_target import (
    IncidentKind,
    RuleDelivery,
    incident_rule_target,
    readable_event,
)
from tests.support.harness import DEFAULT_ENV

CENTRAL_BUS = "arn:aws:events:eu-west-1:210987654321:event-bus/central-security"
DESTINATION = "arn:aws:events:eu-west-1:123456789012:api-destination/pager/1a2b3c"
CONNECTION = "arn:aws:events:eu-west-1:123456789012:connection/pager/4d5e6f"
OPS_ITEMS = ":ssm:eu-west-1:123456789012:opsitem"
DIRECT_RULE = "arn:aws:events:eu-west-1:123456789012:rule/direct-warning-incidents"


def _in_partition(rest: str) -> dict[str, Any]:
    """An ARN as the stack writes it: ``arn:<partition><rest>``."""
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, rest]]}


def _destination(stack: cdk.Stack) -> events.IApiDestination:
    connection = events.Connection.from_connection_attributes(
        stack,
        "PagerConnection",
        connection_arn=CONNECTION,
        connection_name="pager",
        connection_secret_arn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:events!connection/pager-AbCdEf",
    )
    return events.ApiDestination.from_api_destination_attributes(
        stack, "PagerDestination", api_destination_arn=DESTINATION, connection=connection
    )


@pytest.fixture(scope="module")
def routed() -> Template:
    """A routing whose critical alarms reach a bus, an API destination and OpsCenter."""
    stack = cdk.Stack(cdk.App(), "Routing", env=DEFAULT_ENV)
    AlarmRouting(
        stack,
        "Routing",
        name_prefix="shop",
        critical=[
            AlarmTopic(stack, "Oncall", email_addresses=["oncall@example.com"]),
            IncidentTarget.to_event_bus(
                events.EventBus.from_event_bus_arn(stack, "Central", CENTRAL_BUS)
            ),
            IncidentTarget.to_api_destination(_destination(stack)),
            IncidentTarget.to_ops_item(category="Availability", severity="1"),
        ],
        ok_actions=[Severity.CRITICAL],
    )
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def direct() -> Template:
    """``incident_rule_target`` on a rule of its own: a warning OpsItem and API destination."""
    stack = cdk.Stack(cdk.App(), "Direct", env=DEFAULT_ENV)
    rule = events.Rule(stack, "Rule", event_pattern=events.EventPattern(source=["aws.cloudwatch"]))
    delivery = RuleDelivery(
        severity=Severity.WARNING,
        rule_arn=DIRECT_RULE,
        message=readable_event(Severity.WARNING),
        dead_letter_queue=sqs.Queue(stack, "DeadLetters"),
        retry_attempts=3,
        max_event_age=cdk.Duration.hours(1),
    )
    ops_item = IncidentTarget.to_ops_item(category="Cost", severity="3")
    rule.add_target(incident_rule_target(stack, 1, ops_item, delivery))
    rule.add_target(
        incident_rule_target(
            stack, 2, IncidentTarget.to_api_destination(_destination(stack)), delivery
        )
    )
    return Template.from_stack(stack)


def test_factories_choose_the_kind_and_the_ops_item_defaults() -> None:
    assert IncidentTarget.to_ops_item() == IncidentTarget(
        kind=IncidentKind.OPS_ITEM, ops_item_category="Availability", ops_item_severity="2"
    )
    stack = cdk.Stack(cdk.App(), "Factories")
    bus = events.EventBus.from_event_bus_arn(stack, "Bus", CENTRAL_BUS)
    assert IncidentTarget.to_event_bus(bus).kind is IncidentKind.EVENT_BUS
    assert IncidentTarget.to_event_bus(bus).event_bus is bus
    destination = _destination(stack)
    assert IncidentTarget.to_api_destination(destination).kind is IncidentKind.API_DESTINATION


def test_incident_targets_have_dlq_retries_roles_and_readable_input(routed: Template) -> None:
    (rule,) = [
        r["Properties"]
        for logical_id, r in routed.find_resources("AWS::Events::Rule").items()
        if logical_id.startswith("RoutingCriticalIncidents")
    ]
    targets = rule["Targets"]
    by_arn = {json.dumps(t["Arn"]): t for t in targets}
    for target in targets:
        assert target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0].startswith(
            "RoutingIncidentDeadLetters"
        )
        assert "RoleArn" in target
    bus = by_arn[json.dumps(CENTRAL_BUS)]
    assert "InputTransformer" not in bus  # EventBridge forwards the event as is to a bus
    destination = by_arn[json.dumps(DESTINATION)]
    assert destination["RetryPolicy"] == {
        "MaximumRetryAttempts": 185,
        "MaximumEventAgeInSeconds": 86400,
    }
    transformer = destination["InputTransformer"]
    assert transformer["InputPathsMap"]["detail-state-reason"] == "$.detail.state.reason"
    template = transformer["InputTemplate"]
    assert '"summary":"[CRITICAL] <detail-alarmName> is <detail-state-value>"' in template
    assert '"severity":"critical"' in template
    assert '"reason":<detail-state-reason>' in template
    (ops,) = [t for t in targets if "opsitem" in json.dumps(t["Arn"])]
    assert ops["RetryPolicy"]["MaximumRetryAttempts"] == 185
    ops_template = ops["InputTransformer"]["InputTemplate"]
    assert '"category":"Availability"' in ops_template.replace(" ", "")
    assert '"severity":"1"' in ops_template.replace(" ", "")


def test_ops_item_target_creates_the_item_its_options_describe(direct: Template) -> None:
    direct.has_resource_properties(
        "AWS::Events::Rule",
        {
            "Targets": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Arn": _in_partition(OPS_ITEMS),
                            "RetryPolicy": {
                                "MaximumRetryAttempts": 3,
                                "MaximumEventAgeInSeconds": 3600,
                            },
                            "InputTransformer": Match.object_like(
                                {
                                    "InputTemplate": Match.string_like_regexp(
                                        r'"category":\s*"Cost".*"severity":\s*"3"'
                                    )
                                }
                            ),
                        }
                    )
                ]
            )
        },
    )


def test_ops_item_target_lets_its_rule_use_the_dead_letter_queue(direct: Template) -> None:
    direct.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": "sqs:SendMessage",
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Condition": {
                                    "ArnEquals": {
                                        "aws:SourceArn": {
                                            "Fn::GetAtt": [
                                                Match.string_like_regexp("^Rule"),
                                                "Arn",
                                            ]
                                        }
                                    }
                                },
                            }
                        )
                    ]
                )
            }
        },
    )


def _allows_only(template: Template, action: str, resource: object) -> None:
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "Description": f"Lets the warning incident rule call {action}",
            "PolicyDocument": {
                "Statement": [{"Action": action, "Effect": "Allow", "Resource": resource}]
            },
        },
    )


def test_each_target_role_may_call_one_action(direct: Template) -> None:
    # ssm:CreateOpsItem has no resource type (Service Authorization Reference): only "*"
    # matches it; a grant on opsitem/* never would.
    _allows_only(direct, "ssm:CreateOpsItem", "*")
    _allows_only(direct, "events:InvokeApiDestination", DESTINATION)


def test_ops_item_grant_is_acknowledged_for_the_reason_it_is_on_star() -> None:
    stack = cdk.Stack(cdk.App(), "Acknowledged", env=DEFAULT_ENV)
    delivery = RuleDelivery(
        severity=Severity.WARNING,
        rule_arn=DIRECT_RULE,
        message=readable_event(Severity.WARNING),
        dead_letter_queue=sqs.Queue(stack, "DeadLetters"),
        retry_attempts=3,
        max_event_age=cdk.Duration.hours(1),
    )
    incident_rule_target(stack, 1, IncidentTarget.to_ops_item(), delivery)
    policy = stack.node.find_child("WarningTarget1Policy")
    (acknowledged,) = [
        entry.data for entry in policy.node.metadata if entry.type == "aws:cdk:acknowledged-rules"
    ]
    reason = acknowledged["Annotation::AwsSolutions-IAM5[Resource::*]"]
    assert "ssm:CreateOpsItem has no resource type in the Service Authorization Reference" in reason
    assert "opsitem/*" not in json.dumps(acknowledged)


def test_target_roles_trust_eventbridge_for_their_rule_only(direct: Template) -> None:
    roles = direct.find_resources("AWS::IAM::Role")
    assert len(roles) == 2
    for role in roles.values():
        (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert statement["Condition"] == {
            "StringEquals": {"aws:SourceAccount": "123456789012"},
            "ArnEquals": {"aws:SourceArn": DIRECT_RULE},
        }


def test_routing_roles_trust_the_rule_by_its_written_out_arn(routed: Template) -> None:
    routed.has_resource_properties("AWS::Events::Rule", {"Name": "shop-critical-incidents"})
    roles = routed.find_resources("AWS::IAM::Role")
    assert len(roles) == 3
    for role in roles.values():
        (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Condition"]["ArnEquals"] == {
            "aws:SourceArn": _in_partition(
                ":events:eu-west-1:123456789012:rule/shop-critical-incidents"
            )
        }


def test_event_bus_target_carries_the_routing_retry_policy(routed: Template) -> None:
    # aws-cdk-lib's targets.EventBus takes no retry policy; CloudFormation does (aws-cdk
    # issue 28735), so the routing writes it on the rule's L1 rather than dropping it.
    routed.has_resource_properties(
        "AWS::Events::Rule",
        {
            "Targets": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Arn": CENTRAL_BUS,
                            "RetryPolicy": {
                                "MaximumRetryAttempts": 185,
                                "MaximumEventAgeInSeconds": 86400,
                            },
                        }
                    )
                ]
            )
        },
    )


def test_event_bus_retry_policy_follows_the_user_settings() -> None:
    stack = cdk.Stack(cdk.App(), "Retries", env=DEFAULT_ENV)
    AlarmRouting(
        stack,
        "Routing",
        name_prefix="shop",
        critical=[
            IncidentTarget.to_ops_item(),
            IncidentTarget.to_event_bus(
                events.EventBus.from_event_bus_arn(stack, "Central", CENTRAL_BUS)
            ),
        ],
        incident_retry_attempts=4,
        incident_max_event_age=cdk.Duration.minutes(10),
    )
    (rule,) = Template.from_stack(stack).find_resources("AWS::Events::Rule").values()
    (bus,) = [t for t in rule["Properties"]["Targets"] if t["Arn"] == CENTRAL_BUS]
    assert bus["RetryPolicy"] == {"MaximumRetryAttempts": 4, "MaximumEventAgeInSeconds": 600}


def test_api_destination_receives_the_readable_event_of_its_severity(direct: Template) -> None:
    direct.has_resource_properties(
        "AWS::Events::Rule",
        {
            "Targets": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Arn": DESTINATION,
                            "InputTransformer": Match.object_like(
                                {
                                    "InputTemplate": Match.string_like_regexp(
                                        r'"summary":"\[WARNING\] <detail-alarmName> is '
                                        r'<detail-state-value>".*"severity":"warning"'
                                    )
                                }
                            ),
                        }
                    )
                ]
            )
        },
    )
