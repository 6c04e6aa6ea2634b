"""Helpers shared by the tests of the logs area: find resources and key-policy statements."""

from __future__ import annotations

import json
from typing import Any

from tests.support.harness import Synthesized

LOGS_ARN_FOR_ACCOUNT = "arn:aws:logs:eu-west-1:123456789012:log-group:*"


def resource(synthesized: Synthesized, stack: str, type_: str, path_part: str) -> dict[str, Any]:
    """The one resource of ``type_`` whose logical id is ``path_part`` plus CDK's 8-char hash."""
    found = {
        logical_id: resource
        for logical_id, resource in synthesized.resources(type_, stack).items()
        if logical_id[:-8] == path_part
    }
    assert len(found) == 1, f"{path_part}: {sorted(found)}"
    return next(iter(found.values()))


def logs_statements(key: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements of a key policy that let CloudWatch Logs use the key."""
    return [
        statement
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        if "kms:EncryptionContext:aws:logs:arn" in json.dumps(statement.get("Condition", {}))
    ]
