"""The synth-time check of the alarms an AlarmRemediation acts on: each must be an alarm of the
app, in the function's account and region, whose enabled actions invoke the function."""

from __future__ import annotations

import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk.assertions import Match

from constructs_obs import (
    AlarmIdentity,
    AlarmRemediation,
    AlarmRouting,
    AlarmTopic,
    RemediationAction,
    Severity,
    add_threshold_alarm,
)
from tests.support.harness import new_stack, synth

US_EAST_1 = cdk.Environment(account="123456789012", region="us-east-1")


def _alarm(
    stack: cdk.Stack, resource: str, severity: Severity, routing: AlarmRouting
) -> cloudwatch.Alarm:
    return add_threshold_alarm(
        stack,
        f"{resource}-{severity.value}",
        metric=cloudwatch.Metric(namespace="Shop", metric_name="Latency"),
        threshold=1,
        identity=AlarmIdentity(resource=resource, signal="latency", severity=severity),
        routing=routing,
    )


def _plain_alarm(stack: cdk.Stack, name: str, **options: object) -> cloudwatch.Alarm:
    """An alarm made with aws-cdk-lib alone (not recorded by the library)."""
    return cloudwatch.Alarm(
        stack,
        name,
        alarm_name=name,
        metric=cloudwatch.Metric(namespace="Shop", metric_name="Errors"),
        threshold=1,
        evaluation_periods=1,
        **options,  # type: ignore[arg-type]
    )


def _build_mistakes(app: cdk.App) -> None:
    stack = new_stack(app, "Shop")
    topic = AlarmTopic(stack, "Oncall", email_addresses=["oncall@example.com"])
    remediation = AlarmRemediation(stack, "Fixer", monitor_topic=topic)
    routing = AlarmRouting(
        stack, "Routing", name_prefix="shop", critical=[topic, remediation], warning=[topic]
    )
    _alarm(stack, "web", Severity.CRITICAL, routing)
    _alarm(stack, "web", Severity.WARNING, routing)
    # a typo of shop-web-latency-critical
    remediation.add_action("shop-web-latncy-critical", RemediationAction.notify())
    # a warning alarm, while only critical alarms invoke the function
    remediation.add_action("shop-web-latency-warning", RemediationAction.notify())
    # an alarm of another region (its name exists only there)
    other = new_stack(app, "ShopUs", env=US_EAST_1)
    other_topic = AlarmTopic(other, "Oncall", email_addresses=["oncall@example.com"])
    _alarm(
        other,
        "api",
        Severity.CRITICAL,
        AlarmRouting(other, "R", name_prefix="us", critical=[other_topic]),
    )
    remediation.add_action("us-api-latency-critical", RemediationAction.notify())
    # an alarm of another stack that never references the function
    side = new_stack(app, "Side")
    side_topic = AlarmTopic(side, "Oncall", email_addresses=["oncall@example.com"])
    _alarm(
        side,
        "queue",
        Severity.CRITICAL,
        AlarmRouting(side, "R", name_prefix="side", critical=[side_topic]),
    )
    remediation.add_action("side-queue-latency-critical", RemediationAction.notify())
    # aws-cdk-lib alarms given as constructs: one without actions, one with them disabled
    remediation.add_action(_plain_alarm(stack, "silent"), RemediationAction.notify())
    disabled = _plain_alarm(stack, "disabled", actions_enabled=False)
    disabled.add_alarm_action(cw_actions.LambdaAction(remediation.function))
    remediation.add_action(disabled, RemediationAction.notify())


def test_alarms_the_function_never_hears_from_are_refused_at_synthesis() -> None:
    with pytest.raises(RuntimeError) as raised:
        synth("configured_alarms_mistakes", _build_mistakes)
    message = str(raised.value)
    prefix = "AlarmRemediation 'Fixer': invalid actions: "
    expected = [
        "alarm 'shop-web-latncy-critical' is not an alarm of this app (no alarm the library "
        "created in this account and region has that name; nearest names: "
        "'shop-web-latency-critical'",
        "Use the name of one, pass the alarm itself, or, for an alarm made elsewhere, "
        "add_action(..., allow_external=True)",
        "alarm 'shop-web-latency-warning' (Shop/web-warning) does not invoke the function: its "
        "alarm actions do not include it, so the action would never run. It is a warning "
        "alarm: list this AlarmRemediation among the warning targets of its routing "
        "(AlarmRouting(..., warning=[..., remediation])), or add the function to the alarm's "
        "actions",
        "alarm 'us-api-latency-critical' (ShopUs/api-critical) is in another account or region "
        "than the function, which refuses the alarms of any other",
        "alarm 'side-queue-latency-critical' (Side/queue-critical) does not invoke the function",
        "alarm 'silent' (Shop/silent) does not invoke the function: its alarm actions do not "
        "include it, so the action would never run. Route it through an AlarmRouting that "
        "lists this AlarmRemediation among the targets of its severity",
        "alarm 'disabled' (Shop/disabled) has its actions disabled, so it never invokes the "
        "function: enable its actions",
    ]
    for problem in expected:
        assert problem in message, problem
    assert len(re.findall(re.escape(f"[Shop/Fixer] {prefix}"), message)) == 6


def _build_accepted(app: cdk.App) -> None:
    home = new_stack(app, "Home")
    topic = AlarmTopic(home, "Oncall", email_addresses=["oncall@example.com"])
    remediation = AlarmRemediation(home, "Fixer", monitor_topic=topic)
    # GIVEN an aws-cdk-lib alarm whose action is the function
    plain = _plain_alarm(home, "home-errors")
    plain.add_alarm_action(cw_actions.LambdaAction(remediation.function))
    remediation.add_action(plain, RemediationAction.notify())
    # AND an alarm of another stack, routed to the function across stacks
    workload = new_stack(app, "Workload")
    routing = AlarmRouting(workload, "Routing", name_prefix="shop", critical=[topic, remediation])
    remediation.add_action("shop-web-latency-critical", RemediationAction.notify())
    _alarm(workload, "web", Severity.CRITICAL, routing)
    # AND an alarm made elsewhere, said so
    remediation.add_action("legacy-cpu", RemediationAction.notify(), allow_external=True)


def test_alarms_that_invoke_the_function_are_accepted() -> None:
    synthesized = synth("configured_alarms_accepted", _build_accepted)
    # THEN the function may describe each of them
    synthesized.template("Home").has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": "cloudwatch:DescribeAlarms",
                                # (sorted: the policy is minimized)
                                "Resource": [
                                    f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{name}"
                                    for name in sorted(
                                        ("home-errors", "shop-web-latency-critical", "legacy-cpu")
                                    )
                                ],
                            }
                        )
                    ]
                )
            }
        },
    )
    synthesized.template("Workload").has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "shop-web-latency-critical",
            "AlarmActions": Match.array_with([{"Fn::ImportValue": Match.any_value()}]),
        },
    )
