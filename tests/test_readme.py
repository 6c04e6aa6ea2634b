"""The README is the user's manual: its examples run, and its architecture picture is current."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from tests.audit.fixture_logs import BUCKET
from tests.support.harness import ANSWERS, CHECKOV, Synthesized
from tools import architecture

README = Path(__file__).resolve().parents[1] / "README.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


@pytest.fixture(scope="module")
def namespace() -> dict[str, Any]:
    """Every python block of the README, run in order in one namespace."""
    blocks = _BLOCK.findall(README.read_text())
    assert len(blocks) >= 10
    scope: dict[str, Any] = {"__name__": "readme"}
    for number, block in enumerate(blocks, start=1):
        try:
            exec(compile(block, f"README.md block {number}", "exec"), scope)  # noqa: S102
        except Exception as error:  # pragma: no cover - the message is the test's output
            raise AssertionError(f"README block {number} fails:\n{block}") from error
    return scope


def test_examples_build_one_app(namespace: dict[str, Any]) -> None:
    assembly = namespace["app"].synth()
    template = assembly.get_stack_by_name("Shop").template
    types = {resource["Type"] for resource in template["Resources"].values()}
    for expected in (
        "AWS::CloudTrail::Trail",
        "AWS::Glue::Table",
        "AWS::Athena::NamedQuery",
        "AWS::Events::Rule",
        "AWS::ECS::Service",
        "AWS::XRay::SamplingRule",
        "AWS::XRay::Group",
        "AWS::CloudWatch::Dashboard",
        "AWS::KinesisFirehose::DeliveryStream",
        "AWS::CloudWatch::CompositeAlarm",
        "Custom::XRayEncryptionConfig",
        "AWS::ECS::TaskDefinition",
    ):
        assert expected in types, expected


def test_the_named_alarm_exists(namespace: dict[str, Any]) -> None:
    template = namespace["app"].synth().get_stack_by_name("Shop").template
    names = {
        r["Properties"].get("AlarmName")
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert "shop-shop-orders-ordererrors-warning" in names


def test_the_remediation_example_is_invoked_by_the_alarms_it_acts_on(
    namespace: dict[str, Any],
) -> None:
    # GIVEN the README's remediation and the alarm names its actions are configured for
    stack = namespace["stack"]
    function = namespace["remediation"].function
    template = Template.from_json(namespace["app"].synth().get_stack_by_name("Shop").template)
    logical_id = stack.get_logical_id(function.node.default_child)
    variables = template.to_json()["Resources"][logical_id]["Properties"]["Environment"]
    names = sorted(json.loads(variables["Variables"]["REMEDIATION_ACTIONS"]))
    assert names == ["fix-checkout-error-storm-critical", "fix-storefront-cpu-critical"]
    # THEN each of those alarms invokes the function, which CloudWatch may invoke
    function_arn = {"Fn::GetAtt": [logical_id, "Arn"]}
    for name in names:
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {"AlarmName": name, "AlarmActions": Match.array_with([function_arn])},
        )
    template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": function_arn,
            "Principal": "lambda.alarms.cloudwatch.amazonaws.com",
            "SourceArn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":cloudwatch:eu-west-1:111122223333:alarm:fix-*",
                    ],
                ]
            },
        },
    )


def test_the_evaluator_example_reports_root_usage(namespace: dict[str, Any]) -> None:
    report = namespace["report"]
    # Detections are reported by their ConstructsObs::Detection id: the CIS filter's control
    # (CloudWatch.1), the catalogue rule's id (root-account-usage, in us-east-1 only).
    root_usage = {"CloudWatch.1", "root-account-usage"}
    fired = [d for d in report.detections_for(0) if d.id in root_usage]
    assert fired, report.summary()


def test_the_audit_example_lists_the_queries(namespace: dict[str, Any]) -> None:
    assert len(namespace["load_queries"]()) == 9


def test_the_audit_example_investigates_a_log_folder(namespace: dict[str, Any]) -> None:
    result = namespace["investigate"](str(BUCKET), "2024/02/29", "2024/03/05")
    assert result.rows  # the fixture tree holds root sign-ins and root API calls
    assert result.files_scanned
    assert not result.skipped_files
    assert result.skipped_files == ()


def test_the_readme_app_passes_cfn_lint_and_checkov(
    namespace: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The README's own check, as a user runs it from the project root after `cdk synth`.
    assembly = namespace["app"].synth()
    (tmp_path / "cdk.out").symlink_to(assembly.directory)
    monkeypatch.setenv("CONSTRUCTS_OBS_CHECKOV_PYTHON", str(CHECKOV.python))
    # The suite's own cache of checkers' answers, as a user's CI job would set it.
    monkeypatch.setenv("CONSTRUCTS_OBS_VERIFY_CACHE", str(ANSWERS.directory) if ANSWERS else "")
    monkeypatch.chdir(tmp_path)
    namespace["test_templates_are_clean"]()


def test_the_snapshot_example_snapshots_the_normalized_stack(namespace: dict[str, Any]) -> None:
    class Recorder:
        value: Any = None

        def __eq__(self, other: object) -> bool:
            self.value = other
            return True

        __hash__ = None  # type: ignore[assignment]

    recorder = Recorder()
    namespace["test_shop_stack"](recorder)
    assert isinstance(recorder.value, dict)
    assert "CDKMetadata" not in recorder.value.get("Resources", {})
    assert any(r["Type"] == "AWS::CloudTrail::Trail" for r in recorder.value["Resources"].values())


def test_architecture_picture_is_generated_from_the_app(demo_app: Synthesized) -> None:
    generated = architecture.diagram(
        Path(demo_app.assembly.directory), architecture.classes_of(demo_app.app)
    )
    assert architecture.readme_section(README.read_text()) == generated, (
        "README's architecture picture is stale: run python tools/architecture.py --write"
    )
