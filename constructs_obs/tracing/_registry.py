"""X-Ray names are unique per account and region: refuse a second one at construct time.

Two sampling rules (or groups) with one name in the same account and region would fail the
second deployment with "already exists"; the registry raises while the app is being built.
"""

from __future__ import annotations

import weakref

from aws_cdk import Stack
from constructs import IConstruct

from constructs_obs.private.validate import Check, is_token

# Per app (keyed by its root construct), the (kind, account, region, name) seen so far.
_SEEN: weakref.WeakKeyDictionary[IConstruct, set[tuple[str, str, str, str]]] = (
    weakref.WeakKeyDictionary()
)


def register_name(
    scope: IConstruct,
    check: Check,
    *,
    kind: str,
    parameter: str,
    name: str,
    problem: str | None = None,
) -> None:
    """Record ``name`` of ``kind`` for the account and region of ``scope``'s stack; ``problem``
    replaces the default message for a second one."""
    if is_token(name):
        return
    stack = Stack.of(scope)
    key = (kind, stack.account, stack.region, name)
    seen = _SEEN.setdefault(scope.node.root, set())
    if key in seen:
        check.fail(
            parameter,
            problem
            or f"{name!r} is already used by another X-Ray {kind} in this account and region; "
            f"X-Ray {kind} names must be unique there",
        )
    seen.add(key)
