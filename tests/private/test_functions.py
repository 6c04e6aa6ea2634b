"""The scaffolding of the library's own Lambda functions (alarm remediation, X-Ray encryption).

Both constructs get it from ``library_function`` and its helpers: the same role, policy,
dead-letter queue, function settings and monitors, under the same construct ids. Their roles
take no automatic policy updates (every permission is in one managed policy), so in a VPC the
network interface permissions aws-cdk-lib would attach with AWSLambdaVPCAccessExecutionRole
must come from the construct itself, or Lambda refuses to create the function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match, Template
from constructs import Construct

from constructs_obs import AlarmRemediation, AlarmTopic, InvalidParameterError
from constructs_obs.private.functions import (
    FunctionNetwork,
    FunctionPermissions,
    FunctionSettings,
    LibraryFunction,
    add_function_errors_alarm,
    function_dead_letter_queue,
    library_function,
)
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


# -- the shared scaffolding ------------------------------------------------------------------

DLQ_RETENTION_SECONDS = 14 * 24 * 3600
# The monitor alarms' common shape: critical on one bad datapoint, missing data is fine.
MONITOR = {
    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    "EvaluationPeriods": 1,
    "Threshold": 1,
    "Period": 300,
    "TreatMissingData": "notBreaching",
    "AlarmDescription": Match.string_like_regexp(r"^\[CRITICAL\] "),
}
CONSTRUCTS = pytest.mark.parametrize(
    ("stack", "prefix"), [(s, p) for s in ("InVpc", "NoVpc") for p in ("Fixer", "XRay")]
)


def _logical_id(template: Template, resource_type: str, prefix: str) -> str:
    (found,) = [k for k in template.find_resources(resource_type) if k.startswith(prefix)]
    return found


@dataclass(frozen=True)
class _Parts:
    """The logical ids of one construct's scaffolding."""

    template: Template
    role: str
    policy: str
    queue: str
    function: str
    topic: str


def _parts(synthesized: Synthesized, stack: str, prefix: str) -> _Parts:
    template = synthesized.template(stack)
    return _Parts(
        template=template,
        role=_logical_id(template, "AWS::IAM::Role", f"{prefix}Role"),
        policy=_logical_id(template, "AWS::IAM::ManagedPolicy", f"{prefix}Policy"),
        queue=_logical_id(template, "AWS::SQS::Queue", f"{prefix}DeadLetters"),
        function=_logical_id(template, "AWS::Lambda::Function", prefix),
        topic=_logical_id(template, "AWS::SNS::Topic", "Oncall"),
    )


