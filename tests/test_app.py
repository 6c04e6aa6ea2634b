"""The demo app synthesizes through every check, and make run's report describes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from constructs_obs import ALL_SECURITY_DETECTIONS, GLOBAL_SERVICE_DETECTIONS
from tests.support.harness import Synthesized
from tools import synth_report


@pytest.fixture(scope="module")
def synthesized(demo_app: Synthesized) -> Synthesized:
    return demo_app


def test_audit_stack_has_the_trail_athena_and_detections(synthesized: Synthesized) -> None:
    template = synthesized.template("ObsDemoAudit")
    template.resource_count_is("AWS::CloudTrail::Trail", 1)
    template.resource_count_is("AWS::Glue::Table", 1)
    template.resource_count_is("AWS::Logs::MetricFilter", 15)  # CloudWatch.1-14 + CIS 4.15
    regional = len(ALL_SECURITY_DETECTIONS) - len(GLOBAL_SERVICE_DETECTIONS)
    template.resource_count_is("AWS::Events::Rule", regional + 1)  # + incident routing


def test_global_service_detections_live_in_us_east_1(synthesized: Synthesized) -> None:
    assert synthesized.assembly.get_stack_by_name("ObsDemoGlobalDetections").environment.region == (
        "us-east-1"
    )
    synthesized.template("ObsDemoGlobalDetections").resource_count_is(
        "AWS::Events::Rule", len(GLOBAL_SERVICE_DETECTIONS)
    )
    assert not synthesized.warnings  # nothing left in a region where its events never arrive


def test_the_dashboard_stack_shows_the_other_stacks(synthesized: Synthesized) -> None:
    (dashboard,) = synthesized.resources("AWS::CloudWatch::Dashboard", "ObsDemoDashboard").values()
    body = str(dashboard["Properties"]["DashboardBody"])
    assert "ObsDemoAudit" in body
    assert "ObsDemoWorkload" in body


def test_cis_filters_sit_on_the_trails_log_group(synthesized: Synthesized) -> None:
    audit = synthesized.raw("ObsDemoAudit")["Resources"]
    trail = next(r for r in audit.values() if r["Type"] == "AWS::CloudTrail::Trail")
    trail_group = trail["Properties"]["CloudWatchLogsLogGroupArn"]["Fn::GetAtt"][0]
    for resource in audit.values():
        if resource["Type"] == "AWS::Logs::MetricFilter":
            assert resource["Properties"]["LogGroupName"] == {"Ref": trail_group}


def test_workload_has_presets_routed_to_topic_and_remediation(synthesized: Synthesized) -> None:
    resources = synthesized.raw("ObsDemoWorkload")["Resources"]
    alarms = {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and "AlarmName" in r["Properties"]
    }
    storage = alarms["demo-orders-orders-db-free-storage-space-critical"]
    targets = [str(action) for action in storage["AlarmActions"]]
    assert any("OncallTopic" in t for t in targets)
    assert any("Remediation" in t for t in targets)
    assert "demo-orders-checkout-errors-critical" in alarms
    assert "demo-orders-checkout-duration-p99-warning" in alarms


def test_report_prints_stacks_counts_and_validation(
    synthesized: Synthesized, capsys: pytest.CaptureFixture[str]
) -> None:
    outdir = Path(synthesized.assembly.directory)
    assert synth_report.main(["synth_report", str(outdir)]) == 0
    printed = capsys.readouterr().out
    assert "ObsDemoAudit:" in printed
    assert "ObsDemoWorkload:" in printed
    assert "15  AWS::Logs::MetricFilter" in printed
    assert "cdk-nag AwsSolutions + NIST 800-53 R5: passed" in printed
    assert "checkov: 0 failed check(s)" in printed
    assert printed.rstrip().endswith("Result: passed")
