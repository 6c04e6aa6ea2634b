"""Tests for the X-Ray encryption custom resource handler (lambdas/xray_encryption/index.py).

moto does not implement X-Ray's encryption configuration, so the X-Ray client is a real boto3
client with botocore's Stubber: each test declares the exact calls (and parameters) it expects,
and an unexpected call fails the test. CloudFormation's response URL is replaced by a recorder.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from lambdas.xray_encryption import index
from tests.lambdas.conftest import REGION

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/99999999-12ab-34cd-56ef-1234567890ab"
RESPONSE_URL = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/r?sig=x"


@dataclass
class Answers:
    """What the handler PUT to CloudFormation's response URL."""

    requests: list[Any] = field(default_factory=list)

    @property
    def only(self) -> dict[str, Any]:
        assert len(self.requests) == 1, f"expected one answer, got {len(self.requests)}"
        body: dict[str, Any] = json.loads(self.requests[0].data)
        return body


class _Response:
    status = 200

    def __enter__(self) -> _Response:
        return self

    def __exit__(self, *args: object) -> None:
        return None


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    recorded = Answers()

    def urlopen(request: Any, timeout: float) -> _Response:
        assert timeout == index.RESPONSE_TIMEOUT_SECONDS
        recorded.requests.append(request)
        return _Response()

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    return recorded


