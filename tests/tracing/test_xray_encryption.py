"""XRayEncryption: the custom resource, its function's least privilege, and the keys."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from constructs_obs import AlarmTopic, InvalidParameterError
from constructs_obs.acknowledge import acknowledge_nag
from constructs_obs.tracing import XRayEncryption
from constructs_obs.tracing.xray_encryption import IMPORTED_KEY_WARNING_ID, RESOURCE_TYPE
from tests.support.harness import Synthesized, new_stack, synth

IMPORTED_KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _build(app: cdk.App) -> None:
    stack = new_stack(app, "Encryption")
    encryption = XRayEncryption(stack, "XRay", monitor_topic=AlarmTopic(stack, "Oncall"))
    readers = iam.Role(
        stack, "TraceReaders", assumed_by=iam.AccountRootPrincipal(), description="Reads traces"
    )
    encryption.grant_decrypt(readers)
    acknowledge_nag(
        readers,
        "NIST.800.53.R5-IAMNoInlinePolicy",
        "Test fixture: the user's own role receives the grant in its inline default policy.",
    )
    # In another region of the same account, with an imported key kept on delete.
    other = new_stack(
        app, "EncryptionUsEast", env=cdk.Environment(account="123456789012", region="us-east-1")
    )
    XRayEncryption(
        other,
        "XRay",
        monitor_topic=AlarmTopic(other, "Oncall"),
        encryption_key=kms.Key.from_key_arn(
            other, "Imported", IMPORTED_KEY.replace("eu-west-1", "us-east-1")
        ),
        reset_on_delete=False,
    )


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("tracing_encryption", _build)


def _one(
    synthesized: Synthesized, resource_type: str, prefix: str = "", stack: str = "Encryption"
) -> dict[str, Any]:
    (found,) = [
        resource
        for logical_id, resource in synthesized.resources(resource_type, stack).items()
        if logical_id.startswith(prefix)
    ]
    return dict(found)


def test_custom_resource_points_xray_at_the_new_key(synthesized: Synthesized) -> None:
    resource = _one(synthesized, RESOURCE_TYPE)
    properties = resource["Properties"]
    key_id = properties["KeyId"]["Fn::GetAtt"][0]
    assert key_id.startswith("XRayKey")
    assert properties["ResetOnDelete"] == "true"
    assert properties["ServiceToken"] == {
        "Fn::GetAtt": [_logical_id(synthesized, "AWS::Lambda::Function", "XRayHandler"), "Arn"]
    }
    assert any(d.startswith("XRayPolicy") for d in resource["DependsOn"])
    key = synthesized.raw("Encryption")["Resources"][key_id]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"


def _logical_id(
    synthesized: Synthesized, resource_type: str, prefix: str, stack: str = "Encryption"
) -> str:
    (found,) = [
        logical_id
        for logical_id in synthesized.resources(resource_type, stack)
        if logical_id.startswith(prefix)
    ]
    return found


def test_function_may_change_only_xray_encryption_and_use_only_the_trace_key(
    synthesized: Synthesized,
) -> None:
    policy = _one(synthesized, "AWS::IAM::ManagedPolicy", "XRayPolicy")["Properties"]
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    trace_key = _logical_id(synthesized, "AWS::KMS::Key", "XRayKey")
    assert statements["XRayEncryptionConfig"]["Action"] == [
        "xray:GetEncryptionConfig",
        "xray:PutEncryptionConfig",
    ]
    assert statements["XRayEncryptionConfig"]["Resource"] == "*"
    assert statements["DescribeTraceKey"] == {
        "Action": "kms:DescribeKey",
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [trace_key, "Arn"]},
        "Sid": "DescribeTraceKey",
    }
    assert statements["GrantTraceKeyToXRay"] == {
        "Action": "kms:CreateGrant",
        "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [trace_key, "Arn"]},
        "Sid": "GrantTraceKeyToXRay",
    }
    assert set(statements) == {
        "WriteOwnLogs",
        "DeadLetters",
        "DeadLettersKey",
        "XRayEncryptionConfig",
        "DescribeTraceKey",
        "GrantTraceKeyToXRay",
    }
    # No inline policy on the function's role.
    role = _logical_id(synthesized, "AWS::IAM::Role", "XRayRole")
    assert not [
        p
        for p in synthesized.resources("AWS::IAM::Policy", "Encryption").values()
        if {"Ref": role} in p["Properties"]["Roles"]
    ]


def test_function_runs_one_at_a_time_with_encrypted_logs_and_a_dead_letter_queue(
    synthesized: Synthesized,
) -> None:
    function = _one(synthesized, "AWS::Lambda::Function", "XRayHandler")["Properties"]
    assert function["Runtime"] == "python3.14"
    assert function["Handler"] == "index.lambda_handler"
    assert function["ReservedConcurrentExecutions"] == 1
    assert function["Architectures"] == ["arm64"]
    queue = function["DeadLetterConfig"]["TargetArn"]["Fn::GetAtt"][0]
    assert queue.startswith("XRayDeadLetters")
    queue_properties = synthesized.raw("Encryption")["Resources"][queue]["Properties"]
    assert queue_properties["KmsMasterKeyId"]["Fn::GetAtt"][0].startswith("XRayHandlerKey")
    log_group = function["LoggingConfig"]["LogGroup"]["Ref"]
    assert log_group.startswith("XRayHandlerLogs")
    group = synthesized.raw("Encryption")["Resources"][log_group]["Properties"]
    assert group["KmsKeyId"]["Fn::GetAtt"][0].startswith("XRayHandlerKey")
    invoke = _one(synthesized, "AWS::Lambda::EventInvokeConfig")["Properties"]
    assert invoke["MaximumRetryAttempts"] == 2


def test_the_functions_own_failures_are_alarmed(synthesized: Synthesized) -> None:
    alarms = {
        logical_id: alarm["Properties"]
        for logical_id, alarm in synthesized.resources(
            "AWS::CloudWatch::Alarm", "Encryption"
        ).items()
        if logical_id.startswith("XRay")
    }
    errors = next(a for k, a in alarms.items() if k.startswith("XRayErrorsAlarm"))
    assert errors["MetricName"] == "Errors"
    assert errors["Dimensions"][0]["Value"]["Ref"].startswith("XRayHandler")
    dead = next(a for k, a in alarms.items() if k.startswith("XRayDeadLettersAlarm"))
    assert dead["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert dead["Dimensions"][0]["Value"]["Fn::GetAtt"][0].startswith("XRayDeadLetters")
    for alarm in (errors, dead):
        assert alarm["Threshold"] == 1
        assert alarm["AlarmActions"][0]["Ref"].startswith("Oncall")


def test_trace_readers_get_decrypt(synthesized: Synthesized) -> None:
    policies = [
        p["Properties"]
        for logical_id, p in synthesized.resources("AWS::IAM::Policy", "Encryption").items()
        if logical_id.startswith("TraceReaders")
    ]
    (statement,) = policies[0]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "kms:Decrypt"


def test_imported_key_is_used_and_kept(synthesized: Synthesized) -> None:
    resource = _one(synthesized, RESOURCE_TYPE, stack="EncryptionUsEast")
    assert resource["Properties"]["KeyId"] == IMPORTED_KEY.replace("eu-west-1", "us-east-1")
    assert resource["Properties"]["ResetOnDelete"] == "false"
    assert not [
        k
        for k in synthesized.resources("AWS::KMS::Key", "EncryptionUsEast")
        if k.startswith("XRayKey")
    ]
    warnings = [w for w in synthesized.warnings if IMPORTED_KEY_WARNING_ID in w.rule]
    assert [w.where for w in warnings] == ["EncryptionUsEast/XRay"]
    assert "kms:CreateGrant" in warnings[0].message


# -- errors ----------------------------------------------------------------------------------


def test_one_per_account_and_region(stack: cdk.Stack) -> None:
    topic = AlarmTopic(stack, "Oncall")
    XRayEncryption(stack, "XRay", monitor_topic=topic)
    with pytest.raises(InvalidParameterError) as info:
        XRayEncryption(stack, "Again", monitor_topic=topic)
    assert "X-Ray has one encryption configuration per account and region" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "parameter", "message"),
    [
        (
            {
                "encryption_key_props": kms.KeyProps(
                    key_spec=kms.KeySpec.RSA_2048, key_usage=kms.KeyUsage.ENCRYPT_DECRYPT
                )
            },
            "encryption_key_props",
            "X-Ray supports only symmetric encryption keys",
        ),
        ({"reset_on_delete": "no"}, "reset_on_delete", "expected True or False, got 'no'"),
    ],
)
def test_bad_input_names_the_parameter(
    stack: cdk.Stack, kwargs: dict[str, Any], parameter: str, message: str
) -> None:
    with pytest.raises(InvalidParameterError) as info:
        XRayEncryption(stack, "XRay", monitor_topic=AlarmTopic(stack, "Oncall"), **kwargs)
    assert info.value.parameter == parameter
    assert message in str(info.value)


def test_key_and_key_props_together_are_refused(stack: cdk.Stack) -> None:
    with pytest.raises(InvalidParameterError) as info:
        XRayEncryption(
            stack,
            "XRay",
            monitor_topic=AlarmTopic(stack, "Oncall"),
            encryption_key=kms.Key(stack, "Mine", enable_key_rotation=True),
            encryption_key_props=kms.KeyProps(alias="alias/xray"),
        )
    assert info.value.parameter == "encryption_key and encryption_key_props"
