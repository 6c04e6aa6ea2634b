"""RemediationAction: each builder's handler configuration, IAM actions and resource, and the
input each refuses (named after the parameter) before the remediation sees it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import cast

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds

from constructs_obs import InvalidParameterError, RemediationAction
from tests.support.harness import CDK_CONTEXT, new_stack

WORKER_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders-worker"
INSTANCE_ID = "i-0123456789abcdef0"


@pytest.fixture
def stack() -> cdk.Stack:
    """A stack with cdk.json's context (its feature flags shape ARNs), nothing synthesized."""
    return new_stack(cdk.App(context=CDK_CONTEXT), "Actions")


def _service(stack: cdk.Stack) -> ecs.IBaseService:
    cluster = ecs.Cluster.from_cluster_arn(
        stack, "C", "arn:aws:ecs:eu-west-1:123456789012:cluster/c"
    )
    return ecs.FargateService.from_fargate_service_attributes(
        stack, "Svc", cluster=cluster, service_name="svc"
    )


def _inline_function(stack: cdk.Stack, id: str) -> lambda_.Function:
    return lambda_.Function(
        stack,
        id,
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
    )


@pytest.mark.parametrize(
    ("build", "config", "permission", "arn"),
    [
        (
            RemediationAction.reboot_ec2_instance,
            {"action": "reboot_ec2_instance", "instance_id": INSTANCE_ID},
            "ec2:RebootInstances",
            f"arn:aws:ec2:eu-west-1:123456789012:instance/{INSTANCE_ID}",
        ),
        (
            RemediationAction.stop_ec2_instance,
            {"action": "stop_ec2_instance", "instance_id": INSTANCE_ID},
            "ec2:StopInstances",
            f"arn:aws:ec2:eu-west-1:123456789012:instance/{INSTANCE_ID}",
        ),
    ],
)
def test_ec2_actions_are_scoped_to_the_instance(
    stack: cdk.Stack,
    build: Callable[[str], RemediationAction],
    config: dict[str, str],
    permission: str,
    arn: str,
) -> None:
    # WHEN
    action = build(INSTANCE_ID)
    # THEN
    assert dict(action.config) == config
    assert action.iam_actions == (permission,)
    assert action.resource_arn is not None
    assert stack.resolve(action.resource_arn(stack)) == arn


def test_reboot_rds_instance_names_the_instance(stack: cdk.Stack) -> None:
    # GIVEN
    database = rds.DatabaseInstance.from_database_instance_attributes(
        stack,
        "OrdersDb",
        instance_identifier="orders-db",
        instance_endpoint_address="orders-db.abc.eu-west-1.rds.amazonaws.com",
        port=5432,
        security_groups=[],
    )
    # WHEN
    action = RemediationAction.reboot_rds_instance(database)
    # THEN
    assert dict(action.config) == {
        "action": "reboot_rds_instance",
        "db_instance_identifier": "orders-db",
    }
    assert action.iam_actions == ("rds:RebootDBInstance",)
    assert action.resource_arn is not None
    assert (
        stack.resolve(action.resource_arn(stack))
        == "arn:aws:rds:eu-west-1:123456789012:db:orders-db"
    )


def test_scale_ecs_service_keeps_only_the_given_bounds(stack: cdk.Stack) -> None:
    # WHEN
    action = RemediationAction.scale_ecs_service(_service(stack), step=2, max_count=10)
    # THEN
    assert stack.resolve(action.config) == {
        "action": "scale_ecs_service",
        "cluster": "c",
        "service": "svc",
        "step": 2,
        "max_count": 10,
    }
    assert action.iam_actions == ("ecs:DescribeServices", "ecs:UpdateService")
    assert action.resource_arn is not None
    assert stack.resolve(action.resource_arn(stack)) == (
        "arn:aws:ecs:eu-west-1:123456789012:service/c/svc"
    )


def test_notify_needs_no_permission() -> None:
    action = RemediationAction.notify()
    assert dict(action.config) == {"action": "notify"}
    assert action.iam_actions == ()
    assert action.resource_arn is None


def test_limit_lambda_concurrency_of_a_function_in_the_stack(stack: cdk.Stack) -> None:
    function = _inline_function(stack, "Worker")
    logical_id = stack.get_logical_id(cast("cdk.CfnElement", function.node.default_child))

    action = RemediationAction.limit_lambda_concurrency(function, reserved_concurrency=3)

    assert stack.resolve(action.config) == {
        "action": "limit_lambda_concurrency",
        "function_name": {"Ref": logical_id},
        "reserved_concurrency": 3,
    }
    assert action.iam_actions == (
        "lambda:GetFunctionConcurrency",
        "lambda:PutFunctionConcurrency",
    )
    assert action.resource_arn is not None
    assert stack.resolve(action.resource_arn(stack)) == {"Fn::GetAtt": [logical_id, "Arn"]}


# -- errors ----------------------------------------------------------------------------------


