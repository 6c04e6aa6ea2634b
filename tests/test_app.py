"""The demo app synthesizes through every check, and make run's report describes it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import aws_cdk as cdk
import pytest

import app as demo
from constructs_obs import (
    ALL_SECURITY_DETECTIONS,
    EVERY_REGION_DETECTIONS,
    GLOBAL_SERVICE_DETECTIONS,
    VOLUME_DETECTIONS,
)
from tests.support.harness import Synthesized
from tests.support.template import render
from tools import synth_report


@pytest.fixture(scope="module")
def synthesized(demo_app: Synthesized) -> Synthesized:
    return demo_app


def test_audit_stack_has_the_trail_athena_and_detections(synthesized: Synthesized) -> None:
    template = synthesized.template("ObsDemoAudit")
    template.resource_count_is("AWS::CloudTrail::Trail", 1)
    template.resource_count_is("AWS::Glue::Table", 1)
    # CloudWatch.1-14 + CIS 4.15, and the catalogue's 3 volume detections
    template.resource_count_is("AWS::Logs::MetricFilter", 15 + len(VOLUME_DETECTIONS))
    # The regional rules of the catalogue but the two that need settings the demo does not
    # give (instance egress addresses, Bedrock principals), and the incident routing's rule
    regional = len(ALL_SECURITY_DETECTIONS) - len(GLOBAL_SERVICE_DETECTIONS) - 2
    template.resource_count_is("AWS::Events::Rule", regional + 1)


def test_global_service_detections_live_in_us_east_1(synthesized: Synthesized) -> None:
    assert synthesized.assembly.get_stack_by_name("ObsDemoGlobalDetections").environment.region == (
        "us-east-1"
    )
    # IAM and Organizations rules, and root use and console sign-in, watched in both regions
    synthesized.template("ObsDemoGlobalDetections").resource_count_is(
        "AWS::Events::Rule", len(GLOBAL_SERVICE_DETECTIONS) + len(EVERY_REGION_DETECTIONS)
    )
    # nothing left in a region where its events never arrive (the construct would warn), and
    # nothing left off the dashboard
    assert not synthesized.warnings


def test_the_dashboard_stack_shows_every_alarm_of_the_other_stacks(
    synthesized: Synthesized,
) -> None:
    (dashboard,) = synthesized.resources("AWS::CloudWatch::Dashboard", "ObsDemoDashboard").values()
    body = json.loads(render(dashboard["Properties"]["DashboardBody"]))
    shown = [
        arn
        for widget in body["widgets"]
        if widget["type"] == "alarm"
        for arn in widget["properties"]["alarms"]
    ]
    names = [
        alarm["Properties"].get("AlarmName")
        for stack in ("ObsDemoAudit", "ObsDemoWorkload")
        for type_ in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
        for alarm in synthesized.resources(type_, stack).values()
    ]
    named = {name for name in names if isinstance(name, str)}
    assert len(named) > 30
    # Every alarm is named (the library's monitors too) and listed by its written-out ARN.
    assert len(named) == len(names)
    assert {arn.rsplit(":alarm:", 1)[1] for arn in shown} == named


def test_the_dashboard_needs_no_exports_under_strong_references(
    synthesized: Synthesized,
) -> None:
    """cdk.json keeps CDK's strong references; the dashboard writes out what it shows, and the
    security rules are named, their metrics carrying the literal rule name: no stack imports or
    exports anything."""
    for stack in ("ObsDemoAudit", "ObsDemoWorkload", "ObsDemoGlobalDetections", "ObsDemoDashboard"):
        template = json.dumps(synthesized.raw(stack))
        assert re.findall(r'"Fn::ImportValue": "([^"]+)"', template) == [], stack
        assert "Outputs" not in synthesized.raw(stack), stack
    dashboard = json.dumps(synthesized.raw("ObsDemoDashboard"))
    assert "security-root-account-usage" in dashboard  # a rule's metric, by its name


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
    remediated = {
        "demo-orders-orders-db-free-storage-space-critical": "reboot_rds_instance",
        "demo-orders-checkout-errors-critical": "limit_lambda_concurrency",
        "demo-orders-storefront-cpu-utilization-critical": "scale_ecs_service",
    }
    for name in remediated:
        targets = [str(action) for action in alarms[name]["AlarmActions"]]
        assert any("OncallTopic" in t for t in targets), name
        assert any("Remediation" in t for t in targets), name
    assert "demo-orders-checkout-duration-p99-warning" in alarms
    # The remediation function knows what to do for each of them.
    (function,) = [
        r["Properties"]
        for k, r in resources.items()
        if r["Type"] == "AWS::Lambda::Function" and k.startswith("Remediation")
    ]
    actions = json.loads(render(function["Environment"]["Variables"]["REMEDIATION_ACTIONS"]))
    assert {name: action["action"] for name, action in actions.items()} == remediated


def test_the_storefront_is_a_traced_fargate_service(synthesized: Synthesized) -> None:
    template = synthesized.template("ObsDemoWorkload")
    template.resource_count_is("AWS::ECS::Service", 1)
    (task,) = synthesized.resources("AWS::ECS::TaskDefinition", "ObsDemoWorkload").values()
    containers = {c["Name"]: c for c in task["Properties"]["ContainerDefinitions"]}
    assert set(containers) == {"app", "aws-otel-collector"}
    assert containers["app"]["DependsOn"] == [
        {"ContainerName": "aws-otel-collector", "Condition": "START"}
    ]
    assert containers["aws-otel-collector"]["Essential"] is False


def test_account_comes_from_context_then_cli_and_region_from_context_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CDK_DEFAULT_ACCOUNT", raising=False)
    monkeypatch.delenv("CDK_DEFAULT_REGION", raising=False)
    defaults = demo.environment(cdk.App())
    assert (defaults.account, defaults.region) == (demo.DEMO_ACCOUNT, demo.DEMO_REGION)
    # GIVEN a CLI whose default region is us-east-1
    monkeypatch.setenv("CDK_DEFAULT_ACCOUNT", "210987654321")
    monkeypatch.setenv("CDK_DEFAULT_REGION", "us-east-1")
    from_cli = demo.environment(cdk.App())
    # THEN the account follows the CLI, the region stays the demo's (four stacks, not three)
    assert (from_cli.account, from_cli.region) == ("210987654321", demo.DEMO_REGION)
    app = cdk.App()
    demo.build(app)
    assert sorted(child.node.id for child in app.node.children) == [
        "ObsDemoAudit",
        "ObsDemoDashboard",
        "ObsDemoGlobalDetections",
        "ObsDemoWorkload",
    ]
    chosen = demo.environment(cdk.App(context={"account": "111111111111", "region": "sa-east-1"}))
    assert (chosen.account, chosen.region) == ("111111111111", "sa-east-1")


def test_report_prints_stacks_counts_and_validation(
    synthesized: Synthesized, capsys: pytest.CaptureFixture[str]
) -> None:
    outdir = Path(synthesized.assembly.directory)
    assert synth_report.main(["synth_report", str(outdir)]) == 0
    printed = capsys.readouterr().out
    assert "ObsDemoAudit:" in printed
    assert "ObsDemoWorkload:" in printed
    # Which four stacks, and where: the global detections in us-east-1, the rest in eu-west-1
    assert re.search(r"Synthesized 4 stack\(s\)", printed)
    assert re.search(r"ObsDemoGlobalDetections +aws://\d{12}/us-east-1", printed)
    assert re.search(r"ObsDemoDashboard +aws://\d{12}/eu-west-1", printed)
    assert "18  AWS::Logs::MetricFilter" in printed  # 15 CIS, 3 volume detections
    assert "cdk-nag AwsSolutions + NIST 800-53 R5: passed" in printed
    assert "checkov: 0 failed check(s)" in printed
    assert printed.rstrip().endswith("Result: passed")
