"""The Security Hub CloudWatch.1-14 and CIS patterns, verbatim, on real CloudTrail records.

Each control fires on at least three records and stays quiet on at least three near misses,
all built from the samples of the AWS documentation in ``tests/fixtures/cloudtrail``. A metric
filter sees a record as its compact JSON text (how CloudTrail writes it to CloudWatch Logs), so
every case is checked both on the parsed record and on that text.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from constructs_obs.alarms.severity import Severity
from constructs_obs.detections import compile_filter_pattern, load_records
from constructs_obs.security.cis_controls import CIS_CONTROLS, CisControl
from constructs_obs.security.detection_spec import SecurityDetection
from constructs_obs.security.security_detections import SECURITY_DETECTIONS
from tests.detections.cis_cases import NEGATIVE, POSITIVE, Case
from tests.detections.helpers import (
    CIS_ALL_OR_UNAUTHORIZED,
    CIS_VARIANTS,
    FIXTURES,
    SECURITY_HUB,
    api_call,
    changed,
    sample,
)


def fires(control: str, record: dict[str, Any]) -> bool:
    pattern = compile_filter_pattern(SECURITY_HUB.get(control) or CIS_VARIANTS[control])
    parsed = pattern.matches(record)
    as_text = pattern.matches(json.dumps(record, separators=(",", ":")))
    assert parsed is as_text, "the parsed record and its log event text disagree"
    return parsed


def _cases(table: dict[str, dict[str, Case]]) -> list[Any]:
    return [
        pytest.param(control, build, id=f"{control}-{name}")
        for control, cases in table.items()
        for name, build in cases.items()
    ]


def test_every_control_has_enough_cases() -> None:
    assert set(POSITIVE) == set(NEGATIVE) == set(SECURITY_HUB)
    assert all(len(cases) >= 3 for cases in POSITIVE.values())
    assert all(len(cases) >= 3 for cases in NEGATIVE.values())


@pytest.mark.parametrize(("control", "build"), _cases(POSITIVE))
def test_control_fires(control: str, build: Case) -> None:
    assert fires(control, build())


@pytest.mark.parametrize(("control", "build"), _cases(NEGATIVE))
def test_control_stays_quiet_on_near_misses(control: str, build: Case) -> None:
    assert not fires(control, build())


def test_which_samples_fire_which_control() -> None:
    """Over the ten real samples, as they are, each control fires exactly where expected."""
    records = load_records(FIXTURES)
    fired = {
        control: [
            index
            for index, record in enumerate(records)
            if compile_filter_pattern(pattern).matches(record)
        ]
        for control, pattern in SECURITY_HUB.items()
    }
    assert fired == {
        "CloudWatch.1": [3, 4],  # root sign-in, root EnableMFADevice (not the RotateKey event)
        "CloudWatch.2": [],
        "CloudWatch.3": [0],  # the IAM user signing in without MFA
        "CloudWatch.4": [],
        "CloudWatch.5": [6],  # UpdateTrail, even though it failed
        "CloudWatch.6": [2],
        "CloudWatch.7": [],
        "CloudWatch.8": [],
        "CloudWatch.9": [],
        "CloudWatch.10": [],
        "CloudWatch.11": [],
        "CloudWatch.12": [],
        "CloudWatch.13": [],
        "CloudWatch.14": [],
    }


# --------------------------------------------------------------------------------------------
# CIS variants
# --------------------------------------------------------------------------------------------


def test_cis_short_mfa_pattern_also_fires_for_root_and_roles() -> None:
    assert fires("CIS3.0-4.2", sample("01"))
    assert fires("CIS3.0-4.2", sample("04"))  # root: CloudWatch.3 does not fire for it
    assert not fires("CloudWatch.3", sample("04"))
    assert fires("CIS3.0-4.2", changed(sample("01"), {"userIdentity.type": "AssumedRole"}))
    assert not fires("CIS3.0-4.2", sample("02"))
    assert not fires("CIS3.0-4.2", sample("06"))


def test_cis_5_security_group_pattern_adds_modify_security_group_rules() -> None:
    record = api_call("ec2", "ModifySecurityGroupRules")
    assert fires("CIS5.0-4.10", record)
    assert not fires("CloudWatch.10", record)
    for name in ("AuthorizeSecurityGroupIngress", "DeleteSecurityGroup"):
        assert fires("CIS5.0-4.10", api_call("ec2", name))
    assert not fires("CIS5.0-4.10", api_call("ec2", "DescribeSecurityGroups"))


@pytest.mark.parametrize(
    ("name", "source", "expected"),
    [
        ("CreateAccount", "organizations", True),
        ("LeaveOrganization", "organizations", True),
        ("UpdateOrganizationalUnit", "organizations", True),
        ("ListAccounts", "organizations", False),
        ("CancelHandshake", "organizations", False),  # prowler's extra name, not in CIS
        ("CreatePolicy", "iam", False),  # same name, IAM
    ],
)
def test_cis_organizations_pattern(name: str, source: str, expected: bool) -> None:
    assert fires("CIS3.0-4.15", api_call(source, name)) is expected


def test_cis_5_unauthorized_pattern_groups_its_and_terms_first() -> None:
    """``A || B && C && D`` is ``A || (B && C && D)``: the first term ignores the exclusions."""
    from_delivery = {"sourceIPAddress": "delivery.logs.amazonaws.com"}
    unauthorized = changed(sample("07"), {"errorCode": "Client.UnauthorizedOperation"})
    denied = changed(sample("07"), {"errorCode": "AccessDenied"})
    assert fires("CIS5.0-4.1", unauthorized)
    assert fires("CIS5.0-4.1", changed(unauthorized, from_delivery))  # not excluded
    assert fires("CIS5.0-4.1", denied)
    assert not fires("CIS5.0-4.1", changed(denied, from_delivery))
    assert not fires("CIS5.0-4.1", changed(denied, {"eventName": "HeadBucket"}))
    assert not fires("CIS5.0-4.1", sample("07"))


def test_cis_3_unauthorized_pattern_joined_by_or_matches_every_event() -> None:
    """Joining the exclusions with ``||`` turns them into "or anything else": do not ship it."""
    pitfall = compile_filter_pattern(CIS_ALL_OR_UNAUTHORIZED)
    records = load_records(FIXTURES)
    assert all(pitfall.matches(record) for record in records)
    assert not any(
        compile_filter_pattern(SECURITY_HUB["CloudWatch.2"]).matches(record) for record in records
    )
    # Only a record that is from the log delivery service AND a HeadBucket escapes it.
    assert not pitfall.matches(
        changed(
            sample("10"),
            {"sourceIPAddress": "delivery.logs.amazonaws.com", "eventName": "HeadBucket"},
        )
    )


@pytest.mark.parametrize("pattern", [*SECURITY_HUB.values(), *CIS_VARIANTS.values()])
def test_patterns_fit_cloudwatch_limits_and_use_the_index(pattern: str) -> None:
    compiled = compile_filter_pattern(pattern)
    assert compiled.is_json
    assert len(pattern) <= 1024


@pytest.mark.parametrize("control", list(CisControl), ids=lambda c: c.value)
def test_every_pattern_of_the_catalogue_compiles(control: CisControl) -> None:
    compiled = compile_filter_pattern(CIS_CONTROLS[control].pattern)
    assert compiled.is_json


def test_trail_configuration_changes_warn_and_the_rule_pages() -> None:
    # GIVEN the failed UpdateTrail sample, which the verbatim CloudWatch.5 pattern counts
    failed_update = sample("07")
    assert fires("CloudWatch.5", failed_update)
    # THEN CloudWatch.5 is a warning (Security Hub rates the control Low), and the critical
    # page for a trail that was really stopped or changed is the cloudtrail-tampering rule
    assert CIS_CONTROLS[CisControl.CLOUDTRAIL_CONFIGURATION_CHANGES].severity is Severity.WARNING
    tampering = SECURITY_DETECTIONS[SecurityDetection.CLOUDTRAIL_TAMPERING]
    assert tampering.severity is Severity.CRITICAL
    assert tampering.event_pattern["detail"]["errorCode"] == [{"exists": False}]
