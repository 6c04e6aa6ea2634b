"""SamplingRule: an X-Ray sampling rule, checked against X-Ray's limits at construct time.

A service's SDK (or the collector's sampling proxy) evaluates the account's rules by ascending
``priority``; the first rule that matches a request decides: ``reservoir_size`` requests per
second are traced across all instances, then ``fixed_rate`` of the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, TypedDict

from aws_cdk import aws_xray as xray
from constructs import Construct

from constructs_obs.private.names import register_name
from constructs_obs.private.stack_limits import watch_stack_limits
from constructs_obs.private.validate import Check, is_token

__all__ = ["MAX_RULE_NAME_LENGTH", "NAME_PATTERN", "SamplingRule"]

MAX_RULE_NAME_LENGTH: Final = 32
# X-Ray allows 1 to 32 characters; letters, digits, '_', '.', '-' are safe everywhere the name
# shows up (console, CLI, ARNs).
NAME_PATTERN: Final = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
RESERVED_NAME: Final = "Default"
_MAX_ATTRIBUTES: Final = 5

# X-Ray's limits for the matching fields (SamplingRule in the X-Ray API reference).
_FIELD_LIMITS: Final = {
    "service_name": 64,
    "service_type": 64,
    "host": 64,
    "http_method": 10,
    "url_path": 128,
    "resource_arn": 500,
}


class SamplingRule(Construct):
    """An X-Ray sampling rule.

    Parameters
    ----------
    service_name:
        Matches the service name in segments (``*`` and ``?`` wildcards allowed); at most 64
        characters. FargateTracing's ``service_name`` is what your service reports.
    fixed_rate:
        The share of matching requests traced once the reservoir is used up, in [0, 1].
    reservoir_size:
        Matching requests per second traced before ``fixed_rate`` applies (shared by all
        instances of the service); an integer >= 0.
    priority:
        1 (evaluated first) to 9999. X-Ray's built-in ``Default`` rule comes last.
    url_path / host / http_method / service_type / resource_arn:
        Further matchers (wildcards allowed). Default: ``*`` (match everything).
    attributes:
        Up to 5 segment attributes to match (keys and values 1 to 32 characters).
        Default: none.
    rule_name:
        Unique per account and region; at most 32 characters (letters, digits, ``_``, ``.``,
        ``-``), not ``Default``. Default: the construct id.

    Attributes
    ----------
    rule:
        The ``AWS::XRay::SamplingRule`` resource.
    rule_name / rule_arn:
        The rule's name and ARN.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        service_name: str,
        fixed_rate: float,
        reservoir_size: int,
        priority: int,
        url_path: str = "*",
        host: str = "*",
        http_method: str = "*",
        service_type: str = "*",
        resource_arn: str = "*",
        attributes: Mapping[str, str] | None = None,
        rule_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        watch_stack_limits(self)
        check = Check("SamplingRule", id)
        name = check_xray_name(check, "rule_name", rule_name if rule_name is not None else id)
        rate = _check_sampling(check, fixed_rate, reservoir_size, priority)
        matchers = _check_matchers(
            check,
            _Matchers(
                service_name=service_name,
                service_type=service_type,
                host=host,
                http_method=http_method,
                url_path=url_path,
                resource_arn=resource_arn,
            ),
        )
        matched = _check_attributes(check, attributes)
        register_name(self, check, kind="sampling rule", parameter="rule_name", name=name)

        self.rule = xray.CfnSamplingRule(
            self,
            "Resource",
            sampling_rule=xray.CfnSamplingRule.SamplingRuleProperty(
                rule_name=name,
                fixed_rate=rate,
                reservoir_size=reservoir_size,
                priority=priority,
                attributes=matched or None,
                version=1,
                **matchers,
            ),
        )
        self.rule_name = name
        self.rule_arn = self.rule.attr_rule_arn


class _Matchers(TypedDict):
    """The request fields a rule matches (wildcards allowed)."""

    service_name: str
    service_type: str
    host: str
    http_method: str
    url_path: str
    resource_arn: str


def _check_sampling(check: Check, fixed_rate: float, reservoir_size: int, priority: int) -> float:
    """The rate (a share in [0, 1]), the reservoir and the priority X-Ray accepts."""
    rate = check.finite("fixed_rate", fixed_rate)
    if not 0 <= rate <= 1:
        check.fail(
            "fixed_rate",
            f"{fixed_rate} is not a share of requests; it must be between 0 and 1 "
            "(e.g. 0.05 for 5 %)",
        )
    check.integer("reservoir_size", reservoir_size, minimum=0)
    check.integer("priority", priority, minimum=1, maximum=9999)
    return rate


def _check_matchers(check: Check, matchers: _Matchers) -> _Matchers:
    """Each matcher within X-Ray's length limit for its field."""
    for parameter, value in matchers.items():
        check.text(parameter, value, max_length=_FIELD_LIMITS[parameter])
    return matchers


def _check_attributes(check: Check, attributes: Mapping[str, str] | None) -> dict[str, str]:
    """At most 5 attributes, keys and values 1 to 32 characters."""
    if attributes is not None and not isinstance(attributes, Mapping):
        check.fail("attributes", f"expected a mapping of str -> str, got {attributes!r}")
    matched = dict(attributes or {})
    if len(matched) > _MAX_ATTRIBUTES:
        check.fail(
            "attributes",
            f"X-Ray matches at most {_MAX_ATTRIBUTES} attributes, got {len(matched)}",
        )
    for key, value in matched.items():
        check.text("attributes", key, max_length=32)
        check.text("attributes", value, max_length=32)
    return matched


def check_xray_name(check: Check, parameter: str, name: str) -> str:
    """A sampling rule or group name X-Ray accepts: 1 to 32 characters, not ``Default``."""
    check.text(
        parameter,
        name,
        max_length=MAX_RULE_NAME_LENGTH,
        pattern=NAME_PATTERN,
        pattern_doc="must start with a letter or digit and contain only letters, digits, '_', "
        "'.' and '-'",
    )
    if not is_token(name) and name == RESERVED_NAME:
        check.fail(parameter, f"{RESERVED_NAME!r} is reserved by X-Ray; choose another name")
    return name
