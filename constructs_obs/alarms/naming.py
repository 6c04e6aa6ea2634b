"""Alarm severities and names that say what broke, unique within an account and region.

A name reads ``<prefix>-<resource>-<signal>-<severity>``, e.g. ``shop-orders-db-cpu-critical``:
the prefix comes from the routing (or the stack name), the resource and signal from the
construct that creates the alarm. Two alarms with one name in the same account and region
would overwrite each other at deploy time; the registry here refuses the second one at
construct time instead.
"""

from __future__ import annotations

import re
import weakref
from enum import Enum
from typing import Final

from aws_cdk import Stack
from constructs import IConstruct

from constructs_obs.private.validate import Check, is_token

__all__ = [
    "MAX_ALARM_NAME_LENGTH",
    "Severity",
    "alarm_name",
    "name_part",
    "register_alarm_name",
    "register_routing_prefix",
]

MAX_ALARM_NAME_LENGTH: Final = 255
_UNSAFE = re.compile(r"[^A-Za-z0-9_.]+")


class Severity(Enum):
    """How urgent an alarm is; routing sends each severity to its own targets."""

    CRITICAL = "critical"
    WARNING = "warning"


def name_part(text: str) -> str:
    """``text`` reduced to letters, digits, ``_`` and ``.``, other runs turned into ``-``."""
    return _UNSAFE.sub("-", text).strip("-").lower()


def alarm_name(prefix: str, resource: str, signal: str, severity: Severity) -> str:
    parts = [name_part(prefix), name_part(resource), name_part(signal), severity.value]
    return "-".join(part for part in parts if part)


# Names seen per app (keyed by the root construct itself: every root has the same node
# address), per account and region.
_REGISTRY: weakref.WeakKeyDictionary[IConstruct, set[tuple[str, str, str]]] = (
    weakref.WeakKeyDictionary()
)
# Routing name prefixes per app, account and region -> the path of the routing that owns it.
_PREFIXES: weakref.WeakKeyDictionary[IConstruct, dict[tuple[str, str, str], str]] = (
    weakref.WeakKeyDictionary()
)


def register_alarm_name(scope: IConstruct, check: Check, name: str) -> str:
    """Record ``name`` for the account and region of ``scope``'s stack; a second alarm with the
    same name in the same account and region raises at construct time."""
    if len(name) > MAX_ALARM_NAME_LENGTH:
        check.fail(
            "alarm_name",
            f"{name!r} is {len(name)} characters; CloudWatch allows {MAX_ALARM_NAME_LENGTH}",
        )
    if is_token(name):
        return name
    stack = Stack.of(scope)
    key = (stack.account, stack.region, name)
    seen = _REGISTRY.setdefault(scope.node.root, set())
    if key in seen:
        check.fail(
            "alarm_name",
            f"{name!r} is already used by another alarm in this account and region; give "
            "this alarm another resource or signal name",
        )
    seen.add(key)
    return name


def release_alarm_name(scope: IConstruct, name: str) -> None:
    """Forget ``name`` (an alarm refused after its name was registered)."""
    stack = Stack.of(scope)
    _REGISTRY.get(scope.node.root, set()).discard((stack.account, stack.region, name))


def register_routing_prefix(scope: IConstruct, check: Check, prefix: str) -> str:
    """Record a routing's name prefix for the account and region of ``scope``'s stack.

    A routing recognises its alarms by ``<prefix>-*`` (Lambda permission, incident rules), so
    two routings whose prefixes overlap (``shop`` and ``shop-eu``: every ``shop-eu-...`` name
    also starts with ``shop-``) would each act on the other's alarms: the second is refused.
    """
    stack = Stack.of(scope)
    owners = _PREFIXES.setdefault(scope.node.root, {})
    for (account, region, other), path in owners.items():
        if (account, region) != (stack.account, stack.region):
            continue
        if prefix == other or prefix.startswith(f"{other}-") or other.startswith(f"{prefix}-"):
            check.fail(
                "name_prefix",
                f"{prefix!r} overlaps the prefix {other!r} of the routing {path} in this "
                "account and region (alarms named for one would match the other's "
                "'<prefix>-*'); choose prefixes where neither starts with the other plus '-'",
            )
    owners[(stack.account, stack.region, prefix)] = scope.node.path
    return prefix
