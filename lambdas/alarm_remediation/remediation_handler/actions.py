"""The remediation actions an alarm can be mapped to, and how their configs are validated.

``REMEDIATION_ACTIONS`` maps an alarm name to one JSON action config; each config is checked
field by field here (names, types and bounds), so that a mistake is reported at cold start with
the field named instead of failing an AWS call later. The configs name resources, never ARNs:
the construct scopes the function's role to exactly these resources.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Final

from ._json import json_type
from .exceptions import InvalidActionConfigError


class ActionKind(StrEnum):
    """The remediation actions a ``REMEDIATION_ACTIONS`` entry can name."""

    REBOOT_RDS_INSTANCE = "reboot_rds_instance"
    STOP_EC2_INSTANCE = "stop_ec2_instance"
    REBOOT_EC2_INSTANCE = "reboot_ec2_instance"
    SCALE_ECS_SERVICE = "scale_ecs_service"
    LIMIT_LAMBDA_CONCURRENCY = "limit_lambda_concurrency"
    NOTIFY = "notify"


@dataclass(frozen=True)
class RebootRdsInstance:
    """Reboot one RDS DB instance."""

    kind: ClassVar[ActionKind] = ActionKind.REBOOT_RDS_INSTANCE
    db_instance_identifier: str


@dataclass(frozen=True)
class StopEc2Instance:
    """Stop one EC2 instance."""

    kind: ClassVar[ActionKind] = ActionKind.STOP_EC2_INSTANCE
    instance_id: str


@dataclass(frozen=True)
class RebootEc2Instance:
    """Reboot one EC2 instance."""

    kind: ClassVar[ActionKind] = ActionKind.REBOOT_EC2_INSTANCE
    instance_id: str


@dataclass(frozen=True)
class ScaleEcsService:
    """Set an ECS service's desired count, or change it by ``step`` within bounds.

    Exactly one of ``desired_count`` and ``step`` is set. A positive step requires
    ``max_count`` (the cap) and a negative step requires ``min_count`` (the floor).
    """

    kind: ClassVar[ActionKind] = ActionKind.SCALE_ECS_SERVICE
    cluster: str
    service: str
    desired_count: int | None = None
    step: int | None = None
    min_count: int | None = None
    max_count: int | None = None


@dataclass(frozen=True)
class LimitLambdaConcurrency:
    """Set a Lambda function's reserved concurrency; ``0`` pauses (throttles) the function."""

    kind: ClassVar[ActionKind] = ActionKind.LIMIT_LAMBDA_CONCURRENCY
    function_name: str
    reserved_concurrency: int


@dataclass(frozen=True)
class Notify:
    """Only notify: publish a readable message to ``NOTIFY_TOPIC_ARN`` when set, and log."""

    kind: ClassVar[ActionKind] = ActionKind.NOTIFY


RemediationAction = (
    RebootRdsInstance
    | StopEc2Instance
    | RebootEc2Instance
    | ScaleEcsService
    | LimitLambdaConcurrency
    | Notify
)


def _check_keys(fields: Mapping[str, object], *, required: set[str], optional: set[str]) -> None:
    missing = sorted(required - fields.keys())
    if missing:
        raise InvalidActionConfigError(f"missing required field(s): {', '.join(missing)}")
    unknown = sorted(fields.keys() - required - optional)
    if unknown:
        allowed = ", ".join(sorted(required | optional)) or "none"
        raise InvalidActionConfigError(
            f"unknown field(s): {', '.join(unknown)} (allowed: {allowed})"
        )


def _config_str(fields: Mapping[str, object], key: str) -> str:
    value = fields[key]
    if not isinstance(value, str) or not value.strip():
        raise InvalidActionConfigError(
            f"'{key}' must be a non-empty string, got {json_type(value)}"
        )
    return value.strip()


