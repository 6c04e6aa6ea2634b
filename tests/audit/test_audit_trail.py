"""AuditTrail and AuditQueries: the trail, bucket, keys, Glue table, workgroup and queries."""

from __future__ import annotations

import datetime as dt
import json
import re
from importlib import resources
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3

from constructs_obs import InvalidParameterError
from constructs_obs.audit.audit_queries import AuditQueries
from constructs_obs.audit.audit_trail import (
    AuditLifecycle,
    AuditTrail,
    DataEventSelector,
    ObjectLockMode,
    ObjectLockOptions,
    ReadWrite,
)
from constructs_obs.audit.catalog import load_queries
from constructs_obs.audit.schema import COLUMNS, PARTITION_KEYS, TABLE_NAME
from constructs_obs.audit.trail_log_location import COMMERCIAL_REGIONS, TrailLogLocation
from tests.support.harness import Synthesized, new_stack, synth

MANAGEMENT = "210987654321"
ORG = "o-a1b2c3d4e5"
MEMBERS = ["111111111111", "222222222222"]
#: Functions of the management account whose invocations the organization trail records.
FUNCTIONS = [
    f"arn:aws:lambda:eu-west-1:{MANAGEMENT}:function:payments",
    f"arn:aws:lambda:eu-west-1:{MANAGEMENT}:function:refunds",
]


def _auditors(stack: cdk.Stack, trail: AuditTrail) -> None:
    role = iam.Role(stack, "Auditors", assumed_by=iam.AccountRootPrincipal())
    trail.grant_read(role)
    assert trail.queries is not None
    trail.queries.grant_query(role)


def _build(app: cdk.App) -> None:
    account = new_stack(app, "Audit")
    trail = AuditTrail(
        account,
        "Trail",
        trail_name="org-audit-trail",
        data_events=[
            DataEventSelector.s3(),
            DataEventSelector.lambda_(read_write=ReadWrite.WRITE_ONLY),
        ],
        object_lock=ObjectLockOptions(ObjectLockMode.GOVERNANCE, cdk.Duration.days(365)),
        athena_regions=["eu-west-1", "us-east-1"],
    )
    _auditors(account, trail)
    # Auditors whose role lives in a stack of its own.
    _auditors(new_stack(app, "Auditing"), trail)

    organization = new_stack(app, "OrgAudit")
    functions = [
        lambda_.Function.from_function_arn(organization, f"Function{index}", arn)
        for index, arn in enumerate(FUNCTIONS)
    ]
    AuditTrail(
        organization,
        "Trail",
        organization_id=ORG,
        management_account_id=MANAGEMENT,  # created from a delegated administrator account
        s3_key_prefix="cloudtrail",
        data_events=[DataEventSelector.lambda_(functions)],
        insights=False,
        object_lock=ObjectLockOptions(ObjectLockMode.COMPLIANCE, cdk.Duration.days(2557)),
        lifecycle=AuditLifecycle(glacier_after=None, expire_after=cdk.Duration.days(3653)),
        athena_accounts=MEMBERS,
    )

    # Log files kept forever, no Athena here; the queries live in a forensics stack of their
    # own, over the trail's bucket as a TrailLogLocation.
    forever = new_stack(app, "KeepForever")
    kept = AuditTrail(
        forever,
        "Trail",
        lifecycle=AuditLifecycle(glacier_after=None, expire_after=None),
        athena=False,
    )
    forensics = new_stack(app, "Forensics")
    AuditQueries(
        forensics,
        "Queries",
        trail=TrailLogLocation(
            bucket=kept.bucket,
            encryption_key=kept.encryption_key,
            access_logs_bucket=kept.access_logs_bucket,
        ),
        regions=["eu-west-1"],
        projection_start="2025/06/01",
        bytes_scanned_cutoff=cdk.Size.gibibytes(2),
        results_expiration=cdk.Duration.days(7),
        workgroup_name="forensics",
    )


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("audit_trail", _build)


def _one(
    synthesized: Synthesized, type_: str, stack: str = "Audit", prefix: str = ""
) -> dict[str, Any]:
    found = [r for k, r in synthesized.resources(type_, stack).items() if k.startswith(prefix)]
    assert len(found) == 1, [type_, prefix, len(found)]
    return found[0]


def _trail(synthesized: Synthesized, stack: str = "Audit") -> dict[str, Any]:
    return dict(_one(synthesized, "AWS::CloudTrail::Trail", stack)["Properties"])


