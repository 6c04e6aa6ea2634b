"""DetectionSet: what fires for which record, from every record source, index or not."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constructs_obs.detections import (
    Detection,
    DetectionKind,
    DetectionSet,
    DetectionTemplateError,
    EvaluationReport,
    RecordLoadError,
    is_read_only_management_event,
    to_eventbridge_event,
)
from constructs_obs.detections._evaluator import Evaluator
from tests.detections.catalogue_stack import catalogue_stack
from tests.detections.helpers import (
    CIS_VARIANTS,
    FIXTURES,
    SECURITY_HUB,
    api_call,
    changed,
    delete,
    sample,
)
from tests.detections.sample_template import EXPECTED, TEMPLATE, metric_filter, rule


def test_ids_must_be_unique() -> None:
    detection = DetectionSet.from_template(TEMPLATE)["NoMfaFilter"]
    with pytest.raises(DetectionTemplateError, match="two detections have the id 'NoMfaFilter'"):
        DetectionSet([detection, detection])


def test_what_fires_for_the_samples(report: EvaluationReport) -> None:
    assert {detection.id: report.fired(detection.id) for detection in report.detections} == EXPECTED
    assert report.record_count == 10
    assert report.counts() == {key: len(value) for key, value in EXPECTED.items()}


def test_every_record_source_gives_the_same_report(
    tmp_path: Path,
    detections: DetectionSet,
    samples: list[dict[str, Any]],
    report: EvaluationReport,
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


def test_a_detection_without_a_compiled_pattern_is_refused() -> None:
    bare = Detection(DetectionKind.RULE, "Bare", None, "{}", "template")
    with pytest.raises(ValueError, match="no compiled pattern"):
        DetectionSet([bare])


# The index never changes a result: every detection run without it agrees.

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
    # Prefix guards: overlapping prefixes (filed once), in an $or, and next to exact values.
    "Lambda": {"detail": {"eventName": [{"prefix": "UpdateFunctionCode"}, {"prefix": "Update"}]}},
    "PrefixOr": {
        "$or": [
            {"detail": {"eventName": [{"prefix": "Create"}]}},
            {"detail": {"eventName": ["StopLogging"]}},
        ]
    },
    "PrefixAnd": {
        "detail": {"eventName": [{"prefix": "Put"}]},
        "$or": [
            {"detail": {"eventName": ["PutRolePolicy"]}},
            {"detail": {"eventName": [{"prefix": "Attach"}, "PutUserPolicy"]}},
        ],
    },
    "IgnoreCasePrefix": {"detail": {"eventName": [{"prefix": {"equals-ignore-case": "stop"}}]}},
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
             "DisableKey", "AttachRolePolicy", "HeadBucket", "StopLogging", "DescribeVpcs",
             "UpdateFunctionCode20150331v2", "Update", "Upd", "PutUserPolicy"]
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


def test_a_prefix_guard_skips_the_records_it_cannot_match() -> None:
    # GIVEN a rule on Lambda's versioned event names (a prefix) and one on an exact name
    detections = DetectionSet.from_template(
        {
            "Resources": {
                "CodeRule": rule(
                    {"detail": {"eventName": [{"prefix": "UpdateFunctionCode"}, "PublishLayer"]}}
                ),
                "TrailRule": rule({"detail": {"eventName": ["StopLogging"]}}),
            }
        }
    )
    index = Evaluator(detections.detections)._index

    def candidates(name: str) -> list[str]:
        record = api_call("lambda", name)
        return [detections.detections[slot].id for slot in index.candidates(record)]

    # THEN only a name the prefix (or the exact name) allows makes it a candidate, once
    assert candidates("UpdateFunctionCode20150331v2") == ["CodeRule"]
    assert candidates("PublishLayer") == ["CodeRule"]
    assert candidates("Invoke") == []
    assert candidates("StopLogging") == ["TrailRule"]


# --------------------------------------------------------------------------------------------
# Region-aware evaluation, catalogue ids
# --------------------------------------------------------------------------------------------

REGIONAL_RECORDS = [
    changed(api_call("ec2", "AuthorizeSecurityGroupIngress"), {"awsRegion": "eu-west-1"}),
    changed(api_call("ec2", "AuthorizeSecurityGroupIngress"), {"awsRegion": "us-east-1"}),
    changed(api_call("iam", "CreateUser"), {"awsRegion": "us-east-1"}),
    sample("04"),  # root console sign-in, us-east-1
    changed(sample("04"), {"awsRegion": "eu-west-1"}),  # through the eu-west-1 sign-in endpoint
]


@pytest.fixture(scope="module")
def catalogue_sets() -> dict[str, DetectionSet]:
    return {
        region: DetectionSet.from_template(catalogue_stack(region))
        for region in ("eu-west-1", "us-east-1")
    }


def test_a_rule_sees_only_the_records_of_its_region(
    catalogue_sets: dict[str, DetectionSet],
) -> None:
    # GIVEN the same detections deployed in eu-west-1 and in us-east-1
    # WHEN each is run over records of both regions and of a global service (IAM)
    europe = catalogue_sets["eu-west-1"].evaluate(REGIONAL_RECORDS)
    virginia = catalogue_sets["us-east-1"].evaluate(REGIONAL_RECORDS)
    # THEN a regional rule fires for its region's records only, the IAM rule only in
    # us-east-1 (global service events are delivered there), and the metric filter on the
    # multi-region trail's log group for every region
    assert europe.fired("exfiltration.sg-open") == [0]
    assert virginia.fired("exfiltration.sg-open") == [1]
    assert europe.fired("persistence.iam-user-created") == []
    assert virginia.fired("persistence.iam-user-created") == [2]
    europe_root, virginia_root = (
        {d.kind.value: d for d in catalogue_sets[region] if d.detection_id == "CloudWatch.1"}
        for region in ("eu-west-1", "us-east-1")
    )
    assert europe.fired(europe_root["metric_filter"].id) == [3, 4]
    assert europe.fired(europe_root["rule"].id) == [4]
    assert virginia.fired(virginia_root["rule"].id) == [3]
    assert europe.by_detection_id()["CloudWatch.1"] == [3, 4]  # filter and rule together
    assert not any("no known region" in note for note in europe.notes)


def test_an_unknown_region_sees_every_region_unless_given_one() -> None:
    # GIVEN a template dict (no region in it) with a regional rule
    detections = DetectionSet.from_template(
        {"Resources": {"SgRule": rule({"source": ["aws.ec2"]})}}
    )
    # WHEN evaluated without a region, THEN every region's record fires it, with a note
    report = detections.evaluate(REGIONAL_RECORDS)
    assert report.fired("SgRule") == [0, 1]
    assert "1 rule with no known region" in "\n".join(report.notes)
    # WHEN given a region, THEN only that region's record does
    assert detections.evaluate(REGIONAL_RECORDS, region="eu-west-1").fired("SgRule") == [0]
    assert detections.evaluate(REGIONAL_RECORDS, region="us-east-1").fired("SgRule") == [1]


def test_every_firing_record_is_reported_by_catalogue_id(
    catalogue_sets: dict[str, DetectionSet],
) -> None:
    # GIVEN three security groups opened in eu-west-1
    records = [REGIONAL_RECORDS[0]] * 3
    # WHEN evaluated, THEN the report lists all three under the catalogue id and its title
    report = catalogue_sets["eu-west-1"].evaluate(records)
    assert [ref.index for ref in report.records("exfiltration.sg-open")] == [0, 1, 2]
    summary = report.summary()
    line = next(line for line in summary.splitlines() if "exfiltration.sg-open" in line)
    assert line.split()[:4] == ["3", "rule", "CRITICAL", "exfiltration.sg-open"]
    assert line.endswith("Security group opened")
    assert summary.count("AuthorizeSecurityGroupIngress in eu-west-1") == 3