@CONSTRUCTS
def test_the_policy_is_attached_and_dead_letters_wait_in_a_retained_queue(
    synthesized: Synthesized, stack: str, prefix: str
) -> None:
    # GIVEN the construct's scaffolding
    parts = _parts(synthesized, stack, prefix)
    # THEN every permission sits in the managed policy attached to the role
    parts.template.has_resource_properties(
        "AWS::IAM::ManagedPolicy", {"Roles": [{"Ref": parts.role}]}
    )
    # AND failed events wait 14 days in a retained queue encrypted with the construct's key
    parts.template.has_resource(
        "AWS::SQS::Queue",
        {
            "Properties": {
                "KmsMasterKeyId": {
                    "Fn::GetAtt": [Match.string_like_regexp(f"^{prefix}.*Key"), "Arn"]
                },
                "MessageRetentionPeriod": DLQ_RETENTION_SECONDS,
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


@CONSTRUCTS
def test_the_function_runs_under_its_role_and_parks_failures_in_the_queue(
    synthesized: Synthesized, stack: str, prefix: str
) -> None:
    # GIVEN the construct's scaffolding
    parts = _parts(synthesized, stack, prefix)
    # THEN the function runs on arm64 under the role, logs JSON to the construct's log group,
    # parks failed events in the queue after two retries, and is created after its policy
    log_group = "FixerLogs" if prefix == "Fixer" else "XRayHandlerLogs"
    parts.template.has_resource(
        "AWS::Lambda::Function",
        {
            "Properties": Match.object_like(
                {
                    "Architectures": ["arm64"],
                    "Handler": "index.lambda_handler",
                    "Role": {"Fn::GetAtt": [parts.role, "Arn"]},
                    "LoggingConfig": {
                        "LogFormat": "JSON",
                        "LogGroup": {"Ref": Match.string_like_regexp(f"^{log_group}")},
                    },
                    "DeadLetterConfig": {"TargetArn": {"Fn::GetAtt": [parts.queue, "Arn"]}},
                }
            ),
            "DependsOn": Match.array_with([parts.policy]),
        },
    )
    parts.template.has_resource(
        "AWS::Lambda::EventInvokeConfig",
        {
            "Properties": Match.object_like(
                {"FunctionName": {"Ref": parts.function}, "MaximumRetryAttempts": 2}
            ),
            "DependsOn": [parts.policy],
        },
    )


@CONSTRUCTS
def test_the_monitor_topic_hears_of_errors_and_dead_letters(
    synthesized: Synthesized, stack: str, prefix: str
) -> None:
    # GIVEN the construct's scaffolding
    parts = _parts(synthesized, stack, prefix)
    # THEN one alarm watches the function's errors, one the queue's depth
    parts.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            **MONITOR,
            "Namespace": "AWS/Lambda",
            "MetricName": "Errors",
            "Statistic": "Sum",
            "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": parts.function}}],
            "AlarmActions": [{"Ref": parts.topic}],
        },
    )
    parts.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            **MONITOR,
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Statistic": "Maximum",
            "Dimensions": [
                {"Name": "QueueName", "Value": {"Fn::GetAtt": [parts.queue, "QueueName"]}}
            ],
            "AlarmActions": [{"Ref": parts.topic}],
        },
    )


def _shape(value: Any, types: dict[str, str]) -> Any:
    """``value`` with each logical id replaced by its resource type: what it refers to, not
    which construct owns it."""
    if isinstance(value, dict):
        return {k: _shape(v, types) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v, types) for v in value]
    return f"<{types[value]}>" if isinstance(value, str) and value in types else value


# (resource type, logical id after the construct's id, properties that are the construct's own)
_SCAFFOLDING = [
    ("AWS::IAM::Role", "Role", {"Description"}),
    ("AWS::SQS::Queue", "DeadLetters", set()),
    ("AWS::CloudWatch::Alarm", "ErrorsAlarm", {"AlarmDescription", "AlarmName"}),
    ("AWS::CloudWatch::Alarm", "DeadLettersAlarm", {"AlarmDescription", "AlarmName"}),
]
_SHARED_FUNCTION_SETTINGS = {
    "Architectures": ["arm64"],
    "Handler": "index.lambda_handler",
    "LoggingConfig": {"LogFormat": "JSON", "LogGroup": {"Ref": "<AWS::Logs::LogGroup>"}},
    "DeadLetterConfig": {"TargetArn": {"Fn::GetAtt": ["<AWS::SQS::Queue>", "Arn"]}},
    "Role": {"Fn::GetAtt": ["<AWS::IAM::Role>", "Arn"]},
}


@pytest.mark.parametrize("stack", ["InVpc", "NoVpc"])
def test_both_constructs_get_the_same_scaffolding(synthesized: Synthesized, stack: str) -> None:
    # GIVEN both constructs in one stack, each reference replaced by the type it points to
    raw = synthesized.raw(stack)
    template = synthesized.template(stack)
    types = {logical_id: r["Type"] for logical_id, r in raw["Resources"].items()}

    def shape(resource_type: str, logical_prefix: str, own: set[str]) -> Any:
        resource = raw["Resources"][_logical_id(template, resource_type, logical_prefix)]
        properties = {k: v for k, v in resource["Properties"].items() if k not in own}
        return _shape({**resource, "Properties": properties}, types)

    # THEN the role, the queue and the monitors differ only in their descriptions
    for resource_type, suffix, own in _SCAFFOLDING:
        fixer, xray = (shape(resource_type, p + suffix, own) for p in ("Fixer", "XRay"))
        assert fixer == xray, resource_type
    # AND the functions share every setting that is not the function's own
    for prefix in ("Fixer", "XRay"):
        function = shape("AWS::Lambda::Function", prefix, set())
        shared = {k: function["Properties"][k] for k in _SHARED_FUNCTION_SETTINGS}
        assert shared == _SHARED_FUNCTION_SETTINGS
        assert function["DependsOn"] == ["<AWS::IAM::ManagedPolicy>", "<AWS::IAM::Role>"]


