"""RemediationAction: what the remediation function may do for one alarm.

Each builder names one resource and the IAM actions the function needs on it (scoped to that
resource's ARN) and the configuration the handler (``lambdas/alarm_remediation``) reads.

IAM reads ``*`` and ``?`` in a resource ARN as wildcards, and an empty name leaves a prefix
(``instance/``) that names nothing the action was meant for: an identifier ``"*"`` would let
the function stop every instance, reboot every database or throttle every function of the
account. So every identifier a builder takes, and every resource a raw ``RemediationAction``
names, must be one resource: empty strings and literal ``*``/``?`` are refused (the literal
parts of a CDK token too; the token itself is only known at deploy time).
"""

from __future__ import annotations

import re
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

from constructs_obs.private.validate import Check, is_token

__all__ = ["RemediationAction"]

# arn:partition:lambda:region:account:function:name (a qualifier would add one more).
_FUNCTION_ARN_COLONS: Final = 6
# IAM's wildcards in a resource ARN (and in an action name).
_WILDCARDS: Final = ("*", "?")
# How aws-cdk-lib encodes a string token inside a string: ``${Token[...]}``.
_STRING_TOKEN: Final = re.compile(r"\$\{Token\[[^\]]*\]\}")
# "i-" and 8 or 17 hexadecimal digits (EC2's two instance ID lengths).
_INSTANCE_ID: Final = r"i-([0-9a-f]{8}|[0-9a-f]{17})"
# service:Action, as IAM writes actions (letters and digits only, no wildcard).
_IAM_ACTION: Final = r"[a-z0-9-]+:[A-Za-z0-9]+"


@dataclass(frozen=True)
class RemediationAction:
    """What the function does for one alarm; build one with the class methods.

    ``iam_actions`` on the resource ``resource_arn(stack)`` is all the function is allowed to
    do for it. Built by hand, an action must name its actions one by one (no ``ec2:*``) and
    one resource: an ARN with ``*`` or ``?`` is refused when the action is added to an
    ``AlarmRemediation``.
    """

    config: Mapping[str, Any]
    iam_actions: tuple[str, ...] = ()
    resource_arn: Callable[[Stack], str] | None = None

    def __post_init__(self) -> None:
        check = self._check()
        if not isinstance(self.config, Mapping):
            check.fail("config", f"expected a mapping, got {type(self.config).__name__}")
        if not isinstance(self.iam_actions, tuple):
            check.fail("iam_actions", f"expected a tuple, got {type(self.iam_actions).__name__}")
        for action in self.iam_actions:
            check.text(
                "iam_actions",
                action,
                max_length=128,
                pattern=_IAM_ACTION,
                pattern_doc="must name one IAM action, 'service:Action' (no wildcard)",
            )
        if self.resource_arn is not None and not callable(self.resource_arn):
            check.fail("resource_arn", "expected a function of the stack that returns the ARN")
        if (self.resource_arn is None) != (not self.iam_actions):
            check.fail(
                "iam_actions and resource_arn",
                "pass both (the actions and the one resource they act on) or neither",
            )

    def _check(self) -> Check:
        action = self.config.get("action") if isinstance(self.config, Mapping) else None
        return Check("RemediationAction", str(action))

    def resource(self, stack: Stack) -> str | None:
        """The one resource the action acts on in ``stack``; refused if it is not one."""
        if self.resource_arn is None:
            return None
        arn = self.resource_arn(stack)
        return _identifier(self._check(), "resource_arn", arn, "resource ARN")

    @classmethod
    def reboot_rds_instance(cls, instance: rds.IDatabaseInstance) -> RemediationAction:
        check = _builder_check(
            "reboot_rds_instance",
            "instance",
            instance,
            "instance_identifier",
            "rds.IDatabaseInstance",
        )
        identifier = _identifier(
            check, "instance", instance.instance_identifier, "DB instance identifier"
        )
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
        check = Check("RemediationAction", action)
        _identifier(check, "instance_id", instance_id, "instance ID")
        check.text(
            "instance_id",
            instance_id,
            max_length=19,
            pattern=_INSTANCE_ID,
            pattern_doc="is not an EC2 instance ID ('i-' and 8 or 17 hexadecimal digits, "
            "e.g. 'i-0123456789abcdef0')",
        )
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
        check = _builder_check(
            "scale_ecs_service", "service", service, "service_arn", "ecs.IBaseService"
        )
        _check_scaling(check, desired_count, step, max_count, min_count)
        bounds = {
            "desired_count": desired_count,
            "step": step,
            "max_count": max_count,
            "min_count": min_count,
        }
        config: dict[str, Any] = {
            "action": "scale_ecs_service",
            "cluster": _identifier(check, "service", service.cluster.cluster_name, "cluster name"),
            "service": _identifier(check, "service", service.service_name, "service name"),
            **{key: value for key, value in bounds.items() if value is not None},
        }
        service_arn = _identifier(check, "service", service.service_arn, "service ARN")
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
        check = _builder_check(
            "limit_lambda_concurrency", "function", function, "function_arn", "lambda_.IFunction"
        )
        check.integer("reserved_concurrency", reserved_concurrency, minimum=0)
        function_arn = _identifier(check, "function", function.function_arn, "function ARN")
        function_name = _identifier(check, "function", function.function_name, "function name")
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
                "function_name": function_name,
                "reserved_concurrency": reserved_concurrency,
            },
            iam_actions=("lambda:GetFunctionConcurrency", "lambda:PutFunctionConcurrency"),
            resource_arn=lambda _stack: function_arn,
        )

    @classmethod
    def notify(cls) -> RemediationAction:
        """Only notify (publish to the notify topic, and log)."""
        return cls(config={"action": "notify"})


def _builder_check(
    builder: str, parameter: str, value: object, attribute: str, expected: str
) -> Check:
    """The builder's ``Check``, once ``value`` is the construct it takes (not a name or ARN)."""
    kind = f"RemediationAction.{builder}"
    node = getattr(value, "node", None)
    if node is None or not hasattr(value, attribute):
        Check(kind, parameter).fail(
            parameter, f"expected a {expected}, got {type(value).__name__}: {value!r}"[:200]
        )
    return Check(kind, node.id)


def _identifier(check: Check, parameter: str, value: object, what: str) -> str:
    """``value`` names one resource: a non-empty string whose literal parts hold no wildcard."""
    if not isinstance(value, str):
        check.fail(parameter, f"expected the {what} as a string, got {type(value).__name__}")
    literal = _STRING_TOKEN.sub("", value) if is_token(value) else value
    if not is_token(value) and not value.strip():
        check.fail(parameter, f"the {what} is empty; name one resource")
    wildcards = [w for w in _WILDCARDS if w in literal]
    if wildcards:
        check.fail(
            parameter,
            f"the {what} {value!r} contains {' and '.join(repr(w) for w in wildcards)}, which "
            "IAM reads as a wildcard: the grant would cover every matching resource. Name "
            "one resource",
        )
    return value


def _check_scaling(
    check: Check,
    desired_count: int | None,
    step: int | None,
    max_count: int | None,
    min_count: int | None,
) -> None:
    if (desired_count is None) == (step is None):
        check.fail(
            "desired_count and step",
            "pass exactly one: desired_count (absolute) or step (relative, with "
            "max_count/min_count as bounds)",
        )
    if desired_count is not None:
        check.integer("desired_count", desired_count, minimum=0)
        if min_count is not None or max_count is not None:
            check.fail("min_count and max_count", "they bound a step; omit them with desired_count")
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
