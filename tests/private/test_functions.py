"""The library's own Lambda functions (alarm remediation, X-Ray encryption) in a VPC.

Their roles take no automatic policy updates (every permission is in one managed policy), so
the network interface permissions aws-cdk-lib would attach with AWSLambdaVPCAccessExecutionRole
must come from the construct itself, or Lambda refuses to create the function.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_

from constructs_obs import AlarmRemediation, AlarmTopic, InvalidParameterError
from constructs_obs.tracing import XRayEncryption
from tests.support.harness import Synthesized, new_stack, synth
from tests.tracing.network import imported_vpc

LAYER_ARN = "arn:aws:lambda:eu-west-1:123456789012:layer:powertools:7"
ENI_ACTIONS = {
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
}


def _build(app: cdk.App) -> None:
    stack = new_stack(app, "InVpc")
    vpc = imported_vpc(stack)
    topic = AlarmTopic(stack, "Oncall", email_addresses=["oncall@example.com"])
    AlarmRemediation(
        stack,
        "Fixer",
        monitor_topic=topic,
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        powertools_layer=lambda_.LayerVersion.from_layer_version_arn(stack, "Layer", LAYER_ARN),
    )
    XRayEncryption(stack, "XRay", monitor_topic=topic, vpc=vpc)
    # Outside a VPC: the same constructs get no network permissions at all.
    plain = new_stack(app, "NoVpc", env=cdk.Environment(account="123456789012", region="us-east-1"))
    plain_topic = AlarmTopic(plain, "Oncall")
    AlarmRemediation(plain, "Fixer", monitor_topic=plain_topic)
    XRayEncryption(plain, "XRay", monitor_topic=plain_topic)


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("library_functions", _build)


def _statements(synthesized: Synthesized, stack: str, prefix: str) -> list[dict[str, Any]]:
    (policy,) = [
        resource
        for logical_id, resource in synthesized.resources("AWS::IAM::ManagedPolicy", stack).items()
        if logical_id.startswith(prefix)
    ]
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def _actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


@pytest.mark.parametrize("prefix", ["FixerPolicy", "XRayPolicy"])
def test_functions_in_a_vpc_may_manage_their_network_interfaces(
    synthesized: Synthesized, prefix: str
) -> None:
    network = [s for s in _statements(synthesized, "InVpc", prefix) if _actions(s) & ENI_ACTIONS]
    assert set().union(*(_actions(s) for s in network)) == ENI_ACTIONS
    by_sid = {s["Sid"]: s for s in network}
    # Describe needs "*"; the rest stay within this region's EC2 resources.
    assert by_sid["VpcNetworkInterfacesDescribe"]["Resource"] == "*"
    assert _actions(by_sid["VpcNetworkInterfacesDescribe"]) == {
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
    }
    assert by_sid["VpcNetworkInterfaces"]["Resource"] == "arn:aws:ec2:eu-west-1:*:*"


@pytest.mark.parametrize("prefix", ["FixerPolicy", "XRayPolicy"])
def test_functions_outside_a_vpc_get_no_network_permissions(
    synthesized: Synthesized, prefix: str
) -> None:
    actions = set().union(*(_actions(s) for s in _statements(synthesized, "NoVpc", prefix)))
    assert not actions & ENI_ACTIONS


@pytest.mark.parametrize("stack", ["InVpc", "NoVpc"])
def test_function_roles_trust_lambda_without_conditions(
    synthesized: Synthesized, stack: str
) -> None:
    roles = synthesized.resources("AWS::IAM::Role", stack)
    assert len(roles) == 2
    for role in roles.values():
        (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
        assert "Condition" not in statement
        # Every permission sits in the construct's managed policy, none inline.
        assert "Policies" not in role["Properties"]


def test_functions_are_placed_in_the_vpc_after_their_policy_exists(
    synthesized: Synthesized,
) -> None:
    functions = synthesized.resources("AWS::Lambda::Function", "InVpc")
    assert len(functions) == 2
    for logical_id, function in functions.items():
        subnets = function["Properties"]["VpcConfig"]["SubnetIds"]
        assert subnets == ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
        # Lambda checks the ENI permissions when it creates the function.
        policy_prefix = "FixerPolicy" if logical_id.startswith("Fixer") else "XRayPolicy"
        assert any(d.startswith(policy_prefix) for d in function["DependsOn"])


def test_remediation_uses_the_given_powertools_layer(synthesized: Synthesized) -> None:
    (function,) = [
        f
        for logical_id, f in synthesized.resources("AWS::Lambda::Function", "InVpc").items()
        if logical_id.startswith("Fixer")
    ]
    assert function["Properties"]["Layers"] == [LAYER_ARN]
    assert not synthesized.resources("AWS::SSM::Parameter::Value<String>", "InVpc")
    parameters = synthesized.raw("InVpc").get("Parameters", {})
    assert not any("Powertools" in name for name in parameters)


def test_default_powertools_layer_comes_from_the_public_parameter(
    synthesized: Synthesized,
) -> None:
    parameters = synthesized.raw("NoVpc")["Parameters"]
    defaults = [p["Default"] for p in parameters.values() if "Default" in p]
    assert any(d.startswith("/aws/service/powertools/python/arm64/python3.13/") for d in defaults)


def test_subnets_without_a_vpc_are_refused(stack: cdk.Stack) -> None:
    subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
    topic = AlarmTopic(stack, "Oncall")
    with pytest.raises(InvalidParameterError, match="vpc_subnets"):
        AlarmRemediation(stack, "Fixer", monitor_topic=topic, vpc_subnets=subnets)
    with pytest.raises(InvalidParameterError, match="vpc_subnets"):
        XRayEncryption(stack, "XRay", monitor_topic=topic, vpc_subnets=subnets)