def _config_int(fields: Mapping[str, object], key: str, *, minimum: int | None) -> int | None:
    if key not in fields:
        return None
    value = fields[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidActionConfigError(f"'{key}' must be an integer, got {json_type(value)}")
    if minimum is not None and value < minimum:
        raise InvalidActionConfigError(f"'{key}' must be >= {minimum}, got {value}")
    return value


def _parse_rds_reboot(fields: Mapping[str, object]) -> RebootRdsInstance:
    _check_keys(fields, required={"db_instance_identifier"}, optional=set())
    return RebootRdsInstance(db_instance_identifier=_config_str(fields, "db_instance_identifier"))


def _parse_ec2_stop(fields: Mapping[str, object]) -> StopEc2Instance:
    _check_keys(fields, required={"instance_id"}, optional=set())
    return StopEc2Instance(instance_id=_config_str(fields, "instance_id"))


def _parse_ec2_reboot(fields: Mapping[str, object]) -> RebootEc2Instance:
    _check_keys(fields, required={"instance_id"}, optional=set())
    return RebootEc2Instance(instance_id=_config_str(fields, "instance_id"))


def _parse_ecs_scale(fields: Mapping[str, object]) -> ScaleEcsService:
    _check_keys(
        fields,
        required={"cluster", "service"},
        optional={"desired_count", "step", "min_count", "max_count"},
    )
    action = ScaleEcsService(
        cluster=_config_str(fields, "cluster"),
        service=_config_str(fields, "service"),
        desired_count=_config_int(fields, "desired_count", minimum=0),
        step=_config_int(fields, "step", minimum=None),
        min_count=_config_int(fields, "min_count", minimum=0),
        max_count=_config_int(fields, "max_count", minimum=0),
    )
    if (action.desired_count is None) == (action.step is None):
        raise InvalidActionConfigError("exactly one of 'desired_count' and 'step' is required")
    if action.desired_count is not None and (
        action.min_count is not None or action.max_count is not None
    ):
        raise InvalidActionConfigError("'min_count' and 'max_count' apply only with 'step'")
    if action.step == 0:
        raise InvalidActionConfigError("'step' must not be 0")
    if action.step is not None and action.step > 0 and action.max_count is None:
        raise InvalidActionConfigError("a positive 'step' requires 'max_count' (the cap)")
    if action.step is not None and action.step < 0 and action.min_count is None:
        raise InvalidActionConfigError("a negative 'step' requires 'min_count' (the floor)")
    if (
        action.min_count is not None
        and action.max_count is not None
        and action.min_count > action.max_count
    ):
        raise InvalidActionConfigError(
            f"'min_count' ({action.min_count}) must be <= 'max_count' ({action.max_count})"
        )
    return action


def _parse_lambda_concurrency(fields: Mapping[str, object]) -> LimitLambdaConcurrency:
    _check_keys(fields, required={"function_name", "reserved_concurrency"}, optional=set())
    reserved = _config_int(fields, "reserved_concurrency", minimum=0)
    if reserved is None:  # pragma: no cover - a required field, checked above
        raise InvalidActionConfigError("missing required field(s): reserved_concurrency")
    return LimitLambdaConcurrency(
        function_name=_config_str(fields, "function_name"), reserved_concurrency=reserved
    )


def _parse_notify(fields: Mapping[str, object]) -> Notify:
    _check_keys(fields, required=set(), optional=set())
    return Notify()


_ACTION_PARSERS: Final[Mapping[ActionKind, Callable[[Mapping[str, object]], RemediationAction]]] = {
    ActionKind.REBOOT_RDS_INSTANCE: _parse_rds_reboot,
    ActionKind.STOP_EC2_INSTANCE: _parse_ec2_stop,
    ActionKind.REBOOT_EC2_INSTANCE: _parse_ec2_reboot,
    ActionKind.SCALE_ECS_SERVICE: _parse_ecs_scale,
    ActionKind.LIMIT_LAMBDA_CONCURRENCY: _parse_lambda_concurrency,
    ActionKind.NOTIFY: _parse_notify,
}


def parse_action(raw: object) -> RemediationAction:
    """Validate one action config from ``REMEDIATION_ACTIONS``.

    Parameters
    ----------
    raw : object
        The decoded JSON value for one alarm, e.g. ``{"action": "stop_ec2_instance",
        "instance_id": "i-0123456789abcdef0"}``.

    Returns
    -------
    RemediationAction
        The typed action.

    Raises
    ------
    InvalidActionConfigError
        With a message naming the field and the allowed values.
    """
    if not isinstance(raw, dict):
        raise InvalidActionConfigError(f"must be a JSON object, got {json_type(raw)}")
    allowed = ", ".join(kind.value for kind in ActionKind)
    if "action" not in raw:
        raise InvalidActionConfigError(f"missing required field 'action' (one of: {allowed})")
    try:
        kind = ActionKind(raw["action"])
    except ValueError:
        raise InvalidActionConfigError(
            f"unknown action {raw['action']!r} (one of: {allowed})"
        ) from None
    fields = {key: value for key, value in raw.items() if key != "action"}
    return _ACTION_PARSERS[kind](fields)


def _describe_ecs_scaling(action: ScaleEcsService) -> str:
    service = f"ECS service {action.service}"
    if action.desired_count is not None:
        return f"set the desired count of {service} to {action.desired_count}"
    step = action.step or 0
    bound = f"at most {action.max_count}" if step > 0 else f"at least {action.min_count}"
    return f"change the desired count of {service} by {step:+d} (keeping it {bound})"


def describe_action(action: RemediationAction, *, notify_topic_arn: str | None) -> str:
    """What the action does, in words, for dry-run and failure reasons."""
    match action:
        case RebootRdsInstance(db_instance_identifier=identifier):
            return f"reboot RDS DB instance {identifier}"
        case StopEc2Instance(instance_id=instance_id):
            return f"stop EC2 instance {instance_id}"
        case RebootEc2Instance(instance_id=instance_id):
            return f"reboot EC2 instance {instance_id}"
        case ScaleEcsService():
            return _describe_ecs_scaling(action)
        case LimitLambdaConcurrency(function_name=name, reserved_concurrency=reserved):
            paused = " (pausing it)" if reserved == 0 else ""
            return f"set the reserved concurrency of Lambda function {name} to {reserved}{paused}"
        case Notify():
            return (
                f"publish a notification to {notify_topic_arn}"
                if notify_topic_arn
                else "log a notification (NOTIFY_TOPIC_ARN is not set)"
            )
    raise AssertionError(f"unhandled action {action!r}")  # pragma: no cover


def action_target(action: RemediationAction, *, notify_topic_arn: str | None) -> str | None:
    """The resource an action changes, for the audit line and the summary."""
    match action:
        case RebootRdsInstance(db_instance_identifier=identifier):
            return identifier
        case StopEc2Instance(instance_id=instance_id) | RebootEc2Instance(instance_id=instance_id):
            return instance_id
        case ScaleEcsService(cluster=cluster, service=service):
            return f"{cluster}/{service}"
        case LimitLambdaConcurrency(function_name=name):
            return name
        case Notify():
            return notify_topic_arn
    raise AssertionError(f"unhandled action {action!r}")  # pragma: no cover


def next_desired_count(action: ScaleEcsService, current: int) -> int:
    """The desired count an ECS scaling action sets, given the current one.

    A step never moves the count against its direction: a scale-out step on a service already
    above ``max_count`` leaves it alone rather than scaling it in.
    """
    if action.desired_count is not None:
        return action.desired_count
    step = action.step or 0
    if step > 0:
        cap = action.max_count if action.max_count is not None else current + step
        return max(current, min(current + step, cap))
    floor = action.min_count if action.min_count is not None else 0
    return min(current, max(current + step, floor))
