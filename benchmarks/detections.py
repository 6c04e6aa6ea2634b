"""Detection evaluation throughput: ``python benchmarks/detections.py [--records N]``.

Builds a deterministic corpus (default 200,000 records) by mutating the real CloudTrail
samples in ``tests/fixtures/cloudtrail`` (eventName/eventSource, identity type, errors,
source IPs, regions, sign-in outcomes), so that most records are the benign reads and writes
a real trail is full of, plus three records per rule built from its pattern
(:func:`rule_examples`), so that every detection fires for some records. Then, on one core:

(a) evaluation of all detections over the already-parsed records;
(b) end to end: the same records as JSON text, parsed and evaluated;

and the per-detection fire counts. The detections come from :func:`_detection_template`: the
template CisBenchmarkAlarms (CloudWatch.1-14, CIS 4.15, the prowler variants) and
SecurityEventRules synthesize. Both are timed in CPU time of this process (``process_time``:
evaluation is single-threaded, and the wall clock of a loaded machine measures the other
processes too) and in wall-clock time, best of ``--repeats``. Exits with status 1 when (a) in
CPU time is under the floor.

``python benchmarks/detections.py --false-positives [--records N] [--days D] [--corpus DIR]``
measures the false-positive budget instead: the detections the demo app deploys (its audit and
global detection stacks, each in its own region, read from the synthesized cloud assembly) run
over the audit benchmark's corpus (``benchmarks/audit.py``: about a million records of everyday
activity in CloudTrail's S3 layout, two trails, two regions, 30 days or ``--days``). The few
records that corpus plants as findings -- root use, ``StopLogging``, a console sign-in without
MFA -- are set apart; over every other record no detection of high severity (``critical`` or
``high``) may fire. It prints, for every detection, how often it fired on the benign and on the
planted records, and exits with status 1 when a high-severity detection fired on a benign
record.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from constructs_obs.detections import DetectionSet, EvaluationReport, iter_records, load_records

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

    # Only the template is read: see app_detections.
    app = cdk.App(builtin_cloud_formation_validation=False)
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


_EXAMPLE_OF_FILTER: dict[str, Callable[[Any], Any]] = {
    "prefix": lambda operand: (
        operand if isinstance(operand, str) else operand["equals-ignore-case"]
    ),
    "suffix": lambda operand: (
        operand if isinstance(operand, str) else operand["equals-ignore-case"]
    ),
    "equals-ignore-case": lambda operand: operand,
    "wildcard": lambda operand: operand.replace("*", ""),
    "anything-but": lambda _operand: "something-else",
    "numeric": lambda operand: operand[1] + (1 if operand[0] == ">" else 0),
    "exists": lambda operand: "present" if operand else None,
    "cidr": lambda operand: operand.split("/")[0],
}


def _example_value(alternatives: list[Any]) -> Any:
    """A value one of an EventBridge field's alternatives matches (None: none to give)."""
    for item in alternatives:
        if not isinstance(item, dict):
            return item
        name, operand = next(iter(item.items()))
        value = _EXAMPLE_OF_FILTER[name](operand)
        if value is not None:
            return value
    return None


def _example_of(pattern: dict[str, Any]) -> dict[str, Any]:
    """An object a pattern matches (its first ``$or`` branch); fields it forbids are left out."""
    example: dict[str, Any] = {}
    for key, sub in pattern.items():
        if key == "$or" and isinstance(sub, list):
            example.update(_example_of(sub[0]))
        elif isinstance(sub, dict):
            example[key] = _example_of(sub)
        else:
            value = _example_value(sub)
            if value is not None:
                example[key] = value
    return example


def rule_examples(detections: DetectionSet) -> list[dict[str, Any]]:
    """One CloudTrail record for each rule of the set, built from its pattern to fire it.

    The corpus plants them so that every rule runs on a record it matches (the realistic
    calls above only cover the CIS-like detections).
    """
    base = _samples()["06"]
    examples = []
    for detection in detections:
        if detection.event_pattern is None:
            continue
        event = _example_of(detection.event_pattern.pattern)
        record = {**base, "eventType": "AwsApiCall", "readOnly": False, **event.get("detail", {})}
        if isinstance(event.get("source"), str) and "eventSource" not in event.get("detail", {}):
            record["eventSource"] = event["source"].removeprefix("aws.") + ".amazonaws.com"
        if event.get("detail-type") == "AWS Console Sign In via CloudTrail":
            record["eventType"] = "AwsConsoleSignIn"
        examples.append(record)
    return examples


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


