"""Loading CloudTrail records (memory, files, gzip, S3 layout) and their EventBridge events."""

from __future__ import annotations

import gzip
import json
import types
from pathlib import Path
from typing import Any

import pytest

from constructs_obs.detections import (
    RecordLoadError,
    delivery_region,
    eventbridge_detail_type,
    eventbridge_source,
    is_read_only_management_event,
    iter_records,
    load_records,
    to_eventbridge_event,
)
from constructs_obs.errors import ConstructsObsError
from tests.detections.helpers import FIXTURES, SAMPLE_FILES, changed, delete, sample

EVENT_IDS = [
    "3fcfb182-98f8-4744-bd45-10a395ab61cb",
    "fed06f42-cb12-4764-8c69-121063dc79b9",
    "d38ce1b3-4575-4cb8-a632-611b8243bfc3",
    "deb1e1f9-c99b-4612-8e9f-21f93b5d79c0",
    "EXAMPLEb-7dae-48cb-895f-20e86EXAMPLE",
    None,  # the 2014 CreateUser sample has no eventID
    "b7d4398e-b2f0-4faa-9c76-e2d316a8d67f",
    "234f004b-EXAMPLE",
    "dEXAMPLE-ac7f-466c-a608-4ac8dEXAMPLE",
    "3074546e-1bfa-4973-8502-b1bb4d0bda1a",
]


def write_gz(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(json.dumps(document).encode()))
    return path


def log_file_name(account: str, region: str, stamp: str, unique: str) -> str:
    return f"{account}_CloudTrail_{region}_{stamp}_{unique}.json.gz"


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def test_a_folder_without_the_s3_layout_loads_every_json_file_in_name_order() -> None:
    records = load_records(FIXTURES)
    assert [record.get("eventID") for record in records] == EVENT_IDS


@pytest.mark.parametrize(
    ("prefix", "shape"),
    [("01", "log file"), ("02", "single record"), ("06", "log file"), ("09", "single record")],
)
def test_a_file_holding_a_record_or_a_log_file(prefix: str, shape: str) -> None:
    path = FIXTURES / SAMPLE_FILES[prefix]
    document = json.loads(path.read_text())
    assert ("Records" in document) is (shape == "log file")
    records = load_records(path)
    assert len(records) == 1
    assert (
        records[0]["eventName"]
        == (document["Records"][0] if "Records" in document else document)["eventName"]
    )


