"""CisBenchmarkAlarms: exact Security Hub patterns, one metric and routed alarm per control."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Annotations, Match

from constructs_obs import (
    ALL_CIS_CONTROLS,
    AlarmRouting,
    AlarmTopic,
    CisBenchmarkAlarms,
    CisControl,
    EncryptedLogGroup,
    InvalidParameterError,
    Severity,
)
from tests.support.harness import Synthesized, new_stack, synth

SECURITY_HUB = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "security_hub_patterns.json").read_text()
)["patterns"]


def _build(app: cdk.App) -> None:
    stack = new_stack(app, "Cis")
    topic = AlarmTopic(stack, "Security", email_addresses=["security@example.com"])
    routing = AlarmRouting(stack, "Routing", name_prefix="sec", critical=[topic], warning=[topic])
    trail_logs = EncryptedLogGroup(stack, "TrailLogs", log_group_name="/audit/cloudtrail")
    CisBenchmarkAlarms(
        stack,
        "Cis",
        trail_log_group=trail_logs.log_group,
        routing=routing,
        prowler_variants=True,
        severities={CisControl.VPC_CHANGES: Severity.CRITICAL},
    )


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("cis_alarms", _build)


def _filters(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        f["Properties"]["MetricTransformations"][0]["MetricName"]: f["Properties"]
        for f in synthesized.resources("AWS::Logs::MetricFilter").values()
    }


def test_one_filter_per_control_plus_the_prowler_variants(synthesized: Synthesized) -> None:
    assert len(_filters(synthesized)) == len(ALL_CIS_CONTROLS) + 2 == 17


@pytest.mark.parametrize("control_id", [f"CloudWatch.{n}" for n in range(1, 15)])
def test_security_hub_patterns_are_byte_for_byte(synthesized: Synthesized, control_id: str) -> None:
    patterns = {f["FilterPattern"] for f in _filters(synthesized).values()}
    assert SECURITY_HUB[control_id] in patterns


def test_organizations_pattern_is_the_cis_text(synthesized: Synthesized) -> None:
    filters = _filters(synthesized)
    assert filters["OrganizationsChanges"]["FilterPattern"] == SECURITY_HUB["CIS3.0-4.15 orgs"]


def test_prowler_variants_add_what_prowler_looks_for(synthesized: Synthesized) -> None:
    filters = _filters(synthesized)
    routes = filters["RouteTableChangesEc2"]["FilterPattern"]
    assert "($.eventSource = ec2.amazonaws.com)" in routes
    organizations = filters["OrganizationsChangesAll"]["FilterPattern"]
    for name in ("CancelHandshake", "CreateOrganization", "EnableAllFeatures"):
        assert f'($.eventName = "{name}")' in organizations


def test_filters_are_on_the_trail_log_group_with_a_default_of_zero(
    synthesized: Synthesized,
) -> None:
    for properties in _filters(synthesized).values():
        assert properties["LogGroupName"]["Ref"].startswith("TrailLogs")
        (transformation,) = properties["MetricTransformations"]
        assert transformation["MetricNamespace"] == "CISBenchmark"
        assert transformation["MetricValue"] == "1"
        assert transformation["DefaultValue"] == 0


def _alarms(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in synthesized.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("AlarmName", "").startswith("sec-cis-")
    }


def test_each_alarm_names_its_control_and_notifies_the_topic(synthesized: Synthesized) -> None:
    alarms = _alarms(synthesized)
    assert len(alarms) == 17
    root = alarms["sec-cis-cloudwatch.1-rootaccountusage-critical"]
    assert root["AlarmDescription"].startswith(
        "[CRITICAL] CloudWatch.1 (CIS 4.3): usage of the root account"
    )
    assert root["MetricName"] == "RootAccountUsage"
    assert root["Threshold"] == 1
    assert root["Statistic"] == "Sum"
    assert root["TreatMissingData"] == "notBreaching"
    for alarm in alarms.values():
        assert alarm["AlarmActions"][0]["Ref"].startswith("Security")


def test_severity_defaults_and_overrides(synthesized: Synthesized) -> None:
    names = set(_alarms(synthesized))
    assert "sec-cis-cloudwatch.10-securitygroupchanges-warning" in names
    assert "sec-cis-cloudwatch.14-vpcchanges-critical" in names  # overridden
    assert "sec-cis-cis.4.15-organizationschanges-critical" in names


def test_a_subset_of_controls_without_routing() -> None:
    stack = cdk.Stack(cdk.App(), "Subset")
    logs = EncryptedLogGroup(stack, "Trail")
    cis = CisBenchmarkAlarms(
        stack,
        "Cis",
        trail_log_group=logs.log_group,
        routing=None,
        controls=[CisControl.ROOT_USAGE, CisControl.ROOT_USAGE, CisControl.NACL_CHANGES],
    )
    assert set(cis.alarms) == {CisControl.ROOT_USAGE, CisControl.NACL_CHANGES}
    assert set(cis.metric_filters) == set(cis.alarms)
    Annotations.from_stack(stack).has_warning(
        "/Subset/Cis", Match.string_like_regexp("routing=None: the CIS alarms have no actions")
    )


def test_warns_when_the_routing_has_no_topic_for_a_severity() -> None:
    stack = cdk.Stack(cdk.App(), "NoTopic")
    logs = EncryptedLogGroup(stack, "Trail")
    responder = lambda_.Function.from_function_arn(
        stack, "Responder", "arn:aws:lambda:eu-west-1:123456789012:function:responder"
    )
    routing = AlarmRouting(stack, "Routing", name_prefix="x", critical=[responder])
    CisBenchmarkAlarms(
        stack,
        "Cis",
        trail_log_group=logs.log_group,
        routing=routing,
        controls=[CisControl.ROOT_USAGE],
    )
    Annotations.from_stack(stack).has_warning(
        "/NoTopic/Cis", Match.string_like_regexp("the routing has no topic for critical alarms")
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"controls": []}, "controls: name at least one CisControl"),
        ({"controls": ["CloudWatch.1"]}, "controls: 'CloudWatch.1' is not a CisControl"),
        ({"namespace": "AWS/Custom"}, "namespace: namespaces starting with 'AWS/'"),
        ({"severities": {CisControl.ROOT_USAGE: "high"}}, "severities: "),
        ({"period": cdk.Duration.seconds(90)}, "period: 90 s is not a period CloudWatch accepts"),
        ({"period": 300}, "period: expected a Duration"),
    ],
)
def test_bad_input(kwargs: dict[str, Any], message: str) -> None:
    stack = cdk.Stack(cdk.App(), "Bad")
    logs = EncryptedLogGroup(stack, "Trail")
    with pytest.raises(InvalidParameterError, match=message):
        CisBenchmarkAlarms(stack, "Cis", trail_log_group=logs.log_group, routing=None, **kwargs)
