"""Tests for the action configs and what each action does (remediation_handler/actions.py)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambdas.alarm_remediation.remediation_handler import actions, audit
from lambdas.alarm_remediation.remediation_handler.exceptions import InvalidActionConfigError

# Expected actions as (name of the class in ``actions``, fields).
VALID_ACTIONS: Mapping[str, tuple[dict[str, object], str, dict[str, object]]] = {
    "reboot_rds_instance": (
        {"action": "reboot_rds_instance", "db_instance_identifier": "orders-db"},
        "RebootRdsInstance",
        {"db_instance_identifier": "orders-db"},
    ),
    "stop_ec2_instance": (
        {"action": "stop_ec2_instance", "instance_id": "i-0123456789abcdef0"},
        "StopEc2Instance",
        {"instance_id": "i-0123456789abcdef0"},
    ),
    "reboot_ec2_instance": (
        {"action": "reboot_ec2_instance", "instance_id": "i-0123456789abcdef0"},
        "RebootEc2Instance",
        {"instance_id": "i-0123456789abcdef0"},
    ),
    "scale to a count": (
        {"action": "scale_ecs_service", "cluster": "web", "service": "api", "desired_count": 4},
        "ScaleEcsService",
        {"cluster": "web", "service": "api", "desired_count": 4},
    ),
    "scale by a step": (
        {
            "action": "scale_ecs_service",
            "cluster": "web",
            "service": "api",
            "step": 1,
            "max_count": 9,
        },
        "ScaleEcsService",
        {"cluster": "web", "service": "api", "step": 1, "max_count": 9},
    ),
    "scale in by a step": (
        {
            "action": "scale_ecs_service",
            "cluster": "web",
            "service": "api",
            "step": -1,
            "min_count": 1,
        },
        "ScaleEcsService",
        {"cluster": "web", "service": "api", "step": -1, "min_count": 1},
    ),
    "pause a function": (
        {
            "action": "limit_lambda_concurrency",
            "function_name": "worker",
            "reserved_concurrency": 0,
        },
        "LimitLambdaConcurrency",
        {"function_name": "worker", "reserved_concurrency": 0},
    ),
    "cap a function": (
        {
            "action": "limit_lambda_concurrency",
            "function_name": " worker ",
            "reserved_concurrency": 25,
        },
        "LimitLambdaConcurrency",
        {"function_name": "worker", "reserved_concurrency": 25},
    ),
    "notify": ({"action": "notify"}, "Notify", {}),
}


@pytest.mark.parametrize("name", VALID_ACTIONS)
def test_valid_action_configs_parse(name: str) -> None:
    raw, class_name, fields = VALID_ACTIONS[name]
    assert actions.parse_action(raw) == getattr(actions, class_name)(**fields)


ECS = {"action": "scale_ecs_service", "cluster": "web", "service": "api"}
LAMBDA = {"action": "limit_lambda_concurrency", "function_name": "worker"}
INVALID_ACTIONS: Mapping[str, tuple[object, str]] = {
    "not an object": (["reboot_rds_instance"], "must be a JSON object, got array"),
    "no action": ({"instance_id": "i-1"}, "missing required field 'action'"),
    "unknown action": ({"action": "terminate_instance"}, "unknown action 'terminate_instance'"),
    "missing field": ({"action": "stop_ec2_instance"}, "missing required field(s): instance_id"),
    "empty field": (
        {"action": "stop_ec2_instance", "instance_id": " "},
        "'instance_id' must be a non-empty string",
    ),
    "field not a string": ({"action": "reboot_ec2_instance", "instance_id": 7}, "got number"),
    "unknown field": (
        {"action": "stop_ec2_instance", "instance_id": "i-1", "force": True},
        "unknown field(s): force (allowed: instance_id)",
    ),
    "notify with fields": (
        {"action": "notify", "topic": "x"},
        "unknown field(s): topic (allowed: none)",
    ),
    "ecs, neither count nor step": (ECS, "exactly one of 'desired_count' and 'step' is required"),
    "ecs, both count and step": (
        {**ECS, "desired_count": 2, "step": 1, "max_count": 4},
        "exactly one of 'desired_count' and 'step' is required",
    ),
    "ecs, negative count": ({**ECS, "desired_count": -1}, "'desired_count' must be >= 0, got -1"),
    "ecs, count a string": (
        {**ECS, "desired_count": "4"},
        "'desired_count' must be an integer, got string",
    ),
    "ecs, count a boolean": (
        {**ECS, "desired_count": True},
        "'desired_count' must be an integer, got boolean",
    ),
    "ecs, count a float": (
        {**ECS, "desired_count": 2.5},
        "'desired_count' must be an integer, got number",
    ),
    "ecs, zero step": ({**ECS, "step": 0, "max_count": 3}, "'step' must not be 0"),
    "ecs, uncapped step": ({**ECS, "step": 2}, "a positive 'step' requires 'max_count'"),
    "ecs, unfloored step": ({**ECS, "step": -2}, "a negative 'step' requires 'min_count'"),
    "ecs, bounds reversed": (
        {**ECS, "step": 1, "min_count": 5, "max_count": 3},
        "'min_count' (5) must be <= 'max_count' (3)",
    ),
    "ecs, bounds with a count": (
        {**ECS, "desired_count": 2, "max_count": 3},
        "apply only with 'step'",
    ),
    "ecs, missing cluster": (
        {"action": "scale_ecs_service", "service": "api", "desired_count": 1},
        "missing required field(s): cluster",
    ),
    "lambda, no concurrency": (LAMBDA, "missing required field(s): reserved_concurrency"),
    "lambda, no function": (
        {"action": "limit_lambda_concurrency", "reserved_concurrency": 0},
        "missing required field(s): function_name",
    ),
    "lambda, empty function": (
        {**LAMBDA, "function_name": "", "reserved_concurrency": 0},
        "'function_name' must be a non-empty string, got string",
    ),
    "lambda, function not a string": (
        {**LAMBDA, "function_name": ["worker"], "reserved_concurrency": 0},
        "'function_name' must be a non-empty string, got array",
    ),
    "lambda, negative concurrency": (
        {**LAMBDA, "reserved_concurrency": -1},
        "'reserved_concurrency' must be >= 0, got -1",
    ),
    "lambda, concurrency a string": (
        {**LAMBDA, "reserved_concurrency": "0"},
        "'reserved_concurrency' must be an integer, got string",
    ),
    "lambda, concurrency a boolean": (
        {**LAMBDA, "reserved_concurrency": False},
        "'reserved_concurrency' must be an integer, got boolean",
    ),
    "lambda, concurrency a float": (
        {**LAMBDA, "reserved_concurrency": 1.0},
        "'reserved_concurrency' must be an integer, got number",
    ),
    "lambda, concurrency null": (
        {**LAMBDA, "reserved_concurrency": None},
        "'reserved_concurrency' must be an integer, got null",
    ),
    "lambda, unknown field": (
        {**LAMBDA, "reserved_concurrency": 0, "qualifier": "live"},
        "unknown field(s): qualifier (allowed: function_name, reserved_concurrency)",
    ),
}


@pytest.mark.parametrize("name", INVALID_ACTIONS)
def test_invalid_action_configs_are_refused_with_the_field_named(name: str) -> None:
    raw, message = INVALID_ACTIONS[name]
    with pytest.raises(InvalidActionConfigError) as raised:
        actions.parse_action(raw)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("reserved", "description"),
    [
        (0, "set the reserved concurrency of Lambda function worker to 0 (pausing it)"),
        (7, "set the reserved concurrency of Lambda function worker to 7"),
    ],
)
def test_limit_lambda_concurrency_is_described_with_its_target(
    reserved: int, description: str
) -> None:
    action = actions.LimitLambdaConcurrency(function_name="worker", reserved_concurrency=reserved)

    assert actions.describe_action(action, notify_topic_arn=None) == description
    assert actions.action_target(action, notify_topic_arn=None) == "worker"
    assert audit.ACTION_METRICS[action.kind] == "LimitLambdaConcurrency"


@given(
    current=st.integers(min_value=0, max_value=100),
    step=st.integers(min_value=-10, max_value=10).filter(bool),
    low=st.integers(min_value=0, max_value=50),
    span=st.integers(min_value=0, max_value=50),
)
def test_a_step_moves_the_count_only_its_way_and_stays_within_bounds(
    current: int, step: int, low: int, span: int
) -> None:
    action = actions.ScaleEcsService("web", "api", step=step, min_count=low, max_count=low + span)

    new = actions.next_desired_count(action, current)

    if step > 0:
        assert current <= new <= max(current, low + span)
    else:
        assert min(current, low) <= new <= current
    assert abs(new - current) <= abs(step)