# -- Security Hub's CloudTrail controls ----------------------------------------------------


def test_cloudtrail_1_multi_region_read_write_management_events(synthesized: Synthesized) -> None:
    trail = _trail(synthesized)
    assert trail["IsMultiRegionTrail"] is True
    assert trail["IncludeGlobalServiceEvents"] is True
    assert trail["IsLogging"] is True
    management = trail["AdvancedEventSelectors"][0]
    assert management["FieldSelectors"] == [{"Field": "eventCategory", "Equals": ["Management"]}]
    # no readOnly selector (read and write) and no excluded event sources
    assert "ExcludeManagementEventSources" not in json.dumps(trail)


def test_cloudtrail_2_encrypted_with_the_customer_key(synthesized: Synthesized) -> None:
    assert _trail(synthesized)["KMSKeyId"]["Fn::GetAtt"][0].startswith("TrailKey")


def test_cloudtrail_4_log_file_validation(synthesized: Synthesized) -> None:
    assert _trail(synthesized)["EnableLogFileValidation"] is True


def test_cloudtrail_5_delivers_to_the_encrypted_log_group(synthesized: Synthesized) -> None:
    trail = _trail(synthesized)
    assert trail["CloudWatchLogsLogGroupArn"]["Fn::GetAtt"][0].startswith("TrailLogs")
    assert trail["CloudWatchLogsRoleArn"]["Fn::GetAtt"][0].startswith("TrailLogsRole")
    group = _one(synthesized, "AWS::Logs::LogGroup", prefix="TrailLogs")
    assert group["Properties"]["RetentionInDays"] == 365
    assert "KmsKeyId" in group["Properties"]
    # The documented trust (no condition: CloudTrail checks the role before the trail
    # exists); the managed policy confines the role to this trail's log group.
    role = _one(synthesized, "AWS::IAM::Role", prefix="TrailLogsRole")
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == {
        "Action": "sts:AssumeRole",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
    }
    policy = _one(synthesized, "AWS::IAM::ManagedPolicy", prefix="TrailLogsPolicy")
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]


def _log_bucket(synthesized: Synthesized, stack: str = "Audit") -> dict[str, Any]:
    buckets = synthesized.resources("AWS::S3::Bucket", stack)
    (bucket,) = [
        b for k, b in buckets.items() if k.startswith("TrailBucket") and "AccessLogs" not in k
    ]
    return bucket


def test_cloudtrail_6_bucket_not_public(synthesized: Synthesized) -> None:
    bucket = _log_bucket(synthesized)
    assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    for policy in synthesized.resources("AWS::S3::BucketPolicy", "Audit").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Allow":
                assert statement["Principal"] != "*"
                assert statement["Principal"] != {"AWS": "*"}


def test_cloudtrail_7_server_access_logging(synthesized: Synthesized) -> None:
    logging = _log_bucket(synthesized)["Properties"]["LoggingConfiguration"]
    assert logging["DestinationBucketName"]["Ref"].startswith("TrailBucketAccessLogs")


# -- the trail's options -------------------------------------------------------------------


def test_data_events_through_advanced_selectors(synthesized: Synthesized) -> None:
    selectors = _trail(synthesized)["AdvancedEventSelectors"]
    s3_events, lambda_events = selectors[1], selectors[2]
    assert {"Field": "resources.type", "Equals": ["AWS::S3::Object"]} in s3_events["FieldSelectors"]
    assert not any(f["Field"] == "readOnly" for f in s3_events["FieldSelectors"])
    assert {"Field": "readOnly", "Equals": ["false"]} in lambda_events["FieldSelectors"]
    # Every bucket except the trail's own two: their deliveries would be logged in a loop.
    (arns,) = [f for f in s3_events["FieldSelectors"] if f["Field"] == "resources.ARN"]
    excluded = [part["Fn::Join"][1][0]["Fn::GetAtt"][0] for part in arns["NotStartsWith"]]
    assert len(excluded) == 2
    assert excluded[0].startswith("TrailBucket")
    assert excluded[1].startswith("TrailBucketAccessLogs")
    assert not any(f["Field"] == "resources.ARN" for f in lambda_events["FieldSelectors"])