def test_a_file_holding_a_list_of_records(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    path.write_text(json.dumps([sample("01"), sample("02")]))
    assert [record["eventID"] for record in load_records(str(path))] == EVENT_IDS[:2]


def test_a_gzipped_log_file(tmp_path: Path) -> None:
    path = write_gz(tmp_path / "trail.json.gz", {"Records": [sample("03"), sample("04")]})
    assert [record["eventID"] for record in load_records(path)] == EVENT_IDS[2:4]


def test_gzip_is_recognized_by_its_bytes_too(tmp_path: Path) -> None:
    path = write_gz(tmp_path / "no-suffix.json", [sample("05")])
    assert load_records(path)[0]["eventName"] == "EnableMFADevice"


def _s3_layout(root: Path, account_path: str) -> None:
    day = root / "AWSLogs" / account_path / "CloudTrail"
    write_gz(
        day
        / "us-east-1/2024/01/02"
        / log_file_name("111122223333", "us-east-1", "20240102T0010Z", "B"),
        {"Records": [sample("03")]},
    )
    write_gz(
        day
        / "us-east-1/2024/01/02"
        / log_file_name("111122223333", "us-east-1", "20240102T0005Z", "A"),
        {"Records": [sample("01"), sample("02")]},
    )
    write_gz(
        day
        / "eu-west-1/2024/01/01"
        / log_file_name("111122223333", "eu-west-1", "20240101T2355Z", "C"),
        {"Records": [sample("10")]},
    )
    # Digest and Insights files live in the same bucket and are not records.
    write_gz(
        root / "AWSLogs" / account_path / "CloudTrail-Digest/us-east-1/2024/01/02/digest.json.gz",
        {"digestStartTime": "2024-01-02T00:00:00Z", "logFiles": []},
    )
    write_gz(
        root / "AWSLogs" / account_path / "CloudTrail-Insight/us-east-1/2024/01/02/insight.json.gz",
        {"Records": [{"eventType": "AwsCloudTrailInsight", "eventName": "x"}]},
    )
    (root / "notes.txt").write_text("not a log")


@pytest.mark.parametrize("account_path", ["111122223333", "o-exampleorgid/111122223333"])
def test_a_folder_in_cloudtrail_s3_layout(tmp_path: Path, account_path: str) -> None:
    _s3_layout(tmp_path, account_path)
    expected = ["3074546e-1bfa-4973-8502-b1bb4d0bda1a", *EVENT_IDS[:3]]  # by path: region, day
    assert [record["eventID"] for record in load_records(tmp_path)] == expected
    # The layout is recognized from any folder inside it too.
    inner = tmp_path / "AWSLogs" / account_path / "CloudTrail" / "us-east-1"
    assert [record["eventID"] for record in load_records(inner)] == EVENT_IDS[:3]


def test_records_in_memory() -> None:
    first, second = sample("01"), sample("02")
    assert load_records([first, second]) == [first, second]
    assert load_records(first) == [first]
    assert load_records({"Records": [first, second]}) == [first, second]
    proxy = types.MappingProxyType({"eventName": "X", "userIdentity": types.MappingProxyType({})})
    assert load_records([proxy]) == [{"eventName": "X", "userIdentity": {}}]


def test_iter_records_reads_file_by_file(tmp_path: Path) -> None:
    write_gz(tmp_path / "a.json.gz", [sample("01")])
    (tmp_path / "b.json").write_text("{broken")
    records = iter_records(tmp_path)
    assert next(records)["eventID"] == EVENT_IDS[0]
    with pytest.raises(RecordLoadError, match=r"b\.json"):
        next(records)


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("broken.json", b'{"Records": [', "not valid JSON: Expecting value at line 1 column 14"),
        ("bad.json.gz", b"not gzip at all", "not a valid gzip file"),
        (
            "truncated.json.gz",
            gzip.compress(b'{"Records": []}', mtime=0)[:-6],
            "not a valid gzip file",
        ),
        ("latin1.json", '{"eventName": "caf\xe9"}'.encode("latin-1"), "not UTF-8 text"),
        ("records.json", b'{"Records": {"eventName": "x"}}', "'Records' must be an array"),
        ("scalar.json", b"42", "expected a JSON object or array"),
        ("other.json", b'{"AWSTemplateFormatVersion": "2010-09-09"}', "nor a record"),
        ("items.json", b'[{"eventName": "x"}, 7]', "record 1 is a int, not a JSON object"),
        ("log.json", b'{"Records": ["x"]}', "record 0 is a str"),
    ],
)
def test_malformed_files_are_named(tmp_path: Path, name: str, content: bytes, problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RecordLoadError) as raised:
        load_records(path)
    assert raised.value.source == str(path)
    assert problem in raised.value.problem
    assert str(raised.value).startswith(f"cannot load CloudTrail records from {path}: ")
    assert isinstance(raised.value, ConstructsObsError)
    assert isinstance(raised.value, ValueError)


def test_missing_paths_and_empty_folders(tmp_path: Path) -> None:
    with pytest.raises(RecordLoadError, match="no such file or folder"):
        load_records(tmp_path / "nope.json")
    with pytest.raises(RecordLoadError, match="no CloudTrail log files found"):
        load_records(tmp_path)


def test_records_in_memory_must_be_objects() -> None:
    with pytest.raises(RecordLoadError, match="record 1: a record is a JSON object"):
        load_records([sample("01"), "text"])  # type: ignore[list-item]


# --------------------------------------------------------------------------------------------
# EventBridge
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "detail_type", "source", "account"),
    [
        ("01", "AWS Console Sign In via CloudTrail", "aws.signin", "111122223333"),
        ("03", "AWS Console Sign In via CloudTrail", "aws.signin", "111122223333"),
        ("05", "AWS API Call via CloudTrail", "aws.iam", "111122223333"),
        ("06", "AWS API Call via CloudTrail", "aws.iam", "123456789012"),  # no eventType
        ("07", "AWS API Call via CloudTrail", "aws.cloudtrail", "123456789012"),
        ("08", "AWS Service Event via CloudTrail", "aws.kms", "123456789012"),
        ("09", "AWS API Call via CloudTrail", "aws.sts", "111122223333"),
        ("10", "AWS API Call via CloudTrail", "aws.s3", "123456789012"),
    ],
)
def test_eventbridge_event_of_each_sample(
    prefix: str, detail_type: str, source: str, account: str
) -> None:
    record = sample(prefix)
    event = to_eventbridge_event(record)
    assert event is not None
    assert event["version"] == "0"
    assert event["detail-type"] == detail_type
    assert event["source"] == source
    assert event["account"] == account
    assert event["time"] == record["eventTime"]
    # IAM's events reach EventBridge in us-east-1 whatever the record says (sample 06: us-east-2)
    assert event["region"] == ("us-east-1" if source == "aws.iam" else record["awsRegion"])
    assert event["resources"] == []
    assert event["detail"] is record
    assert event["id"] == record.get("eventID", "00000000-0000-0000-0000-000000000000")


