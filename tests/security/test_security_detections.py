"""The security detections fire on what they should, through the template of the rules.

Each EventBridge rule of SecurityEventRules is taken from the synthesized template (not from a
copy of its pattern) and run by the offline evaluator on CloudTrail records built from the
real samples: at least three that must fire and three near misses that must not. (The CIS
metric filters are checked the same way in test_cis_benchmark_alarms.py.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from constructs_obs import (
    ALL_SECURITY_DETECTIONS,
    EVERY_REGION_DETECTIONS,
    GLOBAL_SERVICE_DETECTIONS,
    VOLUME_DETECTIONS,
    AttackTactic,
    InvalidParameterError,
    SecurityDetection,
    Severity,
    select_detections,
)
from constructs_obs.detections import DetectionSet, compile_event_pattern, compile_filter_pattern
from constructs_obs.private.validate import Check
from constructs_obs.security.catalogue_baseline import BASELINE
from constructs_obs.security.detection_settings import resolve_pattern
from constructs_obs.security.detection_spec import DetectionSource
from constructs_obs.security.security_detections import SECURITY_DETECTIONS
from tests.detections.helpers import api_call, changed, delete, sample
from tests.security.conftest import SETTINGS, Catalogue

Case = Callable[[], dict[str, Any]]


def _fires(catalogue: Catalogue, key: str, record: dict[str, Any]) -> bool:
    return catalogue.fires(key, record)


def test_the_template_holds_every_detection_of_the_catalogue(catalogue: Catalogue) -> None:
    assert set(catalogue.ids) == {d.value for d in SecurityDetection}
    assert len(catalogue.ids) == len(SECURITY_DETECTIONS) == 47
    assert not catalogue.detections.skipped


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
        "the UpdateTrail sample, succeeded": lambda: changed(
            sample("07"), {"errorCode": delete(), "errorMessage": delete()}
        ),
        **_calls("cloudtrail", "StopLogging", "DeleteTrail"),
    },
    SecurityDetection.CLOUDTRAIL_TAMPERING_DENIED: {
        "StopLogging denied": lambda: api_call(
            "cloudtrail", "StopLogging", errorCode="AccessDenied"
        ),
        "DeleteTrail denied (exception)": lambda: api_call(
            "cloudtrail", "DeleteTrail", errorCode="AccessDeniedException"
        ),
        "the UpdateTrail sample, denied": lambda: changed(
            sample("07"), {"errorCode": "AccessDenied"}
        ),
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
        "root with MFA, written YES": lambda: changed(
            sample("04"), {"additionalEventData.MFAUsed": "YES"}
        ),
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
        "the UpdateTrail sample (failed: TrailNotFound)": lambda: sample("07"),
        "StopLogging denied": lambda: api_call(
            "cloudtrail", "StopLogging", errorCode="AccessDenied"
        ),
    },
    SecurityDetection.CLOUDTRAIL_TAMPERING_DENIED: {
        "the UpdateTrail sample (failed: TrailNotFound)": lambda: sample("07"),
        "StopLogging succeeded": lambda: api_call("cloudtrail", "StopLogging"),
        "denied read": lambda: api_call("cloudtrail", "DescribeTrails", errorCode="AccessDenied"),
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
    baseline = {spec.detection for spec in BASELINE}
    assert set(RULE_POSITIVE) == set(RULE_NEGATIVE) == baseline
    for detection in baseline:
        assert len(RULE_POSITIVE[detection]) >= 3, detection
        assert len(RULE_NEGATIVE[detection]) >= 3, detection


@pytest.mark.parametrize(("detection", "build"), _rule_params(RULE_POSITIVE))
def test_rule_fires(catalogue: Catalogue, detection: SecurityDetection, build: Case) -> None:
    assert _fires(catalogue, detection.value, build())


@pytest.mark.parametrize(("detection", "build"), _rule_params(RULE_NEGATIVE))
def test_rule_stays_quiet(catalogue: Catalogue, detection: SecurityDetection, build: Case) -> None:
    assert not _fires(catalogue, detection.value, build())


def test_the_samples_fire_what_a_security_team_expects(catalogue: Catalogue) -> None:
    records = [sample(prefix) for prefix in ("01", "03", "04", "05", "07", "08", "09", "10")]
    report = catalogue.detections.evaluate(records)
    fired = {
        index: sorted(
            key for key, logical_id in catalogue.ids.items() if index in report.fired(logical_id)
        )
        for index in range(len(records))
    }
    assert fired[0] == ["console-signin-without-mfa"]  # IAM user, no MFA
    assert fired[1] == ["console-authentication-failures"]
    assert fired[2] == ["console-signin-without-mfa", "root-account-usage"]
    assert fired[3] == ["root-account-usage"]  # root enables MFA
    assert fired[4] == []  # UpdateTrail that failed (TrailNotFound) changed nothing
    assert fired[5] == []  # KMS key rotation service event
    assert fired[6] == []  # a cross-account AssumeRole
    assert fired[7] == []  # an S3 PutObject data event


# -- The catalogue as data ---------------------------------------------------------------------

_TECHNIQUE = re.compile(r"^T1\d{3}(\.\d{3})?$")


@pytest.mark.parametrize("detection", list(SecurityDetection), ids=lambda d: d.value)
def test_every_entry_is_complete_and_its_pattern_compiles(detection: SecurityDetection) -> None:
    spec = SECURITY_DETECTIONS[detection]
    assert spec.attack
    assert all(_TECHNIQUE.match(technique) for technique in spec.attack)
    assert spec.title
    assert not spec.title.endswith(".")
    assert spec.message.endswith(".")
    if spec.source is DetectionSource.METRIC_FILTER:
        assert compile_filter_pattern(spec.filter_pattern).is_json
        assert spec.threshold is not None
        assert spec.threshold > 1
    else:
        pattern = resolve_pattern(spec.event_pattern, SETTINGS, Check("test", "catalogue"))
        # EventBridge's default quota for one pattern is 2,048 characters.
        assert len(compile_event_pattern(pattern).text) <= 2048
        assert spec.threshold is None


def test_the_rule_and_filter_lists_split_the_catalogue() -> None:
    assert len(ALL_SECURITY_DETECTIONS) == 44
    assert len(VOLUME_DETECTIONS) == 3
    assert set(ALL_SECURITY_DETECTIONS) | set(VOLUME_DETECTIONS) == set(SecurityDetection)
    assert set(GLOBAL_SERVICE_DETECTIONS) <= set(ALL_SECURITY_DETECTIONS)
    assert SecurityDetection.ADMIN_POLICY_ATTACHED in GLOBAL_SERVICE_DETECTIONS
    assert SecurityDetection.SSM_SEND_COMMAND not in GLOBAL_SERVICE_DETECTIONS


def test_select_by_tactic_and_severity() -> None:
    # WHEN critical defense-evasion rules are selected
    chosen = select_detections(
        tactics=[AttackTactic.DEFENSE_EVASION], severities=[Severity.CRITICAL]
    )
    # THEN they are those, in table order, and no warning or other tactic slips in
    assert chosen[:2] == (
        SecurityDetection.CLOUDTRAIL_TAMPERING,
        SecurityDetection.ORGANIZATIONS_CHANGES,
    )
    assert SecurityDetection.FLOW_LOGS_DELETED in chosen
    assert SecurityDetection.SECURITY_GROUP_CHANGES not in chosen  # a warning
    assert all(
        SECURITY_DETECTIONS[d].tactic is AttackTactic.DEFENSE_EVASION
        and SECURITY_DETECTIONS[d].severity is Severity.CRITICAL
        for d in chosen
    )


def test_select_volume_and_regional_detections() -> None:
    assert select_detections(source=DetectionSource.METRIC_FILTER) == VOLUME_DETECTIONS
    assert select_detections(
        source=DetectionSource.METRIC_FILTER, tactics=[AttackTactic.IMPACT]
    ) == (SecurityDetection.MASS_DELETION,)
    regional = select_detections(global_service=False)
    assert set(regional) == set(ALL_SECURITY_DETECTIONS) - set(GLOBAL_SERVICE_DETECTIONS)
    assert select_detections() == ALL_SECURITY_DETECTIONS


def test_root_and_sign_in_rules_are_for_every_region() -> None:
    assert EVERY_REGION_DETECTIONS == (
        SecurityDetection.ROOT_ACCOUNT_USAGE,
        SecurityDetection.CONSOLE_SIGNIN_WITHOUT_MFA,
        SecurityDetection.CONSOLE_AUTHENTICATION_FAILURES,
    )
    assert not set(EVERY_REGION_DETECTIONS) & set(GLOBAL_SERVICE_DETECTIONS)
    assert set(EVERY_REGION_DETECTIONS) <= set(select_detections(global_service=False))


_WHERE_RECORDS: dict[str, Case] = {
    "sign-in, global endpoint": lambda: changed(sample("01"), {"awsRegion": "us-east-1"}),
    "sign-in, regional endpoint": lambda: changed(sample("01"), {"awsRegion": "eu-west-1"}),
    "root IAM call": lambda: api_call("iam", "CreateUser", awsRegion="eu-west-1", **_dotted(_ROOT)),
    "root EC2 call": lambda: api_call(
        "ec2", "DescribeInstances", awsRegion="eu-west-1", **_dotted(_ROOT)
    ),
}


@pytest.mark.parametrize(
    ("name", "detection", "region"),
    [
        ("sign-in, global endpoint", "console-signin-without-mfa", "us-east-1"),
        ("sign-in, regional endpoint", "console-signin-without-mfa", "eu-west-1"),
        ("root IAM call", "root-account-usage", "us-east-1"),
        ("root EC2 call", "root-account-usage", "eu-west-1"),
    ],
    ids=["signin-global", "signin-regional", "root-iam", "root-ec2"],
)
def test_an_every_region_rule_fires_in_exactly_one_region(
    catalogue: Catalogue, name: str, detection: str, region: str
) -> None:
    # GIVEN the catalogue deployed in us-east-1 and in eu-west-1
    record = _WHERE_RECORDS[name]()
    fired_in = [
        where
        for where in ("us-east-1", "eu-west-1")
        if 0
        in DetectionSet.from_template(catalogue.template, region=where)
        .evaluate([record])
        .fired(catalogue.ids[detection])
    ]
    # THEN the record raises the rule of the region it is delivered in, and only that one
    assert fired_in == [region]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tactics": AttackTactic.IMPACT}, "tactics: expected a collection of AttackTactic"),
        ({"tactics": ["impact"]}, "tactics: 'impact' is not a AttackTactic"),
        ({"severities": ["critical"]}, "severities: 'critical' is not a Severity"),
        ({"source": "rule"}, "source: expected a DetectionSource"),
        ({"global_service": "yes"}, "global_service: expected True, False or None"),
    ],
    ids=["tactic-not-a-list", "tactic-string", "severity-string", "source", "global"],
)
def test_select_refuses_what_is_not_a_criterion(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        select_detections(**kwargs)
