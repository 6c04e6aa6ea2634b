"""Container logs through the ``awslogs`` driver, and the execution role's managed policy for
them (``constructs_obs.tracing._logging``)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match, Template

from constructs_obs.tracing._logging import awslogs_driver, log_delivery_policy
from tests.tracing.network import APP_IMAGE


def _task_logging_to(
    stack: cdk.Stack, *, non_blocking: bool
) -> tuple[ecs.FargateTaskDefinition, logs.LogGroup]:
    """A task whose one container logs through the driver to a new group ``Logs``."""
    group = logs.LogGroup(stack, "Logs")
    task = ecs.FargateTaskDefinition(stack, "Task")
    task.add_container(
        "app",
        image=ecs.ContainerImage.from_registry(APP_IMAGE),
        logging=awslogs_driver(stack, group, "app", non_blocking=non_blocking),
    )
    return task, group


@pytest.mark.parametrize(
    ("non_blocking", "mode"),
    [
        (True, {"mode": "non-blocking", "max-buffer-size": "25m"}),
        (False, {"mode": Match.absent(), "max-buffer-size": Match.absent()}),
    ],
)
def test_the_driver_writes_to_the_group_in_the_stack_region(
    stack: cdk.Stack, non_blocking: bool, mode: dict[str, Any]
) -> None:
    # GIVEN a container logging through the driver
    _task_logging_to(stack, non_blocking=non_blocking)
    # THEN it names the group, the stack's region and the stream prefix
    Template.from_stack(stack).has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like(
                    {
                        "LogConfiguration": {
                            "LogDriver": "awslogs",
                            "Options": Match.object_like(
                                {
                                    "awslogs-group": {"Ref": Match.string_like_regexp("^Logs")},
                                    "awslogs-region": "eu-west-1",
                                    "awslogs-stream-prefix": "app",
                                    **mode,
                                }
                            ),
                        }
                    }
                )
            ]
        },
    )


def test_the_driver_grants_nothing(stack: cdk.Stack) -> None:
    # GIVEN a container logging through the driver, THEN no role got a policy for it
    _task_logging_to(stack, non_blocking=False)
    Template.from_stack(stack).resource_count_is("AWS::IAM::Policy", 0)


def test_the_execution_role_gets_a_managed_policy_the_task_waits_for(stack: cdk.Stack) -> None:
    # GIVEN a task logging to a group, WHEN the log delivery policy is added
    task, group = _task_logging_to(stack, non_blocking=True)
    policy = log_delivery_policy(
        stack, "LogDelivery", task_definition=task, log_groups=[group], description="Logs"
    )
    # THEN the execution role may write the group's streams, through a managed policy
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "Description": "Logs",
            "Roles": [{"Ref": Match.string_like_regexp("^TaskExecutionRole")}],
            "PolicyDocument": {
                "Statement": [
                    {
                        "Sid": "WriteContainerLogs",
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": {"Fn::GetAtt": [Match.string_like_regexp("^Logs"), "Arn"]},
                    }
                ],
                "Version": "2012-10-17",
            },
        },
    )
    # AND the task definition is created after it, so tasks start with it in place
    resource = policy.node.default_child
    assert isinstance(resource, cdk.CfnResource)
    policy_id = stack.get_logical_id(resource)
    template.has_resource("AWS::ECS::TaskDefinition", {"DependsOn": Match.array_with([policy_id])})
