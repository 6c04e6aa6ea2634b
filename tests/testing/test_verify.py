"""The verification harness itself: each checker it runs can fail a test, and says why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs

from constructs_obs.acknowledge import acknowledge_nag, ignore_cfn_lint, nag_ref
from constructs_obs.testing import (
    AnswerCache,
    CheckovWorker,
    acknowledged_rules,
    validation_report_findings,
    verify,
    verify_assembly,
)
from tests.support.harness import (
    CDK_CONTEXT,
    CHECKOV,
    VerificationError,
    new_stack,
    synth,
    verify_template,
)


def test_unacknowledged_nag_findings_fail_with_the_list() -> None:
    def build(app: cdk.App) -> None:
        s3.Bucket(new_stack(app), "Plain")

    with pytest.raises(VerificationError) as info:
        synth("harness_nag", build)
    message = str(info.value)
    assert "AwsSolutions-S10" in message  # no TLS-only policy
    assert "NIST.800.53.R5-S3BucketLoggingEnabled" in message
    assert "Test/Plain/Resource" in message


def _queue_without_dlq(app: cdk.App) -> sqs.Queue:
    # Encrypted and TLS-only, but no dead-letter queue: AwsSolutions-SQS3 fires.
    return sqs.Queue(
        new_stack(app),
        "Queue",
        encryption=sqs.QueueEncryption.KMS_MANAGED,
        enforce_ssl=True,
    )


def test_acknowledged_nag_findings_pass() -> None:
    def unacknowledged(app: cdk.App) -> None:
        _queue_without_dlq(app)

    with pytest.raises(VerificationError, match="AwsSolutions-SQS3 at Test/Queue"):
        synth("harness_sqs3", unacknowledged)

    def acknowledged(app: cdk.App) -> None:
        queue = _queue_without_dlq(app)
        acknowledge_nag(queue, "AwsSolutions-SQS3", "This queue is a DLQ of an SNS subscription.")

    result = synth("harness_ok", acknowledged)
    assert "AWS::SQS::Queue" in json.dumps(result.raw())
    assert ("AwsSolutions-SQS3", "/Test/Queue") in {(f.rule, f.where) for f in result.acknowledged}


def test_acknowledgements_made_without_the_helper_need_a_reason_too() -> None:
    def build(app: cdk.App) -> None:
        queue = _queue_without_dlq(app)
        cdk.Validations.of(queue).acknowledge(
            cdk.Acknowledgment(id="AwsSolutions-SQS3", reason="ok")
        )

    with pytest.raises(VerificationError, match="acknowledged without a written reason"):
        synth("harness_short_reason", build)


def test_cloudformations_own_validation_runs() -> None:
    # cdk.json turns on @aws-cdk/core:validateAgainstDefaultRules: CloudFormation's rules
    # (here: a retention below SQS's minimum of 60 seconds) fail the synthesis too.
    assert CDK_CONTEXT["@aws-cdk/core:validateAgainstDefaultRules"] is True

    def build(app: cdk.App) -> None:
        queue = _queue_without_dlq(app)
        acknowledge_nag(queue, "AwsSolutions-SQS3", "This queue is a DLQ of an SNS subscription.")
        cfn = queue.node.default_child
        assert isinstance(cfn, sqs.CfnQueue)
        cfn.message_retention_period = 5

    with pytest.raises(VerificationError) as info:
        synth("harness_cfn_validate", build)
    assert "[CloudFormation Validate] F3034 at Test/Queue" in str(info.value)


def test_every_path_may_be_text_as_app_outdir_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an assembly with an acknowledged nag finding, named by text (cdk.App.outdir is str)
    def build(app: cdk.App) -> None:
        queue = _queue_without_dlq(app)
        acknowledge_nag(queue, "AwsSolutions-SQS3", "This queue is a DLQ of an SNS subscription.")

    outdir: str = synth("harness_text_paths", build).app.outdir
    as_path = verify_assembly(Path(outdir), checkov=CHECKOV)
    # WHEN it is checked afresh (nothing remembered in the process), with a cache named by text
    monkeypatch.setattr(verify, "_CHECKED", {})
    cache = tmp_path / "cache"
    as_text = verify_assembly(outdir, checkov=CHECKOV, cache=AnswerCache(str(cache)))
    # THEN it answers as for a Path (text raised TypeError), keeping cfn-lint's and checkov's
    assert as_text == as_path
    assert as_text.stacks == {"Test": Path(outdir) / "Test.template.json"}
    assert len(list(cache.glob("??/*.json"))) == 2
    # AND the other functions take text too
    assert acknowledged_rules(outdir) == acknowledged_rules(Path(outdir)) != []
    severities = {"warning", "error"}
    assert validation_report_findings(outdir, severities=severities) == (
        validation_report_findings(Path(outdir), severities=severities)
    )
    template = f"{outdir}/Test.template.json"
    assert verify_template(template, "Test", region="eu-west-1", checkov=CHECKOV) == (
        verify_template(Path(template), "Test", region="eu-west-1", checkov=CHECKOV)
    )
    assert CheckovWorker(str(CHECKOV.python)).python == CHECKOV.python  # not started


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
    # A warning (W3005: a redundant DependsOn) may be acknowledged, with a reason.
    redundant: dict[str, Any] = {
        "Type": "AWS::SSM::Parameter",
        "Properties": {"Type": "String", "Value": {"Fn::GetAtt": ["Q", "QueueName"]}},
        "DependsOn": ["Q"],
    }
    queue: dict[str, Any] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    redundant["Metadata"] = {"cfn-lint": {"config": {"ignore_checks": ["W3005"]}}}
    template: dict[str, object] = {"P": redundant, "Q": queue}
    findings, acknowledged = verify_template(_write(tmp_path, template), "H", checkov=CHECKOV)
    lint = [(f.rule, f.message) for f in findings if f.tool == "cfn-lint"]
    assert lint == [("W3005", "acknowledged without a written reason")]
    assert [f.rule for f in acknowledged if f.tool == "cfn-lint"] == ["W3005"]
    redundant["Metadata"]["constructs-obs:acknowledgements"] = {
        "cfn-lint": {"W3005": "The dependency is stated twice on purpose in this test."}
    }
    findings, _ = verify_template(_write(tmp_path, template), "H", checkov=CHECKOV)
    assert [f for f in findings if f.tool == "cfn-lint"] == []


def test_cfn_lint_errors_cannot_be_acknowledged(tmp_path: Path) -> None:
    bad = {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "Nope", "Value": "x"}}
    bad["Metadata"] = {
        "cfn-lint": {"config": {"ignore_checks": ["E3030"]}},
        "constructs-obs:acknowledgements": {
            "cfn-lint": {"E3030": "A reason long enough, yet errors stay errors."}
        },
    }
    findings, _ = verify_template(_write(tmp_path, {"P": bad}), "H", checkov=CHECKOV)
    assert [(f.rule, f.message) for f in findings if f.tool == "cfn-lint"] == [
        ("E3030", "a cfn-lint error cannot be acknowledged")
    ]


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
