"""Properties of the remediation family: AlarmRemediation and the RemediationAction builders.

Each parameter in turn gets a wrong type, an empty or an oversized value (``tests.support.
properties``): the construct refuses it naming the parameter, or the template passes the harness.
Every example's actions name an alarm of the example (an unknown name is refused at synthesis).
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct
from hypothesis import given

from constructs_obs import (
    AlarmIdentity,
    AlarmRemediation,
    AlarmRouting,
    AlarmTopic,
    RemediationAction,
    Severity,
    add_threshold_alarm,
)
from tests.support.properties import PROPERTY_SETTINGS, Examples, Value, built, cases, literal

INSTANCE_ID = "i-0123456789abcdef0"
WORKER_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders-worker"


def _alarm_name(scope: Construct) -> str:
    return f"{scope.node.id.lower()}z-web-cpu-critical"


def _notify(scope: Construct) -> dict[object, RemediationAction]:
    return {_alarm_name(scope): RemediationAction.notify()}


_REMEDIATION: dict[str, list[Value]] = {
    "monitor_topic": [
        literal("arn:aws:sns:eu-west-1:123456789012:ops"),
        built("an AlarmTopic without subscribers", lambda s: AlarmTopic(s, "Silent")),
    ],
    "actions": [
        literal({"": RemediationAction.notify()}, "{'': notify()}"),
        literal({42: RemediationAction.notify()}, "{42: notify()}"),
        built("{alarm: 'reboot'}", lambda s: {_alarm_name(s): "reboot"}),
        built("{alarm: notify()}", _notify),
    ],
    "dry_run": [literal("no"), literal(False)],
    "notify_topic": [
        literal("arn:aws:sns:eu-west-1:123456789012:ops"),
        built("an AlarmTopic", lambda s: AlarmTopic(s, "Notify", email_addresses=["a@b.co"])),
    ],
    "reserved_concurrency": [literal(1001), literal(1), literal(10**6)],
    "log_retention": [
        literal(7),
        literal(logs.RetentionDays.ONE_DAY, "RetentionDays.ONE_DAY"),
        literal(logs.RetentionDays.INFINITE, "RetentionDays.INFINITE"),
    ],
    "encryption_key": [
        built("a Key", lambda s: kms.Key(s, "UserKey", enable_key_rotation=True)),
        literal("alias/aws/lambda"),
    ],
    "vpc": [literal("vpc-0123456789abcdef0")],
    "vpc_subnets": [literal(ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED))],
    "powertools_layer": [literal("arn:aws:lambda:eu-west-1:017000801446:layer:Powertools:1")],
}

#: The builders' parameters: ``builder.parameter`` -> values.
_ACTIONS: dict[str, list[Value]] = {
    "stop_ec2_instance.instance_id": [literal("*"), literal("i-1"), literal(INSTANCE_ID)],
    "reboot_ec2_instance.instance_id": [literal("instance/"), literal(INSTANCE_ID)],
    "reboot_rds_instance.instance": [literal("orders-db")],
    "scale_ecs_service.step": [literal(2), literal(10**9)],
    "scale_ecs_service.max_count": [literal(10)],
    "scale_ecs_service.desired_count": [literal(3)],
    "limit_lambda_concurrency.reserved_concurrency": [literal(0), literal(1001)],
    "limit_lambda_concurrency.function": [literal(WORKER_ARN)],
}


def _alarm(scope: Construct, routing: AlarmRouting) -> None:
    add_threshold_alarm(
        scope,
        "WebCpu",
        metric=cloudwatch.Metric(
            namespace="AWS/EC2",
            metric_name="CPUUtilization",
            dimensions_map={"InstanceId": INSTANCE_ID},
        ),
        threshold=90,
        identity=AlarmIdentity(resource="web", signal="cpu", severity=Severity.CRITICAL),
        routing=routing,
    )


def _remediation(scope: Construct, **kwargs: Any) -> AlarmRemediation:
    """A remediation routed to by the example's one alarm (the actions name it)."""
    topic = AlarmTopic(scope, "Oncall", email_addresses=["oncall@example.com"])
    arguments: dict[str, Any] = {"monitor_topic": topic, "actions": _notify(scope), **kwargs}
    remediation = AlarmRemediation(scope, "Fixer", **arguments)
    routing = AlarmRouting(
        scope, "Routing", name_prefix=f"{scope.node.id.lower()}z", critical=[remediation]
    )
    _alarm(scope, routing)
    return remediation


def _build_remediation(scope: Construct, kwargs: dict[str, Any]) -> None:
    _remediation(scope, **kwargs)


def _default_argument(scope: Construct, builder: str) -> dict[str, Any]:
    if builder == "scale_ecs_service":
        cluster = ecs.Cluster.from_cluster_arn(
            scope, "Cluster", "arn:aws:ecs:eu-west-1:123456789012:cluster/shop"
        )
        service = ecs.FargateService.from_fargate_service_attributes(
            scope, "Orders", cluster=cluster, service_name="orders"
        )
        return {"service": service, "step": 1, "max_count": 4}
    if builder == "limit_lambda_concurrency":
        worker = lambda_.Function.from_function_arn(scope, "Worker", WORKER_ARN)
        return {"function": worker, "reserved_concurrency": 0}
    return {"instance_id": INSTANCE_ID}


def _build_action(scope: Construct, kwargs: dict[str, Any]) -> None:
    key, value = next(iter(kwargs.items()), ("stop_ec2_instance.instance_id", INSTANCE_ID))
    builder, parameter = key.split(".")
    arguments = {**_default_argument(scope, builder), parameter: value}
    action = getattr(RemediationAction, builder)(**arguments)
    _remediation(scope, actions={_alarm_name(scope): action})


@PROPERTY_SETTINGS
@given(case=cases(_REMEDIATION))
def alarm_remediation(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_remediation)


@PROPERTY_SETTINGS
@given(case=cases(_ACTIONS))
def remediation_actions(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_action)


def baselines(examples: Examples) -> None:
    """Valid arguments for every construct of the family: each is built."""
    for build in (_build_remediation, _build_action):
        examples.attempt("baseline", None, build)


PROPERTIES = (baselines, alarm_remediation, remediation_actions)


@pytest.fixture(scope="module")
def examples() -> Examples:
    return Examples("remediation")


@pytest.mark.parametrize("prop", PROPERTIES, ids=lambda prop: prop.__name__)
def test_refuses_by_name_or_builds(examples: Examples, prop: Any) -> None:
    # GIVEN one parameter at a time set to a wrong, empty or oversized value
    # THEN a Python error names it, or the example is kept for the harness
    examples.run(prop)


def test_every_accepted_example_passes_the_harness(examples: Examples) -> None:
    # GIVEN every example the constructs accepted (the properties run here if not yet)
    # THEN the app they make passes cdk-nag, cfn-lint, checkov and the IAM check
    examples.check(*PROPERTIES)