def test_bad_input() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    service = _service(stack)
    with pytest.raises(InvalidParameterError, match="desired_count and step: pass exactly one"):
        RemediationAction.scale_ecs_service(service, desired_count=3, step=1)
    with pytest.raises(InvalidParameterError, match="max_count: a positive step needs max_count"):
        RemediationAction.scale_ecs_service(service, step=1)
    with pytest.raises(InvalidParameterError, match="min_count: a negative step needs min_count"):
        RemediationAction.scale_ecs_service(service, step=-1)
    with pytest.raises(InvalidParameterError, match="min_count: 5 is more than max_count"):
        RemediationAction.scale_ecs_service(service, step=1, min_count=5, max_count=2)
    worker = lambda_.Function.from_function_arn(stack, "Worker", WORKER_ARN)
    bad_concurrency: list[tuple[object, str]] = [
        (-1, "must be >= 0, got -1"),
        (True, "expected an integer, got True"),
        (False, "expected an integer, got False"),
        (2.5, "expected an integer, got 2.5"),
        ("0", "expected an integer, got '0'"),
        (None, "expected an integer, got None"),
    ]
    for value, problem in bad_concurrency:
        with pytest.raises(
            InvalidParameterError,
            match=rf"^RemediationAction.limit_lambda_concurrency 'Worker': invalid "
            rf"reserved_concurrency: {re.escape(problem)}$",
        ):
            RemediationAction.limit_lambda_concurrency(
                worker,
                reserved_concurrency=value,  # type: ignore[arg-type]
            )
    function = _inline_function(stack, "Fn")
    qualified = [
        function.current_version,
        lambda_.Alias(stack, "Live", alias_name="live", version=function.current_version),
        lambda_.Function.from_function_arn(stack, "WorkerLive", f"{WORKER_ARN}:live"),
    ]
    for target in qualified:
        with pytest.raises(InvalidParameterError, match="invalid function: is a version or alias"):
            RemediationAction.limit_lambda_concurrency(target, reserved_concurrency=1)


# -- one resource, never a wildcard ------------------------------------------------------------

_WILDCARD = "which IAM reads as a wildcard: the grant would cover every matching resource"


@pytest.mark.parametrize(
    ("instance_id", "problem"),
    [
        ("*", f"the instance ID '*' contains '*', {_WILDCARD}"),
        ("i-*", f"the instance ID 'i-*' contains '*', {_WILDCARD}"),
        ("i-0123456?", f"the instance ID 'i-0123456?' contains '?', {_WILDCARD}"),
        ("", "the instance ID is empty; name one resource"),
        (" ", "the instance ID is empty; name one resource"),
        ("web-1", "'web-1' is not an EC2 instance ID ('i-' and 8 or 17 hexadecimal digits"),
        (7, "expected the instance ID as a string, got int"),
    ],
)
@pytest.mark.parametrize("build", ["stop_ec2_instance", "reboot_ec2_instance"])
def test_ec2_actions_name_one_instance(build: str, instance_id: object, problem: str) -> None:
    with pytest.raises(
        InvalidParameterError,
        match=rf"^RemediationAction '{build}': invalid instance_id: {re.escape(problem)}",
    ):
        getattr(RemediationAction, build)(instance_id)


def test_identifiers_are_checked_around_tokens() -> None:
    # GIVEN an instance ID only known at deploy time: accepted as it is
    imported = cdk.Fn.import_value("WebInstanceId")
    assert RemediationAction.stop_ec2_instance(imported).config["instance_id"] == imported
    # WHEN a literal wildcard surrounds a token THEN it is still refused
    with pytest.raises(
        InvalidParameterError, match=r"invalid instance_id: the instance ID .* '\*'"
    ):
        RemediationAction.stop_ec2_instance(f"{imported}*")


def _database(stack: cdk.Stack, identifier: str) -> rds.IDatabaseInstance:
    return rds.DatabaseInstance.from_database_instance_attributes(
        stack,
        f"Db{len(stack.node.children)}",
        instance_identifier=identifier,
        instance_endpoint_address="db.abc.eu-west-1.rds.amazonaws.com",
        port=5432,
        security_groups=[],
    )


@pytest.mark.parametrize(
    ("identifier", "problem"),
    [
        ("*", f"the DB instance identifier '*' contains '*', {_WILDCARD}"),
        ("orders-*", f"the DB instance identifier 'orders-*' contains '*', {_WILDCARD}"),
        ("", "the DB instance identifier is empty; name one resource"),
    ],
)
def test_reboot_rds_instance_names_one_instance(
    stack: cdk.Stack, identifier: str, problem: str
) -> None:
    with pytest.raises(InvalidParameterError, match=rf"invalid instance: {re.escape(problem)}"):
        RemediationAction.reboot_rds_instance(_database(stack, identifier))


