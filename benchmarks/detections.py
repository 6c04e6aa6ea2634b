"""Detection evaluation throughput: ``python benchmarks/detections.py [--records N]``.

Builds a deterministic corpus (default 200,000 records) by mutating the real CloudTrail
samples in ``tests/fixtures/cloudtrail`` (eventName/eventSource, identity type, errors,
source IPs, regions, sign-in outcomes), so that every detection fires for some records and
most records are the benign reads and writes a real trail is full of. Then, on one core:

(a) evaluation of all detections over the already-parsed records;
(b) end to end: the same records as JSON text, parsed and evaluated;

and the per-detection fire counts. The detections come from :func:`_detection_template`: the
template CisBenchmarkAlarms (CloudWatch.1-14, CIS 4.15, the prowler variants) and
SecurityEventRules synthesize. Exits with status 1 when (a) is under the floor.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from constructs_obs.detections import DetectionSet, EvaluationReport, load_records

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "fixtures" / "cloudtrail"
FLOOR = 50_000  # records per second, one core, already-parsed records
REPEATS = 3
SEED = 20_241_122

# --------------------------------------------------------------------------------------------
# The detections
# --------------------------------------------------------------------------------------------


# Verbatim from the AWS Security Hub user guide (see /work/shared/design/DETECTIONS.md).
def _detection_template() -> dict[str, Any]:
    """The template the benchmark evaluates: the single place the detections come from.

    It is what the library synthesizes: every CIS metric filter (CloudWatch.1-14, CIS 4.15 and
    the prowler variants) on a trail log group and every SecurityEventRules rule.
    """
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    import aws_cdk as cdk  # noqa: PLC0415 -- only to build the template, outside the timing

    from constructs_obs import (  # noqa: PLC0415
        AlarmRouting,
        AlarmTopic,
        CisBenchmarkAlarms,
        EncryptedLogGroup,
        SecurityEventRules,
    )

    app = cdk.App()
    stack = cdk.Stack(
        app, "Detections", env=cdk.Environment(account="111122223333", region="us-east-1")
    )
    topic = AlarmTopic(stack, "Security")
    routing = AlarmRouting(stack, "Routing", name_prefix="bench", critical=[topic], warning=[topic])
    trail_logs = EncryptedLogGroup(stack, "TrailLogs")
    CisBenchmarkAlarms(
        stack,
        "Cis",
        trail_log_group=trail_logs.log_group,
        routing=routing,
        prowler_variants=True,
    )
    SecurityEventRules(stack, "Rules", targets=[topic])
    template: dict[str, Any] = app.synth().get_stack_by_name("Detections").template
    return template


# --------------------------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------------------------

# What a trail mostly holds: reads and routine writes (service endpoint, event name, read-only).
BENIGN_CALLS: tuple[tuple[str, str, bool], ...] = (
    ("ec2", "DescribeInstances", True),
    ("ec2", "DescribeSecurityGroups", True),
    ("ec2", "DescribeVpcs", True),
    ("ec2", "RunInstances", False),
    ("ec2", "CreateTags", False),
    ("s3", "GetObject", True),
    ("s3", "PutObject", False),
    ("s3", "ListBuckets", True),
    ("s3", "GetBucketPolicy", True),
    ("sts", "AssumeRole", False),
    ("sts", "GetCallerIdentity", True),
    ("iam", "GetRole", True),
    ("iam", "ListRoles", True),
    ("iam", "CreateUser", False),
    ("kms", "Decrypt", True),
    ("kms", "GenerateDataKey", True),
    ("lambda", "Invoke", False),
    ("lambda", "ListFunctions20150331", True),
    ("logs", "CreateLogStream", False),
    ("logs", "PutLogEvents", False),
    ("dynamodb", "DescribeTable", True),
    ("cloudtrail", "LookupEvents", True),
    ("cloudtrail", "DescribeTrails", True),
    ("config", "DescribeConfigRules", True),
    ("organizations", "ListAccounts", True),
    ("secretsmanager", "GetSecretValue", True),
    ("guardduty", "ListDetectors", True),
    ("securityhub", "GetFindings", True),
    ("monitoring", "PutMetricData", False),
    ("ssm", "GetParameter", True),
)

# Calls some detection watches, by service endpoint.
WATCHED_CALLS: tuple[tuple[str, str], ...] = (
    *(
        ("iam", name)
        for name in (
            "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy",
            "PutRolePolicy", "PutUserPolicy", "CreatePolicy", "DeletePolicy",
            "CreatePolicyVersion", "DeletePolicyVersion", "AttachRolePolicy", "DetachRolePolicy",
            "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy", "DetachGroupPolicy",
        )
    ),
    *(
        ("cloudtrail", name)
        for name in ("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging")
    ),
    ("kms", "DisableKey"),
    ("kms", "ScheduleKeyDeletion"),
    *(
        ("s3", name)
        for name in (
            "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle",
            "PutBucketReplication", "DeleteBucketPolicy", "DeleteBucketCors",
            "DeleteBucketLifecycle", "DeleteBucketReplication", "PutBucketPublicAccessBlock",
        )
    ),
    *(
        ("config", name)
        for name in (
            "StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel",
            "PutConfigurationRecorder",
        )
    ),
    *(
        ("ec2", name)
        for name in (
            "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress", "CreateSecurityGroup",
            "DeleteSecurityGroup", "CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl",
            "DeleteNetworkAclEntry", "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation",
            "CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway",
            "CreateInternetGateway", "DeleteInternetGateway", "DetachInternetGateway",
            "CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation",
            "DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable", "CreateVpc", "DeleteVpc",
            "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection",
            "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection", "AttachClassicLinkVpc",
            "DetachClassicLinkVpc", "DisableVpcClassicLink", "EnableVpcClassicLink",
        )
    ),
    *(
        ("organizations", name)
        for name in (
            "AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit",
            "CreatePolicy", "DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit",
            "DeletePolicy", "DetachPolicy", "DisablePolicyType", "EnablePolicyType",
            "InviteAccountToOrganization", "LeaveOrganization", "MoveAccount",
            "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit",
        )
    ),
    *(
        ("guardduty", name)
        for name in ("DeleteDetector", "UpdateDetector", "StopMonitoringMembers")
    ),
    *(("securityhub", name) for name in ("DisableSecurityHub", "BatchDisableStandards")),
)  # fmt: skip

ERRORS: tuple[tuple[str, str], ...] = (
    ("AccessDenied", "User is not authorized to perform this operation"),
    ("Client.UnauthorizedOperation", "You are not authorized to perform this operation."),
    ("AccessDeniedException", "User is not authorized to perform: kms:Decrypt"),
    ("ThrottlingException", "Rate exceeded"),
    ("NoSuchEntity", "The role cannot be found."),
)
REGIONS = ("us-east-1", "us-east-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
ACCOUNTS = ("111122223333", "444455556666", "777788889999")


def _samples() -> dict[str, dict[str, Any]]:
    return {
        path.name.split("_", 1)[0]: load_records(path)[0] for path in sorted(SAMPLES.glob("*.json"))
    }


def _identity(rng: random.Random, account: str, root_share: float) -> dict[str, Any]:
    roll = rng.random()
    if roll < root_share:
        return {
            "type": "Root",
            "principalId": account,
            "arn": f"arn:aws:iam::{account}:root",
            "accountId": account,
            "accessKeyId": "",
        }
    if roll < 0.45:
        user = f"user{rng.randrange(50)}"
        return {
            "type": "IAMUser",
            "principalId": f"AIDA{rng.getrandbits(48):012X}",
            "arn": f"arn:aws:iam::{account}:user/{user}",
            "accountId": account,
            "accessKeyId": f"AKIA{rng.getrandbits(48):012X}",
            "userName": user,
        }
    role = rng.choice(("Deployer", "AppRole", "Admin", "ReadOnly"))
    identity: dict[str, Any] = {
        "type": "AssumedRole",
        "principalId": f"AROA{rng.getrandbits(48):012X}:session",
        "arn": f"arn:aws:sts::{account}:assumed-role/{role}/session",
        "accountId": account,
        "accessKeyId": f"ASIA{rng.getrandbits(48):012X}",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "arn": f"arn:aws:iam::{account}:role/{role}",
                "accountId": account,
                "userName": role,
            },
            "attributes": {"mfaAuthenticated": "false", "creationDate": "2024-01-01T00:00:00Z"},
        },
    }
    if rng.random() < 0.2:
        identity["invokedBy"] = rng.choice(("cloudformation.amazonaws.com", "AWS Internal"))
    return identity


def _api_call(
    rng: random.Random, base: dict[str, Any], service: str, name: str, read_only: bool
) -> dict[str, Any]:
    account = rng.choice(ACCOUNTS)
    record = dict(base)
    record.pop("errorCode", None)
    record.pop("errorMessage", None)
    record["userIdentity"] = _identity(rng, account, root_share=0.02)
    record["eventSource"] = f"{service}.amazonaws.com"
    record["eventName"] = name
    record["readOnly"] = read_only
    record["eventType"] = "AwsApiCall"
    record["recipientAccountId"] = account
    record["sourceIPAddress"] = (
        f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
        if rng.random() < 0.8
        else f"{rng.choice(('cloudformation', 'delivery.logs', 'ec2'))}.amazonaws.com"
    )
    if rng.random() < 0.06:
        record["errorCode"], record["errorMessage"] = rng.choice(ERRORS)
    return record


def _console_login(rng: random.Random, samples: dict[str, dict[str, Any]]) -> dict[str, Any]:
    record = dict(samples[rng.choice(("01", "02", "03", "04"))])
    if rng.random() < 0.5:
        mfa = rng.choice(("Yes", "No"))
        record["additionalEventData"] = {**record["additionalEventData"], "MFAUsed": mfa}
    if rng.random() < 0.2:
        record["responseElements"] = {"ConsoleLogin": "Failure"}
        record["errorMessage"] = "Failed authentication"
    return record


def _service_event(rng: random.Random, samples: dict[str, dict[str, Any]]) -> dict[str, Any]:
    record = dict(samples["08"])
    if rng.random() < 0.3:  # a service acting as root, which CloudWatch.1 must ignore
        record["userIdentity"] = {"type": "Root", "invokedBy": "AWS Internal", "accountId": "1"}
    return record


def corpus(count: int, seed: int = SEED) -> list[dict[str, Any]]:
    """``count`` records derived from the samples, the same ones for the same seed."""
    rng = random.Random(seed)  # noqa: S311  (a reproducible corpus, not a secret)
    samples = _samples()
    api_bases = [samples[key] for key in ("05", "06", "07", "09", "10")]
    records: list[dict[str, Any]] = []
    for position in range(count):
        roll = rng.random()
        if roll < 0.06:
            record = _console_login(rng, samples)
        elif roll < 0.08:
            record = _service_event(rng, samples)
        elif roll < 0.30:
            service, name = rng.choice(WATCHED_CALLS)
            record = _api_call(rng, rng.choice(api_bases), service, name, read_only=False)
        else:
            service, name, read_only = rng.choice(BENIGN_CALLS)
            record = _api_call(rng, rng.choice(api_bases), service, name, read_only)
        record["awsRegion"] = rng.choice(REGIONS)
        record["eventTime"] = time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_700_000_000 + position)
        )
        record["eventID"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        records.append(record)
    return records


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


def best_of(run: Callable[[], EvaluationReport], repeats: int) -> tuple[float, EvaluationReport]:
    best, report = float("inf"), None
    for _ in range(repeats):
        gc.collect()
        started = time.perf_counter()
        report = run()
        best = min(best, time.perf_counter() - started)
    assert report is not None
    return best, report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--records", type=int, default=200_000, help="corpus size")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs per measurement")
    args = parser.parse_args(argv)

    template = _detection_template()  # synthesized by aws-cdk-lib, not timed
    started = time.perf_counter()
    detections = DetectionSet.from_template(template, label="benchmark")
    compile_time = time.perf_counter() - started
    records = corpus(args.records)
    lines = [json.dumps(record, separators=(",", ":")) for record in records]
    size = sum(map(len, lines)) / len(lines)
    gc.freeze()  # the corpus lives for the whole run: keep it out of every collection

    print(
        f"{len(detections)} detections ({detections!r}) compiled in {compile_time * 1e3:.1f} ms; "
        f"{len(records):,} records, {size:.0f} bytes of JSON on average"
    )
    parsed_time, report = best_of(lambda: detections.evaluate(records), args.repeats)
    text_time, text_report = best_of(lambda: detections.evaluate(lines), args.repeats)
    if text_report.counts() != report.counts():
        print("error: parsed and text evaluations disagree", file=sys.stderr)
        return 2
    parsed_rate = len(records) / parsed_time
    text_rate = len(records) / text_time
    print(f"(a) already-parsed records: {parsed_rate:>10,.0f} records/s ({parsed_time:.3f} s)")
    print(f"(b) JSON text, parse + evaluate: {text_rate:>10,.0f} records/s ({text_time:.3f} s)")
    print()
    print(report.summary())
    silent = [detection.id for detection in report.never_fired()]
    if silent:
        print(f"warning: never fired: {', '.join(silent)}", file=sys.stderr)
    verdict = "PASS" if parsed_rate >= FLOOR else "FAIL"
    print(f"\nfloor {FLOOR:,} records/s for (a) on one core: {verdict}")
    return 0 if parsed_rate >= FLOOR else 1


if __name__ == "__main__":
    sys.exit(main())
