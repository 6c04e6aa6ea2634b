"""TableProjection: which partitions Athena reads, as the local engine checks them."""

from __future__ import annotations

import pytest

from constructs_obs.audit import COMMERCIAL_REGIONS, AccountProjection, TableProjection


def test_the_defaults_are_audit_queries_defaults() -> None:
    projection = TableProjection()
    assert projection.start_day == "2024/01/01"
    assert projection.regions == COMMERCIAL_REGIONS
    assert projection.accounts is None
    assert projection.account_projection is AccountProjection.ENUM
    assert len(COMMERCIAL_REGIONS) == 34


@pytest.mark.parametrize(
    ("account", "region", "day", "reason"),
    [
        ("111122223333", "eu-west-1", "2025/01/01", None),
        ("111122223333", "eu-west-1", "2024/12/31", "day 2024/12/31 is before projection_start"),
        ("111122223333", "us-east-1", "2025/01/01", "region us-east-1 is not projected"),
        ("444455556666", "eu-west-1", "2025/01/01", "account 444455556666 is not projected"),
    ],
)
def test_outside_names_why_athena_would_not_read_a_partition(
    account: str, region: str, day: str, reason: str | None
) -> None:
    projection = TableProjection(
        start_day="2025/01/01", regions=("eu-west-1",), accounts=("111122223333",)
    )
    found = projection.outside(account=account, region=region, day=day)
    if reason is None:
        assert found is None
    else:
        assert found is not None
        assert found.startswith(reason)


def test_an_injected_projection_reads_any_account() -> None:
    projection = TableProjection(account_projection=AccountProjection.INJECTED)
    assert projection.outside(account="999999999999", region="us-east-1", day="2024/06/01") is None
