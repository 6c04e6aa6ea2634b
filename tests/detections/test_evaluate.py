"""DetectionSet and EvaluationReport: templates in, which detection fired for which record out."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import aws_cdk
import pytest
from aws_cdk import aws_events as events
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constructs_obs.detections import (
    Detection,
    DetectionKind,
    DetectionSet,
    DetectionTemplateError,
    RecordLoadError,
    RecordRef,
    is_read_only_management_event,
    load_records,
    to_eventbridge_event,
)
from tests.detections.helpers import (
    CIS_VARIANTS,
    FIXTURES,
    SECURITY_HUB,
    api_call,
    changed,
    delete,
    sample,
)

_SIGN_IN = "AWS Console Sign In via CloudTrail"
_API_CALL = "AWS API Call via CloudTrail"


def metric_filter(
    pattern: Any, metric: str, log_group: Any = "/aws/cloudtrail/org"
) -> dict[str, Any]:
    return {
        "Type": "AWS::Logs::MetricFilter",
        "Properties": {
            "LogGroupName": log_group,
            "FilterPattern": pattern,
            "MetricTransformations": [
                {"MetricName": metric, "MetricNamespace": "CISBenchmark", "MetricValue": "1"}
            ],
        },
    }


def rule(pattern: Any, **properties: Any) -> dict[str, Any]:
    return {"Type": "AWS::Events::Rule", "Properties": {"EventPattern": pattern, **properties}}


TEMPLATE: dict[str, Any] = {
    "Resources": {
        "TrailLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 365}},
        "RootUsageFilter": metric_filter(
            SECURITY_HUB["CloudWatch.1"], "RootAccountUsage", {"Ref": "TrailLogGroup"}
        ),
        "NoMfaFilter": metric_filter(SECURITY_HUB["CloudWatch.3"], "ConsoleSignInWithoutMfa"),
        "TrailChangesFilter": metric_filter(SECURITY_HUB["CloudWatch.5"], "CloudTrailChanges"),
        "FailedSignInTextFilter": metric_filter(
            'ConsoleLogin "Failed authentication"', "FailedSignIns"
        ),
        "AccessLogFilter": metric_filter("[w1, w2, w3 = ERROR]", "AccessLogErrors"),
        "JoinedFilter": metric_filter({"Fn::Join": ["", ["{ $.a = ", "1 }"]]}, "Joined"),
        "RootActivityRule": rule(
            {
                "detail-type": [_API_CALL, _SIGN_IN],
                "detail": {"userIdentity": {"type": ["Root"]}},
            },
            Name="root-activity",
        ),
        "SignInWithoutMfaRule": rule(
            {
                "source": ["aws.signin"],
                "detail": {
                    "eventName": ["ConsoleLogin"],
                    "additionalEventData": {"MFAUsed": [{"anything-but": "Yes"}]},
                    "responseElements": {"ConsoleLogin": ["Success"]},
                },
            },
            Name="sign-in-without-mfa",
            State="ENABLED",
        ),
        "KmsServiceEventRule": rule(
            '{"source": ["aws.kms"], "detail-type": ["AWS Service Event via CloudTrail"]}'
        ),
        "AssumeRoleRule": rule(
            {"source": ["aws.sts"], "detail": {"eventName": ["AssumeRole"]}},
            State="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
        ),
        "DisabledRule": rule({"source": ["aws.iam"]}, State="DISABLED"),
        "ThisAccountRule": rule({"account": [{"Ref": "AWS::AccountId"}], "source": ["aws.iam"]}),
        "CustomBusRule": rule({"source": ["aws.s3"]}, EventBusName="security-bus"),
        "ScheduledRule": {
            "Type": "AWS::Events::Rule",
            "Properties": {"ScheduleExpression": "rate(1 hour)"},
        },
        "Topic": {"Type": "AWS::SNS::Topic"},
    }
}

# What fires over the ten samples (indexes of tests/fixtures/cloudtrail in name order).
EXPECTED = {
    "RootUsageFilter": [3, 4],
    "NoMfaFilter": [0],
    "TrailChangesFilter": [6],
    "FailedSignInTextFilter": [2],
    "AccessLogFilter": [],
    "RootActivityRule": [3, 4],
    "SignInWithoutMfaRule": [0, 3],
    "KmsServiceEventRule": [7],
    "AssumeRoleRule": [8],
    "DisabledRule": [],
    "CustomBusRule": [9],
}


@pytest.fixture(scope="module")
def detections() -> DetectionSet:
    return DetectionSet.from_template(TEMPLATE)


@pytest.fixture(scope="module")
def report(detections: DetectionSet, samples: list[dict[str, Any]]) -> Any:
    return detections.evaluate(samples)


# --------------------------------------------------------------------------------------------
# Reading templates
# --------------------------------------------------------------------------------------------


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


def test_detections_can_be_set_members(detections: DetectionSet) -> None:
    root = detections["RootUsageFilter"]  # its log group is {"Ref": ...}
    assert {root, root, detections["NoMfaFilter"]} == {root, detections["NoMfaFilter"]}
    assert DetectionSet.from_template(TEMPLATE)["RootUsageFilter"] == root


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


def test_ids_must_be_unique() -> None:
    detection = DetectionSet.from_template(TEMPLATE)["NoMfaFilter"]
    with pytest.raises(DetectionTemplateError, match="two detections have the id 'NoMfaFilter'"):
        DetectionSet([detection, detection])


# --------------------------------------------------------------------------------------------
# Evaluating
# --------------------------------------------------------------------------------------------


def test_what_fires_for_the_samples(report: Any) -> None:
    assert {detection.id: report.fired(detection.id) for detection in report.detections} == EXPECTED
    assert report.record_count == 10
    assert report.counts() == {key: len(value) for key, value in EXPECTED.items()}


def test_report_by_record(report: Any) -> None:
    assert [d.id for d in report.detections_for(3)] == [
        "RootUsageFilter",
        "RootActivityRule",
        "SignInWithoutMfaRule",
    ]
    assert report.detections_for(1) == []  # the sign-in with MFA
    assert report.record(3) == RecordRef(3, "deb1e1f9-c99b-4612-8e9f-21f93b5d79c0", "ConsoleLogin")
    assert str(report.record(3)) == "#3 ConsoleLogin (deb1e1f9-c99b-4612-8e9f-21f93b5d79c0)"
    with pytest.raises(KeyError, match="record 1 fired no detection"):
        report.record(1)
    with pytest.raises(IndexError, match="record 10 was not evaluated"):
        report.detections_for(10)


def test_firings_are_ordered_by_record(report: Any) -> None:
    firings = [(firing.record.index, firing.detection.id) for firing in report.firings()]
    assert firings == sorted(
        (index, key) for key, indexes in EXPECTED.items() for index in indexes
    ) or firings[0] == (0, "NoMfaFilter")
    assert [index for index, _ in firings] == sorted(index for index, _ in firings)
    assert len(firings) == sum(map(len, EXPECTED.values()))


def test_never_fired_and_notes(report: Any) -> None:
    assert [detection.id for detection in report.never_fired()] == [
        "AccessLogFilter",
        "DisabledRule",
    ]
    notes = "\n".join(report.notes)
    assert "metric_filter JoinedFilter (template) not evaluated" in notes
    assert "rule ThisAccountRule (template) not evaluated" in notes
    assert "rule DisabledRule is DISABLED: it never fires" in notes
    assert "rule CustomBusRule is on event bus 'security-bus'" in notes


def test_summary_is_a_readable_table(report: Any) -> None:
    summary = report.summary()
    lines = summary.splitlines()
    assert lines[0] == (
        "Evaluated 10 CloudTrail records against 11 detections (5 metric filters, 6 rules): "
        "9 fired."
    )
    root = next(line for line in lines if "RootUsageFilter" in line).split()
    assert root[:4] == ["2", "metric_filter", "RootUsageFilter", "RootAccountUsage"]
    assert root[4:] == ["#3", "ConsoleLogin", "(deb1e1f9-c99b-4612-8e9f-21f93b5d79c0)"]
    disabled = next(line for line in lines if "DisabledRule" in line).split()
    assert disabled == ["0", "rule", "DisabledRule", "DisabledRule", "-"]
    assert "Notes:" in lines
    assert repr(report) == "<EvaluationReport: 10 records, 12 firings>"


def test_unknown_detection_ids_suggest_close_ones(report: Any) -> None:
    with pytest.raises(
        KeyError, match="no detection 'RootUsageFiltr'; did you mean 'RootUsageFilter'"
    ):
        report.fired("RootUsageFiltr")


def test_every_record_source_gives_the_same_report(
    tmp_path: Path, detections: DetectionSet, samples: list[dict[str, Any]], report: Any
) -> None:
    log_file = tmp_path / "AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/02/x.json.gz"
    log_file.parent.mkdir(parents=True)
    log_file.write_bytes(gzip.compress(json.dumps({"Records": samples}).encode()))
    lines = [json.dumps(record, separators=(",", ":")) for record in samples]
    for source in (FIXTURES, str(FIXTURES), tmp_path, log_file, lines, iter(samples)):
        assert detections.evaluate(source).counts() == report.counts(), source


def test_text_records_are_the_log_event_text() -> None:
    detections = DetectionSet.from_template(
        {"Resources": {"Spaced": metric_filter('"\\"errorMessage\\": \\"Failed"', "Spaced")}}
    )
    pretty = (FIXTURES / "03_consolelogin_iamuser_failed.json").read_text()
    assert detections.evaluate([pretty]).fired("Spaced") == [0]
    # A parsed record is written compactly: no space after the colon.
    assert detections.evaluate([sample("03")]).fired("Spaced") == []


def test_records_must_be_objects(detections: DetectionSet) -> None:
    with pytest.raises(RecordLoadError, match="record 1: not valid JSON"):
        detections.evaluate([sample("01"), "{broken"])
    with pytest.raises(RecordLoadError, match="record 0: a record is a JSON object, got list"):
        detections.evaluate(["[1, 2]"])
    with pytest.raises(RecordLoadError, match="record 0: a record is a dict or its JSON text"):
        detections.evaluate([42])  # type: ignore[list-item]


def test_read_only_events_only_reach_rules_that_ask_for_them() -> None:
    pattern = {"source": ["aws.secretsmanager"], "detail": {"eventName": ["GetSecretValue"]}}
    detections = DetectionSet.from_template(
        {
            "Resources": {
                "Enabled": rule(pattern, State="ENABLED"),
                "Implicit": rule(pattern),
                "AllManagement": rule(
                    pattern, State="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
                ),
                "Filter": metric_filter("{ $.eventName = GetSecretValue }", "SecretReads"),
            }
        }
    )
    read = api_call("secretsmanager", "GetSecretValue", readOnly=True)
    write_flagged = api_call("secretsmanager", "GetSecretValue", readOnly=False)
    data_event = api_call(
        "secretsmanager",
        "GetSecretValue",
        readOnly=True,
        eventCategory="Data",
        managementEvent=False,
    )
    report = detections.evaluate([read, write_flagged, data_event])
    assert report.fired("Enabled") == report.fired("Implicit") == [1, 2]
    assert report.fired("AllManagement") == [0, 1, 2]
    assert report.fired("Filter") == [0, 1, 2]  # CloudWatch Logs gets every record


def test_records_eventbridge_does_not_deliver_only_reach_metric_filters() -> None:
    detections = DetectionSet.from_template(
        {
            "Resources": {
                "AnyIam": rule({"source": ["aws.iam"]}),
                "AnyIamFilter": metric_filter("{ $.eventSource = iam.amazonaws.com }", "Iam"),
            }
        }
    )
    record = changed(sample("05"), {"eventType": "AwsVpceEvent"})
    assert [d.id for d in detections.matching(record)] == ["AnyIamFilter"]
    assert [d.id for d in detections.matching(sample("05"))] == ["AnyIam", "AnyIamFilter"]


def test_single_detection_and_single_record_helpers(detections: DetectionSet) -> None:
    assert detections["RootActivityRule"].matches(sample("04"))
    assert not detections["RootActivityRule"].matches(sample("01"))
    assert [d.id for d in detections.matching(sample("01"))] == [
        "NoMfaFilter",
        "SignInWithoutMfaRule",
    ]
    assert [d.id for d in detections.matching(json.dumps(sample("07")))] == ["TrailChangesFilter"]


def test_a_detection_without_a_compiled_pattern_is_refused() -> None:
    bare = Detection(DetectionKind.RULE, "Bare", None, "{}", "template")
    with pytest.raises(ValueError, match="no compiled pattern"):
        DetectionSet([bare])


# --------------------------------------------------------------------------------------------
# A CDK stack
# --------------------------------------------------------------------------------------------


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
            detail_type=[_SIGN_IN],
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


# --------------------------------------------------------------------------------------------
# The index never changes a result
# --------------------------------------------------------------------------------------------

RICH_RULES: dict[str, dict[str, Any]] = {
    "Root": {"detail": {"userIdentity": {"type": ["Root"], "invokedBy": [{"exists": False}]}}},
    "Iam": {"source": ["aws.iam"], "detail": {"eventName": [{"prefix": "Put"}, "CreateUser"]}},
    "Ec2Wildcard": {"source": ["aws.ec2"], "detail": {"eventName": [{"wildcard": "*Vpc*"}]}},
    "Errors": {
        "detail": {"errorCode": [{"suffix": "UnauthorizedOperation"}, {"prefix": "Access"}]}
    },
    "Either": {
        "$or": [
            {"detail": {"eventName": ["ConsoleLogin"]}},
            {"detail-type": ["AWS Service Event via CloudTrail"]},
        ]
    },
    "NotList": {"detail": {"eventName": [{"anything-but": ["CreateUser", "ConsoleLogin"]}]}},
    "NoError": {"detail": {"eventName": ["RunInstances"], "errorCode": [{"exists": False}]}},
    "Region": {"region": ["eu-west-1"], "detail": {"eventSource": ["s3.amazonaws.com"]}},
    "Resources": {"detail": {"resources": {"type": ["AWS::KMS::Key"]}}},
    "ReadOnly": {"source": ["aws.sts"]},
}


@pytest.fixture(scope="module")
def rich_set() -> DetectionSet:
    resources: dict[str, Any] = {}
    for control, text in {**SECURITY_HUB, **CIS_VARIANTS}.items():
        resources[control.replace(".", "").replace("-", "")] = metric_filter(text, control)
    resources["Terms"] = metric_filter("?ConsoleLogin ?RotateKey -us-east-2", "Terms")
    # Detections whose only necessary condition is an absence: nothing may skip them.
    resources["NoError"] = metric_filter("{ $.errorCode NOT EXISTS }", "NoError")
    resources["NoErrorOrRoot"] = metric_filter(
        "{ $.errorCode NOT EXISTS || $.userIdentity.type = Root }", "NoErrorOrRoot"
    )
    resources["NoIdentityType"] = rule({"detail": {"userIdentity": {"type": [{"exists": False}]}}})
    resources["Spaced"] = metric_filter("[record]", "Spaced")
    for name, pattern in RICH_RULES.items():
        state = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" if name == "ReadOnly" else "ENABLED"
        resources[f"{name}Rule"] = rule(pattern, State=state)
    return DetectionSet.from_template({"Resources": resources})


def brute_force(detections: DetectionSet, record: dict[str, Any]) -> list[str]:
    """Every detection run on the record, without the index."""
    fired = []
    for detection in detections:
        if detection.filter_pattern is not None:
            matched = detection.filter_pattern.matches(record)
        else:
            assert detection.event_pattern is not None
            event = to_eventbridge_event(record)
            matched = (
                event is not None
                and detection.enabled
                and (
                    detection.state == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
                    or not is_read_only_management_event(record)
                )
                and detection.event_pattern.matches(event)
            )
        if matched:
            fired.append(detection.id)
    return fired


_ODD_VALUES = st.sampled_from([None, 7, True, ["CreateUser"], {"nested": "x"}, ""])
_CHANGES = st.fixed_dictionaries(
    {},
    optional={
        "eventName": st.sampled_from(
            ["ConsoleLogin", "CreateUser", "PutRolePolicy", "CreateVpc", "RunInstances",
             "DisableKey", "AttachRolePolicy", "HeadBucket", "StopLogging", "DescribeVpcs"]
        ) | _ODD_VALUES,
        "eventSource": st.sampled_from(
            ["iam.amazonaws.com", "ec2.amazonaws.com", "kms.amazonaws.com", "s3.amazonaws.com",
             "signin.amazonaws.com", "sts.amazonaws.com", "organizations.amazonaws.com"]
        ) | _ODD_VALUES,
        "userIdentity.type": st.sampled_from(["Root", "IAMUser", "AssumedRole"]) | _ODD_VALUES,
        "userIdentity.invokedBy": st.sampled_from(["AWS Internal", delete()]),
        "userIdentity": _ODD_VALUES,
        "errorCode": st.sampled_from(["AccessDenied", "Client.UnauthorizedOperation", "NoSuchKey"])
        | _ODD_VALUES,
        "eventType": st.sampled_from(["AwsApiCall", "AwsServiceEvent", "AwsVpceEvent", delete()]),
        "readOnly": st.sampled_from([True, False, "true", delete()]),
        "awsRegion": st.sampled_from(["eu-west-1", "us-east-2"]),
        "sourceIPAddress": st.sampled_from(["delivery.logs.amazonaws.com", "192.0.2.1"]),
        "additionalEventData.MFAUsed": st.sampled_from(["Yes", "No", delete()]),
    },
)  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    chosen=st.lists(
        st.tuples(
            st.sampled_from(["01", "02", "03", "04", "05", "06", "07", "08", "09", "10"]), _CHANGES
        ),
        min_size=1,
        max_size=12,
    )
)
def test_the_index_never_changes_a_result(
    rich_set: DetectionSet, chosen: list[tuple[str, dict[str, Any]]]
) -> None:
    records = [changed(sample(prefix), changes) for prefix, changes in chosen]
    snapshot = copy.deepcopy(records)
    report = rich_set.evaluate(records)
    for index, record in enumerate(records):
        assert [d.id for d in report.detections_for(index)] == brute_force(rich_set, record)
    assert records == snapshot  # evaluation never changes a record
    as_text = rich_set.evaluate([json.dumps(record, separators=(",", ":")) for record in records])
    assert as_text.counts() == report.counts()