def test_lambda_data_events_of_chosen_functions(synthesized: Synthesized) -> None:
    management, functions = _trail(synthesized, "OrgAudit")["AdvancedEventSelectors"]
    assert management["Name"] == "Management events (read and write)"
    assert functions == {
        "Name": "Lambda data events",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]},
            # These functions only (read and write): no exclusions, no readOnly selector.
            {"Field": "resources.ARN", "StartsWith": FUNCTIONS},
        ],
    }


def test_insights_on_by_default_and_off_when_asked(synthesized: Synthesized) -> None:
    assert _trail(synthesized)["InsightSelectors"] == [
        {"InsightType": "ApiCallRateInsight"},
        {"InsightType": "ApiErrorRateInsight"},
    ]
    assert "InsightSelectors" not in _trail(synthesized, "OrgAudit")


def _key_statements(synthesized: Synthesized, stack: str = "Audit") -> list[dict[str, Any]]:
    key = _one(synthesized, "AWS::KMS::Key", stack, "TrailKey")
    statements: list[dict[str, Any]] = key["Properties"]["KeyPolicy"]["Statement"]
    return statements


def test_key_policy_lets_cloudtrail_encrypt_only_for_this_trail(synthesized: Synthesized) -> None:
    (encrypt,) = [
        s for s in _key_statements(synthesized) if s.get("Sid") == "AllowCloudTrailToEncryptLogs"
    ]
    assert encrypt["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert encrypt["Action"] == "kms:GenerateDataKey*"
    assert encrypt["Condition"]["StringEquals"] == {
        "aws:SourceArn": "arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-audit-trail"
    }
    assert encrypt["Condition"]["StringLike"] == {
        "kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:123456789012:trail/*"
    }


def test_auditors_may_decrypt_through_iam_with_the_trail_context(
    synthesized: Synthesized,
) -> None:
    # The key policy lets the account's IAM policies grant the key; the auditors' managed
    # policy grants Decrypt only with this account's trails' encryption context.
    (account,) = [
        s
        for s in _key_statements(synthesized)
        if s.get("Principal") == {"AWS": "arn:aws:iam::123456789012:root"}
    ]
    assert account["Action"] == "kms:*"
    (readers,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for k, p in synthesized.resources("AWS::IAM::ManagedPolicy", "Audit").items()
        if k.startswith("TrailReaders")
    ]
    (decrypt,) = [s for s in readers if s["Action"] == "kms:Decrypt"]
    assert decrypt["Condition"]["StringLike"] == {
        "kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:123456789012:trail/*"
    }


def test_logs_service_may_use_the_key_too(synthesized: Synthesized) -> None:
    assert any(
        "kms:EncryptionContext:aws:logs:arn" in json.dumps(s) for s in _key_statements(synthesized)
    )


def _bucket_policy(synthesized: Synthesized, stack: str) -> list[dict[str, Any]]:
    policies = [
        p
        for k, p in synthesized.resources("AWS::S3::BucketPolicy", stack).items()
        if k.startswith("TrailBucketPolicy")
    ]
    (policy,) = policies
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def test_bucket_policy_lets_only_this_trail_write(synthesized: Synthesized) -> None:
    statements = {s.get("Sid"): s for s in _bucket_policy(synthesized, "Audit")}
    write = statements["AWSCloudTrailWrite"]
    assert write["Condition"]["StringEquals"] == {
        "aws:SourceArn": "arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-audit-trail",
        "s3:x-amz-acl": "bucket-owner-full-control",
    }
    assert "/AWSLogs/123456789012/*" in json.dumps(write["Resource"])
    assert statements["AWSCloudTrailAclCheck"]["Action"] == "s3:GetBucketAcl"


def test_organization_trail_writes_under_the_org_path(synthesized: Synthesized) -> None:
    assert _trail(synthesized, "OrgAudit")["IsOrganizationTrail"] is True
    assert _trail(synthesized, "OrgAudit")["S3KeyPrefix"] == "cloudtrail"
    write = {s.get("Sid"): s for s in _bucket_policy(synthesized, "OrgAudit")}["AWSCloudTrailWrite"]
    resources = json.dumps(write["Resource"])
    assert f"/cloudtrail/AWSLogs/{ORG}/*" in resources
    # The trail belongs to the management account, not the delegated administrator's.
    assert f"/cloudtrail/AWSLogs/{MANAGEMENT}/*" in resources
    assert "/AWSLogs/123456789012/" not in resources
    trail_name = _trail(synthesized, "OrgAudit")["TrailName"]
    owned = f"arn:aws:cloudtrail:eu-west-1:{MANAGEMENT}:trail/{trail_name}"
    assert write["Condition"]["StringEquals"]["aws:SourceArn"] == owned
    key = _one(synthesized, "AWS::KMS::Key", "OrgAudit", prefix="TrailKey")
    (encrypt,) = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Sid") == "AllowCloudTrailToEncryptLogs"
    ]
    assert encrypt["Condition"] == {
        "StringEquals": {"aws:SourceArn": owned},
        "StringLike": {
            "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{MANAGEMENT}:trail/*"
        },
    }


