"""Shared test data: the real CloudTrail samples, record mutation, and the CIS patterns."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from constructs_obs.detections import load_records

FIXTURES: Final = Path(__file__).resolve().parents[1] / "fixtures" / "cloudtrail"

#: Sample file prefix -> file name, as copied from /work/shared/data/cloudtrail-samples.
SAMPLE_FILES: Final = {path.name[:2]: path.name for path in sorted(FIXTURES.glob("*.json"))}

_DELETE: Final = object()


def sample(prefix: str) -> dict[str, Any]:
    """A fresh copy of one sample record, by its file prefix ("01" ... "10")."""
    return load_records(FIXTURES / SAMPLE_FILES[prefix])[0]


def delete() -> object:
    """A marker for :func:`changed`: remove this field."""
    return _DELETE


def changed(record: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``record`` with dotted paths set (or removed with :func:`delete`).

    Missing parents are created; a change under a parent that is not an object is skipped.
    """
    result: dict[str, Any] = copy.deepcopy(dict(record))
    for path, value in changes.items():
        *parents, last = path.split(".")
        target: Any = result
        for name in parents:
            target = target.setdefault(name, {}) if isinstance(target, dict) else None
        if not isinstance(target, dict):
            continue
        if value is _DELETE:
            target.pop(last, None)
        else:
            target[last] = copy.deepcopy(value)
    return result


def api_call(source: str, name: str, **changes: Any) -> dict[str, Any]:
    """The IAM CreateUser sample turned into another API call of another service."""
    return changed(
        sample("06"),
        {
            "eventSource": f"{source}.amazonaws.com",
            "eventName": name,
            "eventType": "AwsApiCall",
            **{key.replace("__", "."): value for key, value in changes.items()},
        },
    )


# Verbatim from the AWS Security Hub user guide, "Amazon CloudWatch controls", and the CIS
# benchmark: one copy for the whole suite, in tests/fixtures/security_hub_patterns.json.
_PATTERNS: Final[dict[str, str]] = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "security_hub_patterns.json").read_text()
)["patterns"]
SECURITY_HUB: Final = {k: v for k, v in _PATTERNS.items() if k.startswith("CloudWatch.")}
CIS_VARIANTS: Final = {
    "CIS5.0-4.1": _PATTERNS["CIS5.0-4.1"],
    "CIS3.0-4.2": _PATTERNS["CIS3.0-4.2 (short)"],
    "CIS5.0-4.10": _PATTERNS["CIS5.0-4.10"],
    "CIS3.0-4.15": _PATTERNS["CIS3.0-4.15 orgs"],
}

#: The unauthorized-API-calls pattern with every term joined by ``||`` (the CIS v3.0 4.1
#: pitfall): the two ``!=`` terms alone are true for nearly every record.
CIS_ALL_OR_UNAUTHORIZED: Final = (
    '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") || '
    '($.sourceIPAddress != "delivery.logs.amazonaws.com") || ($.eventName != "HeadBucket") }'
)
