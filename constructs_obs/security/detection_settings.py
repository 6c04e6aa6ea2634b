"""DetectionSettings: the values of the user's that some catalogue patterns need.

A catalogue pattern holds a ``Setting`` where such a value goes; :func:`resolve_pattern` puts
the user's value there when a construct builds the rule:

* ``instance_egress``: the addresses the account's instances call AWS from (NAT gateways'
  and instances' public IPs). EventBridge's ``anything-but`` takes no ``cidr``, so they are
  written as exact addresses or ``*`` wildcards; a CIDR block on an octet boundary
  (``203.0.113.0/24``) is turned into the wildcard ``203.0.113.*``. Calls from AWS services
  (``*.amazonaws.com``, ``AWS Internal``) are never "outside".
* ``bedrock_principals``: who may invoke Bedrock models, as ARN wildcards
  (``arn:aws:sts::111122223333:assumed-role/ChatApp/*``).
* ``unusual_instance_types``: instance type prefixes (``p``, ``g``, ``x``, ...).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from constructs_obs.private.validate import Check
from constructs_obs.security.detection_spec import Setting

__all__ = [
    "AWS_SOURCE_ADDRESSES",
    "DEFAULT_UNUSUAL_INSTANCE_TYPES",
    "DetectionSettings",
    "check_settings",
    "resolve_pattern",
]

#: GPU, accelerator, FPGA and large-memory families: p*, g*, x*, inf*, trn*, dl*, f*.
DEFAULT_UNUSUAL_INSTANCE_TYPES: Final = ("p", "g", "x", "inf", "trn", "dl", "f")
#: What CloudTrail writes as ``sourceIPAddress`` for calls that AWS services make.
AWS_SOURCE_ADDRESSES: Final = ("*.amazonaws.com", "AWS Internal")
_MAX_VALUES: Final = 20
_INSTANCE_PREFIX: Final = re.compile(r"^[a-z][a-z0-9-]{0,15}$")
_ARN_WILDCARD: Final = re.compile(r"^arn:[^\s]{1,2000}$")


@dataclass(frozen=True)
class DetectionSettings:
    """Values some detections need (each detection names its own in the README table).

    Parameters
    ----------
    instance_egress_addresses:
        The public addresses the account's instances call AWS from: IPv4/IPv6 addresses,
        IPv4 CIDR blocks on an octet boundary (/8, /16, /24, /32), or wildcards such as
        ``203.0.113.*``; at most 20. Default: none, and the detection of instance
        credentials used outside (``INSTANCE_CREDENTIALS_OUTSIDE``) is left out.
    bedrock_principals:
        ARNs (``*`` wildcards allowed) of the principals allowed to invoke Bedrock models;
        at most 20. Default: none, and ``BEDROCK_UNUSUAL_PRINCIPAL`` is left out.
    unusual_instance_types:
        Instance type prefixes whose launch is reported. Default:
        ``DEFAULT_UNUSUAL_INSTANCE_TYPES`` (GPU, accelerator, FPGA and large-memory families).
    """

    instance_egress_addresses: Sequence[str] = ()
    bedrock_principals: Sequence[str] = ()
    unusual_instance_types: Sequence[str] = DEFAULT_UNUSUAL_INSTANCE_TYPES

    def has(self, field_name: str) -> bool:
        """Whether the setting a detection requires is given."""
        return bool(getattr(self, field_name))


def _address_wildcard(check: Check, text: object) -> str:
    parameter = "settings.instance_egress_addresses"
    if not isinstance(text, str) or not text:
        check.fail(parameter, f"expected an IP address, CIDR block or wildcard, got {text!r}")
    if "*" in text:
        if "**" in text or not re.fullmatch(r"[0-9a-fA-F.:*]+", text):
            check.fail(parameter, f"{text!r}: a wildcard is digits, '.', ':' and single '*'")
        return text
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError:
        check.fail(parameter, f"{text!r} is not an IP address or a CIDR block without host bits")
    if network.num_addresses == 1:
        return str(network.network_address)
    if network.prefixlen == 0:
        check.fail(
            parameter,
            f"{text!r} covers every address: the rule would exclude nothing it can tell apart; "
            "give the instances' egress addresses or blocks (/8, /16, /24)",
        )
    if network.version == 6 or network.prefixlen % 8:
        check.fail(
            parameter,
            f"{text!r}: EventBridge cannot exclude a CIDR block; give IPv4 blocks on an octet "
            "boundary (/8, /16, /24) or the addresses themselves",
        )
    octets = str(network.network_address).split(".")[: network.prefixlen // 8]
    return ".".join(octets) + ".*"


def _check_list(check: Check, parameter: str, values: object) -> list[Any]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        check.fail(parameter, f"expected a list of strings, got {values!r}")
    if len(values) > _MAX_VALUES:
        check.fail(parameter, f"{len(values)} values; at most {_MAX_VALUES} keep the rule small")
    return list(values)


def check_settings(check: Check, settings: object) -> DetectionSettings:
    """``settings`` validated (a ``DetectionSettings``; None gives the defaults)."""
    if settings is None:
        return DetectionSettings()
    if not isinstance(settings, DetectionSettings):
        check.fail("settings", f"expected DetectionSettings, got {type(settings).__name__}")
    for address in _check_list(
        check, "settings.instance_egress_addresses", settings.instance_egress_addresses
    ):
        _address_wildcard(check, address)
    for arn in _check_list(check, "settings.bedrock_principals", settings.bedrock_principals):
        if not isinstance(arn, str) or not _ARN_WILDCARD.match(arn) or "**" in arn:
            check.fail(
                "settings.bedrock_principals",
                f"{arn!r} is not an ARN (wildcards: single '*', e.g. "
                "'arn:aws:sts::111122223333:assumed-role/ChatApp/*')",
            )
    types = _check_list(check, "settings.unusual_instance_types", settings.unusual_instance_types)
    for prefix in types:
        if not isinstance(prefix, str) or not _INSTANCE_PREFIX.match(prefix):
            check.fail(
                "settings.unusual_instance_types",
                f"{prefix!r} is not an instance type prefix (lower-case, such as 'p' or 'g5')",
            )
    return settings


def _value(setting: Setting, settings: DetectionSettings, check: Check) -> list[Any]:
    if setting.name == "instance_egress":
        addresses = [_address_wildcard(check, a) for a in settings.instance_egress_addresses]
        return [{"anything-but": {"wildcard": [*AWS_SOURCE_ADDRESSES, *addresses]}}]
    if setting.name == "bedrock_principals":
        return [{"anything-but": {"wildcard": list(settings.bedrock_principals)}}]
    if setting.name == "unusual_instance_types":
        return [{"prefix": prefix} for prefix in settings.unusual_instance_types]
    raise KeyError(f"no setting {setting.name!r}")


def resolve_pattern(pattern: Any, settings: DetectionSettings, check: Check) -> Any:
    """``pattern`` with every ``Setting`` replaced by the user's value."""
    if isinstance(pattern, Setting):
        return _value(pattern, settings, check)
    if isinstance(pattern, dict):
        return {key: resolve_pattern(value, settings, check) for key, value in pattern.items()}
    if isinstance(pattern, list):
        return [resolve_pattern(item, settings, check) for item in pattern]
    return pattern