def test_lifecycle_and_object_lock(synthesized: Synthesized) -> None:
    properties = _log_bucket(synthesized)["Properties"]
    rules = {r["Id"]: r for r in properties["LifecycleConfiguration"]["Rules"]}
    tiers = rules["AuditLogTiers"]
    assert tiers["ExpirationInDays"] == 2557
    assert [t["StorageClass"] for t in tiers["Transitions"]] == ["STANDARD_IA", "GLACIER"]
    assert properties["ObjectLockEnabled"] is True
    assert properties["ObjectLockConfiguration"]["Rule"]["DefaultRetention"] == {
        "Mode": "GOVERNANCE",
        "Days": 365,
    }
    # A deleted log file stays recoverable (as a noncurrent version) as long as the others.
    assert rules["ExpireNoncurrentVersions"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 2557
    }
    org = _log_bucket(synthesized, "OrgAudit")["Properties"]
    assert org["ObjectLockEnabled"] is True
    assert org["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 2557}},
    }
    org_rules = {r["Id"]: r for r in org["LifecycleConfiguration"]["Rules"]}
    assert org_rules["AuditLogTiers"]["ExpirationInDays"] == 3653
    assert [t["StorageClass"] for t in org_rules["AuditLogTiers"]["Transitions"]] == ["STANDARD_IA"]
    assert org_rules["ExpireNoncurrentVersions"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 3653
    }


def test_grants_go_through_managed_policies_the_library_owns(synthesized: Synthesized) -> None:
    auditors = [
        k for k in synthesized.resources("AWS::IAM::Policy", "Audit") if k.startswith("Auditors")
    ]
    assert auditors == []  # nothing inline on the user's role
    policies = {
        k: p["Properties"]
        for k, p in synthesized.resources("AWS::IAM::ManagedPolicy", "Audit").items()
        if k.startswith(("TrailReaders", "TrailQueriesQueriers"))
    }
    assert len(policies) == 2
    for policy in policies.values():
        assert policy["Roles"][0]["Ref"].startswith("Auditors")
    (readers,) = [p for k, p in policies.items() if k.startswith("TrailReaders")]
    decrypt = [s for s in readers["PolicyDocument"]["Statement"] if s["Action"] == "kms:Decrypt"]
    assert "kms:EncryptionContext:aws:cloudtrail:arn" in json.dumps(decrypt[0]["Condition"])


def test_a_role_in_another_stack_gets_its_policies_in_its_own_stack(
    synthesized: Synthesized,
) -> None:
    policies = synthesized.resources("AWS::IAM::ManagedPolicy", "Auditing")
    assert len(policies) == 2
    for policy in policies.values():
        assert policy["Properties"]["Roles"][0]["Ref"].startswith("Auditors")
        # The bucket is referenced from the audit stack, not copied.
        assert "Fn::GetStackOutput" in json.dumps(policy["Properties"]["PolicyDocument"])
    # The audit stack knows nothing of the auditing stack: no dependency cycle is possible.
    assert "Auditing" not in json.dumps(synthesized.raw("Audit"))
    key = _one(synthesized, "AWS::KMS::Key", prefix="TrailKey")
    sids = [s.get("Sid", "") for s in key["Properties"]["KeyPolicy"]["Statement"]]
    assert not any(sid.startswith("AllowAuditors") for sid in sids)


def test_everything_holding_audit_data_is_retained(synthesized: Synthesized) -> None:
    for type_ in ("AWS::S3::Bucket", "AWS::KMS::Key", "AWS::Logs::LogGroup"):
        for logical_id, resource in synthesized.resources(type_, "Audit").items():
            assert resource["DeletionPolicy"] == "Retain", logical_id


# -- Athena ---------------------------------------------------------------------------------


def _table(synthesized: Synthesized, stack: str = "Audit") -> dict[str, Any]:
    table: dict[str, Any] = _one(synthesized, "AWS::Glue::Table", stack)["Properties"]["TableInput"]
    return table


