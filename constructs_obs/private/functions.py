"""The scaffolding shared by the library's own Lambda functions.

Each function the library deploys (alarm remediation, the X-Ray encryption custom resource) has
an execution role whose every permission sits in one managed policy the construct owns, so the
function is created with ``role.without_policy_updates()``. That also stops aws-cdk-lib from
attaching ``AWSLambdaVPCAccessExecutionRole`` when the function runs in a VPC, so the network
interface permissions Lambda needs there come from ``allow_vpc_networking`` instead.
"""

from __future__ import annotations

from importlib import resources
from typing import Final

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from constructs_obs.acknowledge import (
    acknowledge_nag,
    ignore_cfn_lint,
    nag_ref,
    skip_checkov,
)

__all__ = [
    "VPC_NETWORKING_REASON",
    "acknowledge_library_function",
    "allow_vpc_networking",
    "execution_role",
    "library_code",
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
