"""Snapshots of the demo stacks (normalized: no asset hashes or version churn), and the
normalizer itself. Update with ``pytest --snapshot-update`` after an intended change."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from syrupy.assertion import SnapshotAssertion

from constructs_obs import EncryptedLogGroup
from constructs_obs.testing import ASSET_HASH_PLACEHOLDER, normalized_template
from tests.support.harness import Synthesized, new_stack, synth
from tests.support.resources import compliant_function

DEMO_STACKS = ["ObsDemoAudit", "ObsDemoWorkload", "ObsDemoGlobalDetections", "ObsDemoDashboard"]


@pytest.mark.parametrize("stack", DEMO_STACKS)
def test_demo_stack_snapshot(
    demo_app: Synthesized, stack: str, snapshot: SnapshotAssertion
) -> None:
    assert normalized_template(demo_app.raw(stack)) == snapshot


def _with_churn() -> dict[str, Any]:
    def build(app: cdk.App) -> None:
        stack = new_stack(app, "Churn")
        EncryptedLogGroup(stack, "Logs")
        code = lambda_.Code.from_asset(str(Path(__file__).parent / "fixtures" / "cloudtrail"))
        compliant_function(stack, "Fn", code=code)

    template = copy.deepcopy(synth("snapshot_churn", build).raw("Churn"))
    template["Resources"]["CDKMetadata"] = {
        "Type": "AWS::CDK::Metadata",
        "Properties": {"Analytics": "v2:deflate64:H4sIAAAAAAAA"},
        "Condition": "CDKMetadataAvailable",
    }
    template.setdefault("Conditions", {})["CDKMetadataAvailable"] = {"Fn::Equals": ["a", "a"]}
    return template


def test_normalizer_removes_churn_and_keeps_the_resources() -> None:
    raw = _with_churn()
    normalized = normalized_template(raw)
    text = json.dumps(normalized)
    assert "CDKMetadata" not in text
    assert "BootstrapVersion" not in text
    assert "aws:asset:path" not in text
    assert ASSET_HASH_PLACEHOLDER + ".zip" in text
    assert set(normalized["Resources"]) == set(raw["Resources"]) - {"CDKMetadata"}
    assert "CDKMetadata" in raw["Resources"]  # the input is not modified


def test_normalizer_accepts_a_stack_and_a_file(tmp_path: Path) -> None:
    stacks: list[cdk.Stack] = []

    def build(app: cdk.App) -> None:
        stacks.append(new_stack(app, "Plain"))
        EncryptedLogGroup(stacks[0], "Logs")

    synthesized = synth("snapshot_plain", build)
    from_stack = normalized_template(stacks[0])
    path = tmp_path / "Plain.template.json"
    path.write_text(json.dumps(synthesized.raw("Plain")))
    assert normalized_template(path) == from_stack
    assert "Parameters" not in from_stack