# -- library_function on its own -------------------------------------------------------------

L1_REASON = "The test pins the runtime on purpose."
STAR_REASON = "xray:GetEncryptionConfig has no resource-level permissions."
NO_VPC_REASON = "The test function reaches no VPC resource at all."


@dataclass(frozen=True)
class _Built:
    stack: cdk.Stack
    owner: Construct
    created: LibraryFunction
    alarm: cloudwatch.Alarm


@pytest.fixture
def built(stack: cdk.Stack) -> _Built:
    """The scaffolding built by hand in an owner with a key and a log group of its own, with
    only the required settings."""
    owner = Construct(stack, "Owner")
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    queue = function_dead_letter_queue(owner, encryption_key=key)
    created = library_function(
        owner,
        "Handler",
        settings=FunctionSettings(
            handler="xray_encryption",
            description="A function built by the test",
            runtime=lambda_.Runtime.PYTHON_3_13,
            timeout=cdk.Duration.seconds(10),
            memory_size=128,
            reserved_concurrency=2,
            acknowledgements={"AwsSolutions-L1": L1_REASON},
        ),
        permissions=FunctionPermissions(
            role_description="Role built by the test",
            policy_description="Policy built by the test",
            statements=[iam.PolicyStatement(actions=["xray:GetEncryptionConfig"], resources=["*"])],
            star_reason=STAR_REASON,
        ),
        network=FunctionNetwork(NO_VPC_REASON),
        log_group=logs.LogGroup(stack, "Logs", encryption_key=key),
        dead_letter_queue=queue,
    )
    alarm = add_function_errors_alarm(
        owner, created.function, summary="The test function failed.", notify=[]
    )
    return _Built(stack, owner, created, alarm)


def test_library_function_builds_under_the_fixed_ids(built: _Built) -> None:
    # aws-cdk-lib adds an ImmutableRole wrapper beside the role (without_policy_updates)
    ids = [c.node.id for c in built.owner.node.children if not c.node.id.startswith("Immutable")]
    assert ids == ["DeadLetters", "Role", "Policy", "Handler", "ErrorsAlarm"]
    assert built.created.role.node.id == "Role"
    assert built.created.policy.node.id == "Policy"
    assert built.alarm.node.id == "ErrorsAlarm"


def _acknowledged(construct: Construct) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in construct.node.metadata:
        if entry.type == "aws:cdk:acknowledged-rules":
            found.update(entry.data)
    return found


def test_library_function_acknowledges_with_the_given_reasons(built: _Built) -> None:
    assert _acknowledged(built.created.policy) == {
        "Annotation::AwsSolutions-IAM5[Resource::*]": STAR_REASON
    }
    # The function's own findings first, then those every library function has.
    assert list(_acknowledged(built.created.function).items()) == [
        ("Annotation::AwsSolutions-L1", L1_REASON),
        ("Annotation::NIST.800.53.R5-LambdaInsideVPC", NO_VPC_REASON),
    ]


def test_library_function_leaves_what_is_not_set_to_lambda(built: _Built) -> None:
    template = Template.from_stack(built.stack)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Description": "A function built by the test",
            "MemorySize": 128,
            "Timeout": 10,
            "ReservedConcurrentExecutions": 2,
            "TracingConfig": Match.absent(),
            "KmsKeyArn": Match.absent(),
            "Layers": Match.absent(),
            "Environment": Match.absent(),
            "VpcConfig": Match.absent(),
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": Match.absent()},
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmDescription": "[CRITICAL] The test function failed.",
            "MetricName": "Errors",
            "AlarmActions": Match.absent(),
        },
    )