@pytest.fixture
def xray(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    client = boto3.client("xray", region_name=REGION)
    with Stubber(client) as stubber:
        monkeypatch.setattr(index, "xray_client", lambda: client)
        yield stubber
        stubber.assert_no_pending_responses()


class _Context:
    log_stream_name = "2026/08/01/[$LATEST]abc"


def event(request_type: str, **properties: str) -> dict[str, Any]:
    resource_properties: dict[str, str] = {"ServiceToken": "arn:fn", "KeyId": KEY_ARN}
    resource_properties.update(properties)
    built: dict[str, Any] = {
        "RequestType": request_type,
        "ResponseURL": RESPONSE_URL,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/Tracing/guid",
        "RequestId": "request-1",
        "LogicalResourceId": "XRayEncryption",
        "ResourceType": "Custom::XRayEncryptionConfig",
        "ResourceProperties": resource_properties,
    }
    if request_type != "Create":
        built["PhysicalResourceId"] = index.PHYSICAL_RESOURCE_ID
    return built


def _config(key: str | None, kind: str = "KMS", status: str = "ACTIVE") -> dict[str, Any]:
    config: dict[str, str] = {"Type": kind, "Status": status}
    if key is not None:
        config["KeyId"] = key
    return {"EncryptionConfig": config}


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_create_and_update_point_xray_at_the_key(
    xray: Stubber, answers: Answers, request_type: str
) -> None:
    # GIVEN X-Ray accepts the key
    xray.add_response(
        "put_encryption_config",
        _config(KEY_ARN, status="UPDATING"),
        {"Type": "KMS", "KeyId": KEY_ARN},
    )
    # WHEN CloudFormation creates or updates the resource
    index.lambda_handler(event(request_type), _Context())
    # THEN CloudFormation hears SUCCESS with the configuration as attributes
    body = answers.only
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == index.PHYSICAL_RESOURCE_ID
    assert body["Data"] == {"KeyId": KEY_ARN, "Status": "UPDATING", "Type": "KMS"}
    assert body["RequestId"] == "request-1"
    assert body["LogicalResourceId"] == "XRayEncryption"
    request = answers.requests[0]
    assert request.get_method() == "PUT"
    assert request.full_url == RESPONSE_URL


def test_delete_resets_xray_when_it_still_uses_the_key(xray: Stubber, answers: Answers) -> None:
    xray.add_response("get_encryption_config", _config(KEY_ARN), {})
    xray.add_response("put_encryption_config", _config(None, kind="NONE"), {"Type": "NONE"})
    index.lambda_handler(event("Delete"), _Context())
    assert answers.only["Status"] == "SUCCESS"


def test_delete_recognises_the_key_by_its_id(xray: Stubber, answers: Answers) -> None:
    # X-Ray may report the key by id rather than by ARN
    xray.add_response("get_encryption_config", _config(index.key_id_of(KEY_ARN)), {})
    xray.add_response("put_encryption_config", _config(None, kind="NONE"), {"Type": "NONE"})
    index.lambda_handler(event("Delete"), _Context())
    assert answers.only["Status"] == "SUCCESS"


@pytest.mark.parametrize(
    "current",
    [_config(OTHER_KEY_ARN), _config(None, kind="NONE")],
    ids=["another key", "default encryption"],
)
def test_delete_leaves_a_configuration_someone_else_set(
    xray: Stubber, answers: Answers, current: dict[str, Any]
) -> None:
    # GIVEN someone pointed X-Ray elsewhere since: only the read is expected, no put
    xray.add_response("get_encryption_config", current, {})
    index.lambda_handler(event("Delete"), _Context())
    assert answers.only["Status"] == "SUCCESS"


@pytest.mark.usefixtures("xray")  # no response queued: any X-Ray call fails the test
def test_delete_without_reset_calls_nothing(answers: Answers) -> None:
    index.lambda_handler(event("Delete", ResetOnDelete="false"), _Context())
    assert answers.only["Status"] == "SUCCESS"


def test_an_api_error_is_answered_as_failed_not_raised(xray: Stubber, answers: Answers) -> None:
    # GIVEN X-Ray refuses the key (e.g. the role may not create a grant on it)
    xray.add_client_error(
        "put_encryption_config",
        service_error_code="InvalidRequestException",
        service_message="The KMS key is not accessible",
        expected_params={"Type": "KMS", "KeyId": KEY_ARN},
    )
    # WHEN CloudFormation creates the resource, THEN the handler does not raise
    index.lambda_handler(event("Create"), _Context())
    body = answers.only
    assert body["Status"] == "FAILED"
    assert "The KMS key is not accessible" in body["Reason"]
    assert "2026/08/01/[$LATEST]abc" in body["Reason"]
    assert body["PhysicalResourceId"] == index.PHYSICAL_RESOURCE_ID


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ({"RequestType": "Rename"}, "unknown RequestType 'Rename'"),
        ({"ResourceProperties": {"KeyId": ""}}, "KeyId must be a KMS key ARN"),
        ({"ResourceProperties": None}, "no ResourceProperties"),
        (
            {"ResourceProperties": {"KeyId": KEY_ARN, "ResetOnDelete": "maybe"}},
            "ResetOnDelete must be true or false",
        ),
    ],
)
@pytest.mark.usefixtures("xray")
def test_malformed_events_fail_with_a_reason(
    answers: Answers, broken: dict[str, Any], expected: str
) -> None:
    malformed = event("Create")
    malformed.update(broken)
    index.lambda_handler(malformed, _Context())
    body = answers.only
    assert body["Status"] == "FAILED"
    assert expected in body["Reason"]


def test_no_answer_is_sent_to_a_url_that_is_not_https(xray: Stubber, answers: Answers) -> None:
    xray.add_response("put_encryption_config", _config(KEY_ARN), {"Type": "KMS", "KeyId": KEY_ARN})
    insecure = event("Create")
    insecure["ResponseURL"] = "http://example.com/response"
    index.lambda_handler(insecure, _Context())
    assert answers.requests == []


def test_the_reason_is_truncated_for_cloudformation(xray: Stubber, answers: Answers) -> None:
    xray.add_client_error(
        "put_encryption_config",
        service_error_code="InvalidRequestException",
        service_message="x" * 5000,
    )
    index.lambda_handler(event("Create"), _Context())
    assert len(answers.only["Reason"]) == 1000


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        (KEY_ARN, True),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", True),
        (OTHER_KEY_ARN, False),
        (None, False),
        ("", False),
    ],
)
def test_same_key(configured: str | None, expected: bool) -> None:
    assert index.same_key(configured, KEY_ARN) is expected