def test_account_comes_from_the_recipient_account_first() -> None:
    record = changed(sample("09"), {"userIdentity.accountId": "777788889999"})
    event = to_eventbridge_event(record)
    assert event is not None
    assert event["account"] == "111122223333"  # recipientAccountId, not the caller's account
    without = to_eventbridge_event(changed(record, {"recipientAccountId": delete()}))
    assert without is not None
    assert without["account"] == "777788889999"


@pytest.mark.parametrize(
    ("event_type", "expected"),
    [
        ("AwsApiCall", "AWS API Call via CloudTrail"),
        ("AwsConsoleSignIn", "AWS Console Sign In via CloudTrail"),
        ("AwsServiceEvent", "AWS Service Event via CloudTrail"),
        ("AwsConsoleAction", "AWS Console Action via CloudTrail"),
        ("AwsCloudTrailInsight", "AWS Insight via CloudTrail"),
        ("AwsVpceEvent", None),
        (7, None),
    ],
)
def test_detail_types(event_type: Any, expected: str | None) -> None:
    record = changed(sample("05"), {"eventType": event_type})
    assert eventbridge_detail_type(record) == expected
    assert (to_eventbridge_event(record) is None) is (expected is None)


@pytest.mark.parametrize(
    ("event_source", "expected"),
    [
        ("iam.amazonaws.com", "aws.iam"),
        ("signin.amazonaws.com", "aws.signin"),
        ("s3-outposts.amazonaws.com", "aws.s3-outposts"),
        ("resource-explorer-2.amazonaws.com", "aws.resource-explorer-2"),
        ("monitoring.amazonaws.com", "aws.monitoring"),
        (None, None),
        ("", None),
        (["iam.amazonaws.com"], None),
    ],
)
def test_eventbridge_sources(event_source: Any, expected: str | None) -> None:
    assert eventbridge_source(event_source) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"readOnly": True}, True),
        ({"readOnly": "true"}, True),
        ({"readOnly": False}, False),
        ({"readOnly": delete()}, False),
        ({"readOnly": True, "managementEvent": False, "eventCategory": "Data"}, False),
        ({"readOnly": True, "eventCategory": "Data"}, False),
        ({"readOnly": True, "managementEvent": True, "eventCategory": "Management"}, True),
    ],
)
def test_read_only_management_events(changes: dict[str, Any], expected: bool) -> None:
    assert is_read_only_management_event(changed(sample("09"), changes)) is expected


@pytest.mark.parametrize(
    ("source", "aws_region", "expected"),
    [
        ("iam.amazonaws.com", "us-east-2", "us-east-1"),
        ("cloudfront.amazonaws.com", "eu-west-1", "us-east-1"),
        ("route53.amazonaws.com", "us-east-1", "us-east-1"),
        ("organizations.amazonaws.com", "eu-central-1", "us-east-1"),
        ("sts.amazonaws.com", "eu-west-1", "eu-west-1"),  # a regional STS endpoint
        ("signin.amazonaws.com", "ap-southeast-2", "ap-southeast-2"),  # a regional sign-in
        ("ec2.amazonaws.com", "eu-west-1", "eu-west-1"),
    ],
)
def test_global_service_events_are_delivered_in_us_east_1_only(
    source: str, aws_region: str, expected: str
) -> None:
    # GIVEN a record of a service (CloudTrail user guide, "global service events": IAM,
    # CloudFront, Route 53 and Organizations are delivered in us-east-1)
    record = changed(sample("09"), {"eventSource": source, "awsRegion": aws_region})
    # THEN EventBridge receives it in that region
    assert delivery_region(record) == expected
    event = to_eventbridge_event(record)
    assert event is not None
    assert event["region"] == expected


def test_a_record_without_a_region_has_no_delivery_region() -> None:
    assert delivery_region(changed(sample("10"), {"awsRegion": delete()})) is None
    assert delivery_region({"eventSource": ["iam.amazonaws.com"], "awsRegion": 1}) is None
