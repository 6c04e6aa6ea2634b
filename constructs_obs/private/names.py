"""Names that AWS keeps unique per account and region: refuse a second one at construct time.

Two alarms (or X-Ray sampling rules, X-Ray groups, log groups) with one name in the same
account and region would overwrite each other, or fail the second deployment with "already
exists" (CloudFormation creates a named log group with CreateLogGroup, which refuses an existing
name); the registry raises while the app is being built instead, wherever in the app (any
stack of that account and region) the first one is. Routing name prefixes are kept here too:
a routing recognises its alarms by ``<prefix>-*``, so two prefixes must not overlap.

One registry per app, keyed (weakly) by the root construct, so apps built in tests do not leak.
"""

from __future__ import annotations

import weakref
from typing import Final

from constructs import IConstruct

from constructs_obs.private.scopes import path_of, stack_facts
from constructs_obs.private.validate import Check, is_token

__all__ = [
    "MAX_ALARM_NAME_LENGTH",
    "register_alarm_name",
    "register_log_group_name",
    "register_name",
    "register_routing_prefix",
    "register_rule_name",
    "release_alarm_name",
]

MAX_ALARM_NAME_LENGTH: Final = 255

# (kind, account, region) -> {name: path of the construct that registered it}
_Names = dict[tuple[str, str, str], dict[str, str]]
_NAMES: weakref.WeakKeyDictionary[IConstruct, _Names] = weakref.WeakKeyDictionary()


def _names(scope: IConstruct, kind: str) -> dict[str, str]:
    facts = stack_facts(scope)
    per_app = _NAMES.setdefault(facts.root, {})
    return per_app.setdefault((kind, facts.account, facts.region), {})


def _claim(scope: IConstruct, kind: str, name: str) -> str | None:
    """Record ``name`` of ``kind`` for ``scope``'s account and region, or return the path of
    the construct that already holds it (and record nothing)."""
    names = _names(scope, kind)
    owner = names.get(name)
    if owner is None:
        names[name] = path_of(scope)
    return owner


def register_name(
    scope: IConstruct,
    check: Check,
    *,
    kind: str,
    parameter: str,
    name: str,
    problem: str | None = None,
) -> None:
    """Record the X-Ray ``name`` of ``kind`` (``"sampling rule"``, ``"group"``) for the account
    and region of ``scope``'s stack; ``problem`` replaces the default message for a second one."""
    if is_token(name):
        return
    if _claim(scope, f"xray {kind}", name) is not None:
        check.fail(
            parameter,
            problem
            or f"{name!r} is already used by another X-Ray {kind} in this account and region; "
            f"X-Ray {kind} names must be unique there",
        )


def register_alarm_name(scope: IConstruct, check: Check, name: str) -> str:
    """Record the alarm ``name`` for the account and region of ``scope``'s stack; a second
    alarm with the same name in the same account and region raises at construct time."""
    if len(name) > MAX_ALARM_NAME_LENGTH:
        check.fail(
            "alarm_name",
            f"{name!r} is {len(name)} characters; CloudWatch allows {MAX_ALARM_NAME_LENGTH}",
        )
    if is_token(name):
        return name
    if _claim(scope, "alarm", name) is not None:
        check.fail(
            "alarm_name",
            f"{name!r} is already used by another alarm in this account and region; give "
            "this alarm another resource or signal name",
        )
    return name


def register_log_group_name(scope: IConstruct, check: Check, name: str) -> None:
    """Record the log group ``name`` for the account and region of ``scope``'s stack; a second
    log group with that name there raises at construct time, naming the first one."""
    if is_token(name):
        return
    owner = _claim(scope, "log group", name)
    if owner is not None:
        check.fail(
            "log_group_name",
            f"{name!r} is already the name of the log group {owner} in this account and "
            "region; log group names must be unique there (share that log group, or choose "
            "another name)",
        )


def register_rule_name(scope: IConstruct, check: Check, name: str, *, bus: str) -> None:
    """Record the EventBridge rule ``name`` on the event bus ``bus`` (its name, or a path that
    stands for it) for the account and region of ``scope``'s stack; rule names are unique per
    bus, so a second rule with that name on that bus raises at construct time."""
    if is_token(name):
        return
    owner = _claim(scope, f"event rule on {bus}", name)
    if owner is not None:
        check.fail(
            "rule_name_prefix",
            f"the rule name {name!r} is already used by {owner} on the same event bus in this "
            "account and region; give one of them another rule_name_prefix",
        )


def release_alarm_name(scope: IConstruct, name: str) -> None:
    """Forget the alarm ``name`` (an alarm refused after its name was registered)."""
    _names(scope, "alarm").pop(name, None)


def register_routing_prefix(scope: IConstruct, check: Check, prefix: str) -> str:
    """Record a routing's name prefix for the account and region of ``scope``'s stack.

    A routing recognises its alarms by ``<prefix>-*`` (Lambda permission, incident rules), so
    two routings whose prefixes overlap (``shop`` and ``shop-eu``: every ``shop-eu-...`` name
    also starts with ``shop-``) would each act on the other's alarms: the second is refused.
    """
    for other, path in _names(scope, "routing prefix").items():
        if prefix == other or prefix.startswith(f"{other}-") or other.startswith(f"{prefix}-"):
            check.fail(
                "name_prefix",
                f"{prefix!r} overlaps the prefix {other!r} of the routing {path} in this "
                "account and region (alarms named for one would match the other's "
                "'<prefix>-*'); choose prefixes where neither starts with the other plus '-'",
            )
    _claim(scope, "routing prefix", prefix)
    return prefix
