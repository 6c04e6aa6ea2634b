"""The security detections fire on what they should, through the template of the rules.

Each EventBridge rule of SecurityEventRules is taken from the synthesized template (not from a
copy of its pattern) and run by the offline evaluator on CloudTrail records built from the
real samples: at least three that must fire and three near misses that must not. (The CIS
metric filters are checked the same way in test_cis_benchmark_alarms.py.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest

from constructs_obs import (
    ALL_SECURITY_DETECTIONS,
    AlarmTopic,
    SecurityDetection,
    SecurityEventRules,
)
from constructs_obs.detections import DetectionSet, compile_event_pattern
from constructs_obs.security.security_detections import SECURITY_DETECTIONS
from tests.detections.helpers import api_call, changed, delete, sample
from tests.support.harness import Synthesized, new_stack, synth

Case = Callable[[], dict[str, Any]]
_ids: dict[str, str] = {}


def _build(app: cdk.App) -> None:
    stack = new_stack(app, "Detections")
    topic = AlarmTopic(stack, "Security", email_addresses=["security@example.com"])
    rules = SecurityEventRules(stack, "Rules", targets=[topic])
    for detection, rule in rules.rules.items():
        _ids[detection.value] = stack.resolve(rule.node.default_child.logical_id)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def detections() -> DetectionSet:
    synthesized: Synthesized = synth("detections_fire", _build)
    return DetectionSet.from_template(synthesized.raw())


def _fires(detections: DetectionSet, key: str, record: dict[str, Any]) -> bool:
    report = detections.evaluate([record])
    return 0 in report.fired(_ids[key])


def test_the_template_holds_every_rule(detections: DetectionSet) -> None:
    assert len(_ids) == 15
    assert not detections.skipped


# -- EventBridge rules -----------------------------------------------------------------------


def _dotted(changes: dict[str, Any]) -> dict[str, Any]:
    return {key.replace(".", "__"): value for key, value in changes.items()}


def _calls(source: str, *names: str) -> dict[str, Case]:
    assert len(set(names)) == len(names), f"repeated event names: {names}"
    return {f"{source}:{name}": _call(source, name) for name in names}


def _call(source: str, name: str) -> Case:
    return lambda: api_call(source, name)


_ROOT = {"userIdentity.type": "Root", "userIdentity.arn": "arn:aws:iam::111122223333:root"}

RULE_POSITIVE: dict[SecurityDetection, dict[str, Case]] = {
    SecurityDetection.ROOT_ACCOUNT_USAGE: {
        "root console sign-in": lambda: sample("04"),
        "root enables MFA": lambda: sample("05"),
        "root creates a user": lambda: api_call("iam", "CreateUser", **_dotted(_ROOT)),
    },
    SecurityDetection.CONSOLE_SIGNIN_WITHOUT_MFA: {
        "IAM user without MFA": lambda: sample("01"),
        "root without MFA": lambda: sample("04"),
        "MFAUsed lower-case no": lambda: changed(
            sample("01"), {"additionalEventData.MFAUsed": "no"}
        ),
    },
    SecurityDetection.CONSOLE_AUTHENTICATION_FAILURES: {
        "failed IAM user sign-in": lambda: sample("03"),
        "failed root sign-in": lambda: changed(sample("03"), _ROOT),
        "failed sign-in without MFA": lambda: changed(
            sample("03"), {"additionalEventData.MFAUsed": "No"}
        ),
    },
    SecurityDetection.IAM_POLICY_CHANGES: _calls(
        "iam", "PutRolePolicy", "AttachUserPolicy", "UpdateAssumeRolePolicy"
    ),
    SecurityDetection.IAM_USER_AND_ACCESS_KEY_CHANGES: {
        "the CreateUser sample": lambda: changed(sample("06"), {"eventType": "AwsApiCall"}),
        **_calls("iam", "CreateAccessKey", "DeactivateMFADevice"),
    },
    SecurityDetection.CLOUDTRAIL_TAMPERING: {
        "the UpdateTrail sample (failed)": lambda: sample("07"),
        **_calls("cloudtrail", "StopLogging", "DeleteTrail"),
    },
    SecurityDetection.KMS_KEY_DISABLE_OR_DELETION: {
        **_calls("kms", "DisableKey", "ScheduleKeyDeletion"),
        "root schedules a deletion in 7 days": lambda: api_call(
            "kms",
            "ScheduleKeyDeletion",
            requestParameters={
                "keyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
                "pendingWindowInDays": 7,
            },
            **_dotted(_ROOT),
        ),
    },
    SecurityDetection.S3_BUCKET_POLICY_CHANGES: _calls(
        "s3", "PutBucketPolicy", "PutBucketAcl", "DeleteBucketPublicAccessBlock"
    ),
    SecurityDetection.SECURITY_GROUP_CHANGES: _calls(
        "ec2", "AuthorizeSecurityGroupIngress", "ModifySecurityGroupRules", "DeleteSecurityGroup"
    ),
    SecurityDetection.NACL_CHANGES: _calls(
        "ec2", "CreateNetworkAclEntry", "ReplaceNetworkAclEntry", "DeleteNetworkAcl"
    ),
    SecurityDetection.ROUTE_TABLE_CHANGES: _calls(
        "ec2", "CreateRoute", "ReplaceRoute", "DisassociateRouteTable"
    ),
    SecurityDetection.NETWORK_GATEWAY_CHANGES: _calls(
        "ec2", "AttachInternetGateway", "CreateNatGateway", "DeleteCustomerGateway"
    ),
    SecurityDetection.VPC_CHANGES: _calls(
        "ec2", "CreateVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection"
    ),
    SecurityDetection.ORGANIZATIONS_CHANGES: _calls(
        "organizations", "CreateAccount", "LeaveOrganization", "EnableAllFeatures"
    ),
    SecurityDetection.SECURITY_SERVICES_DISABLED: {
        "GuardDuty detector deleted": lambda: api_call("guardduty", "DeleteDetector"),
        "GuardDuty detector disabled": lambda: api_call(
            "guardduty", "UpdateDetector", requestParameters={"detectorId": "d1", "enable": False}
        ),
        "Security Hub disabled": lambda: api_call("securityhub", "DisableSecurityHub"),
    },
}


RULE_NEGATIVE: dict[SecurityDetection, dict[str, Case]] = {
    SecurityDetection.ROOT_ACCOUNT_USAGE: {
        "IAM user sign-in": lambda: sample("01"),
        "root action invoked by a service": lambda: changed(
            sample("05"), {"userIdentity.invokedBy": "support.amazonaws.com"}
        ),
        "service event as root": lambda: changed(sample("08"), {"userIdentity.type": "Root"}),
    },
    SecurityDetection.CONSOLE_SIGNIN_WITHOUT_MFA: {
        "IAM user with MFA": lambda: sample("02"),
        "failed sign-in without MFA": lambda: changed(
            sample("03"), {"additionalEventData.MFAUsed": "No"}
        ),
        "MFAUsed missing": lambda: changed(sample("01"), {"additionalEventData.MFAUsed": delete()}),
    },
    SecurityDetection.CONSOLE_AUTHENTICATION_FAILURES: {
        "successful sign-in": lambda: sample("01"),
        "successful root sign-in": lambda: sample("04"),
        "an API call that failed": lambda: changed(
            sample("07"), {"errorMessage": "Failed authentication"}
        ),
    },
    SecurityDetection.IAM_POLICY_CHANGES: {
        "read call": lambda: api_call("iam", "GetRolePolicy"),
        "same name, other service": lambda: api_call("sso", "PutRolePolicy"),
        "user creation": lambda: api_call("iam", "CreateUser"),
    },
    SecurityDetection.IAM_USER_AND_ACCESS_KEY_CHANGES: {
        "listing keys": lambda: api_call("iam", "ListAccessKeys"),
        "role creation": lambda: api_call("iam", "CreateRole"),
        "policy change": lambda: api_call("iam", "PutUserPolicy"),
    },
    SecurityDetection.CLOUDTRAIL_TAMPERING: {
        "trail described": lambda: api_call("cloudtrail", "DescribeTrails"),
        "logging started": lambda: api_call("cloudtrail", "StartLogging"),
        "same name, other service": lambda: api_call("config", "StopLogging"),
    },
    SecurityDetection.KMS_KEY_DISABLE_OR_DELETION: {
        "key rotation service event": lambda: sample("08"),
        "key enabled": lambda: api_call("kms", "EnableKey"),
        "deletion cancelled": lambda: api_call("kms", "CancelKeyDeletion"),
    },
    SecurityDetection.S3_BUCKET_POLICY_CHANGES: {
        "object written": lambda: sample("10"),
        "policy read": lambda: api_call("s3", "GetBucketPolicy"),
        "lifecycle change (not a policy)": lambda: api_call("s3", "PutBucketLifecycle"),
    },
    SecurityDetection.SECURITY_GROUP_CHANGES: {
        "groups described": lambda: api_call("ec2", "DescribeSecurityGroups"),
        "NACL entry": lambda: api_call("ec2", "CreateNetworkAclEntry"),
        "same name, other service": lambda: api_call("rds", "AuthorizeSecurityGroupIngress"),
    },
    SecurityDetection.NACL_CHANGES: {
        "NACLs described": lambda: api_call("ec2", "DescribeNetworkAcls"),
        "security group rule": lambda: api_call("ec2", "AuthorizeSecurityGroupIngress"),
        "route created": lambda: api_call("ec2", "CreateRoute"),
    },
    SecurityDetection.ROUTE_TABLE_CHANGES: {
        "route tables described": lambda: api_call("ec2", "DescribeRouteTables"),
        "VPC created": lambda: api_call("ec2", "CreateVpc"),
        "same name, other service": lambda: api_call("ec2-instance-connect", "CreateRoute"),
    },
    SecurityDetection.NETWORK_GATEWAY_CHANGES: {
        "gateways described": lambda: api_call("ec2", "DescribeInternetGateways"),
        "transit gateway attachment (not covered)": lambda: api_call(
            "ec2", "CreateTransitGatewayVpcAttachment"
        ),
        "route created": lambda: api_call("ec2", "CreateRoute"),
    },
    SecurityDetection.VPC_CHANGES: {
        "VPCs described": lambda: api_call("ec2", "DescribeVpcs"),
        "subnet created": lambda: api_call("ec2", "CreateSubnet"),
        "same name, other service": lambda: api_call("lightsail", "CreateVpc"),
    },
    SecurityDetection.ORGANIZATIONS_CHANGES: {
        "organization described": lambda: api_call("organizations", "DescribeOrganization"),
        "accounts listed": lambda: api_call("organizations", "ListAccounts"),
        "same name, other service": lambda: api_call("iam", "CreateAccount"),
    },
    SecurityDetection.SECURITY_SERVICES_DISABLED: {
        "GuardDuty detector enabled": lambda: api_call(
            "guardduty", "UpdateDetector", requestParameters={"detectorId": "d1", "enable": True}
        ),
        "findings listed": lambda: api_call("guardduty", "ListFindings"),
        "Security Hub enabled": lambda: api_call("securityhub", "EnableSecurityHub"),
    },
}


def _rule_params(table: dict[SecurityDetection, dict[str, Case]]) -> list[Any]:
    return [
        pytest.param(detection, build, id=f"{detection.value}-{name}")
        for detection, cases in table.items()
        for name, build in cases.items()
    ]


def test_every_rule_has_enough_cases() -> None:
    assert set(RULE_POSITIVE) == set(RULE_NEGATIVE) == set(ALL_SECURITY_DETECTIONS)
    for detection in ALL_SECURITY_DETECTIONS:
        assert len(RULE_POSITIVE[detection]) >= 3, detection
        assert len(RULE_NEGATIVE[detection]) >= 3, detection


@pytest.mark.parametrize(("detection", "build"), _rule_params(RULE_POSITIVE))
def test_rule_fires(detections: DetectionSet, detection: SecurityDetection, build: Case) -> None:
    assert _fires(detections, detection.value, build())


@pytest.mark.parametrize(("detection", "build"), _rule_params(RULE_NEGATIVE))
def test_rule_stays_quiet(
    detections: DetectionSet, detection: SecurityDetection, build: Case
) -> None:
    assert not _fires(detections, detection.value, build())


def test_the_samples_fire_what_a_security_team_expects(detections: DetectionSet) -> None:
    records = [sample(prefix) for prefix in ("01", "03", "04", "05", "07", "08", "10")]
    report = detections.evaluate(records)
    fired = {
        index: sorted(key for key, logical_id in _ids.items() if index in report.fired(logical_id))
        for index in range(len(records))
    }
    assert fired[0] == ["console-signin-without-mfa"]  # IAM user, no MFA
    assert fired[1] == ["console-authentication-failures"]
    assert fired[2] == ["console-signin-without-mfa", "root-account-usage"]
    assert fired[3] == ["root-account-usage"]  # root enables MFA
    assert fired[4] == ["cloudtrail-tampering"]  # UpdateTrail (failed)
    assert fired[5] == []  # KMS key rotation service event
    assert fired[6] == []  # an S3 PutObject data event


@pytest.mark.parametrize("detection", list(SecurityDetection), ids=lambda d: d.value)
def test_every_event_pattern_of_the_catalogue_compiles(detection: SecurityDetection) -> None:
    pattern = SECURITY_DETECTIONS[detection].pattern
    compiled = compile_event_pattern(pattern)
    assert compiled is not None
