"""The scaffolding shared by the library's own Lambda functions.

Each function the library deploys (alarm remediation, the X-Ray encryption custom resource) has
an execution role whose every permission sits in one managed policy the construct owns, so the
function is created with ``role.without_policy_updates()``. That also stops aws-cdk-lib from
attaching ``AWSLambdaVPCAccessExecutionRole`` when the function runs in a VPC, so the network
interface permissions Lambda needs there come from ``allow_vpc_networking`` instead.

Each also logs to an encrypted log group its construct creates (``private/`` imports no area,
so the caller passes it), parks failed asynchronous events in an encrypted dead-letter queue
(``function_dead_letter_queue``), and is watched by an errors alarm
(``add_function_errors_alarm``) beside the queue's own alarm. ``library_function`` creates the
role, the policy and the function in one go, under the same construct ids for every function.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Final

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_obs.acknowledge import (
    acknowledge_nag,
    ignore_cfn_lint,
    nag_ref,
    skip_checkov,
)
from constructs_obs.private.monitors import add_monitor_alarm
from constructs_obs.private.queues import DLQ_RETENTION

__all__ = [
    "VPC_NETWORKING_REASON",
    "FunctionNetwork",
    "FunctionPermissions",
    "FunctionSettings",
    "LibraryFunction",
    "acknowledge_library_function",
    "add_function_errors_alarm",
    "allow_vpc_networking",
    "execution_role",
    "function_dead_letter_queue",
    "library_code",
    "library_function",
]

# The actions of AWSLambdaVPCAccessExecutionRole that manage the function's network interfaces.
_ENI_DESCRIBE_ACTIONS: Final = ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets")
_ENI_MANAGE_ACTIONS: Final = (
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)

VPC_NETWORKING_REASON: Final = (
    "In a VPC, Lambda creates the function's network interfaces with its execution role: "
    "ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets support no resource-level "
    "permissions, and the interface, subnet and security group ARNs are not known at synth "
    "time (a shared subnet may belong to another account), so the others are scoped to this "
    "region's EC2 resources."
)

_CODE_SIGNING_REASON: Final = (
    "The code is this library's own asset; signing needs an AWS Signer profile the user owns "
    "(pass a code signing config through a property override if required)."
)
_ROLE_DEPENDENCY_REASON: Final = (
    "aws-cdk-lib's Function always adds DependsOn on its role; the GetAtt makes it redundant "
    "but harmless."
)


def library_code(handler: str) -> lambda_.Code:
    """The asset of one of the library's handlers (a folder of ``constructs_obs._lambdas``)."""
    folder = resources.files("constructs_obs._lambdas") / handler
    return lambda_.Code.from_asset(str(folder), exclude=["__pycache__", "*.pyc"])


def execution_role(scope: Construct, id: str, *, description: str) -> iam.Role:
    """A role only Lambda can assume, with no policy of its own (the caller attaches one).

    The trust has no ``aws:SourceAccount`` condition: Lambda does not send one when it
    assumes an execution role, so such a condition would make the role unusable.
    """
    return iam.Role(
        scope,
        id,
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=description,
    )


def allow_vpc_networking(policy: iam.ManagedPolicy) -> None:
    """Give the function ``policy`` belongs to what Lambda needs to place it in a VPC.

    The describe actions need ``Resource: "*"``: the caller acknowledges that together with
    its own ``*`` statements (one acknowledgement per finding), using ``VPC_NETWORKING_REASON``.
    """
    stack = Stack.of(policy)
    regional = f"arn:{stack.partition}:ec2:{stack.region}:*:*"
    policy.add_statements(
        iam.PolicyStatement(
            sid="VpcNetworkInterfacesDescribe",
            actions=list(_ENI_DESCRIBE_ACTIONS),
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="VpcNetworkInterfaces",
            actions=list(_ENI_MANAGE_ACTIONS),
            resources=[regional],
        ),
    )
    acknowledge_nag(
        policy, f"AwsSolutions-IAM5[Resource::{nag_ref(policy, regional)}]", VPC_NETWORKING_REASON
    )


def acknowledge_library_function(function: lambda_.Function, *, no_vpc_reason: str | None) -> None:
    """Record the findings every library function has, with the reasons.

    ``no_vpc_reason`` is why the function may run outside a VPC; ``None`` when it runs in one.
    """
    cfn = function.node.default_child
    assert isinstance(cfn, lambda_.CfnFunction)
    ignore_cfn_lint(cfn, "W3005", _ROLE_DEPENDENCY_REASON)
    skip_checkov(cfn, "CKV_AWS_272", _CODE_SIGNING_REASON)
    if no_vpc_reason is not None:
        acknowledge_nag(function, "NIST.800.53.R5-LambdaInsideVPC", no_vpc_reason)
        skip_checkov(cfn, "CKV_AWS_117", no_vpc_reason)