def test_table_has_the_documented_columns_and_partitions(synthesized: Synthesized) -> None:
    table = _table(synthesized)
    assert table["Name"] == TABLE_NAME
    columns = [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]]
    assert columns == [(c.name, c.hive_type) for c in COLUMNS]
    assert [p["Name"] for p in table["PartitionKeys"]] == [p.name for p in PARTITION_KEYS]
    descriptor = table["StorageDescriptor"]
    assert descriptor["InputFormat"] == "com.amazon.emr.cloudtrail.CloudTrailInputFormat"
    assert (
        descriptor["SerdeInfo"]["SerializationLibrary"] == "org.apache.hive.hcatalog.data.JsonSerDe"
    )


def test_partition_projection_without_crawler(synthesized: Synthesized) -> None:
    parameters = _table(synthesized)["Parameters"]
    assert parameters["projection.enabled"] == "true"
    assert parameters["projection.day.type"] == "date"
    assert parameters["projection.day.format"] == "yyyy/MM/dd"
    assert parameters["projection.day.range"] == "2024/01/01,NOW"
    assert parameters["projection.region.values"] == "eu-west-1,us-east-1"
    assert parameters["projection.account.values"] == "123456789012"
    template = json.dumps(parameters["storage.location.template"])
    assert "/AWSLogs/${account}/CloudTrail/${region}/${day}" in template
    # Partitions come from projection alone: every table projects, and no query (the package
    # files, nor what is deployed) loads partitions with MSCK REPAIR TABLE or ADD PARTITION.
    for stack in ("Audit", "OrgAudit", "Forensics"):
        assert _table(synthesized, stack)["Parameters"]["projection.enabled"] == "true", stack
    texts = {
        entry.name: entry.read_text()
        for entry in resources.files("constructs_obs.audit").joinpath("queries").iterdir()
        if entry.name.endswith(".sql")
    }
    texts.update(
        (logical_id, json.dumps(query["Properties"]))
        for type_ in ("AWS::Athena::NamedQuery", "AWS::Athena::PreparedStatement")
        for logical_id, query in synthesized.resources(type_, "Audit").items()
    )
    assert len(texts) == 3 * len(load_queries())
    for name, text in texts.items():
        assert re.search(r"\bMSCK\b|\bREPAIR\b|\bADD\s+PARTITION\b", text, re.I) is None, name


def test_organization_table_projects_member_accounts_under_the_org(
    synthesized: Synthesized,
) -> None:
    parameters = _table(synthesized, "OrgAudit")["Parameters"]
    assert parameters["projection.account.values"] == ",".join(MEMBERS)
    assert f"/cloudtrail/AWSLogs/{ORG}/${{account}}/CloudTrail/" in json.dumps(
        parameters["storage.location.template"]
    )
    # Every commercial region by default.
    assert parameters["projection.region.values"] == ",".join(COMMERCIAL_REGIONS)


@pytest.mark.parametrize(
    "region",
    [
        "mx-central-1",  # Mexico (Central)
        "ap-southeast-7",  # Asia Pacific (Thailand)
        "ap-east-2",  # Asia Pacific (Taipei)
        "ap-southeast-6",  # Asia Pacific (New Zealand)
    ],
)
def test_default_regions_include_those_launched_in_2025(region: str) -> None:
    assert region in COMMERCIAL_REGIONS
    assert len(set(COMMERCIAL_REGIONS)) == len(COMMERCIAL_REGIONS)


def test_workgroup_enforces_encrypted_results_and_a_scan_cutoff(synthesized: Synthesized) -> None:
    workgroup = _one(synthesized, "AWS::Athena::WorkGroup")["Properties"]
    configuration = workgroup["WorkGroupConfiguration"]
    assert configuration["EnforceWorkGroupConfiguration"] is True
    assert configuration["BytesScannedCutoffPerQuery"] == 10 * 1024**3
    results = configuration["ResultConfiguration"]
    assert results["EncryptionConfiguration"]["EncryptionOption"] == "SSE_KMS"
    assert "TrailQueriesResults" in json.dumps(results["OutputLocation"])
    buckets = synthesized.resources("AWS::S3::Bucket", "Audit")
    (results_bucket,) = [b for k, b in buckets.items() if k.startswith("TrailQueriesResults")]
    rules = results_bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert {"Id": "ExpireResults", "ExpirationInDays": 30, "Status": "Enabled"} in rules


