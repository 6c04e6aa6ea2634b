"""X-Ray encryption custom resource handler, deployed by the ``XRayEncryption`` construct.

X-Ray has no CloudFormation resource for its encryption configuration (one per account and
region), so CloudFormation sends this function the lifecycle events of a
``Custom::XRayEncryptionConfig`` resource:

* Create / Update: ``PutEncryptionConfig(Type="KMS", KeyId=<KeyId>)``.
* Delete: when ``ResetOnDelete`` is ``"true"`` and X-Ray still uses ``KeyId``, back to X-Ray's
  default encryption (``Type="NONE"``); a key someone configured since is left alone.

Resource properties
-------------------
KeyId : str
    The ARN of the symmetric KMS key X-Ray encrypts traces with.
ResetOnDelete : str
    ``"true"`` (default) or ``"false"``.

The function always answers CloudFormation through the pre-signed ``ResponseURL``: a failed
change becomes a ``FAILED`` response naming the log stream instead of an exception, which would
leave the stack waiting an hour for an answer. Only a failure to deliver the answer itself
raises, so that Lambda retries the event (then parks it in the dead-letter queue). It imports
only the standard library and boto3.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Mapping
from typing import Any, Final

import boto3

PHYSICAL_RESOURCE_ID: Final = "xray-encryption-config"
RESPONSE_TIMEOUT_SECONDS: Final = 30
_MAX_REASON_CHARS: Final = 1000

logger = logging.getLogger()
logger.setLevel(logging.INFO)


class InvalidEventError(ValueError):
    """The CloudFormation event lacks something this resource needs."""


def xray_client() -> Any:
    """The X-Ray client (a function, so that tests can hand in a stubbed one)."""
    return boto3.client("xray")


def key_id_of(key: str) -> str:
    """The key id part of a key ARN (``arn:...:key/<id>``), or ``key`` itself."""
    return key.rsplit("key/", 1)[-1] if ":key/" in key else key


def same_key(configured: str | None, ours: str) -> bool:
    """Whether X-Ray's configured ``KeyId`` (an id or an ARN) designates ``ours``."""
    if not configured:
        return False
    return configured == ours or key_id_of(configured) == key_id_of(ours)


def _properties(event: Mapping[str, Any]) -> tuple[str, bool]:
    properties = event.get("ResourceProperties")
    if not isinstance(properties, Mapping):
        raise InvalidEventError("the event has no ResourceProperties")
    key = properties.get("KeyId")
    if not isinstance(key, str) or not key:
        raise InvalidEventError("ResourceProperties.KeyId must be a KMS key ARN")
    reset = str(properties.get("ResetOnDelete", "true")).lower()
    if reset not in {"true", "false"}:
        raise InvalidEventError(f"ResourceProperties.ResetOnDelete must be true or false: {reset}")
    return key, reset == "true"


def handle(event: Mapping[str, Any]) -> dict[str, str]:
    """Apply one lifecycle event; returns the resource's attributes (``Fn::GetAtt``)."""
    request_type = event.get("RequestType")
    key, reset_on_delete = _properties(event)
    client = xray_client()
    if request_type in {"Create", "Update"}:
        config = client.put_encryption_config(Type="KMS", KeyId=key)["EncryptionConfig"]
        logger.info("X-Ray now encrypts with %s (status %s)", key, config.get("Status"))
        return {
            "KeyId": str(config.get("KeyId") or key),
            "Status": str(config.get("Status", "")),
            "Type": str(config.get("Type", "KMS")),
        }
    if request_type == "Delete":
        if not reset_on_delete:
            logger.info("ResetOnDelete is false: X-Ray keeps its encryption configuration")
            return {}
        current = client.get_encryption_config()["EncryptionConfig"]
        if current.get("Type") == "KMS" and same_key(current.get("KeyId"), key):
            client.put_encryption_config(Type="NONE")
            logger.info("X-Ray is back to its default encryption")
        else:
            logger.info(
                "X-Ray uses %s %s, not %s: left as it is",
                current.get("Type"),
                current.get("KeyId"),
                key,
            )
        return {}
    raise InvalidEventError(f"unknown RequestType {request_type!r}")


def send_response(
    event: Mapping[str, Any], status: str, reason: str, data: Mapping[str, str]
) -> None:
    """PUT the answer to CloudFormation's pre-signed S3 URL."""
    url = event.get("ResponseURL")
    if not isinstance(url, str) or not url.startswith("https://"):
        logger.error("no https ResponseURL in the event; CloudFormation cannot be answered")
        return
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:_MAX_REASON_CHARS],
            "PhysicalResourceId": event.get("PhysicalResourceId") or PHYSICAL_RESOURCE_ID,
            "StackId": event.get("StackId"),
            "RequestId": event.get("RequestId"),
            "LogicalResourceId": event.get("LogicalResourceId"),
            "NoEcho": False,
            "Data": dict(data),
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 -- https checked above
        url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=RESPONSE_TIMEOUT_SECONDS) as response:  # noqa: S310
        logger.info("CloudFormation answered %s: HTTP %s", status, response.status)


def lambda_handler(event: Mapping[str, Any], context: Any) -> None:
    """Handle one CloudFormation custom resource event; see the module docstring."""
    try:
        data = handle(event)
    except Exception as error:
        logger.exception(
            "%s of the X-Ray encryption configuration failed", event.get("RequestType")
        )
        stream = getattr(context, "log_stream_name", "the function's log group")
        reason = f"{type(error).__name__}: {error} (details in log stream {stream})"
        send_response(event, "FAILED", reason, {})
        return
    send_response(event, "SUCCESS", "OK", data)
