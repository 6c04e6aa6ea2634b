"""AuditTrail: Security Hub's CloudTrail controls, the trail's options, key and bucket policies,
grants, and bad input."""

from __future__ import annotations

import json
from typing import Any, cast

import aws_cdk as cdk
import pytest
from aws_cdk import assertions
from aws_cdk import aws_logs as logs

from constructs_obs import InvalidParameterError
from constructs_obs.audit import AuditTrail, DataEventSelector, TrailLogLocation
from tests.audit.audit_stacks import (
    FUNCTIONS,
    MANAGEMENT,
    ORG,
    bucket_policy,
    key_statements,
    log_bucket,
    one,
    trail_of,
)
from tests.support.harness import Synthesized

# -- Security Hub's CloudTrail controls ---------------------------------------------------


def test_cloudtrail_1_multi_region_read_write_management_events(synthesized: Synthesized) -> None:
    trail = trail_of(synthesized)
    assert trail["IsMultiRegionTrail"] is True
    assert trail["IncludeGlobalServiceEvents"] is True
    assert trail["IsLogging"] is True
    management = trail["AdvancedEventSelectors"][0]
    assert management["FieldSelectors"] == [{"Field": "eventCategory", "Equals": ["Management"]}]
    # no readOnly selector (read and write) and no excluded event sources
    assert "ExcludeManagementEventSources" not in json.dumps(trail)


def test_cloudtrail_2_encrypted_with_the_customer_key(synthesized: Synthesized) -> None:
    assert trail_of(synthesized)["KMSKeyId"]["Fn::GetAtt"][0].startswith("TrailKey")


def test_cloudtrail_4_log_file_validation(synthesized: Synthesized) -> None:
    assert trail_of(synthesized)["EnableLogFileValidation"] is True


def test_cloudtrail_5_delivers_to_the_encrypted_log_group(synthesized: Synthesized) -> None:
    trail = trail_of(synthesized)
    assert trail["CloudWatchLogsLogGroupArn"]["Fn::GetAtt"][0].startswith("TrailLogs")
    assert trail["CloudWatchLogsRoleArn"]["Fn::GetAtt"][0].startswith("TrailLogsRole")
    group = one(synthesized, "AWS::Logs::LogGroup", prefix="TrailLogs")
    assert group["Properties"]["RetentionInDays"] == 365
    assert "KmsKeyId" in group["Properties"]
    # The managed policy confines the role to this trail's log group.
    policy = one(synthesized, "AWS::IAM::ManagedPolicy", prefix="TrailLogsPolicy")
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]


def test_cloudtrail_6_bucket_not_public(synthesized: Synthesized) -> None:
    bucket = log_bucket(synthesized)
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
    logging = log_bucket(synthesized)["Properties"]["LoggingConfiguration"]
    assert logging["DestinationBucketName"]["Ref"].startswith("TrailBucketAccessLogs")


# -- the trail's options ------------------------------------------------------------------


def test_data_events_through_advanced_selectors(synthesized: Synthesized) -> None:
    selectors = trail_of(synthesized)["AdvancedEventSelectors"]
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
    management, functions = trail_of(synthesized, "OrgAudit")["AdvancedEventSelectors"]
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
    assert trail_of(synthesized)["InsightSelectors"] == [
        {"InsightType": "ApiCallRateInsight"},
        {"InsightType": "ApiErrorRateInsight"},
    ]
    assert "InsightSelectors" not in trail_of(synthesized, "OrgAudit")


# -- keys, bucket policy and grants -------------------------------------------------------


def test_key_policy_lets_cloudtrail_encrypt_only_for_this_trail(synthesized: Synthesized) -> None:
    (encrypt,) = [
        s for s in key_statements(synthesized) if s.get("Sid") == "AllowCloudTrailToEncryptLogs"
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
        for s in key_statements(synthesized)
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
        "kms:EncryptionContext:aws:logs:arn" in json.dumps(s) for s in key_statements(synthesized)
    )


def test_bucket_policy_lets_only_this_trail_write(synthesized: Synthesized) -> None:
    statements = {s.get("Sid"): s for s in bucket_policy(synthesized, "Audit")}
    write = statements["AWSCloudTrailWrite"]
    assert write["Condition"]["StringEquals"] == {
        "aws:SourceArn": "arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-audit-trail",
        "s3:x-amz-acl": "bucket-owner-full-control",
    }
    assert "/AWSLogs/123456789012/*" in json.dumps(write["Resource"])
    assert statements["AWSCloudTrailAclCheck"]["Action"] == "s3:GetBucketAcl"