def test_the_deployed_query_texts_are_the_package_files(synthesized: Synthesized) -> None:
    queries = load_queries()
    named = {
        q["Properties"]["Name"]: q["Properties"]
        for q in synthesized.resources("AWS::Athena::NamedQuery", "Audit").values()
    }
    prepared = {
        q["Properties"]["StatementName"]: q["Properties"]
        for q in synthesized.resources("AWS::Athena::PreparedStatement", "Audit").values()
    }
    assert set(named) == set(prepared) == set(queries)
    for name, query in queries.items():
        assert named[name]["QueryString"] == query.sql
        assert prepared[name]["QueryStatement"] == query.body
        assert query.sql.endswith(query.body)
        assert "day BETWEEN ? AND ?" in query.sql


# -- bad input -------------------------------------------------------------------------------


CASES: list[tuple[dict[str, Any], str]] = [
    ({"trail_name": "x"}, "trail_name: 'x' must be 3-128"),
    ({"trail_name": "my-_trail"}, "trail_name: 'my-_trail' must be 3-128"),
    ({"trail_name": "trail-"}, "trail_name: 'trail-' must be 3-128"),
    ({"trail_name": "192.168.10.1"}, "trail_name: '192.168.10.1' looks like an IP address"),
    ({"organization_id": "org-1"}, "organization_id: 'org-1' must look like o-"),
    ({"s3_key_prefix": "/logs/"}, "s3_key_prefix: '/logs/' must be a relative"),
    (
        {"lifecycle": AuditLifecycle(infrequent_access_after=cdk.Duration.days(10))},
        "lifecycle: S3 moves objects to infrequent access after 30 days",
    ),
    (
        {"lifecycle": AuditLifecycle(glacier_after=cdk.Duration.days(30))},
        "lifecycle: transitions must come in order",
    ),
    (
        {
            "lifecycle": AuditLifecycle(
                infrequent_access_after=cdk.Duration.days(60), glacier_after=cdk.Duration.days(80)
            )
        },
        "lifecycle: S3 keeps objects in infrequent access 30 days at least before Glacier",
    ),
    (
        {"lifecycle": AuditLifecycle(expire_after=cdk.Duration.hours(36))},
        "lifecycle.expire_after: must be a whole number of days",
    ),
    (
        {"object_lock": ObjectLockOptions(ObjectLockMode.COMPLIANCE, cdk.Duration.hours(12))},
        "object_lock: must be a whole number of days",
    ),
    (
        {"object_lock": ObjectLockOptions(ObjectLockMode.COMPLIANCE, cdk.Duration.days(4000))},
        "object_lock: retention of 4000 days outlives the expiry after 2557 days",
    ),
    ({"organization_id": "o-a1b2c3d4e5"}, "accounts: an organization trail writes one folder"),
    (
        {"management_account_id": "210987654321"},
        "management_account_id: only an organization trail",
    ),
    (
        {"organization_id": "o-a1b2c3d4e5", "management_account_id": "2109"},
        "management_account_id: '2109' must be a 12-digit account id",
    ),
    ({"athena_regions": ["mars-north-1"]}, "athena_regions: 'mars-north-1' is not a region name"),
    ({"athena_accounts": ["1234"]}, "athena_accounts: '1234' is not a 12-digit account id"),
    ({"athena_regions": "eu-west-1"}, "athena_regions: expected a list of region names"),
    ({"athena_accounts": []}, "athena_accounts: name at least one"),
    (
        {"athena": False, "athena_regions": ["eu-west-1"]},
        "athena_regions: applies only with athena=True",
    ),
    ({"data_events": ["s3"]}, r"data_events\[0\]: expected DataEventSelector.s3\(...\) or"),
    ({"data_events": DataEventSelector.s3()}, "data_events: expected a list of DataEventSelector"),
    ({"insights": "yes"}, "insights: expected True or False, got 'yes'"),
    ({"athena": 1}, "athena: expected True or False, got 1"),
    (
        {"cloudwatch_logs_retention": 7000},
        "cloudwatch_logs_retention: 7000 days is not a retention CloudWatch Logs accepts; "
        "allowed days: 1, 3, 5,",
    ),
    (
        {"cloudwatch_logs_retention": "1y"},
        "cloudwatch_logs_retention: expected logs.RetentionDays or a number of days",
    ),
    ({"lifecycle": cdk.Duration.days(90)}, "lifecycle: expected an AuditLifecycle"),
    ({"object_lock": cdk.Duration.days(90)}, "object_lock: expected ObjectLockOptions"),
    (
        {"object_lock": ObjectLockOptions("COMPLIANCE", cdk.Duration.days(30))},  # type: ignore[arg-type]
        "object_lock.mode: 'COMPLIANCE' is not allowed; allowed: ObjectLockMode.GOVERNANCE",
    ),
]


