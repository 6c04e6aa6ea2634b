"""The ECS2 acknowledgement holds only while every variable of the task definition is one the
library recorded (the checked end to end version is in test_fargate_tracing)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import Validations
from aws_cdk import aws_ecs as ecs

from constructs_obs.tracing._task_environment import (
    ECS2_RULE,
    container_environment,
    record_library_environment,
)
from tests.tracing.network import APP_IMAGE

REASON = "Unit test: the recorded variables are the library's own, none is a secret."


def _acknowledged(task: ecs.TaskDefinition) -> list[str]:
    task.node.root.synth()  # type: ignore[attr-defined]
    return [
        rule
        for entry in task.node.metadata
        if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for rule in entry.data
    ]


def _task(environment: dict[str, str]) -> tuple[ecs.FargateTaskDefinition, ecs.ContainerDefinition]:
    stack = cdk.Stack(cdk.App(), "Env")
    task = ecs.FargateTaskDefinition(stack, "Task")
    app = task.add_container(
        "app", image=ecs.ContainerImage.from_registry(APP_IMAGE), environment=environment
    )
    return task, app


def test_reads_the_literal_variables() -> None:
    _, app = _task({"A": "1", "B": "2"})
    assert container_environment(app) == {"A": "1", "B": "2"}


def test_acknowledged_when_every_variable_is_the_librarys() -> None:
    task, app = _task({"OTEL_SERVICE_NAME": "orders"})
    record_library_environment(task, app, {"OTEL_SERVICE_NAME": "orders"}, REASON)
    assert any(rule.endswith(ECS2_RULE) for rule in _acknowledged(task))


def test_not_acknowledged_when_the_user_set_a_variable() -> None:
    task, app = _task({"OTEL_SERVICE_NAME": "orders", "AWS_SECRET_ACCESS_KEY": "x"})
    record_library_environment(task, app, {"OTEL_SERVICE_NAME": "orders"}, REASON)
    assert not any(rule.endswith(ECS2_RULE) for rule in _acknowledged(task))


def test_not_acknowledged_when_the_user_changed_the_librarys_value() -> None:
    task, app = _task({"OTEL_SERVICE_NAME": "billing"})
    record_library_environment(task, app, {"OTEL_SERVICE_NAME": "orders"}, REASON)
    assert not any(rule.endswith(ECS2_RULE) for rule in _acknowledged(task))
