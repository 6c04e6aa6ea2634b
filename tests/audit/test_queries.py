"""Every shipped query, run locally on the fixture trail, returns exactly the expected rows.

The expected rows are written out by hand from the records ``fixture_logs.py`` builds (record
numbers in the comments), not taken from the engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import pytest

from constructs_obs.audit import LocalAuditEngine, load_queries
from tests.audit.conftest import WEEK
from tests.audit.fixture_logs import (
    ACCOUNT_A,
    ACCOUNT_B,
    ACCOUNT_C,
    ALICE,
    ALICE_KEY,
    ANAYA,
    DEPLOYER_SESSION,
    MATEO,
    ROOT_ARN,
    SOME_ROLE,
    SOME_ROLE_SESSION,
    SUSPECT_IP,
    LogFileSpec,
    event_id,
)
from tests.audit.local.local_logs import MAY_1, record, write_log

FIREFOX: Final = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.12; rv:62.0) Gecko/20100101 Firefox/62.0"
)
CLI_06: Final = "aws-cli/1.3.2 Python/2.7.5 Windows/7"
CLI_07: Final = "aws-cli/1.10.32 Python/2.7.9 Windows/7 botocore/1.4.22"
CLI_10: Final = "[aws-cli/1.16.96 Python/2.7.12 Linux/4.4.0-146-generic botocore/1.12.86]"
ADMIN_POLICY: Final = "arn:aws:iam::aws:policy/AdministratorAccess"
ORG_TRAIL: Final = "arn:aws:cloudtrail:us-east-2:777788889999:trail/org-trail"

Row = tuple[Any, ...]


def _run(engine: LocalAuditEngine, name: str, **extra: str) -> tuple[tuple[str, ...], list[Row]]:
    result = engine.run(name, {**WEEK, **extra})
    return result.columns, result.rows


def test_root_activity(engine: LocalAuditEngine) -> None:
    columns, rows = _run(engine, "root_activity")
    assert columns == (
        "eventtime",
        "account",
        "awsregion",
        "eventsource",
        "eventname",
        "sourceipaddress",
        "useragent",
        "errorcode",
        "eventid",
    )
    # Not 7 (invoked by AWS Support), not 27 (a service event), not 33 (outside the range).
    assert rows == [
        (
            "2024-03-01T10:05:00Z",
            ACCOUNT_A,
            "us-east-1",
            "signin.amazonaws.com",
            "ConsoleLogin",
            "192.0.2.0",
            FIREFOX,
            None,
            event_id(4),
        ),
        (
            "2024-03-01T10:07:30Z",
            ACCOUNT_A,
            "us-east-1",
            "iam.amazonaws.com",
            "EnableMFADevice",
            "192.0.2.0",
            "Coral/Netty4",
            None,
            event_id(5),
        ),
        (
            "2024-03-04T08:00:00Z",
            ACCOUNT_A,
            "us-east-1",
            "signin.amazonaws.com",
            "ConsoleLogin",
            "203.0.113.50",
            FIREFOX,
            None,
            event_id(26),
        ),
    ]


def test_console_signins_without_mfa(engine: LocalAuditEngine) -> None:
    columns, rows = _run(engine, "console_signins_without_mfa")
    assert columns == (
        "eventtime",
        "account",
        "user_type",
        "principal",
        "username",
        "sourceipaddress",
        "useragent",
        "mfa_used",
        "eventid",
    )
    # Not 2 and 26 (MFA used), not 3 (failed sign-in).
    assert rows == [
        (
            "2024-03-01T09:02:11Z",
            ACCOUNT_A,
            "IAMUser",
            ANAYA,
            "anaya",
            "192.0.2.0",
            FIREFOX,
            "No",
            event_id(1),
        ),
        (
            "2024-03-01T10:05:00Z",
            ACCOUNT_A,
            "Root",
            ROOT_ARN,
            None,
            "192.0.2.0",
            FIREFOX,
            "No",
            event_id(4),
        ),
        (
            "2024-03-05T07:00:00Z",
            ACCOUNT_A,
            "IAMUser",
            MATEO,
            "mateo",
            SUSPECT_IP,
            FIREFOX,
            "No",
            event_id(30),
        ),
    ]


def test_bucket_access(engine: LocalAuditEngine) -> None:
    columns, rows = _run(engine, "bucket_access", bucket_name="BUCKETNAME")
    assert columns == (
        "eventtime",
        "account",
        "awsregion",
        "principal",
        "eventname",
        "access",
        "object_key",
        "errorcode",
        "sourceipaddress",
        "eventid",
    )
    # Not 14 (another bucket).
    assert rows == [
        (
            "2024-03-02T09:00:00Z",
            ACCOUNT_B,
            "eu-west-1",
            SOME_ROLE_SESSION,
            "PutObject",
            "write",
            "OBJECTKEY",
            None,
            "1.2.3.4",
            event_id(12),
        ),
        (
            "2024-03-02T09:10:00Z",
            ACCOUNT_B,
            "eu-west-1",
            SOME_ROLE_SESSION,
            "GetObject",
            "read",
            "OBJECTKEY",
            None,
            "1.2.3.4",
            event_id(13),
        ),
        (
            "2024-03-02T09:20:00Z",
            ACCOUNT_B,
            "eu-west-1",
            ALICE,
            "GetObject",
            "read",
            "secret.txt",
            "AccessDenied",
            SUSPECT_IP,
            event_id(15),
        ),
        (
            "2024-03-03T13:00:00Z",
            ACCOUNT_B,
            "eu-west-1",
            SOME_ROLE_SESSION,
            "PutObject",
            "write",
            "upload.bin",
            None,
            "1.2.3.4",
            event_id(24),
        ),
        (
            "2024-03-03T13:05:00Z",
            ACCOUNT_B,
            "eu-west-1",
            ALICE,
            "DeleteObject",
            "write",
            "OBJECTKEY",
            "AccessDenied",
            SUSPECT_IP,
            event_id(25),
        ),
    ]


def test_bucket_access_of_another_bucket(engine: LocalAuditEngine) -> None:
    _, rows = _run(engine, "bucket_access", bucket_name="other-bucket")
    assert [row[-1] for row in rows] == [event_id(14)]


def test_access_denied_by_principal(engine: LocalAuditEngine) -> None:
    columns, rows = _run(engine, "access_denied_by_principal")
    assert columns == (
        "principal",
        "principal_type",
        "denied_calls",
        "distinct_actions",
        "first_seen",
        "last_seen",
    )
    # 15 + 25 (AccessDenied), 17 (Client.UnauthorizedOperation) + 18, 23 (AccessDeniedException);
    # not 11 (TrailNotFoundException).
    assert rows == [
        (ALICE, "IAMUser", 2, 2, "2024-03-02T09:20:00Z", "2024-03-03T13:05:00Z"),
        (DEPLOYER_SESSION, "AssumedRole", 2, 2, "2024-03-03T10:00:00Z", "2024-03-03T10:01:00Z"),
        (ANAYA, "IAMUser", 1, 1, "2024-03-03T12:03:00Z", "2024-03-03T12:03:00Z"),
    ]


def test_iam_changes(engine: LocalAuditEngine) -> None:
    columns, rows = _run(engine, "iam_changes")
    assert columns == (
        "eventtime",
        "account",
        "principal",
        "eventname",
        "target",
        "policy",
        "errorcode",
        "sourceipaddress",
        "eventid",
    )
    # Not 10 (GetUser) nor 28 (ListUsers): read-only.
    assert rows == [
        (
            "2024-03-01T10:07:30Z",
            ACCOUNT_A,
            ROOT_ARN,
            "EnableMFADevice",
            "AWS ROOT USER",
            None,
            None,
            "192.0.2.0",
            event_id(5),
        ),
        (
            "2024-03-02T08:00:00Z",
            ACCOUNT_B,
            ALICE,
            "CreateUser",
            "Bob",
            None,
            None,
            SUSPECT_IP,
            event_id(8),
        ),
        (
            "2024-03-02T08:01:00Z",
            ACCOUNT_B,
            ALICE,
            "AttachUserPolicy",
            "Bob",
            ADMIN_POLICY,
            None,
            SUSPECT_IP,
            event_id(9),
        ),
        (
            "2024-03-03T10:01:00Z",
            ACCOUNT_C,
            DEPLOYER_SESSION,
            "CreateRole",
            "backdoor",
            None,
            "AccessDenied",
            "203.0.113.10",
            event_id(18),
        ),
    ]


ALICE_WEEK: Final[list[Row]] = [
    (
        "2024-03-02T08:00:00Z",
        ACCOUNT_B,
        "us-east-2",
        ALICE,
        "iam.amazonaws.com",
        "CreateUser",
        None,
        SUSPECT_IP,
        CLI_06,
        event_id(8),
    ),
    (
        "2024-03-02T08:01:00Z",
        ACCOUNT_B,
        "us-east-2",
        ALICE,
        "iam.amazonaws.com",
        "AttachUserPolicy",
        None,
        SUSPECT_IP,
        CLI_06,
        event_id(9),
    ),
    (
        "2024-03-02T08:02:00Z",
        ACCOUNT_B,
        "us-east-2",
        ALICE,
        "iam.amazonaws.com",
        "GetUser",
        None,
        SUSPECT_IP,
        CLI_06,
        event_id(10),
    ),
    (
        "2024-03-02T08:05:00Z",
        ACCOUNT_B,
        "us-east-2",
        ALICE,
        "cloudtrail.amazonaws.com",
        "UpdateTrail",
        "TrailNotFoundException",
        "205.251.233.182",
        CLI_07,
        event_id(11),
    ),
    (
        "2024-03-02T09:20:00Z",
        ACCOUNT_B,
        "eu-west-1",
        ALICE,
        "s3.amazonaws.com",
        "GetObject",
        "AccessDenied",
        SUSPECT_IP,
        CLI_10,
        event_id(15),
    ),
    (
        "2024-03-03T13:05:00Z",
        ACCOUNT_B,
        "eu-west-1",
        ALICE,
        "s3.amazonaws.com",
        "DeleteObject",
        "AccessDenied",
        SUSPECT_IP,
        CLI_10,
        event_id(25),
    ),
    (
        "2024-03-04T14:00:00Z",
        ACCOUNT_B,
        "us-east-2",
        ALICE,
        "iam.amazonaws.com",
        "ListUsers",
        None,
        SUSPECT_IP,
        CLI_06,
        event_id(28),
    ),
    (
        "2024-03-04T15:00:00Z",
        ACCOUNT_B,
        "us-east-2",
        ALICE,
        "cloudtrail.amazonaws.com",
        "DeleteTrail",
        None,
        SUSPECT_IP,
        CLI_07,
        event_id(29),
    ),
]
TIMELINE_COLUMNS: Final = (
    "eventtime",
    "account",
    "awsregion",
    "principal",
    "eventsource",
    "eventname",
    "errorcode",
    "sourceipaddress",
    "useragent",
    "eventid",
)


def test_access_key_activity(engine: LocalAuditEngine) -> None:
    columns, rows = _run(engine, "access_key_activity", access_key_id=ALICE_KEY)
    assert columns == TIMELINE_COLUMNS
    assert rows == ALICE_WEEK


def test_access_key_activity_follows_the_day_range(engine: LocalAuditEngine) -> None:
    result = engine.run(
        "access_key_activity",
        {"start_day": "2024/02/29", "end_day": "2024/03/02", "access_key_id": ALICE_KEY},
    )
    leap_day = (
        "2024-02-29T23:00:00Z",
        ACCOUNT_B,
        "us-east-2",
        ALICE,
        "iam.amazonaws.com",
        "GetUser",
        None,
        SUSPECT_IP,
        CLI_06,
        event_id(32),
    )
    assert result.rows == [leap_day, *ALICE_WEEK[:5]]


def test_ip_activity(engine: LocalAuditEngine) -> None:
    columns, rows = _run(engine, "ip_activity", source_ip=SUSPECT_IP)
    assert columns == (
        "eventtime",
        "account",
        "awsregion",
        "principal",
        "eventsource",
        "eventname",
        "errorcode",
        "useragent",
        "eventid",
    )
    # Alice's calls but 11 (made from another address), then mateo's sign-in (30).
    alice = [(*row[:7], row[8], row[9]) for row in ALICE_WEEK if row[9] != event_id(11)]
    assert rows == [
        *alice,
        (
            "2024-03-05T07:00:00Z",
            ACCOUNT_A,
            "us-east-2",
            MATEO,
            "signin.amazonaws.com",
            "ConsoleLogin",
            None,
            FIREFOX,
            event_id(30),
        ),
    ]
    assert len(rows) == 8


def test_trail_tampering(engine: LocalAuditEngine) -> None:
    columns, rows = _run(engine, "trail_tampering")
    assert columns == (
        "eventtime",
        "account",
        "awsregion",
        "principal",
        "eventsource",
        "eventname",
        "target",
        "errorcode",
        "sourceipaddress",
        "eventid",
    )
    # Not 22 (DescribeTrails: read-only).
    assert rows == [
        (
            "2024-03-02T08:05:00Z",
            ACCOUNT_B,
            "us-east-2",
            ALICE,
            "cloudtrail.amazonaws.com",
            "UpdateTrail",
            "myTrail2",
            "TrailNotFoundException",
            "205.251.233.182",
            event_id(11),
        ),
        (
            "2024-03-03T10:02:00Z",
            ACCOUNT_C,
            "us-east-2",
            DEPLOYER_SESSION,
            "cloudtrail.amazonaws.com",
            "StopLogging",
            ORG_TRAIL,
            None,
            "203.0.113.10",
            event_id(19),
        ),
        (
            "2024-03-03T12:00:00Z",
            ACCOUNT_A,
            "us-east-1",
            ANAYA,
            "logs.amazonaws.com",
            "DeleteLogGroup",
            "/aws/cloudtrail/audit",
            None,
            "192.0.2.0",
            event_id(20),
        ),
        (
            "2024-03-03T12:01:00Z",
            ACCOUNT_A,
            "us-east-1",
            ANAYA,
            "config.amazonaws.com",
            "StopConfigurationRecorder",
            "default",
            None,
            "192.0.2.0",
            event_id(21),
        ),
        (
            "2024-03-04T15:00:00Z",
            ACCOUNT_B,
            "us-east-2",
            ALICE,
            "cloudtrail.amazonaws.com",
            "DeleteTrail",
            "management-events",
            None,
            SUSPECT_IP,
            event_id(29),
        ),
    ]


def test_principal_timeline_of_a_role_covers_its_sessions(engine: LocalAuditEngine) -> None:
    columns, rows = _run(engine, "principal_timeline", principal_arn=SOME_ROLE)
    assert columns == TIMELINE_COLUMNS
    assert rows == [
        (
            "2024-03-02T09:00:00Z",
            ACCOUNT_B,
            "eu-west-1",
            SOME_ROLE_SESSION,
            "s3.amazonaws.com",
            "PutObject",
            None,
            "1.2.3.4",
            CLI_10,
            event_id(12),
        ),
        (
            "2024-03-02T09:10:00Z",
            ACCOUNT_B,
            "eu-west-1",
            SOME_ROLE_SESSION,
            "s3.amazonaws.com",
            "GetObject",
            None,
            "1.2.3.4",
            CLI_10,
            event_id(13),
        ),
        (
            "2024-03-02T09:15:00Z",
            ACCOUNT_B,
            "eu-west-1",
            SOME_ROLE_SESSION,
            "s3.amazonaws.com",
            "GetObject",
            None,
            "1.2.3.4",
            CLI_10,
            event_id(14),
        ),
        (
            "2024-03-03T13:00:00Z",
            ACCOUNT_B,
            "eu-west-1",
            SOME_ROLE_SESSION,
            "s3.amazonaws.com",
            "PutObject",
            None,
            "1.2.3.4",
            CLI_10,
            event_id(24),
        ),
    ]


def test_principal_timeline_of_a_user(engine: LocalAuditEngine) -> None:
    _, rows = _run(engine, "principal_timeline", principal_arn=ALICE)
    assert rows == ALICE_WEEK


EMPTY_PARAMS: Final = {
    "bucket_name": "no-such-bucket",
    "access_key_id": "AKIANOSUCHKEY",
    "source_ip": "0.0.0.0",  # noqa: S104 - an address, not a bind
    "principal_arn": "arn:aws:iam::000000000000:user/nobody",
}


@pytest.mark.parametrize("name", sorted(load_queries()))
def test_every_query_runs_on_days_without_logs(engine: LocalAuditEngine, name: str) -> None:
    # DuckDB binds the transpiled SQL (so it would fail on a bad translation) with no file.
    query = load_queries()[name]
    params = {"start_day": "2023/01/01", "end_day": "2023/12/31"}
    params.update({param: EMPTY_PARAMS[param] for param in query.params[2:]})
    result = engine.run(name, params)
    assert result.rows == []
    assert result.files_scanned == ()
    assert result.columns


@pytest.mark.parametrize("name", sorted(load_queries()))
def test_every_query_is_covered_by_a_test_with_rows(name: str) -> None:
    assert f"def test_{name}" in _THIS_FILE


_THIS_FILE: Final = Path(__file__).read_text(encoding="utf-8")


# --- the data AWS really writes (log files written for each test) --------------------------


def _engine_over(folder: Path, *records: dict[str, Any]) -> LocalAuditEngine:
    """An engine over one log file of 2024/05/01 holding ``records``."""
    write_log(folder / "AWSLogs", LogFileSpec(ACCOUNT_A, "us-east-1", "20240501T1000Z", records))
    return LocalAuditEngine(folder)


def _signin(number: int, additional: object) -> dict[str, Any]:
    signin = record(number)
    signin["additionalEventData"] = additional
    return signin


def test_console_signins_without_mfa_compares_mfa_used_ignoring_case(tmp_path: Path) -> None:
    # GIVEN root sign-ins as AWS writes them: "YES" with MFA, "No" without, two whose
    # additionalEventData says nothing usable (text that is not JSON, no MFAUsed key), and one
    # whose additionalEventData is a string holding JSON
    engine = _engine_over(
        tmp_path,
        _signin(1, {"LoginTo": "https://console.aws.amazon.com/", "MFAUsed": "YES"}),
        _signin(2, {"MFAUsed": "yes"}),
        _signin(3, {"MFAUsed": "No"}),
        _signin(4, "sign-in details withheld"),
        _signin(5, {"LoginTo": "https://console.aws.amazon.com/"}),
        _signin(6, '{"MFAUsed": "Yes"}'),  # the object as JSON text in a string: with MFA
    )
    # WHEN the query runs THEN the sign-ins with MFA are not reported, and nothing aborts
    result = engine.run("console_signins_without_mfa", MAY_1)
    mfa_used = result.columns.index("mfa_used")
    assert [(row[-1], row[mfa_used]) for row in result.rows] == [
        (event_id(3), "No"),
        (event_id(4), None),
        (event_id(5), None),
    ]


def test_trail_tampering_includes_cloudtrail_lake_event_data_stores(tmp_path: Path) -> None:
    # GIVEN an event data store deleted and one whose ingestion is stopped
    store = "arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/EXAMPLE-f852-4e8f-8bd1"
    events = []
    for number, name in ((1, "DeleteEventDataStore"), (2, "StopEventDataStoreIngestion")):
        event = record(number, f"2024-05-01T10:0{number}:00Z")
        event.update(
            eventSource="cloudtrail.amazonaws.com",
            eventName=name,
            requestParameters={"eventDataStore": store},
        )
        events.append(event)
    # WHEN trail_tampering runs THEN both are reported, with the store as the target
    result = _engine_over(tmp_path, *events).run("trail_tampering", MAY_1)
    target = result.columns.index("target")
    assert [(row[5], row[target]) for row in result.rows] == [
        ("DeleteEventDataStore", store),
        ("StopEventDataStoreIngestion", store),
    ]


def test_access_denied_by_principal_counts_every_error_code_variant(tmp_path: Path) -> None:
    codes = (
        "AccessDenied",
        "AccessDeniedException",
        "Client.AccessDenied",
        "Client.UnauthorizedOperation",
        "UnauthorizedOperation",
        "UnauthorizedException",
        "ThrottlingException",  # not a denial
    )
    events = []
    for number, code in enumerate(codes, start=1):
        event = record(number)
        event.update(errorCode=code, eventName=f"Call{number}")
        events.append(event)
    result = _engine_over(tmp_path, *events).run("access_denied_by_principal", MAY_1)
    assert [(row[0], row[2], row[3]) for row in result.rows] == [(ROOT_ARN, 6, 6)]