def best_of(
    run: Callable[[], EvaluationReport], repeats: int
) -> tuple[float, float, EvaluationReport]:
    """The best CPU time and the best wall-clock time of ``repeats`` runs, and a report."""
    best_cpu, best_wall, report = float("inf"), float("inf"), None
    for _ in range(repeats):
        gc.collect()
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        report = run()
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
        best_wall = min(best_wall, time.perf_counter() - started_wall)
    assert report is not None
    return best_cpu, best_wall, report


# --------------------------------------------------------------------------------------------
# The false-positive budget
# --------------------------------------------------------------------------------------------

HIGH_SEVERITIES = frozenset({"critical", "high"})
BUDGET_RECORDS = 1_000_000


def planted_finding(record: dict[str, Any]) -> str | None:
    """What the audit corpus plants in a record as a finding (None: an everyday record)."""
    identity = record.get("userIdentity")
    if isinstance(identity, dict) and identity.get("type") == "Root":
        return "root use"
    if record.get("eventName") == "StopLogging":
        return "StopLogging"
    if record.get("eventName") == "ConsoleLogin":
        extra = record.get("additionalEventData") or {}
        response = record.get("responseElements") or {}
        if extra.get("MFAUsed") != "Yes" and response.get("ConsoleLogin") == "Success":
            return "console sign-in without MFA"
    return None


def app_detections(outdir: Path) -> DetectionSet:
    """The detections of the demo app's audit and global-detection stacks, with their regions."""
    import aws_cdk as cdk  # noqa: PLC0415 -- only to build the templates, outside the timing

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import app as demo  # noqa: PLC0415 -- the demo app at the repository root

    # Only the templates are read: aws-cdk-lib's own CloudFormation validation (seconds to start
    # in a fresh process) would check what the test suite's harness checks already
    # (tests/security, tests/test_app.py).
    application = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    demo.AuditStack(
        application,
        "ObsDemoAudit",
        env=cdk.Environment(account=demo.DEMO_ACCOUNT, region=demo.DEMO_REGION),
    )
    demo.GlobalDetectionsStack(
        application,
        "ObsDemoGlobalDetections",
        env=cdk.Environment(account=demo.DEMO_ACCOUNT, region="us-east-1"),
    )
    assembly = application.synth()
    paths = [Path(assembly.directory) / stack.template_file for stack in assembly.stacks]
    return DetectionSet.from_templates(*paths)


def _budget_table(
    detections: DetectionSet, benign: EvaluationReport, planted: EvaluationReport
) -> list[str]:
    benign_counts, planted_counts = benign.counts(), planted.counts()
    width = max(len(detection.id) for detection in detections)
    header = f"  {'benign':>8}  {'planted':>8}  {'severity':<8}  {'detection':<{width}}  title"
    return [header] + [
        f"  {benign_counts[detection.id]:>8,}  {planted_counts[detection.id]:>8,}  "
        f"{detection.severity or '-':<8}  {detection.id:<{width}}  {detection.label}"
        for detection in detections
    ]