def test_organization_trail_writes_under_the_org_path(synthesized: Synthesized) -> None:
    assert trail_of(synthesized, "OrgAudit")["IsOrganizationTrail"] is True
    assert trail_of(synthesized, "OrgAudit")["S3KeyPrefix"] == "cloudtrail"
    write = {s.get("Sid"): s for s in bucket_policy(synthesized, "OrgAudit")}["AWSCloudTrailWrite"]
    resources = json.dumps(write["Resource"])
    assert f"/cloudtrail/AWSLogs/{ORG}/*" in resources
    # The trail belongs to the management account, not the delegated administrator's.
    assert f"/cloudtrail/AWSLogs/{MANAGEMENT}/*" in resources
    assert "/AWSLogs/123456789012/" not in resources
    trail_name = trail_of(synthesized, "OrgAudit")["TrailName"]
    owned = f"arn:aws:cloudtrail:eu-west-1:{MANAGEMENT}:trail/{trail_name}"
    assert write["Condition"]["StringEquals"]["aws:SourceArn"] == owned
    key = one(synthesized, "AWS::KMS::Key", "OrgAudit", prefix="TrailKey")
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
        assert "Fn::ImportValue" in json.dumps(policy["Properties"]["PolicyDocument"])
    # The audit stack knows nothing of the auditing stack: no dependency cycle is possible.
    assert "Auditing" not in json.dumps(synthesized.raw("Audit"))
    key = one(synthesized, "AWS::KMS::Key", prefix="TrailKey")
    sids = [s.get("Sid", "") for s in key["Properties"]["KeyPolicy"]["Statement"]]
    assert not any(sid.startswith("AllowAuditors") for sid in sids)


def test_everything_holding_audit_data_is_retained(synthesized: Synthesized) -> None:
    for type_ in ("AWS::S3::Bucket", "AWS::KMS::Key", "AWS::Logs::LogGroup"):
        for logical_id, resource in synthesized.resources(type_, "Audit").items():
            assert resource["DeletionPolicy"] == "Retain", logical_id


# -- bad input ----------------------------------------------------------------------------


CASES: list[tuple[dict[str, Any], str]] = [
    ({"trail_name": "x"}, "trail_name: 'x' must be 3-128"),
    ({"trail_name": "my-_trail"}, "trail_name: 'my-_trail' must be 3-128"),
    ({"trail_name": "trail-"}, "trail_name: 'trail-' must be 3-128"),
    ({"trail_name": "192.168.10.1"}, "trail_name: '192.168.10.1' looks like an IP address"),
    ({"organization_id": "org-1"}, "organization_id: 'org-1' must look like o-"),
    ({"s3_key_prefix": "/logs/"}, "s3_key_prefix: '/logs/' must be a relative"),
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
        {"athena_accounts": ["123456789012", "210987654321"]},
        r"athena_accounts: 210987654321: a trail without organization_id writes only its own "
        r"account's folder \(AWSLogs/123456789012/\)",
    ),
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
]


@pytest.mark.parametrize(("kwargs", "message"), CASES)
def test_bad_input(stack: cdk.Stack, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        AuditTrail(stack, "Trail", **kwargs)


TRAIL_ARN = "arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-audit-trail"


def test_logs_role_trusts_cloudtrail_for_this_trail_only(synthesized: Synthesized) -> None:
    # The confused-deputy conditions AWS documents for CloudTrail: the trail's ARN and owner.
    synthesized.template("Audit").has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                        "Condition": {
                            "StringEquals": {
                                "aws:SourceArn": TRAIL_ARN,
                                "aws:SourceAccount": "123456789012",
                            }
                        },
                    }
                ]
            }
        },
    )


def test_organization_trail_role_names_the_management_account(synthesized: Synthesized) -> None:
    synthesized.template("OrgAudit").has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    assertions.Match.object_like(
                        {
                            "Principal": {"Service": "cloudtrail.amazonaws.com"},
                            "Condition": {
                                "StringEquals": assertions.Match.object_like(
                                    {"aws:SourceAccount": MANAGEMENT}
                                )
                            },
                        }
                    )
                ]
            }
        },
    )


def test_own_account_may_be_named_without_an_organization(stack: cdk.Stack) -> None:
    trail = AuditTrail(stack, "Own", athena_accounts=[stack.account])
    assert trail.queries is not None


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


def test_athena_can_be_left_out(synthesized: Synthesized) -> None:
    for type_ in ("AWS::Glue::Table", "AWS::Athena::WorkGroup", "AWS::Athena::NamedQuery"):
        assert synthesized.resources(type_, "KeepForever") == {}


def test_log_location_is_where_the_trail_writes(stack: cdk.Stack) -> None:
    # GIVEN an organization trail under a key prefix
    trail = AuditTrail(
        stack,
        "Trail",
        organization_id=ORG,
        s3_key_prefix="org/trail",
        athena_accounts=["111111111111"],
    )
    # THEN its log location names its buckets, key, prefix and organization
    assert trail.log_location == TrailLogLocation(
        bucket=trail.bucket,
        encryption_key=trail.encryption_key,
        s3_key_prefix="org/trail",
        organization_id=ORG,
        access_logs_bucket=trail.access_logs_bucket,
    )
    # AND the queries it made read that location
    assert trail.queries is not None
    bucket = stack.get_logical_id(cast("cdk.CfnElement", trail.bucket.node.default_child))
    assertions.Template.from_stack(stack).has_resource_properties(
        "AWS::Glue::Table",
        {
            "TableInput": assertions.Match.object_like(
                {
                    "StorageDescriptor": assertions.Match.object_like(
                        {
                            "Location": {
                                "Fn::Join": [
                                    "",
                                    ["s3://", {"Ref": bucket}, f"/org/trail/AWSLogs/{ORG}/"],
                                ]
                            }
                        }
                    )
                }
            )
        },
    )
