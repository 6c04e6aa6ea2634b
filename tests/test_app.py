"""The demo app synthesizes through every check, and make run's report describes it."""

from __future__ import annotations

from pathlib import Path

import pytest

import app as demo
from tests.support.harness import Synthesized, synth
from tools import synth_report


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("demo_app", demo.build)


def test_demo_has_the_workload_stack(synthesized: Synthesized) -> None:
    template = synthesized.template("ObsDemoWorkload")
    template.resource_count_is("AWS::Logs::MetricFilter", 2)
    template.resource_count_is("AWS::CloudWatch::Alarm", 2)
    template.resource_count_is("AWS::KinesisFirehose::DeliveryStream", 1)


def test_report_prints_stacks_counts_and_validation(
    synthesized: Synthesized, capsys: pytest.CaptureFixture[str]
) -> None:
    outdir = Path(synthesized.assembly.directory)
    assert synth_report.main(["synth_report", str(outdir)]) == 0
    printed = capsys.readouterr().out
    assert "ObsDemoWorkload:" in printed
    assert "2  AWS::Logs::MetricFilter" in printed
    assert "cdk-nag AwsSolutions + NIST 800-53 R5: passed" in printed
    assert "checkov: 0 failed check(s)" in printed
    assert printed.rstrip().endswith("Result: passed")
