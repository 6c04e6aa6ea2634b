"""TrailLogLocation and its checks: the regions and accounts a table projects, the log path."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from constructs_obs import InvalidParameterError
from constructs_obs.audit import COMMERCIAL_REGIONS
from constructs_obs.audit.trail_log_location import (
    check_accounts,
    check_log_path,
    check_regions,
)
from constructs_obs.private.validate import Check

CHECK = Check("AuditQueries", "Queries")


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


def test_regions_default_to_every_commercial_region() -> None:
    assert check_regions(CHECK, "regions", None) == list(COMMERCIAL_REGIONS)
    assert check_regions(CHECK, "regions", ("eu-west-1",)) == ["eu-west-1"]


def test_accounts_default_to_the_stacks_own(stack: cdk.Stack) -> None:
    assert check_accounts(CHECK, "accounts", None, organization_trail=False, stack=stack) == [
        "123456789012"
    ]
    with pytest.raises(InvalidParameterError, match="accounts: an organization trail writes"):
        check_accounts(CHECK, "accounts", None, organization_trail=True, stack=stack)


def test_log_path_names_the_parameters_it_checks() -> None:
    check_log_path(CHECK, organization_id="o-a1b2c3d4e5", s3_key_prefix="org/trail")
    with pytest.raises(InvalidParameterError, match=r"trail\.s3_key_prefix: 'a//b' must be"):
        check_log_path(CHECK, organization_id=None, s3_key_prefix="a//b", parameter="trail.")
