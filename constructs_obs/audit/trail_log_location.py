"""Where a trail writes its log files, and the checks on those places.

``AuditQueries`` reads a trail's files through a :class:`TrailLogLocation`: given directly for a
trail created elsewhere, or taken from anything with a ``log_location`` (an ``AuditTrail``), so the
Athena side never imports the trail construct. CloudTrail writes to
``<bucket>/<s3_key_prefix>/AWSLogs/[<organization_id>/]<account>/CloudTrail/<region>/yyyy/MM/dd``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from aws_cdk import Stack, Token
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from constructs_obs.audit.projection import COMMERCIAL_REGIONS
from constructs_obs.private.validate import Check

__all__ = [
    "LogLocationSource",
    "TrailLogLocation",
    "check_accounts",
    "check_log_path",
    "check_regions",
]

_REGION = r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d"
_ACCOUNT = r"\d{12}"
_ORG_ID = r"o-[a-z0-9]{10,32}"
_PREFIX = r"[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*"


def check_log_path(
    check: Check, *, organization_id: str | None, s3_key_prefix: str | None, parameter: str = ""
) -> None:
    """Check where a trail writes its log files: ``<s3_key_prefix>/AWSLogs/<organization_id>``.

    Shared by ``AuditTrail`` and ``AuditQueries`` (whose ``TrailLogLocation`` carries the same
    values); ``parameter`` prefixes the parameter names (``"trail."`` for the location).
    """
    if organization_id is not None:
        check.text(
            f"{parameter}organization_id",
            organization_id,
            max_length=34,
            pattern=_ORG_ID,
            pattern_doc="must look like o-a1b2c3d4e5 (o- and 10-32 lower-case letters or digits)",
        )
    if s3_key_prefix is not None:
        check.text(
            f"{parameter}s3_key_prefix",
            s3_key_prefix,
            max_length=200,
            pattern=_PREFIX,
            pattern_doc="must be a relative key prefix without leading or trailing '/'",
        )


def check_regions(check: Check, parameter: str, regions: Sequence[str] | None) -> list[str]:
    """The regions a table projects: region names, each once. None: every commercial region."""
    if regions is None:
        return list(COMMERCIAL_REGIONS)
    names = _names(check, parameter, regions, "region names")
    for region in names:
        check.text(
            parameter,
            region,
            max_length=30,
            pattern=_REGION,
            pattern_doc="is not a region name such as eu-west-1",
        )
    check.unique(parameter, names)
    return names


def check_accounts(
    check: Check,
    parameter: str,
    accounts: Sequence[str] | None,
    *,
    organization_trail: bool,
    stack: Stack,
) -> list[str]:
    """The accounts a table projects: 12-digit ids, each once. None: the stack's account,
    which an organization trail or an environment-agnostic stack cannot default to."""
    if accounts is None:
        if organization_trail:
            check.fail(
                parameter,
                "an organization trail writes one folder per member account: name the "
                "accounts the table should project",
            )
        if Token.is_unresolved(stack.account):
            check.fail(
                parameter, "the stack has no account (environment-agnostic): name the accounts"
            )
        return [stack.account]
    names = _names(check, parameter, accounts, "12-digit account ids")
    for account in names:
        check.text(
            parameter,
            account,
            max_length=12,
            pattern=_ACCOUNT,
            pattern_doc="is not a 12-digit account id",
        )
    check.unique(parameter, names)
    return names


def _names(check: Check, parameter: str, values: object, what: str) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        check.fail(parameter, f"expected a list of {what}, got {values!r}")
    if not values:
        check.fail(parameter, f"name at least one (None for the default), got {values!r}")
    return list(values)


@dataclass(frozen=True)
class TrailLogLocation:
    """Where a trail created elsewhere writes its log files."""

    bucket: s3.IBucket
    encryption_key: kms.IKey | None = None
    s3_key_prefix: str | None = None
    organization_id: str | None = None
    access_logs_bucket: s3.IBucket | None = None


class LogLocationSource(Protocol):
    """Anything that can say where its trail writes (``AuditTrail`` does)."""

    @property
    def log_location(self) -> TrailLogLocation: ...