@pytest.mark.parametrize(
    ("cluster_arn", "service_name", "problem"),
    [
        ("arn:aws:ecs:eu-west-1:123456789012:cluster/shop", "*", "the service name '*'"),
        ("arn:aws:ecs:eu-west-1:123456789012:cluster/*", "orders", "the cluster name '*'"),
        ("arn:aws:ecs:eu-west-1:123456789012:cluster/shop", "orders-?", "the service name"),
    ],
)
def test_scale_ecs_service_names_one_service(
    stack: cdk.Stack, cluster_arn: str, service_name: str, problem: str
) -> None:
    cluster = ecs.Cluster.from_cluster_arn(stack, "Cluster", cluster_arn)
    service = ecs.FargateService.from_fargate_service_attributes(
        stack, "Svc", cluster=cluster, service_name=service_name
    )
    with pytest.raises(
        InvalidParameterError,
        match=rf"^RemediationAction.scale_ecs_service 'Svc': invalid service: "
        rf"{re.escape(problem)}.* IAM reads as a wildcard",
    ):
        RemediationAction.scale_ecs_service(service, step=1, max_count=3)


@pytest.mark.parametrize(
    "function_arn",
    [
        "arn:aws:lambda:eu-west-1:123456789012:function:*",
        "arn:aws:lambda:eu-west-1:123456789012:function:orders-?",
    ],
)
def test_limit_lambda_concurrency_names_one_function(stack: cdk.Stack, function_arn: str) -> None:
    function = lambda_.Function.from_function_arn(stack, "Any", function_arn)
    with pytest.raises(
        InvalidParameterError,
        match=r"^RemediationAction.limit_lambda_concurrency 'Any': invalid function: the "
        r"function ARN '.*' contains '[*?]', which IAM reads as a wildcard",
    ):
        RemediationAction.limit_lambda_concurrency(function, reserved_concurrency=0)


def _raw(resource: str) -> RemediationAction:
    return RemediationAction(
        config={"action": "stop_ec2_instance", "instance_id": INSTANCE_ID},
        iam_actions=("ec2:StopInstances",),
        resource_arn=lambda _stack: resource,
    )


@pytest.mark.parametrize(
    "resource",
    ["*", "arn:aws:ec2:eu-west-1:123456789012:instance/*", "arn:aws:ec2:*:*:instance/i-1"],
)
def test_a_raw_action_must_name_its_resource(stack: cdk.Stack, resource: str) -> None:
    action = _raw(resource)
    with pytest.raises(
        InvalidParameterError,
        match=r"^RemediationAction 'stop_ec2_instance': invalid resource_arn: the resource ARN "
        r".* contains '\*', which IAM reads as a wildcard",
    ):
        action.resource(stack)


def test_a_raw_action_names_its_resource_and_actions(stack: cdk.Stack) -> None:
    arn = f"arn:aws:ec2:eu-west-1:123456789012:instance/{INSTANCE_ID}"
    assert _raw(arn).resource(stack) == arn
    assert RemediationAction.notify().resource(stack) is None


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (
            {"iam_actions": ("ec2:*",), "resource_arn": lambda _s: "arn"},
            "iam_actions: 'ec2:*' must name one IAM action, 'service:Action' (no wildcard)",
        ),
        (
            {"iam_actions": ("*",), "resource_arn": lambda _s: "arn"},
            "iam_actions: '*' must name one IAM action",
        ),
        (
            {"iam_actions": ("ec2:StopInstances",)},
            "iam_actions and resource_arn: pass both (the actions and the one resource they "
            "act on) or neither",
        ),
        ({"resource_arn": lambda _s: "arn"}, "iam_actions and resource_arn: pass both"),
        ({"iam_actions": ["ec2:StopInstances"]}, "iam_actions: expected a tuple, got list"),
    ],
)
def test_a_raw_action_names_each_iam_action(arguments: dict[str, object], problem: str) -> None:
    with pytest.raises(
        InvalidParameterError,
        match=rf"^RemediationAction 'stop_ec2_instance': invalid {re.escape(problem)}",
    ):
        RemediationAction(config={"action": "stop_ec2_instance"}, **arguments)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="invalid config: expected a mapping, got str"):
        RemediationAction(config="notify")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: RemediationAction.reboot_rds_instance("orders-db"),  # type: ignore[arg-type]
            "instance: expected a rds.IDatabase",
        ),
        (
            lambda: RemediationAction.scale_ecs_service("orders", step=1, max_count=4),  # type: ignore[arg-type]
            "service: expected a ecs.IBaseService",
        ),
        (
            lambda: RemediationAction.limit_lambda_concurrency(
                "arn:aws:lambda:eu-west-1:123456789012:function:f",  # type: ignore[arg-type]
                reserved_concurrency=0,
            ),
            "function: expected a lambda_.IFunction, got str",
        ),
    ],
    ids=["rds", "ecs", "lambda"],
)
def test_a_name_where_a_construct_is_expected_is_refused(
    build: Callable[[], RemediationAction], message: str
) -> None:
    # Found by the property tests: an AttributeError ('str' object has no attribute 'node').
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        build()
