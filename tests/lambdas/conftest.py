"""Fixtures for Lambda handler tests: a fake AWS environment served by moto."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
IDEMPOTENCY_TABLE = "remediation-idempotency"

# Variables the handlers read: each test starts without them and sets what it needs.
_HANDLER_VARIABLES = (
    "REMEDIATION_ACTIONS",
    "DRY_RUN",
    "IDEMPOTENCY_TABLE",
    "NOTIFY_TOPIC_ARN",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_IDEMPOTENCY_DISABLED",
    "AWS_PROFILE",
    "AWS_LAMBDA_FUNCTION_NAME",
    "LAMBDA_TASK_ROOT",
)


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, tracing off, and no leftover handler settings."""
    for name in _HANDLER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")


@pytest.fixture
def aws() -> Iterator[Any]:
    """Every AWS call in the test is served by moto; yields a boto3 session for set-up."""
    with mock_aws():
        yield boto3.session.Session(region_name=REGION)


@pytest.fixture
def idempotency_table(aws: Any) -> str:
    """The Powertools idempotency table, as the construct creates it (key ``id``, TTL)."""
    dynamodb = aws.client("dynamodb")
    dynamodb.create_table(
        TableName=IDEMPOTENCY_TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName=IDEMPOTENCY_TABLE,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"},
    )
    return IDEMPOTENCY_TABLE
