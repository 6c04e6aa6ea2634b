"""RemediationAction: what the remediation function may do for one alarm.

Each builder names one resource and the IAM actions the function needs on it (scoped to that
resource's ARN) and the configuration the handler (``lambdas/alarm_remediation``) reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import (
    ArnFormat,
    Stack,
    Token,
)
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds

from constructs_obs.private.validate import Check

__all__ = ["RemediationAction"]

# arn:partition:lambda:region:account:function:name (a qualifier would add one more).
_FUNCTION_ARN_COLONS: Final = 6


@dataclass(frozen=True)
class RemediationAction:
    """What the function does for one alarm; build one with the class methods.

    ``iam_actions`` on the resource ``resource_arn(stack)`` is all the function is allowed to
    do for it.
    """

    config: Mapping[str, Any]
    iam_actions: tuple[str, ...] = ()
    resource_arn: Callable[[Stack], str] | None = None

    @classmethod
    def reboot_rds_instance(cls, instance: rds.IDatabaseInstance) -> RemediationAction:
        identifier = instance.instance_identifier
        return cls(
            config={"action": "reboot_rds_instance", "db_instance_identifier": identifier},
            iam_actions=("rds:RebootDBInstance",),
            resource_arn=lambda stack: stack.format_arn(
                service="rds",
                resource="db",
                resource_name=identifier,
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            ),
        )

    @classmethod
    def stop_ec2_instance(cls, instance_id: str) -> RemediationAction:
        return cls._ec2("stop_ec2_instance", "ec2:StopInstances", instance_id)

    @classmethod
    def reboot_ec2_instance(cls, instance_id: str) -> RemediationAction:
        return cls._ec2("reboot_ec2_instance", "ec2:RebootInstances", instance_id)

    @classmethod
    def _ec2(cls, action: str, permission: str, instance_id: str) -> RemediationAction:
        return cls(
            config={"action": action, "instance_id": instance_id},
            iam_actions=(permission,),
            resource_arn=lambda stack: stack.format_arn(
                service="ec2", resource="instance", resource_name=instance_id
            ),
        )

    @classmethod
    def scale_ecs_service(
        cls,
        service: ecs.IBaseService,
        *,
        desired_count: int | None = None,
        step: int | None = None,
        max_count: int | None = None,
        min_count: int | None = None,
    ) -> RemediationAction:
        """Set the service's desired count, or change it by ``step`` within min/max."""
        check = Check("RemediationAction.scale_ecs_service", service.node.id)
        if (desired_count is None) == (step is None):
            check.fail(
                "desired_count and step",
                "pass exactly one: desired_count (absolute) or step (relative, with "
                "max_count/min_count as bounds)",
            )
        if desired_count is not None:
            check.integer("desired_count", desired_count, minimum=0)
            if min_count is not None or max_count is not None:
                check.fail(
                    "min_count and max_count", "they bound a step; omit them with desired_count"
                )
        if step is not None:
            check.integer("step", step, minimum=-10_000)
            if step == 0:
                check.fail("step", "must not be 0")
            if step > 0 and max_count is None:
                check.fail("max_count", "a positive step needs max_count (the cap)")
            if step < 0 and min_count is None:
                check.fail("min_count", "a negative step needs min_count (the floor)")
        if min_count is not None and max_count is not None and min_count > max_count:
            check.fail("min_count", f"{min_count} is more than max_count ({max_count})")
        bounds = {
            "desired_count": desired_count,
            "step": step,
            "max_count": max_count,
            "min_count": min_count,
        }
        config: dict[str, Any] = {
            "action": "scale_ecs_service",
            "cluster": service.cluster.cluster_name,
            "service": service.service_name,
            **{key: value for key, value in bounds.items() if value is not None},
        }
        service_arn = service.service_arn
        return cls(
            config=config,
            iam_actions=("ecs:DescribeServices", "ecs:UpdateService"),
            resource_arn=lambda _stack: service_arn,
        )

    @classmethod
    def limit_lambda_concurrency(
        cls, function: lambda_.IFunction, *, reserved_concurrency: int
    ) -> RemediationAction:
        """Set the function's reserved concurrency: "stop the bleeding" in an error storm or
        a runaway cost.

        The reservation caps how many instances of the function run at once. ``0`` pauses the
        function: every invocation is throttled. Asynchronous events (S3, SNS, EventBridge,
        ...) then wait in Lambda's event queue, retried for up to the function's maximum event
        age (6 hours by default), and go to its dead-letter queue or on-failure destination
        when that runs out; synchronous callers get throttling errors (429); event source
        mappings (SQS, Kinesis, DynamoDB streams) are throttled and their records stay in the
        source, subject to its own retention and redrive policy. A value above 0 is taken out
        of the account's unreserved concurrency, which Lambda keeps at 100 or more (it refuses
        a larger reservation).

        The new value stays until someone changes it: nothing restores the previous one when
        the alarm returns to OK. The audit line records the previous value, to restore by hand.
        If the function already has that reserved concurrency, the action is skipped.
        """
        check = Check("RemediationAction.limit_lambda_concurrency", function.node.id)
        check.integer("reserved_concurrency", reserved_concurrency, minimum=0)
        function_arn = function.function_arn
        # Reserved concurrency belongs to the function, not to a version or alias, and the IAM
        # resource of the call is the unqualified function ARN.
        if isinstance(function, lambda_.QualifiedFunctionBase) or (
            not Token.is_unresolved(function_arn) and function_arn.count(":") > _FUNCTION_ARN_COLONS
        ):
            check.fail(
                "function",
                "is a version or alias (a qualified ARN); reserved concurrency applies to the "
                "whole function: pass the function itself",
            )
        return cls(
            config={
                "action": "limit_lambda_concurrency",
                "function_name": function.function_name,
                "reserved_concurrency": reserved_concurrency,
            },
            iam_actions=("lambda:GetFunctionConcurrency", "lambda:PutFunctionConcurrency"),
            resource_arn=lambda _stack: function_arn,
        )

    @classmethod
    def notify(cls) -> RemediationAction:
        """Only notify (publish to the notify topic, and log)."""
        return cls(config={"action": "notify"})
