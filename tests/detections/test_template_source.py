"""Reading templates: metric filters and rules found, intrinsics skipped, errors named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk
import pytest
from aws_cdk import aws_events as events
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

from constructs_obs.detections import (
    DETECTION_METADATA,
    DetectionKind,
    DetectionSet,
    DetectionTemplateError,
    load_records,
    template_region,
)
from tests.detections.catalogue_stack import USER_CREATED, catalogue_stack
from tests.detections.helpers import FIXTURES, SECURITY_HUB
from tests.detections.sample_template import EXPECTED, SIGN_IN, TEMPLATE, metric_filter, rule


def test_collects_metric_filters_and_rules(detections: DetectionSet) -> None:
    assert [detection.id for detection in detections] == list(EXPECTED)
    root = detections["RootUsageFilter"]
    assert root.kind is DetectionKind.METRIC_FILTER
    kind: str = root.kind  # a StrEnum: compares equal to its value
    assert kind == "metric_filter"
    assert root.name == "RootAccountUsage"
    assert root.metric_namespace == "CISBenchmark"
    assert root.log_group == {"Ref": "TrailLogGroup"}  # as found in the template
    assert root.pattern == SECURITY_HUB["CloudWatch.1"]
    assert root.template == "template"
    mfa = detections["SignInWithoutMfaRule"]
    assert mfa.kind == "rule"
    assert (mfa.name, mfa.state, mfa.event_bus) == ("sign-in-without-mfa", "ENABLED", None)
    assert json.loads(mfa.pattern)["source"] == ["aws.signin"]
    kms = detections["KmsServiceEventRule"]  # given as JSON text in the template
    assert (kms.name, kms.label, kms.state) == (None, "KmsServiceEventRule", "ENABLED")
    assert detections["DisabledRule"].enabled is False
    assert detections["CustomBusRule"].event_bus == "security-bus"
    assert repr(detections) == "<DetectionSet of 11 detections (5 metric filters, 6 rules)>"


def test_intrinsic_patterns_are_skipped_with_a_reason(detections: DetectionSet) -> None:
    skipped = {skip.logical_id: skip for skip in detections.skipped}
    assert set(skipped) == {"JoinedFilter", "ThisAccountRule"}
    assert skipped["JoinedFilter"].kind == "metric_filter"
    assert "Fn::Join" in skipped["JoinedFilter"].reason
    assert "Ref at account[0]" in skipped["ThisAccountRule"].reason
    assert str(skipped["ThisAccountRule"]).startswith(
        "rule ThisAccountRule (template) not evaluated: EventPattern uses a CloudFormation"
    )


def test_a_template_file_gives_the_same_detections(
    tmp_path: Path, detections: DetectionSet
) -> None:
    path = tmp_path / "Audit.template.json"
    path.write_text(json.dumps(TEMPLATE))
    from_file = DetectionSet.from_template(path)
    assert [(d.id, d.kind, d.name, d.pattern, d.state) for d in from_file] == [
        (d.id, d.kind, d.name, d.pattern, d.state) for d in detections
    ]
    assert {detection.template for detection in from_file} == {"Audit"}
    assert DetectionSet.from_template(str(path), label="audit").detections[0].template == "audit"


@pytest.mark.parametrize(
    ("resource", "problem"),
    [
        (
            metric_filter("{ $.eventName = }", "X"),
            "FilterPattern is not valid: invalid filter pattern at column 17",
        ),
        (
            rule({"source": "aws.iam"}, Name="x"),
            "EventPattern is not valid: invalid event pattern at source",
        ),
        (rule("{not json"), "EventPattern is not valid JSON"),
        (rule(["aws.iam"]), "EventPattern is not a JSON object"),
    ],
)
def test_invalid_patterns_name_the_resource(resource: dict[str, Any], problem: str) -> None:
    with pytest.raises(DetectionTemplateError) as raised:
        DetectionSet.from_template({"Resources": {"Broken": resource}}, label="audit")
    assert raised.value.where == "audit: Broken"
    assert problem in raised.value.problem


def test_unreadable_templates(tmp_path: Path) -> None:
    with pytest.raises(DetectionTemplateError, match="no Resources section"):
        DetectionSet.from_template({"Outputs": {}})
    yaml = tmp_path / "stack.template.yaml"
    yaml.write_text("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n")
    with pytest.raises(DetectionTemplateError, match="only JSON templates are supported"):
        DetectionSet.from_template(yaml)
    with pytest.raises(DetectionTemplateError, match="cannot read"):
        DetectionSet.from_template(tmp_path / "missing.template.json")
    scalar = tmp_path / "scalar.json"
    scalar.write_text("[]")
    with pytest.raises(DetectionTemplateError, match="a template is a JSON object"):
        DetectionSet.from_template(scalar)
    with pytest.raises(TypeError, match=r"aws_cdk\.Stack"):
        DetectionSet.from_template(42)  # type: ignore[arg-type]


def test_several_templates_qualify_the_ids_they_share() -> None:
    audit = {"Resources": {"RootUsageFilter": TEMPLATE["Resources"]["RootUsageFilter"]}}
    other = {
        "Resources": {
            "RootUsageFilter": TEMPLATE["Resources"]["RootUsageFilter"],
            "KmsServiceEventRule": TEMPLATE["Resources"]["KmsServiceEventRule"],
        }
    }
    detections = DetectionSet.from_templates(audit, other)
    assert [detection.id for detection in detections] == [
        "template/RootUsageFilter",
        "template#2/RootUsageFilter",
        "KmsServiceEventRule",
    ]
    report = detections.evaluate(load_records(FIXTURES))
    assert report.fired("template#2/RootUsageFilter") == [3, 4]
    assert report.fired("KmsServiceEventRule") == [7]
    with pytest.raises(KeyError, match="logical id of several detections"):
        report.fired("RootUsageFilter")


@pytest.fixture(scope="module")
def stack() -> aws_cdk.Stack:
    app = aws_cdk.App()
    stack = aws_cdk.Stack(app, "AuditDetections")
    log_group = logs.LogGroup(stack, "TrailLogs")
    logs.MetricFilter(
        stack,
        "RootUsage",
        log_group=log_group,
        filter_pattern=logs.FilterPattern.literal(SECURITY_HUB["CloudWatch.1"]),
        metric_name="RootAccountUsage",
        metric_namespace="CISBenchmark",
    )
    events.Rule(
        stack,
        "SignInWithoutMfa",
        rule_name="sign-in-without-mfa",
        event_pattern=events.EventPattern(
            source=["aws.signin"],
            detail_type=[SIGN_IN],
            detail={"additionalEventData": {"MFAUsed": [{"anything-but": "Yes"}]}},
        ),
    )
    events.Rule(
        stack,
        "IamInThisAccount",
        event_pattern=events.EventPattern(source=["aws.iam"], account=[stack.account]),
    )
    return stack


def test_a_cdk_stack(stack: aws_cdk.Stack) -> None:
    detections = DetectionSet.from_template(stack)
    by_name = {detection.label: detection for detection in detections}
    assert set(by_name) == {"RootAccountUsage", "sign-in-without-mfa"}
    root = by_name["RootAccountUsage"]
    assert root.template == "AuditDetections"
    assert root.logical_id.startswith("RootUsage")
    assert root.log_group == {"Ref": next(iter(_log_groups(stack)))}
    assert [skip.logical_id.startswith("IamInThisAccount") for skip in detections.skipped] == [True]
    report = detections.evaluate(load_records(FIXTURES))
    assert report.fired(root.id) == [3, 4]
    assert report.fired(by_name["sign-in-without-mfa"].id) == [0, 3]


def _log_groups(stack: aws_cdk.Stack) -> list[str]:
    return list(Template.from_stack(stack).find_resources("AWS::Logs::LogGroup"))


@pytest.fixture(scope="module")
def catalogue() -> aws_cdk.Stack:
    return catalogue_stack("eu-west-1")


def test_detection_metadata_gives_ids_titles_severities(catalogue: aws_cdk.Stack) -> None:
    # GIVEN a stack whose filters and rules carry ConstructsObs::Detection metadata
    # WHEN its detections are read
    detections = DetectionSet.from_template(catalogue)
    by_logical = {d.logical_id[:-8]: d for d in detections}
    # THEN each is named by its catalogue id, with title, severity and ATT&CK ids
    user = by_logical["UserCreated"]
    assert (user.id, user.detection_id, user.title) == (
        USER_CREATED["id"],
        USER_CREATED["id"],
        "IAM user created",
    )
    assert (user.severity, user.attack, user.label) == ("MEDIUM", ("T1136.003",), user.title)
    # a catalogue id served by a metric filter and a rule: qualified by logical id
    root_ids = sorted(d.id for d in detections if d.detection_id == "CloudWatch.1")
    assert root_ids == sorted(
        f"CloudWatch.1/{d.logical_id}" for d in detections if d.detection_id == "CloudWatch.1"
    )
    assert len(root_ids) == 2
    # without metadata: the logical id, as before
    untagged = by_logical["Untagged"]
    assert (untagged.id, untagged.detection_id, untagged.severity) == (
        untagged.logical_id,
        None,
        None,
    )
    # and the stack's region comes with them
    assert {d.region for d in detections} == {"eu-west-1"}


@pytest.mark.parametrize(
    ("metadata", "problem"),
    [
        ({"title": "no id"}, 'non-empty "id"'),
        ("CloudWatch.1", 'non-empty "id"'),
        ({"id": "x", "attack": "T1098"}, '"attack" must be an array'),
    ],
    ids=["no-id", "not-an-object", "attack-not-a-list"],
)
def test_malformed_detection_metadata_is_an_error(metadata: Any, problem: str) -> None:
    resource = {**rule({"source": ["aws.iam"]}), "Metadata": {DETECTION_METADATA: metadata}}
    with pytest.raises(DetectionTemplateError, match=problem) as raised:
        DetectionSet.from_template({"Resources": {"Tagged": resource}})
    assert "template: Tagged" in str(raised.value)


def test_region_comes_from_the_stack_the_manifest_or_the_caller(tmp_path: Path) -> None:
    # An environment-agnostic stack has no region; the caller may give one.
    assert template_region(aws_cdk.Stack(aws_cdk.App(), "Agnostic")) is None
    assert template_region({"Resources": {}}) is None
    # A cloud assembly's manifest gives the region of each template file.
    template = tmp_path / "Audit.template.json"
    template.write_text(json.dumps(TEMPLATE))
    assert template_region(template) is None  # no manifest yet
    manifest = {
        "artifacts": {
            "Audit": {
                "type": "aws:cloudformation:stack",
                "environment": "aws://111122223333/ap-southeast-2",
                "properties": {"templateFile": "Audit.template.json"},
            },
            "Other": {"environment": "aws://111122223333/unknown-region"},
        }
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert template_region(template) == "ap-southeast-2"
    assert {d.region for d in DetectionSet.from_template(template)} == {"ap-southeast-2"}
    given = DetectionSet.from_template(TEMPLATE, region="eu-central-1")
    assert {d.region for d in given} == {"eu-central-1"}
