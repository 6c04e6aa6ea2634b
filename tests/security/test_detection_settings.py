"""DetectionSettings: the user's values, checked, and written into the patterns' places."""

from __future__ import annotations

import pytest

from constructs_obs import DetectionSettings, InvalidParameterError
from constructs_obs.detections import compile_event_pattern
from constructs_obs.private.validate import Check
from constructs_obs.security.detection_settings import (
    DEFAULT_UNUSUAL_INSTANCE_TYPES,
    check_settings,
    resolve_pattern,
)
from constructs_obs.security.detection_spec import Setting

CHECK = Check("test", "settings")


def test_defaults_need_nothing_and_name_the_expensive_families() -> None:
    settings = check_settings(CHECK, None)
    assert settings == DetectionSettings()
    assert not settings.has("bedrock_principals")
    assert not settings.has("instance_egress_addresses")
    assert settings.has("unusual_instance_types")
    assert DEFAULT_UNUSUAL_INSTANCE_TYPES == ("p", "g", "x", "inf", "trn", "dl", "f")


@pytest.mark.parametrize(
    ("given", "wildcard"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("198.51.100.7/32", "198.51.100.7"),
        ("203.0.113.0/24", "203.0.113.*"),
        ("10.1.0.0/16", "10.1.*"),
        ("2001:db8::5", "2001:db8::5"),
        ("203.0.113.*", "203.0.113.*"),
    ],
    ids=["address", "slash-32", "slash-24", "slash-16", "ipv6", "wildcard"],
)
def test_egress_addresses_become_wildcards(given: str, wildcard: str) -> None:
    settings = DetectionSettings(instance_egress_addresses=[given])
    pattern = resolve_pattern({"sourceIPAddress": Setting("instance_egress")}, settings, CHECK)
    assert pattern == {
        "sourceIPAddress": [
            {"anything-but": {"wildcard": ["*.amazonaws.com", "AWS Internal", wildcard]}}
        ]
    }
    # AND EventBridge's syntax holds: an address inside the block is excluded
    compiled = compile_event_pattern({"detail": pattern})
    inside = wildcard.replace("*", "7")
    assert not compiled.matches({"detail": {"sourceIPAddress": inside}})
    assert compiled.matches({"detail": {"sourceIPAddress": "192.0.2.1"}})
    assert not compiled.matches({"detail": {"sourceIPAddress": "ssm.amazonaws.com"}})


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("203.0.112.0/20", "EventBridge cannot exclude a CIDR block"),
        ("2001:db8::/32", "EventBridge cannot exclude a CIDR block"),
        ("203.0.113.**", "a wildcard is digits, '.', ':' and single '\\*'"),
        ("example.com", "is not an IP address or a CIDR block"),
        ("", "expected an IP address, CIDR block or wildcard"),
        ("0.0.0.0/0", "covers every address"),
    ],
    ids=["not-octet", "ipv6-block", "double-star", "name", "empty", "everything"],
)
def test_egress_addresses_eventbridge_cannot_express_are_refused(given: str, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        check_settings(CHECK, DetectionSettings(instance_egress_addresses=[given]))


def test_instance_types_become_prefixes_and_principals_an_exclusion() -> None:
    settings = DetectionSettings(unusual_instance_types=["p5"], bedrock_principals=["arn:aws:*"])
    pattern = {"a": Setting("unusual_instance_types"), "b": [Setting("bedrock_principals")]}
    assert resolve_pattern(pattern, settings, CHECK) == {
        "a": [{"prefix": "p5"}],
        "b": [[{"anything-but": {"wildcard": ["arn:aws:*"]}}]],
    }
    with pytest.raises(KeyError, match="no setting 'unknown'"):
        resolve_pattern(Setting("unknown"), settings, CHECK)