@pytest.mark.parametrize(("kwargs", "message"), CASES)
def test_bad_input(stack: cdk.Stack, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        AuditTrail(stack, "Trail", **kwargs)


def test_env_agnostic_stack_needs_accounts_for_athena() -> None:
    stack = cdk.Stack(cdk.App(), "Agnostic")
    with pytest.raises(InvalidParameterError, match="athena_accounts: the stack has no account"):
        AuditTrail(stack, "Trail")
    AuditTrail(stack, "Named", athena_accounts=["123456789012"])


def test_retentions_the_log_group_accepts(stack: cdk.Stack) -> None:
    AuditTrail(stack, "Days", cloudwatch_logs_retention=3653, athena=False)
    AuditTrail(
        stack, "Forever", cloudwatch_logs_retention=logs.RetentionDays.INFINITE, athena=False
    )


_FUTURE = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)).strftime("%Y/%m/%d")

#: Keyword arguments of AuditQueries (``location``: of its TrailLogLocation) and the error.
QUERIES_CASES: list[tuple[dict[str, Any], str]] = [
    (
        {"results_expiration": cdk.Duration.hours(12)},
        "results_expiration: must be a whole number of days, got 12 hours",
    ),
    ({"results_expiration": cdk.Duration.days(0)}, "results_expiration: must be >= 1, got 0"),
    ({"results_expiration": 30}, "results_expiration: expected a Duration, got 30"),
    ({"projection_start": "2025/13/40"}, "projection_start: '2025/13/40' is not a day of the"),
    ({"projection_start": "2025/02/29"}, "projection_start: '2025/02/29' is not a day of the"),
    ({"projection_start": "2025-01-01"}, "projection_start: '2025-01-01' must be a day as"),
    ({"projection_start": _FUTURE}, f"projection_start: '{_FUTURE}' is in the future"),
    (
        {"bytes_scanned_cutoff": cdk.Size.mebibytes(1)},
        "bytes_scanned_cutoff: must be >= 10000000, got 1048576",
    ),
    ({"bytes_scanned_cutoff": 10**9}, "bytes_scanned_cutoff: expected a Size"),
    (
        {"regions": ["eu-west-1", "us-east-1", "eu-west-1"]},
        "regions: 'eu-west-1' is given more than once",
    ),
    ({"regions": []}, "regions: name at least one"),
    (
        {"accounts": ["111111111111", "111111111111"]},
        "accounts: '111111111111' is given more than once",
    ),
    (
        {"workgroup_name": "audit queries"},
        "workgroup_name: 'audit queries' must be 1-128 letters, digits, '.', '_' or '-'",
    ),
    ({"workgroup_name": "w" * 129}, "workgroup_name: must be at most 128 characters, got 129"),
    ({"workgroup_name": ""}, "workgroup_name: must not be empty"),
    (
        {"database_name": "CloudTrail"},
        "database_name: 'CloudTrail' must be 1-255 lower-case letters, digits or '_'",
    ),
    ({"database_name": "cloud-trail"}, "database_name: 'cloud-trail' must be 1-255"),
    ({"database_name": "d" * 256}, "database_name: must be at most 255 characters, got 256"),
    (
        {"location": {"organization_id": "org-1"}, "accounts": MEMBERS},
        "trail.organization_id: 'org-1' must look like o-",
    ),
    (
        {"location": {"s3_key_prefix": "/logs/"}},
        "trail.s3_key_prefix: '/logs/' must be a relative key prefix",
    ),
    ({"location": {"organization_id": ORG}}, "accounts: an organization trail writes one"),
    ({"trail": "trail-logs"}, "trail: expected an AuditTrail or a TrailLogLocation"),
]