def false_positive_budget(records: int, corpus_dir: Path | None, days: int | None = None) -> int:
    """Run the app's detections over the audit corpus (``days`` days of it: default the
    audit benchmark's 30); 1 when a high one fired on benign."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks import audit  # noqa: PLC0415 -- the corpus generator

    with tempfile.TemporaryDirectory() as scratch:
        corpus = corpus_dir or Path(scratch) / "corpus"
        corpus.mkdir(parents=True, exist_ok=True)
        audit.build_corpus(corpus, records, days or audit.DAYS)
        detections = app_detections(Path(scratch) / "cdk.out")
        planted: list[dict[str, Any]] = []
        kinds: dict[str, int] = {}

        def benign_records() -> Iterator[dict[str, Any]]:
            for record in iter_records(corpus / "AWSLogs"):
                kind = planted_finding(record)
                if kind is None:
                    yield record
                else:
                    planted.append(record)
                    kinds[kind] = kinds.get(kind, 0) + 1

        started = time.perf_counter()
        benign = detections.evaluate(benign_records())
        elapsed = time.perf_counter() - started
        planted_report = detections.evaluate(planted)
    print(
        f"False-positive budget: {benign.record_count + len(planted):,} records of the audit "
        f"corpus; {benign.record_count:,} benign, {len(planted):,} planted findings set apart "
        f"({', '.join(f'{kind}: {count:,}' for kind, count in sorted(kinds.items()))}); "
        f"{detections!r}, read and evaluated in {elapsed:.1f} s"
    )
    print("\n".join(_budget_table(detections, benign, planted_report)))
    noisy = [
        detection.id
        for detection in detections
        if (detection.severity or "").lower() in HIGH_SEVERITIES and benign.fired(detection.id)
    ]
    verdict = "PASS" if not noisy else f"FAIL ({', '.join(noisy)})"
    print(f"\nhigh-severity detections firing on benign records: {len(noisy)}: {verdict}")
    return 0 if not noisy else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--records", type=int, default=None, help="corpus size")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs per measurement")
    parser.add_argument(
        "--false-positives", action="store_true", help="measure the false-positive budget"
    )
    parser.add_argument("--corpus", type=Path, default=None, help="keep/reuse the audit corpus")
    parser.add_argument(
        "--days",
        type=int,
        choices=range(2, 31),
        default=None,
        metavar="2..30",
        help="days of the audit corpus (default 30)",
    )
    args = parser.parse_args(argv)
    if args.false_positives:
        return false_positive_budget(args.records or BUDGET_RECORDS, args.corpus, args.days)
    args.records = args.records or 200_000

    template = _detection_template()  # synthesized by aws-cdk-lib, not timed
    started = time.perf_counter()
    detections = DetectionSet.from_template(template, label="benchmark")
    compile_time = time.perf_counter() - started
    records = corpus(args.records)
    examples = rule_examples(detections) * 3  # each rule's record three times
    step = max(1, len(records) // (len(examples) + 1))
    for position, example in enumerate(examples, start=1):
        slot = position * step % len(records)
        records[slot] = {**example, "eventID": records[slot]["eventID"]}
    lines = [json.dumps(record, separators=(",", ":")) for record in records]
    size = sum(map(len, lines)) / len(lines)
    gc.freeze()  # the corpus lives for the whole run: keep it out of every collection

    print(
        f"{len(detections)} detections ({detections!r}) compiled in {compile_time * 1e3:.1f} ms; "
        f"{len(records):,} records, {size:.0f} bytes of JSON on average"
    )
    parsed_time, parsed_wall, report = best_of(lambda: detections.evaluate(records), args.repeats)
    text_time, text_wall, text_report = best_of(lambda: detections.evaluate(lines), args.repeats)
    if text_report.counts() != report.counts():
        print("error: parsed and text evaluations disagree", file=sys.stderr)
        return 2
    parsed_rate = len(records) / parsed_time
    text_rate = len(records) / text_time
    print(
        f"(a) already-parsed records: {parsed_rate:>10,.0f} records/s of CPU "
        f"({parsed_time:.3f} s CPU, {parsed_wall:.3f} s wall)"
    )
    print(
        f"(b) JSON text, parse + evaluate: {text_rate:>10,.0f} records/s of CPU "
        f"({text_time:.3f} s CPU, {text_wall:.3f} s wall)"
    )
    print()
    print(report.summary(max_records=3))
    silent = [detection.id for detection in report.never_fired()]
    if silent:
        print(f"warning: never fired: {', '.join(silent)}", file=sys.stderr)
    verdict = "PASS" if parsed_rate >= FLOOR else "FAIL"
    print(f"\nfloor {FLOOR:,} records/s of CPU for (a) on one core: {verdict}")
    return 0 if parsed_rate >= FLOOR else 1


if __name__ == "__main__":
    sys.exit(main())
