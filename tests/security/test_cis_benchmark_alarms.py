"""CisBenchmarkAlarms: exact Security Hub patterns, one metric and routed alarm per control,
and filters that fire on what they should."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Annotations, Match, Template

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
from constructs_obs.detections import DetectionSet
from constructs_obs.security.cis_controls import CIS_CONTROLS
from tests.detections.cis_cases import NEGATIVE, POSITIVE
from tests.detections.helpers import api_call, sample
from tests.support.harness import Synthesized, new_stack, synth

SECURITY_HUB = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "security_hub_patterns.json").read_text()
)["patterns"]

Case = Callable[[], dict[str, Any]]
_ids: dict[str, str] = {}  # control -> logical id of its metric filter, filled by _build


def _build(app: cdk.App) -> None:
    stack = new_stack(app, "Cis")
    topic = AlarmTopic(stack, "Security", email_addresses=["security@example.com"])
    routing = AlarmRouting(stack, "Routing", name_prefix="sec", critical=[topic], warning=[topic])
    trail_logs = EncryptedLogGroup(stack, "TrailLogs", log_group_name="/audit/cloudtrail")
    cis = CisBenchmarkAlarms(
        stack,
        "Cis",
        trail_log_group=trail_logs.log_group,
        routing=routing,
        prowler_variants=True,
        severities={CisControl.VPC_CHANGES: Severity.CRITICAL},
    )
    for control, metric_filter in cis.metric_filters.items():
        _ids[control.value] = stack.resolve(metric_filter.node.default_child.logical_id)  # type: ignore[union-attr]


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


def test_every_filter_says_which_control_it_is(synthesized: Synthesized) -> None:
    # The report reads the control id, title, severity and ATT&CK ids from the metadata.
    synthesized.template().has_resource(
        "AWS::Logs::MetricFilter",
        {
            "Metadata": {
                "ConstructsObs::Detection": {
                    "id": "CloudWatch.14",
                    "title": "VPC changes",
                    "severity": "critical",  # the override
                    "attack": ["T1599"],
                }
            }
        },
    )
    filters = synthesized.resources("AWS::Logs::MetricFilter").values()
    ids = {f["Metadata"]["ConstructsObs::Detection"]["id"] for f in filters}
    assert ids == {control.value for control in CisControl}
    assert all(f["Metadata"]["ConstructsObs::Detection"]["attack"] for f in filters)


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


def test_an_encrypted_log_group_is_taken_for_its_log_group() -> None:
    # GIVEN the EncryptedLogGroup itself where an ILogGroup is expected (a JavaScript error on
    # 7a18da5: "Cannot read properties of undefined (reading 'logGroupName')")
    stack = cdk.Stack(cdk.App(), "Wrapped")
    logs = EncryptedLogGroup(stack, "Trail")
    CisBenchmarkAlarms(
        stack, "Cis", trail_log_group=logs, routing=None, controls=[CisControl.ROOT_USAGE]
    )
    # THEN the filter is on its log group
    cfn = logs.log_group.node.default_child
    assert isinstance(cfn, cdk.CfnElement)
    Template.from_stack(stack).has_resource_properties(
        "AWS::Logs::MetricFilter", {"LogGroupName": {"Ref": stack.get_logical_id(cfn)}}
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
        # FINDINGS: a JavaScript error and an AssertionError on 7a18da5.
        ({"trail_log_group": "/trail/logs"}, "trail_log_group: expected"),
        ({"trail_log_group": None}, "trail_log_group: is required"),
    ],
)
def test_bad_input(kwargs: dict[str, Any], message: str) -> None:
    stack = cdk.Stack(cdk.App(), "Bad")
    logs = EncryptedLogGroup(stack, "Trail")
    arguments: dict[str, Any] = {"trail_log_group": logs.log_group, "routing": None, **kwargs}
    with pytest.raises(InvalidParameterError, match=message):
        CisBenchmarkAlarms(stack, "Cis", **arguments)


# -- the synthesized filters fire on real CloudTrail records ----------------------------------
# Each filter is taken from the template (not from a copy of its pattern) and run by the
# offline evaluator on records built from the samples: at least three that must fire and three
# near misses that must not.


@pytest.fixture(scope="module")
def detections(synthesized: Synthesized) -> DetectionSet:
    return DetectionSet.from_template(synthesized.raw())


def _fires(detections: DetectionSet, key: str, record: dict[str, Any]) -> bool:
    report = detections.evaluate([record])
    return 0 in report.fired(_ids[key])


def test_the_template_holds_every_cis_filter(detections: DetectionSet) -> None:
    assert len(_ids) == 15 + 2  # CIS, the prowler variants
    assert not detections.skipped


_CIS: list[str] = [str(c.value) for c in CisControl if c.value in POSITIVE]


def _params(table: dict[str, dict[str, Case]], keys: list[str]) -> list[Any]:
    return [
        pytest.param(key, build, id=f"{key}-{name}")
        for key in keys
        for name, build in table[key].items()
    ]


def test_every_cis_filter_has_enough_cases() -> None:
    assert len(_CIS) == 14  # CloudWatch.1-14; CIS 4.15 has its own cases below
    for control in _CIS:
        assert len(POSITIVE[control]) >= 3, control
        assert len(NEGATIVE[control]) >= 3, control


@pytest.mark.parametrize(("control", "build"), _params(POSITIVE, _CIS))
def test_cis_filter_fires(detections: DetectionSet, control: str, build: Case) -> None:
    assert _fires(detections, control, build())


@pytest.mark.parametrize(("control", "build"), _params(NEGATIVE, _CIS))
def test_cis_filter_stays_quiet(detections: DetectionSet, control: str, build: Case) -> None:
    assert not _fires(detections, control, build())


ORGANIZATIONS = CisControl.ORGANIZATIONS_CHANGES.value
PROWLER_ROUTES = CisControl.ROUTE_TABLE_CHANGES_PROWLER.value
PROWLER_ORGANIZATIONS = CisControl.ORGANIZATIONS_CHANGES_PROWLER.value

# CIS 4.15 and the two prowler variants: (source, event name) calls that fire, and near misses.
EXTRA_FIRES: dict[str, list[tuple[str, str]]] = {
    ORGANIZATIONS: [
        ("organizations", "CreateAccount"),
        ("organizations", "LeaveOrganization"),
        ("organizations", "UpdatePolicy"),
    ],
    PROWLER_ROUTES: [
        ("ec2", "CreateRoute"),
        ("ec2", "ReplaceRouteTableAssociation"),
        ("ec2", "DeleteRouteTable"),
    ],
    PROWLER_ORGANIZATIONS: [
        ("organizations", "CancelHandshake"),
        ("organizations", "CreateOrganization"),
        ("organizations", "EnableAllFeatures"),
        ("organizations", "CreateAccount"),
    ],
}
EXTRA_QUIET: dict[str, dict[str, tuple[str, str]]] = {
    ORGANIZATIONS: {
        "read call": ("organizations", "DescribeOrganization"),
        "other service": ("iam", "CreateAccount"),
        "lower case": ("organizations", "createaccount"),
    },
    PROWLER_ROUTES: {
        "read call": ("ec2", "DescribeRouteTables"),
        # The variant's addition: the Security Hub filter, matching the name alone, fires on
        # another service's CreateRoute.
        "other service": ("apigateway", "CreateRoute"),
        "lower case": ("ec2", "createroute"),
    },
    PROWLER_ORGANIZATIONS: {
        "read call": ("organizations", "ListAccounts"),
        "other service": ("iam", "CreateOrganization"),
        "lower case": ("organizations", "cancelhandshake"),
    },
}


@pytest.mark.parametrize(
    ("control", "source", "name"),
    [(control, *call) for control, calls in EXTRA_FIRES.items() for call in calls],
)
def test_extra_filter_fires(detections: DetectionSet, control: str, source: str, name: str) -> None:
    assert _fires(detections, control, api_call(source, name))


@pytest.mark.parametrize(
    ("control", "source", "name"),
    [
        pytest.param(control, *call, id=f"{control}-{miss}")
        for control, misses in EXTRA_QUIET.items()
        for miss, call in misses.items()
    ],
)
def test_extra_filter_stays_quiet(
    detections: DetectionSet, control: str, source: str, name: str
) -> None:
    assert not _fires(detections, control, api_call(source, name))


def test_the_security_hub_route_filter_fires_where_the_prowler_variant_does_not(
    detections: DetectionSet,
) -> None:
    record = api_call("apigateway", "CreateRoute")
    assert _fires(detections, CisControl.ROUTE_TABLE_CHANGES.value, record)
    assert not _fires(detections, PROWLER_ROUTES, record)


@pytest.mark.parametrize(
    "name", ["CancelHandshake", "CreateOrganization", "EnableAllFeatures", "CreateAccount"]
)
def test_prowler_organizations_filter_fires(detections: DetectionSet, name: str) -> None:
    assert _fires(detections, PROWLER_ORGANIZATIONS, api_call("organizations", name))


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(lambda: api_call("organizations", "ListAccounts"), id="read call"),
        pytest.param(lambda: api_call("iam", "CreateOrganization"), id="other service"),
        pytest.param(lambda: api_call("organizations", "cancelhandshake"), id="lower case"),
    ],
)
def test_prowler_organizations_filter_stays_quiet(detections: DetectionSet, record: Case) -> None:
    assert not _fires(detections, PROWLER_ORGANIZATIONS, record())


@pytest.mark.parametrize("name", ["CancelHandshake", "CreateOrganization", "EnableAllFeatures"])
def test_the_prowler_organizations_variant_sees_what_cis_4_15_does_not(
    detections: DetectionSet, name: str
) -> None:
    record = api_call("organizations", name)
    assert _fires(detections, PROWLER_ORGANIZATIONS, record)
    assert not _fires(detections, ORGANIZATIONS, record)


def test_the_samples_fire_what_a_security_team_expects(detections: DetectionSet) -> None:
    records = [sample(prefix) for prefix in ("01", "03", "04", "05", "07", "08", "10")]
    report = detections.evaluate(records)
    fired = {
        index: sorted(key for key, logical_id in _ids.items() if index in report.fired(logical_id))
        for index in range(len(records))
    }
    assert fired[0] == ["CloudWatch.3"]  # IAM user, no MFA
    assert fired[1] == ["CloudWatch.6"]
    assert fired[2] == ["CloudWatch.1"]  # root console sign-in
    assert fired[3] == ["CloudWatch.1"]  # root enables MFA
    assert fired[4] == ["CloudWatch.5"]  # UpdateTrail (failed)
    assert fired[5] == []  # KMS key rotation service event
    assert fired[6] == []  # an S3 PutObject data event


# -- the trail's log group, the routing and the controls, checked before jsii sees them ------


def test_accepts_the_trails_encrypted_log_group_itself() -> None:
    # GIVEN AuditTrail.log_group, an EncryptedLogGroup rather than an ILogGroup
    stack = cdk.Stack(cdk.App(), "Wrapped")
    trail_logs = EncryptedLogGroup(stack, "Trail", log_group_name="/audit/trail")
    # WHEN
    cis = CisBenchmarkAlarms(
        stack, "Cis", trail_log_group=trail_logs, routing=None, controls=[CisControl.ROOT_USAGE]
    )
    # THEN the filter sits on the wrapped log group
    template = cdk.assertions.Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Logs::MetricFilter",
        {"LogGroupName": {"Ref": stack.get_logical_id(trail_logs.log_group.node.default_child)}},  # type: ignore[arg-type]
    )
    assert set(cis.metric_filters) == {CisControl.ROOT_USAGE}


@pytest.mark.parametrize(
    ("trail_log_group", "message"),
    [
        (None, r"trail_log_group: is required: pass the log group the trail delivers to"),
        ("/audit/cloudtrail", r"trail_log_group: expected .* got the string '/audit/cloudtrail'"),
        (42, r"trail_log_group: expected AuditTrail.log_group, .* got int"),
    ],
)
def test_refuses_what_is_not_a_log_group(trail_log_group: object, message: str) -> None:
    stack = cdk.Stack(cdk.App(), "BadLogGroup")
    with pytest.raises(InvalidParameterError, match=message):
        CisBenchmarkAlarms(stack, "Cis", trail_log_group=trail_log_group, routing=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"routing": "oncall"}, "routing: expected an AlarmRouting .* got str"),
        ({"controls": "CloudWatch.1"}, "controls: expected a collection of CisControl"),
        ({"controls": CisControl.ROOT_USAGE}, "controls: expected a collection of CisControl"),
        ({"prowler_variants": "yes"}, "prowler_variants: expected True or False, got 'yes'"),
        ({"severities": [Severity.CRITICAL]}, "severities: expected a mapping of CisControl"),
        ({"severities": {"CloudWatch.1": Severity.CRITICAL}}, "severities: 'CloudWatch.1' is not"),
    ],
)
def test_refuses_wrong_types(kwargs: dict[str, Any], message: str) -> None:
    stack = cdk.Stack(cdk.App(), "WrongTypes")
    logs = EncryptedLogGroup(stack, "Trail")
    kwargs = {"routing": None, **kwargs}
    with pytest.raises(InvalidParameterError, match=message):
        CisBenchmarkAlarms(stack, "Cis", trail_log_group=logs, **kwargs)


def test_every_pattern_is_compiled_at_construct_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a catalogue entry CloudWatch Logs would refuse (an unclosed JSON pattern)
    broken = dataclasses.replace(CIS_CONTROLS[CisControl.ROOT_USAGE], pattern="{ $.level = ")
    monkeypatch.setitem(CIS_CONTROLS, CisControl.ROOT_USAGE, broken)
    stack = cdk.Stack(cdk.App(), "Broken")
    logs = EncryptedLogGroup(stack, "Trail")
    # WHEN / THEN the construct refuses it, naming the control and showing the caret
    with pytest.raises(InvalidParameterError) as raised:
        CisBenchmarkAlarms(
            stack, "Cis", trail_log_group=logs, routing=None, controls=[CisControl.ROOT_USAGE]
        )
    message = str(raised.value)
    assert "invalid controls: CloudWatch.1: invalid filter pattern at column" in message
    assert "\n  { $.level = \n" in message
    assert message.rstrip().endswith("^")
