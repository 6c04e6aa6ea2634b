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
    _allows_only(direct, "ssm:CreateOpsItem", _in_partition(f"{OPS_ITEMS}/*"))
    _allows_only(direct, "events:InvokeApiDestination", DESTINATION)


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
