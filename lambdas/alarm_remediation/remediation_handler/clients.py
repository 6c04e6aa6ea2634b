"""The boto3 clients the handler calls AWS with, one per service, created on first use.

Every call has standard retries and short timeouts: the function's timeout must cover a few
attempts of each call. A client is created only when a stage needs it, so a dry run creates
only the CloudWatch client that verification reads the alarm with, and no acting client.
"""

from __future__ import annotations

from typing import Any, Final

import boto3
from botocore.config import Config

BOTO_CONFIG: Final = Config(
    retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=15
)

_CLIENTS: dict[str, Any] = {}


def client(service_name: str) -> Any:
    """The client of one service, created on first use and reused across invocations."""
    found = _CLIENTS.get(service_name)
    if found is None:
        found = _CLIENTS[service_name] = boto3.client(service_name, config=BOTO_CONFIG)
    return found