def function_dead_letter_queue(scope: Construct, *, encryption_key: kms.IKey) -> sqs.Queue:
    """``DeadLetters``: the encrypted, TLS-only queue where Lambda parks the asynchronous events
    the function failed on, kept 14 days (SQS's maximum)."""
    return sqs.Queue(
        scope,
        "DeadLetters",
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=encryption_key,
        enforce_ssl=True,
        retention_period=DLQ_RETENTION,
        removal_policy=RemovalPolicy.RETAIN,
    )


@dataclass(frozen=True)
class FunctionPermissions:
    """The execution role and the one managed policy that holds every permission."""

    role_description: str
    policy_description: str
    statements: Sequence[iam.PolicyStatement]
    # Why the statements with ``Resource: "*"`` need it (the VPC reason is added in a VPC).
    star_reason: str


@dataclass(frozen=True)
class FunctionSettings:
    """What differs between the library's functions; ``None`` leaves Lambda's default."""

    handler: str  # the handler's folder in ``constructs_obs._lambdas``
    description: str
    runtime: lambda_.Runtime
    timeout: Duration
    memory_size: int
    reserved_concurrency: int
    environment: Mapping[str, str] | None = None
    layers: Sequence[lambda_.ILayerVersion] = ()
    tracing: lambda_.Tracing | None = None
    environment_encryption: kms.IKey | None = None
    max_event_age: Duration | None = None
    # cdk-nag rule -> reason: findings of this function beyond those every library function has.
    acknowledgements: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FunctionNetwork:
    """Where the function runs: in ``vpc`` or, for ``no_vpc_reason``, outside any VPC."""

    no_vpc_reason: str
    vpc: ec2.IVpc | None = None
    vpc_subnets: ec2.SubnetSelection | None = None


@dataclass(frozen=True)
class LibraryFunction:
    """What ``library_function`` created."""

    role: iam.Role
    policy: iam.ManagedPolicy
    function: lambda_.Function


def library_function(
    scope: Construct,
    id: str,
    *,
    settings: FunctionSettings,
    permissions: FunctionPermissions,
    network: FunctionNetwork,
    log_group: logs.ILogGroup,
    dead_letter_queue: sqs.IQueue,
) -> LibraryFunction:
    """``Role``, ``Policy`` and the function ``id`` in ``scope``: arm64, JSON logs to
    ``log_group``, two retries then ``dead_letter_queue``, created after its policy."""
    role, policy = _role_and_policy(scope, permissions, in_vpc=network.vpc is not None)
    function = lambda_.Function(
        scope,
        id,
        runtime=settings.runtime,
        architecture=lambda_.Architecture.ARM_64,
        handler="index.lambda_handler",
        code=library_code(settings.handler),
        description=settings.description,
        # Every permission is in the managed policy: keep CDK from adding an inline default
        # policy (tracing, the DLQ, the environment key).
        role=role.without_policy_updates(),
        layers=list(settings.layers) or None,
        timeout=settings.timeout,
        memory_size=settings.memory_size,
        reserved_concurrent_executions=settings.reserved_concurrency,
        tracing=settings.tracing,
        log_group=log_group,
        logging_format=lambda_.LoggingFormat.JSON,
        environment_encryption=settings.environment_encryption,
        dead_letter_queue=dead_letter_queue,
        retry_attempts=2,
        max_event_age=settings.max_event_age,
        vpc=network.vpc,
        vpc_subnets=network.vpc_subnets,
        environment=dict(settings.environment) if settings.environment is not None else None,
    )
    # Lambda checks the permissions (in a VPC, the network interface ones) when it creates it.
    function.node.add_dependency(policy)
    for rule, reason in settings.acknowledgements.items():
        acknowledge_nag(function, rule, reason)
    acknowledge_library_function(
        function, no_vpc_reason=network.no_vpc_reason if network.vpc is None else None
    )
    return LibraryFunction(role=role, policy=policy, function=function)


def _role_and_policy(
    scope: Construct, permissions: FunctionPermissions, *, in_vpc: bool
) -> tuple[iam.Role, iam.ManagedPolicy]:
    role = execution_role(scope, "Role", description=permissions.role_description)
    policy = iam.ManagedPolicy(
        scope,
        "Policy",
        description=permissions.policy_description,
        roles=[role],
        statements=list(permissions.statements),
    )
    star_reason = permissions.star_reason
    if in_vpc:
        allow_vpc_networking(policy)
        star_reason = f"{star_reason} {VPC_NETWORKING_REASON}"
    acknowledge_nag(policy, "AwsSolutions-IAM5[Resource::*]", star_reason)
    return role, policy


def add_function_errors_alarm(
    scope: Construct, function: lambda_.IFunction, *, summary: str, notify: Sequence[sns.ITopic]
) -> cloudwatch.Alarm:
    """``ErrorsAlarm``: a critical alarm as soon as the function fails (5-minute sum)."""
    return add_monitor_alarm(
        scope,
        "ErrorsAlarm",
        metric=function.metric_errors(period=Duration.minutes(5), statistic="Sum"),
        summary=summary,
        notify=notify,
        resource=scope.node.id,
        signal="errors",
    )
