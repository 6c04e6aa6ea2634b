"""Fixtures for Lambda handler tests: a fake AWS environment served by moto.

Two costs are paid once per test process rather than once per test (they were most of each
test's time): moto's EC2 backend, created afresh in every ``mock_aws()``, registers the AMIs it
knows (thousands, with a snapshot and a volume each) unless ``MOTO_AMIS_PATH`` names the ones to
register; and every botocore session (``mock_aws()`` starts boto3's default session afresh, so
each test has new ones) reads and parses the JSON service models of each client it creates,
unless its data loader is one it shares.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest

# moto reads the variable when its EC2 models are imported (on the first mock_aws() use): the
# one AMI the tests launch instances from (moto_resources.MOTO_IMAGE_ID), as moto describes it.
os.environ.setdefault(
    "MOTO_AMIS_PATH", str(Path(__file__).resolve().parents[1] / "fixtures" / "moto_amis.json")
)

from moto import mock_aws  # (after MOTO_AMIS_PATH, as moto asks)

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


# A test's boto3 clients, by service, on the test's default session (mock_aws() starts a new
# one for each test, so a test never sees another test's clients).
_CLIENTS: weakref.WeakKeyDictionary[boto3.session.Session, dict[str, Any]] = (
    weakref.WeakKeyDictionary()
)


def aws_client(service: str) -> Any:
    """boto3's client of ``service`` in ``REGION``, created once per test (a client costs
    tens of milliseconds to build, an EC2 one hundreds)."""
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    session = boto3.DEFAULT_SESSION
    assert session is not None
    clients = _CLIENTS.setdefault(session, {})
    if service not in clients:
        clients[service] = session.client(service, region_name=REGION)
    return clients[service]


@pytest.fixture(scope="session", autouse=True)
def shared_botocore_loader() -> Iterator[None]:
    """Every botocore session of the test process reads service models through one loader
    per data path (the models are read-only data; moto's state lives in its backends, which
    ``mock_aws()`` still resets for each test)."""
    loaders: dict[str | None, botocore.loaders.Loader] = {}
    create = botocore.loaders.create_loader

    def shared(search_path_string: str | None = None) -> botocore.loaders.Loader:
        if search_path_string not in loaders:
            loaders[search_path_string] = create(search_path_string)
        return loaders[search_path_string]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", shared)
        yield


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
