"""Acknowledging cdk-nag's AwsSolutions-ECS2 only for the environment variables the library set.

cdk-nag's ``AwsSolutions-ECS2`` looks at a whole task definition: it reports it as soon as one
container has an ``Environment``, and an acknowledgement can only cover the whole task
definition. ``FargateTracing`` sets non-secret variables (the collector's configuration, the
OTLP endpoint and the service name on the application containers), so it records each
``(container, variable, value)`` it set here; once the app is complete (an aspect, run before
synthesis) the acknowledgement is written only when every variable of every container of the
task definition is one of those. A variable the user set (``AWS_SECRET_ACCESS_KEY``, or a merged
``OTEL_RESOURCE_ATTRIBUTES``) leaves the finding standing: the user moves it to ``secrets`` or
acknowledges it with their own reason.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field

import jsii
from aws_cdk import Aspects, IAspect
from aws_cdk import aws_ecs as ecs
from constructs import IConstruct

from constructs_obs.acknowledge import acknowledge_nag
from constructs_obs.private.validate import Check

__all__ = [
    "ECS2_RULE",
    "check_environment",
    "container_environment",
    "record_library_environment",
]

ECS2_RULE = "AwsSolutions-ECS2"
# ECS passes a container's Environment to the runtime as NAME=VALUE strings: a name must be
# non-empty and cannot hold '=' (the runtime would split it there); whitespace and control
# characters, which no shell or SDK reads back, are refused too.
_VARIABLE_NAME = re.compile(r"[^=\s\x00-\x1f\x7f]+")


def check_environment(check: Check, parameter: str, environment: object) -> dict[str, str]:
    """A mapping of variable name to value, as ECS accepts it; returned as a new dict."""
    if isinstance(environment, str | bytes) or not isinstance(environment, Mapping):
        check.fail(parameter, f"expected a mapping of variable name to value, got {environment!r}")
    result: dict[str, str] = {}
    for name, value in environment.items():
        if not isinstance(name, str) or _VARIABLE_NAME.fullmatch(name) is None:
            check.fail(
                parameter,
                f"variable name {name!r} is not allowed: a name is a non-empty string "
                "without '=', whitespace or control characters (e.g. 'LOG_LEVEL')",
            )
        if not isinstance(value, str):
            check.fail(parameter, f"the value of {name} must be a string, got {value!r}")
        result[name] = value
    return result


@dataclass
class _LibraryEnvironment:
    """What the library set in one task definition, per container name."""

    reason: str
    variables: dict[str, dict[str, str]] = field(default_factory=dict)


_RECORDS: weakref.WeakKeyDictionary[ecs.TaskDefinition, _LibraryEnvironment] = (
    weakref.WeakKeyDictionary()
)


def container_environment(container: ecs.ContainerDefinition) -> dict[str, str]:
    """The literal environment variables of ``container`` (name -> value)."""
    rendered = container.render_container_definition().environment or []
    found: dict[str, str] = {}
    for pair in rendered:  # type: ignore[union-attr]
        name = getattr(pair, "name", None)
        value = getattr(pair, "value", None)
        if isinstance(name, str) and isinstance(value, str):
            found[name] = value
    return found


def record_library_environment(
    task_definition: ecs.TaskDefinition,
    container: ecs.ContainerDefinition,
    variables: Mapping[str, str],
    reason: str,
) -> None:
    """Record that the library set ``variables`` on ``container``; the first record of a
    task definition adds the aspect that acknowledges ECS2 when nothing else is set."""
    record = _RECORDS.get(task_definition)
    if record is None:
        record = _RECORDS[task_definition] = _LibraryEnvironment(reason)
        Aspects.of(task_definition).add(_AcknowledgeLibraryEnvironment(task_definition, record))
    record.variables.setdefault(container.container_name, {}).update(variables)


@jsii.implements(IAspect)
class _AcknowledgeLibraryEnvironment:
    def __init__(self, task_definition: ecs.TaskDefinition, record: _LibraryEnvironment) -> None:
        self._path = task_definition.node.path
        self._task_definition = task_definition
        self._record = record

    def visit(self, node: IConstruct) -> None:
        if node.node.path != self._path:
            return
        if all(
            self._record.variables.get(container.container_name, {}).get(name) == value
            for container in _containers(self._task_definition)
            for name, value in container_environment(container).items()
        ):
            acknowledge_nag(self._task_definition, ECS2_RULE, self._record.reason)


def _containers(task_definition: ecs.TaskDefinition) -> list[ecs.ContainerDefinition]:
    return [c for c in task_definition.node.children if isinstance(c, ecs.ContainerDefinition)]
