"""The verification harness itself: each checker it runs can fail a test, and says why."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm

from constructs_obs.private.acknowledge import acknowledge_nag, ignore_cfn_lint, nag_ref
from tests.support.harness import CHECKOV, VerificationError, new_stack, synth, verify_template


def test_unacknowledged_nag_findings_fail_with_the_list() -> None:
    def build(app: cdk.App) -> None:
        s3.Bucket(new_stack(app), "Plain")

    with pytest.raises(VerificationError) as info:
        synth("harness_nag", build)
    message = str(info.value)
    assert "AwsSolutions-S10" in message  # no TLS-only policy
    assert "NIST.800.53.R5-S3BucketLoggingEnabled" in message
    assert "Test/Plain/Resource" in message


def test_acknowledged_nag_findings_pass() -> None:
    def build(app: cdk.App) -> None:
        stack = new_stack(app)
        parameter = ssm.StringParameter(stack, "Param", string_value="hello")
        acknowledge_nag(parameter, "Annotation::unused", "Nothing to acknowledge here really.")

    result = synth("harness_ok", build)
    assert "AWS::SSM::Parameter" in json.dumps(result.raw())


def _write(tmp_path: Path, resources: dict[str, object]) -> Path:
    path = tmp_path / "template.json"
    path.write_text(json.dumps({"Resources": resources}))
    return path


def test_cfn_lint_errors_are_findings(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {"Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "Nope", "Value": "x"}}},
    )
    findings, _ = verify_template(path, "Handmade", region="eu-west-1", checkov=CHECKOV)
    assert [f.tool for f in findings] == ["cfn-lint"]
    assert findings[0].rule.startswith("E")


def test_cfn_lint_ignores_need_a_reason(tmp_path: Path) -> None:
    bad = {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "Nope", "Value": "x"}}
    bad["Metadata"] = {"cfn-lint": {"config": {"ignore_checks": ["E3030"]}}}
    findings, acknowledged = verify_template(_write(tmp_path, {"P": bad}), "H", checkov=CHECKOV)
    assert [(f.rule, f.message) for f in findings] == [
        ("E3030", "acknowledged without a written reason")
    ]
    assert [f.rule for f in acknowledged] == ["E3030"]


def test_checkov_failures_and_skips(tmp_path: Path) -> None:
    bucket = {"Type": "AWS::S3::Bucket", "Properties": {}}
    findings, _ = verify_template(_write(tmp_path, {"B": bucket}), "H", checkov=CHECKOV)
    failed = {f.rule for f in findings if f.tool == "checkov"}
    assert {"CKV_AWS_18", "CKV_AWS_21"} <= failed  # access logging, versioning

    bucket["Metadata"] = {"checkov": {"skip": [{"id": "CKV_AWS_18", "comment": "short"}]}}
    findings, acknowledged = verify_template(_write(tmp_path, {"B": bucket}), "H", checkov=CHECKOV)
    assert ("CKV_AWS_18", "acknowledged without a written reason") in {
        (f.rule, f.message) for f in findings
    }
    assert [f.rule for f in acknowledged] == ["CKV_AWS_18"]


def test_acknowledgements_require_a_reason() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    bucket = s3.CfnBucket(stack, "B")
    with pytest.raises(ValueError, match="written reason"):
        acknowledge_nag(bucket, "AwsSolutions-S1", "because")
    with pytest.raises(ValueError, match="written reason"):
        ignore_cfn_lint(bucket, "W3005", "")


def test_nag_ref_renders_like_cdk_nag() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    bucket = s3.Bucket(stack, "Archive")
    assert nag_ref(stack, bucket.bucket_arn).startswith("<Archive")
    assert nag_ref(stack, bucket.bucket_arn).endswith(".Arn>")
    assert nag_ref(stack, bucket.arn_for_objects("logs/*")).endswith(".Arn>/logs/*")
    assert nag_ref(stack, "arn:aws:s3:::literal/*") == "arn:aws:s3:::literal/*"
    assert nag_ref(stack, stack.account) == "<AWS::AccountId>"
