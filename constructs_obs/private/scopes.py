"""What the library asks of a construct's stack, read through jsii once and kept in Python.

Every read of a jsii property (``scope.node``, ``.path``, ``Stack.of``, ``stack.region``, ...)
is a round trip to the Node.js kernel. A stack's account, region, partition, name, path and app
root never change after the stack is created, nor does a construct's path, so they are read
once per stack (or construct) and cached here, weakly keyed by the Python object, so apps
built in tests do not leak.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from aws_cdk import Duration, Stack
from constructs import IConstruct

__all__ = [
    "StackFacts",
    "adopt",
    "child_path",
    "duration_exact_seconds",
    "duration_seconds",
    "path_of",
    "stack_facts",
]


@dataclass(frozen=True)
class StackFacts:
    """A stack's unchanging values, as Python strings (tokens for an environment-agnostic
    stack's account and region, and for the partition)."""

    stack: Stack
    root: IConstruct
    path: str
    name: str
    account: str
    region: str
    partition: str


_BY_STACK: weakref.WeakKeyDictionary[Stack, StackFacts] = weakref.WeakKeyDictionary()
_BY_SCOPE: weakref.WeakKeyDictionary[IConstruct, StackFacts] = weakref.WeakKeyDictionary()
_PATHS: weakref.WeakKeyDictionary[IConstruct, str] = weakref.WeakKeyDictionary()


def stack_facts(scope: IConstruct) -> StackFacts:
    """The facts of ``scope``'s stack (one ``Stack.of`` for a construct not seen before)."""
    facts = _BY_SCOPE.get(scope)
    if facts is not None:
        return facts
    stack = Stack.of(scope)
    facts = _BY_STACK.get(stack)
    if facts is None:
        node = stack.node
        facts = StackFacts(
            stack=stack,
            root=node.root,
            path=node.path,
            name=stack.stack_name,
            account=stack.account,
            region=stack.region,
            partition=stack.partition,
        )
        _BY_STACK[stack] = facts
    _BY_SCOPE[scope] = facts
    return facts


def adopt(child: IConstruct, parent: IConstruct, path: str | None = None) -> None:
    """Record that ``child`` (a construct the library just created under ``parent``, not a
    stack) is in ``parent``'s stack, and its path when known: later lookups cost nothing."""
    _BY_SCOPE[child] = stack_facts(parent)
    if path is not None:
        _PATHS[child] = path


def path_of(scope: IConstruct) -> str:
    """``scope.node.path``, read once per construct."""
    path = _PATHS.get(scope)
    if path is None:
        path = scope.node.path
        _PATHS[scope] = path
    return path


def child_path(parent_path: str, construct_id: str) -> str | None:
    """The path of the child ``construct_id`` of the construct at ``parent_path``, or None when
    the constructs library would rewrite the id (it replaces ``/`` in ids)."""
    if "/" in construct_id or not construct_id:
        return None
    return f"{parent_path}/{construct_id}" if parent_path else construct_id


_SECONDS: weakref.WeakKeyDictionary[Duration, float | None] = weakref.WeakKeyDictionary()


def duration_exact_seconds(duration: Duration) -> float | None:
    """A literal duration in seconds, a fraction kept (None for a token), read once per
    ``Duration`` object (durations are immutable)."""
    if duration in _SECONDS:
        return _SECONDS[duration]
    seconds = None if duration.is_unresolved() else duration.to_seconds(integral=False)
    _SECONDS[duration] = seconds
    return seconds


def duration_seconds(duration: Duration) -> int | None:
    """A literal duration's whole seconds (None for a token); a fraction of a second meets
    aws-cdk-lib's own error, as ``to_seconds()`` does."""
    seconds = duration_exact_seconds(duration)
    if seconds is None:
        return None
    if seconds % 1:
        return int(duration.to_seconds())
    return int(seconds)
