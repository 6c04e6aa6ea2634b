"""What the table's partition projection covers: the days, regions and accounts Athena reads.

Athena reads only the partitions the projection of ``AuditQueries`` can name: days from
``projection_start`` to today, the projected regions, and the projected accounts (``enum``) or
the account a query names (``injected``). The local engine reads folders, so it compares each
log file with a :class:`TableProjection` to say (or, asked to, to skip) what Athena would not
read. This module imports no aws-cdk-lib: the local engine uses it.

Enum or injected for the account, as an organization grows (Athena user guide, "Supported
types for partition projection"): an ``enum`` projection lists every account in the table
properties, and Athena enumerates accounts x regions x days for a query over all accounts;
AWS advises keeping an enum to a few dozen values (the table's metadata must stay under about
1 MB gzipped). An ``injected`` projection lists nothing and scales to any number of accounts,
but every query must then name its account in its ``WHERE`` clause with an equality
(``account = '111122223333'``), so one query reads one account.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Final

__all__ = ["COMMERCIAL_REGIONS", "DEFAULT_PROJECTION_START", "AccountProjection", "TableProjection"]

#: The regions the table projects by default: every commercial region.
COMMERCIAL_REGIONS: Final = (
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
)

#: ``AuditQueries``' default first projected day.
DEFAULT_PROJECTION_START: Final = "2024/01/01"


class AccountProjection(enum.Enum):
    """How the table projects the ``account`` partition."""

    #: The accounts are listed in the table; queries may read all of them. For a few dozen
    #: accounts at most (AWS's advice for enum projections).
    ENUM = "enum"
    #: Nothing is listed; every query names one account (``account = ?``). For any number.
    INJECTED = "injected"


@dataclass(frozen=True)
class TableProjection:
    """The partitions a table's projection covers (``AuditQueries.projection``).

    Parameters
    ----------
    start_day:
        First projected day, ``yyyy/MM/dd``. Default: ``"2024/01/01"``.
    regions:
        The projected regions. Default: every commercial region.
    accounts:
        The projected accounts; ``None``: any account (an ``injected`` projection, or accounts
        not known). Default: - any account.
    account_projection:
        How the account is projected. Default: ``AccountProjection.ENUM``.
    """

    start_day: str = DEFAULT_PROJECTION_START
    regions: tuple[str, ...] = COMMERCIAL_REGIONS
    accounts: tuple[str, ...] | None = None
    account_projection: AccountProjection = AccountProjection.ENUM
    _regions: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regions", frozenset(self.regions))

    def outside(self, *, account: str, region: str, day: str) -> str | None:
        """Why Athena would not read the partition ``account``/``region``/``day``, or ``None``."""
        if day < self.start_day:
            return f"day {day} is before projection_start {self.start_day}"
        if region not in self._regions:
            return f"region {region} is not projected"
        if self.accounts is not None and account not in self.accounts:
            return f"account {account} is not projected"
        return None
