"""Shared by the event-pattern tests: the guide's EC2 event, one-shot matching, path errors."""

from __future__ import annotations

from typing import Any

import pytest

from constructs_obs.detections import EventPatternSyntaxError, compile_event_pattern
from constructs_obs.errors import ConstructsObsError

# The EC2 example event of the EventBridge user guide, with a few more fields.
EVENT: dict[str, Any] = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {
        "instance-id": "i-1234567890abcdef0",
        "state": "terminated",
        "c-count": 5,
        "d-count": 3,
        "x-limit": 301.8,
        "source-ip": "10.0.0.33",
        "source-ipv6": "2001:db8::17",
        "tags": ["Custom_Alert", "Insider"],
        "eventVersion": "",
        "responseElements": None,
        "isDefault": False,
        "path": "C:\\logs\\*.txt",
        "employees": [
            {"firstName": "John", "lastName": "Doe"},
            {"firstName": "Anna", "lastName": "Smith"},
            [{"firstName": "Peter", "lastName": "Jones"}],
        ],
        "empty": [],
        "nested": {"inner": {"leaf": "x"}},
    },
}


def matches(pattern: dict[str, Any], event: dict[str, Any] = EVENT) -> bool:
    return compile_event_pattern(pattern).matches(event)


def detail(**fields: Any) -> dict[str, Any]:
    return {"detail": fields}


def assert_invalid(pattern: Any, path: str, problem: str) -> None:
    """Compiling fails with ``problem``, naming the ``path`` of the bad part."""
    with pytest.raises(EventPatternSyntaxError) as raised:
        compile_event_pattern(pattern)
    assert raised.value.path == path
    assert problem in raised.value.problem
    assert str(raised.value).startswith(f"invalid event pattern at {path}: ")
    assert isinstance(raised.value, ConstructsObsError)
    assert isinstance(raised.value, ValueError)
