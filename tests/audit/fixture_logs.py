"""The fixture log tree under ``tests/fixtures/cloudtrail-logs/trail-bucket``, and its generator.

The records are AWS's documented sample events (``tests/fixtures/cloudtrail-logs/samples``)
given new times, ids, regions and principals, spread over six days, three accounts (one
account trail, two accounts of an organization trail), three regions and several files a day,
in CloudTrail's S3 layout under a key prefix::

    trail-bucket/security/AWSLogs/111122223333/CloudTrail/<region>/2024/03/<dd>/<file>.json.gz
    trail-bucket/security/AWSLogs/o-aa111bb222/<account>/CloudTrail/<region>/2024/03/<dd>/...

2024/03/20 holds one good file, one that is not gzip and one whose JSON is cut short; a
``CloudTrail-Digest`` file sits beside the logs and must never be read.

The tree is committed; ``python -m tests.audit.fixture_logs`` rewrites it (deterministically)
and ``test_fixture_tree_is_up_to_date`` checks that the committed files match this module.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

FIXTURES: Final = Path(__file__).resolve().parents[1] / "fixtures" / "cloudtrail-logs"
SAMPLES: Final = FIXTURES / "samples"
BUCKET: Final = FIXTURES / "trail-bucket"
PREFIX: Final = "security"
LOG_ROOT: Final = BUCKET / PREFIX / "AWSLogs"

ACCOUNT_A: Final = "111122223333"  # account trail
ORG_ID: Final = "o-aa111bb222"
ACCOUNT_B: Final = "123456789012"  # organization member
ACCOUNT_C: Final = "777788889999"  # organization member

ROOT_ARN: Final = "arn:aws:iam::111122223333:root"
ANAYA: Final = "arn:aws:iam::111122223333:user/anaya"
MATEO: Final = "arn:aws:iam::111122223333:user/mateo"
ALICE: Final = "arn:aws:iam::123456789012:user/Alice"
ALICE_KEY: Final = "EXAMPLE_KEY_ID"
SOME_ROLE: Final = "arn:aws:iam::123456789012:role/SomeRole"
SOME_ROLE_SESSION: Final = "arn:aws:sts::123456789012:assumed-role/SomeRole/user-SomeRole"
DEPLOYER_SESSION: Final = "arn:aws:sts::777788889999:assumed-role/Deployer/ci-session"
SUSPECT_IP: Final = "198.51.100.7"

CORRUPT_DAY: Final = "2024/03/20"
NOT_GZIP_FILE: Final = "111122223333_CloudTrail_us-east-1_20240320T0605Z_NotGzip0000000001.json.gz"
BAD_JSON_FILE: Final = "111122223333_CloudTrail_us-east-1_20240320T0610Z_BadJson0000000001.json.gz"

Record = dict[str, Any]


def event_id(number: int) -> str:
    """The eventID of fixture record ``number`` (a UUID-shaped string)."""
    return f"00000000-0000-4000-8000-{number:012d}"


def load_sample(file_name: str) -> Record:
    """One record of ``samples/`` (unwrapping ``{"Records": [...]}``), as a fresh copy."""
    document = json.loads((SAMPLES / file_name).read_text(encoding="utf-8"))
    records = document.get("Records", [document])
    return copy.deepcopy(records[0])


def _from(sample: str, number: int, when: str, region: str, **changes: Any) -> Record:
    """A sample record with a new id, time and region; ``None`` in ``changes`` drops a key."""
    record = load_sample(sample)
    record["eventID"] = event_id(number)
    record["eventTime"] = when
    record["awsRegion"] = region
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return record


def _identity(sample: str) -> Record:
    identity: Record = load_sample(sample)["userIdentity"]
    return identity


def _anaya_api() -> Record:
    return {
        **_identity("01_consolelogin_iamuser_nomfa_success.json"),
        "accessKeyId": "AKIAEXAMPLEANAYA0001",
    }


def _alice() -> Record:
    return _identity("06_createuser_iam.json")


def _deployer() -> Record:
    identity = _identity("10_s3_putobject_dataevent.json")
    identity.update(
        accountId=ACCOUNT_C,
        principalId="AROAEXAMPLEDEPLOYER:ci-session",
        accessKeyId="ASIAEXAMPLEDEPLOYER1",
        arn=DEPLOYER_SESSION,
    )
    identity["sessionContext"]["sessionIssuer"] = {
        "accountId": ACCOUNT_C,
        "type": "Role",
        "principalId": "AROAEXAMPLEDEPLOYER",
        "userName": "Deployer",
        "arn": "arn:aws:iam::777788889999:role/Deployer",
    }
    return identity


def _s3(number: int, when: str, name: str, bucket: str, key: str, **changes: Any) -> Record:
    return _from(
        "10_s3_putobject_dataevent.json",
        number,
        when,
        "eu-west-1",
        eventName=name,
        requestParameters={
            "bucketName": bucket,
            "Host": f"{bucket}.s3.eu-west-1.amazonaws.com",
            "key": key,
        },
        resources=[
            {"ARN": f"arn:aws:s3:::{bucket}/{key}", "type": "AWS::S3::Object"},
            {"accountId": ACCOUNT_B, "ARN": f"arn:aws:s3:::{bucket}", "type": "AWS::S3::Bucket"},
        ],
        **changes,
    )


def _api(number: int, when: str, region: str, source: str, name: str, **changes: Any) -> Record:
    """An API call shaped like sample 07 (an IAM user calling with the CLI)."""
    fields: dict[str, Any] = {
        "eventSource": source,
        "eventName": name,
        "errorCode": None,
        "errorMessage": None,
        "requestID": f"req-{number:04d}",
        "readOnly": False,
    }
    fields.update(changes)
    return _from("07_updatetrail_error_trailnotfound.json", number, when, region, **fields)


@dataclass(frozen=True)
class LogFileSpec:
    """One log file of the fixture tree."""

    account: str
    region: str
    stamp: str  # YYYYMMDDTHHmmZ
    records: tuple[Record, ...] = ()
    organization: str | None = None
    raw: bytes | None = None  # written as is (a corrupt file), instead of records
    name: str | None = None

    @property
    def day(self) -> str:
        return f"{self.stamp[0:4]}/{self.stamp[4:6]}/{self.stamp[6:8]}"

    @property
    def file_name(self) -> str:
        if self.name is not None:
            return self.name
        digest = hashlib.sha256(f"{self.account}{self.region}{self.stamp}".encode()).digest()
        alphabet = string.ascii_letters + string.digits
        suffix = "".join(alphabet[byte % len(alphabet)] for byte in digest[:16])
        return f"{self.account}_CloudTrail_{self.region}_{self.stamp}_{suffix}.json.gz"

    @property
    def relative_path(self) -> Path:
        folder = Path(self.organization) if self.organization else Path()
        return folder / self.account / "CloudTrail" / self.region / self.day / self.file_name

    def content(self) -> bytes:
        if self.raw is not None:
            return self.raw
        body = json.dumps({"Records": list(self.records)}, separators=(",", ":"))
        return gzip.compress(body.encode(), mtime=0)


def _file(
    account: str, region: str, stamp: str, *records: Record, org: bool = False
) -> LogFileSpec:
    return LogFileSpec(account, region, stamp, records, ORG_ID if org else None)


def log_files() -> list[LogFileSpec]:
    """Every file of the fixture tree (records numbered 1..33, see ``event_id``)."""
    signin_nomfa = "01_consolelogin_iamuser_nomfa_success.json"
    alice = _alice()
    deployer = _deployer()
    anaya = _anaya_api()
    return [
        # 2024/03/01, account trail of 111122223333
        _file(
            ACCOUNT_A,
            "us-east-1",
            "20240301T0905Z",
            _from(signin_nomfa, 1, "2024-03-01T09:02:11Z", "us-east-1"),
            _from(
                "02_consolelogin_iamuser_mfa_success.json", 2, "2024-03-01T09:03:00Z", "us-east-1"
            ),
            _from("03_consolelogin_iamuser_failed.json", 3, "2024-03-01T09:04:30Z", "us-east-1"),
        ),
        _file(
            ACCOUNT_A,
            "us-east-1",
            "20240301T1010Z",
            _from(
                "04_consolelogin_root_nomfa_success.json", 4, "2024-03-01T10:05:00Z", "us-east-1"
            ),
            _from("05_root_enablemfadevice_apicall.json", 5, "2024-03-01T10:07:30Z", "us-east-1"),
        ),
        _file(
            ACCOUNT_A,
            "us-east-2",
            "20240301T1100Z",
            _from(
                "09_sts_assumerole_crossaccount_caller.json", 6, "2024-03-01T11:00:00Z", "us-east-2"
            ),
            # The root user, but a call AWS Support made on its behalf: not root activity.
            _from(
                "05_root_enablemfadevice_apicall.json",
                7,
                "2024-03-01T11:30:00Z",
                "us-east-2",
                userIdentity={
                    **_identity("04_consolelogin_root_nomfa_success.json"),
                    "invokedBy": "support.amazonaws.com",
                },
                eventSource="support.amazonaws.com",
                eventName="DescribeCases",
                requestParameters={"includeResolvedCases": False},
                readOnly=True,
            ),
        ),
        # 2024/03/02, organization member 123456789012
        _file(
            ACCOUNT_B,
            "us-east-2",
            "20240302T0010Z",
            _from("08_kms_rotatekey_awsserviceevent.json", 16, "2024-03-02T00:06:08Z", "us-east-2"),
            org=True,
        ),
        _file(
            ACCOUNT_B,
            "us-east-2",
            "20240302T0800Z",
            _from(
                "06_createuser_iam.json",
                8,
                "2024-03-02T08:00:00Z",
                "us-east-2",
                sourceIPAddress=SUSPECT_IP,
                eventType="AwsApiCall",
                recipientAccountId=ACCOUNT_B,
            ),
            _from(
                "06_createuser_iam.json",
                9,
                "2024-03-02T08:01:00Z",
                "us-east-2",
                sourceIPAddress=SUSPECT_IP,
                eventName="AttachUserPolicy",
                requestParameters={
                    "userName": "Bob",
                    "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
                },
                responseElements=None,
                readOnly=False,
            ),
            _from(
                "06_createuser_iam.json",
                10,
                "2024-03-02T08:02:00Z",
                "us-east-2",
                sourceIPAddress=SUSPECT_IP,
                eventName="GetUser",
                responseElements=None,
                readOnly=True,
            ),
            _from(
                "07_updatetrail_error_trailnotfound.json", 11, "2024-03-02T08:05:00Z", "us-east-2"
            ),
            org=True,
        ),
        _file(
            ACCOUNT_B,
            "eu-west-1",
            "20240302T0900Z",
            _s3(12, "2024-03-02T09:00:00Z", "PutObject", "BUCKETNAME", "OBJECTKEY"),
            _s3(13, "2024-03-02T09:10:00Z", "GetObject", "BUCKETNAME", "OBJECTKEY", readOnly=True),
            _s3(
                14, "2024-03-02T09:15:00Z", "GetObject", "other-bucket", "report.csv", readOnly=True
            ),
            _s3(
                15,
                "2024-03-02T09:20:00Z",
                "GetObject",
                "BUCKETNAME",
                "secret.txt",
                readOnly=True,
                userIdentity=alice,
                sourceIPAddress=SUSPECT_IP,
                errorCode="AccessDenied",
                errorMessage="Access Denied",
            ),
            org=True,
        ),
        # 2024/03/03
        _file(
            ACCOUNT_C,
            "us-east-2",
            "20240303T1000Z",
            _api(
                17,
                "2024-03-03T10:00:00Z",
                "us-east-2",
                "ec2.amazonaws.com",
                "RunInstances",
                userIdentity=deployer,
                sourceIPAddress="203.0.113.10",
                errorCode="Client.UnauthorizedOperation",
                errorMessage="You are not authorized to perform this operation.",
                requestParameters={"instanceType": "p4d.24xlarge"},
                recipientAccountId=ACCOUNT_C,
            ),
            _api(
                18,
                "2024-03-03T10:01:00Z",
                "us-east-2",
                "iam.amazonaws.com",
                "CreateRole",
                userIdentity=deployer,
                sourceIPAddress="203.0.113.10",
                errorCode="AccessDenied",
                errorMessage="User is not authorized to perform: iam:CreateRole",
                requestParameters={"roleName": "backdoor"},
                recipientAccountId=ACCOUNT_C,
            ),
            _api(
                19,
                "2024-03-03T10:02:00Z",
                "us-east-2",
                "cloudtrail.amazonaws.com",
                "StopLogging",
                userIdentity=deployer,
                sourceIPAddress="203.0.113.10",
                requestParameters={
                    "name": "arn:aws:cloudtrail:us-east-2:777788889999:trail/org-trail"
                },
                recipientAccountId=ACCOUNT_C,
            ),
            org=True,
        ),
        _file(
            ACCOUNT_A,
            "us-east-1",
            "20240303T1200Z",
            _api(
                20,
                "2024-03-03T12:00:00Z",
                "us-east-1",
                "logs.amazonaws.com",
                "DeleteLogGroup",
                userIdentity=anaya,
                sourceIPAddress="192.0.2.0",
                requestParameters={"logGroupName": "/aws/cloudtrail/audit"},
                recipientAccountId=ACCOUNT_A,
            ),
            _api(
                21,
                "2024-03-03T12:01:00Z",
                "us-east-1",
                "config.amazonaws.com",
                "StopConfigurationRecorder",
                userIdentity=anaya,
                sourceIPAddress="192.0.2.0",
                requestParameters={"configurationRecorderName": "default"},
                recipientAccountId=ACCOUNT_A,
            ),
            _api(
                22,
                "2024-03-03T12:02:00Z",
                "us-east-1",
                "cloudtrail.amazonaws.com",
                "DescribeTrails",
                userIdentity=anaya,
                sourceIPAddress="192.0.2.0",
                requestParameters={"trailNameList": []},
                readOnly=True,
                recipientAccountId=ACCOUNT_A,
            ),
            _api(
                23,
                "2024-03-03T12:03:00Z",
                "us-east-1",
                "kms.amazonaws.com",
                "Decrypt",
                userIdentity=anaya,
                sourceIPAddress="192.0.2.0",
                errorCode="AccessDeniedException",
                errorMessage="User is not authorized to perform: kms:Decrypt",
                requestParameters={"encryptionAlgorithm": "SYMMETRIC_DEFAULT"},
                readOnly=True,
                recipientAccountId=ACCOUNT_A,
            ),
        ),
        _file(
            ACCOUNT_B,
            "eu-west-1",
            "20240303T1300Z",
            _s3(24, "2024-03-03T13:00:00Z", "PutObject", "BUCKETNAME", "upload.bin"),
            _s3(
                25,
                "2024-03-03T13:05:00Z",
                "DeleteObject",
                "BUCKETNAME",
                "OBJECTKEY",
                userIdentity=alice,
                sourceIPAddress=SUSPECT_IP,
                errorCode="AccessDenied",
                errorMessage="Access Denied",
            ),
            org=True,
        ),
        # 2024/03/04
        _file(
            ACCOUNT_A,
            "us-east-1",
            "20240304T0800Z",
            _from(
                "04_consolelogin_root_nomfa_success.json",
                26,
                "2024-03-04T08:00:00Z",
                "us-east-1",
                sourceIPAddress="203.0.113.50",
                additionalEventData={
                    "LoginTo": "https://console.aws.amazon.com/console/home",
                    "MobileVersion": "No",
                    "MFAUsed": "Yes",
                },
            ),
            # Root identity on a service event: not root activity either.
            _from(
                "08_kms_rotatekey_awsserviceevent.json",
                27,
                "2024-03-04T08:30:00Z",
                "us-east-1",
                userIdentity=_identity("04_consolelogin_root_nomfa_success.json"),
                recipientAccountId=ACCOUNT_A,
            ),
        ),
        _file(
            ACCOUNT_B,
            "us-east-2",
            "20240304T1400Z",
            _from(
                "06_createuser_iam.json",
                28,
                "2024-03-04T14:00:00Z",
                "us-east-2",
                sourceIPAddress=SUSPECT_IP,
                eventName="ListUsers",
                requestParameters=None,
                responseElements=None,
                readOnly=True,
            ),
            org=True,
        ),
        _file(
            ACCOUNT_B,
            "us-east-2",
            "20240304T1500Z",
            _from(
                "07_updatetrail_error_trailnotfound.json",
                29,
                "2024-03-04T15:00:00Z",
                "us-east-2",
                sourceIPAddress=SUSPECT_IP,
                eventName="DeleteTrail",
                errorCode=None,
                errorMessage=None,
                requestParameters={"name": "management-events"},
                readOnly=False,
            ),
            org=True,
        ),
        # 2024/03/05
        _file(
            ACCOUNT_A,
            "us-east-2",
            "20240305T0700Z",
            _from(
                signin_nomfa,
                30,
                "2024-03-05T07:00:00Z",
                "us-east-2",
                sourceIPAddress=SUSPECT_IP,
                userIdentity={
                    "type": "IAMUser",
                    "principalId": "AIDAEXAMPLEMATEO0001",
                    "arn": MATEO,
                    "accountId": ACCOUNT_A,
                    "userName": "mateo",
                },
            ),
        ),
        _file(
            ACCOUNT_C,
            "us-east-2",
            "20240305T0915Z",
            _from(
                "09_sts_assumerole_crossaccount_caller.json",
                31,
                "2024-03-05T09:15:00Z",
                "us-east-2",
                recipientAccountId=ACCOUNT_C,
            ),
            org=True,
        ),
        # 2024/02/29: the day before the range most tests query
        _file(
            ACCOUNT_B,
            "us-east-2",
            "20240229T2300Z",
            _from(
                "06_createuser_iam.json",
                32,
                "2024-02-29T23:00:00Z",
                "us-east-2",
                sourceIPAddress=SUSPECT_IP,
                eventName="GetUser",
                responseElements=None,
                readOnly=True,
            ),
            org=True,
        ),
        # 2024/03/20: one good file and two corrupt ones
        _file(
            ACCOUNT_A,
            "us-east-1",
            "20240320T0600Z",
            _from(
                "04_consolelogin_root_nomfa_success.json", 33, "2024-03-20T06:00:00Z", "us-east-1"
            ),
        ),
        LogFileSpec(
            ACCOUNT_A,
            "us-east-1",
            "20240320T0605Z",
            raw=b'{"Records":[]}\n',  # an uncompressed copy saved under the .gz name
            name=NOT_GZIP_FILE,
        ),
        LogFileSpec(
            ACCOUNT_A,
            "us-east-1",
            "20240320T0610Z",
            raw=gzip.compress(
                b'{"Records":[{"eventVersion":"1.08","eventTime":"2024-03-20T06:10:00Z",', mtime=0
            ),
            name=BAD_JSON_FILE,
        ),
    ]


def digest_file() -> tuple[Path, bytes]:
    """A CloudTrail-Digest file (relative to AWSLogs): not a log, never read by the engine."""
    relative = Path(
        ACCOUNT_A,
        "CloudTrail-Digest",
        "us-east-1",
        "2024",
        "03",
        "01",
        f"{ACCOUNT_A}_CloudTrail-Digest_us-east-1_management_us-east-1_20240301T100000Z.json.gz",
    )
    digest = {
        "awsAccountId": ACCOUNT_A,
        "digestStartTime": "2024-03-01T09:00:00Z",
        "digestEndTime": "2024-03-01T10:00:00Z",
        "logFiles": [],
    }
    return relative, gzip.compress(json.dumps(digest).encode(), mtime=0)


def tree_files() -> Iterator[tuple[Path, bytes]]:
    """``(path relative to AWSLogs, bytes)`` of every file of the tree."""
    for spec in log_files():
        yield spec.relative_path, spec.content()
    yield digest_file()


def write_tree(
    log_root: Path, files: Callable[[], Iterator[tuple[Path, bytes]]] = tree_files
) -> None:
    """Write the tree under ``log_root`` (an ``AWSLogs`` folder)."""
    for relative, content in files():
        target = log_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


if __name__ == "__main__":
    write_tree(LOG_ROOT)
    print(f"wrote {sum(1 for _ in tree_files())} files under {LOG_ROOT}")