@pytest.mark.parametrize(("kwargs", "message"), QUERIES_CASES)
def test_bad_queries_input(stack: cdk.Stack, kwargs: dict[str, Any], message: str) -> None:
    kwargs = dict(kwargs)
    location = TrailLogLocation(
        bucket=s3.Bucket.from_bucket_name(stack, "Logs", "trail-logs"),
        **kwargs.pop("location", {}),
    )
    kwargs.setdefault("trail", location)
    with pytest.raises(InvalidParameterError, match=message):
        AuditQueries(stack, "Queries", **kwargs)


def test_queries_accept_the_edges_of_what_aws_allows(stack: cdk.Stack) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Logs", "trail-logs")
    today = dt.datetime.now(dt.UTC).date().strftime("%Y/%m/%d")
    queries = AuditQueries(
        stack,
        "Queries",
        trail=TrailLogLocation(bucket=bucket, organization_id=ORG, s3_key_prefix="org/trail"),
        accounts=MEMBERS,
        projection_start=today,
        results_expiration=cdk.Duration.days(1),
        bytes_scanned_cutoff=cdk.Size.bytes(10_000_000),
        database_name="d" * 255,
        workgroup_name="W.g_-" + "w" * 123,
    )
    assert queries.database_name == "d" * 255


def test_files_kept_forever_keep_their_noncurrent_versions_too(synthesized: Synthesized) -> None:
    bucket = _log_bucket(synthesized, "KeepForever")
    by_id = {rule["Id"]: rule for rule in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert "ExpirationInDays" not in by_id["AuditLogTiers"]
    assert "ExpireNoncurrentVersions" not in by_id
    assert "NoncurrentVersionExpiration" not in by_id["AbortIncompleteUploads"]
    assert by_id["AbortIncompleteUploads"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": 7
    }


def test_athena_can_be_left_out(synthesized: Synthesized) -> None:
    for type_ in ("AWS::Glue::Table", "AWS::Athena::WorkGroup", "AWS::Athena::NamedQuery"):
        assert synthesized.resources(type_, "KeepForever") == {}


def test_queries_for_a_trail_made_elsewhere(synthesized: Synthesized) -> None:
    table = _table(synthesized, "Forensics")
    parameters = table["Parameters"]
    assert parameters["projection.region.values"] == "eu-west-1"
    assert parameters["projection.day.range"] == "2025/06/01,NOW"
    assert parameters["projection.day.format"] == "yyyy/MM/dd"
    assert parameters["projection.day.interval"] == "1"
    assert parameters["projection.day.interval.unit"] == "DAYS"
    # The trail's bucket comes from the other stack (its folder layout projected).
    template = json.dumps(parameters["storage.location.template"])
    assert "Fn::GetStackOutput" in template
    assert "/AWSLogs/${account}/CloudTrail/${region}/${day}" in template
    assert parameters["projection.account.values"] == "123456789012"
    # Its results bucket logs access in its own stack (no policy edit in the trail's stack).
    assert "Forensics" not in json.dumps(synthesized.raw("KeepForever"))
    forensics = synthesized.resources("AWS::S3::Bucket", "Forensics")
    assert any(k.startswith("QueriesResultsAccessLogs") for k in forensics)
    workgroup = _one(synthesized, "AWS::Athena::WorkGroup", "Forensics")["Properties"]
    assert workgroup["Name"] == "forensics"
    configuration = workgroup["WorkGroupConfiguration"]
    assert configuration["BytesScannedCutoffPerQuery"] == 2 * 1024**3
    buckets = synthesized.resources("AWS::S3::Bucket", "Forensics")
    (results,) = [
        b for k, b in buckets.items() if k.startswith("QueriesResults") and "Access" not in k
    ]
    rules = results["Properties"]["LifecycleConfiguration"]["Rules"]
    assert {"Id": "ExpireResults", "ExpirationInDays": 7, "Status": "Enabled"} in rules
    assert len(synthesized.resources("AWS::Athena::NamedQuery", "Forensics")) == len(load_queries())


def test_named_buckets_are_selected_by_arn_prefix(stack: cdk.Stack) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Orders", "orders-bucket")
    rendered = DataEventSelector.s3([bucket], read_write=ReadWrite.READ_ONLY).render(
        exclude=["arn:aws:s3:::trail-bucket/"]
    )
    fields = stack.resolve(rendered)["fieldSelectors"]
    # The named buckets only: the exclusions apply to an every-bucket selector.
    assert fields[2:] == [
        {
            "field": "resources.ARN",
            "startsWith": [
                {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::orders-bucket/"]]}
            ],
        },
        {"field": "readOnly", "equalTo": ["true"]},
    ]
