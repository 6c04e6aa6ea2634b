"""Alarm remediation handler, deployed by the ``AlarmRemediation`` construct.

The handler receives a CloudWatch alarm state change (CloudWatch's native Lambda alarm action,
an EventBridge "CloudWatch Alarm State Change" event, or an SNS notification from an alarm
topic), looks the alarm name up in ``REMEDIATION_ACTIONS`` and, on a transition into ``ALARM``,
performs the configured action once per state change.

Environment variables
---------------------
REMEDIATION_ACTIONS : str
    JSON object mapping an alarm name to an action config (see ``parse_action``). An invalid
    config is reported at cold start and makes events for that alarm be rejected.
DRY_RUN : str
    ``"true"`` (default when unset or unrecognised) or ``"false"``. In dry-run the handler logs
    and counts what it would do and calls no AWS API at all.
IDEMPOTENCY_TABLE : str
    DynamoDB table for Powertools idempotency (partition key ``id``, TTL attribute
    ``expiration``). Required to act; dry-run works without it.
NOTIFY_TOPIC_ARN : str, optional
    SNS topic the ``notify`` action publishes to.
POWERTOOLS_SERVICE_NAME : str, optional
    Default: ``alarm-remediation``.
POWERTOOLS_METRICS_NAMESPACE : str, optional
    Default: ``ConstructsObs/Remediation``.

This module is deployed on its own (asset folder ``lambdas/alarm_remediation``, handler
``index.lambda_handler``): it imports only the standard library, boto3 and Powertools.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Final, TypeVar, cast

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

DEFAULT_SERVICE_NAME: Final = "alarm-remediation"
DEFAULT_METRICS_NAMESPACE: Final = "ConstructsObs/Remediation"

# Lambda keeps retrying an asynchronous event for up to 6 hours and a DLQ redrive usually
# happens within a day: a day of memory covers every redelivery of one state change.
IDEMPOTENCY_EXPIRES_AFTER_SECONDS: Final = 24 * 60 * 60

_T = TypeVar("_T")

ALARM_STATES: Final = frozenset({"OK", "ALARM", "INSUFFICIENT_DATA"})
EVENTBRIDGE_DETAIL_TYPE: Final = "CloudWatch Alarm State Change"
CLOUDWATCH_SOURCE: Final = "aws.cloudwatch"
AUDIT_MESSAGE: Final = "remediation decision"

_MAX_ALARM_REASON_CHARS: Final = 500
_MAX_SNS_SUBJECT_CHARS: Final = 100


class ActionKind(StrEnum):
    """The remediation actions a ``REMEDIATION_ACTIONS`` entry can name."""

    REBOOT_RDS_INSTANCE = "reboot_rds_instance"
    STOP_EC2_INSTANCE = "stop_ec2_instance"
    REBOOT_EC2_INSTANCE = "reboot_ec2_instance"
    SCALE_ECS_SERVICE = "scale_ecs_service"
    LIMIT_LAMBDA_CONCURRENCY = "limit_lambda_concurrency"
    NOTIFY = "notify"


class Outcome(StrEnum):
    """What the handler decided for one alarm state change (or one malformed event)."""

    ACTED = "acted"
    DRY_RUN = "dry_run"
    SKIPPED = "skipped"
    REJECTED = "rejected"
    FAILED = "failed"


#: Metric name per outcome (unit Count, only the ``service`` dimension).
OUTCOME_METRICS: Final[Mapping[Outcome, str]] = {
    Outcome.ACTED: "Acted",
    Outcome.DRY_RUN: "DryRun",
    Outcome.SKIPPED: "Skipped",
    Outcome.REJECTED: "Rejected",
    Outcome.FAILED: "Failed",
}

#: Metric name per action, counted once per attempt (outcome acted, dry_run or failed).
ACTION_METRICS: Final[Mapping[ActionKind, str]] = {
    ActionKind.REBOOT_RDS_INSTANCE: "RebootRdsInstance",
    ActionKind.STOP_EC2_INSTANCE: "StopEc2Instance",
    ActionKind.REBOOT_EC2_INSTANCE: "RebootEc2Instance",
    ActionKind.SCALE_ECS_SERVICE: "ScaleEcsService",
    ActionKind.LIMIT_LAMBDA_CONCURRENCY: "LimitLambdaConcurrency",
    ActionKind.NOTIFY: "Notify",
}

_ATTEMPT_OUTCOMES: Final = frozenset({Outcome.ACTED, Outcome.DRY_RUN, Outcome.FAILED})


class InvalidActionConfigError(ValueError):
    """A ``REMEDIATION_ACTIONS`` entry is not a valid action config."""


class MalformedEventError(ValueError):
    """An incoming event (or SNS record) is not an alarm state change this handler understands."""


class RemediationError(RuntimeError):
    """An action could not be performed for a reason the AWS API did not raise itself."""


# --------------------------------------------------------------------------------------------
# Action configs
# --------------------------------------------------------------------------------------------


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


def _json_type(value: object) -> str:
    names: dict[type, str] = {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
    }
    return "null" if value is None else names.get(type(value), type(value).__name__)


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
            f"'{key}' must be a non-empty string, got {_json_type(value)}"
        )
    return value.strip()


def _config_int(fields: Mapping[str, object], key: str, *, minimum: int | None) -> int | None:
    if key not in fields:
        return None
    value = fields[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidActionConfigError(f"'{key}' must be an integer, got {_json_type(value)}")
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
        raise InvalidActionConfigError(f"must be a JSON object, got {_json_type(raw)}")
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


# --------------------------------------------------------------------------------------------
# Settings (read once, at cold start)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemediationActions:
    """The parsed ``REMEDIATION_ACTIONS``: valid actions, and errors per alarm or overall."""

    actions: Mapping[str, RemediationAction]
    invalid: Mapping[str, str]
    error: str | None = None


def parse_remediation_actions(raw: str | None) -> RemediationActions:
    """Parse ``REMEDIATION_ACTIONS``; never raises.

    An entry that is not a valid action lands in ``invalid`` (alarm name to message); a value
    that is not a JSON object sets ``error``, which rejects every alarm.
    """
    if raw is None or not raw.strip():
        return RemediationActions(actions={}, invalid={})
    try:
        decoded: object = json.loads(raw)
    except ValueError as exc:
        return RemediationActions(actions={}, invalid={}, error=f"not valid JSON: {exc}")
    if not isinstance(decoded, dict):
        return RemediationActions(
            actions={}, invalid={}, error=f"must be a JSON object, got {_json_type(decoded)}"
        )
    actions: dict[str, RemediationAction] = {}
    invalid: dict[str, str] = {}
    for alarm_name, action_config in decoded.items():
        if not alarm_name.strip():
            invalid[alarm_name] = "the alarm name must not be empty"
            continue
        try:
            actions[alarm_name] = parse_action(action_config)
        except InvalidActionConfigError as exc:
            invalid[alarm_name] = str(exc)
    return RemediationActions(actions=actions, invalid=invalid)


def parse_dry_run(raw: str | None) -> tuple[bool, str | None]:
    """Parse ``DRY_RUN``: ``(dry_run, warning)``. Anything but ``false`` means dry-run."""
    if raw is None or not raw.strip():
        return True, None
    value = raw.strip().lower()
    if value in {"true", "false"}:
        return value == "true", None
    return True, f"DRY_RUN={raw!r} is not 'true' or 'false'; running in dry-run mode"


@dataclass(frozen=True)
class Settings:
    """Everything the handler reads from its environment."""

    remediation: RemediationActions
    dry_run: bool
    dry_run_warning: str | None
    idempotency_table: str | None
    notify_topic_arn: str | None


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Read the handler's settings from an environment mapping; never raises."""
    dry_run, dry_run_warning = parse_dry_run(environ.get("DRY_RUN"))
    return Settings(
        remediation=parse_remediation_actions(environ.get("REMEDIATION_ACTIONS")),
        dry_run=dry_run,
        dry_run_warning=dry_run_warning,
        idempotency_table=environ.get("IDEMPOTENCY_TABLE", "").strip() or None,
        notify_topic_arn=environ.get("NOTIFY_TOPIC_ARN", "").strip() or None,
    )


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlarmStateChange:
    """One alarm state change, whatever channel delivered it."""

    alarm_name: str
    alarm_arn: str
    state: str
    previous_state: str | None
    reason: str
    timestamp: str
    account: str | None
    region: str | None


@dataclass(frozen=True)
class RejectedEvent:
    """An event (or SNS record) that is not an alarm state change this handler understands."""

    reason: str
    alarm: str | None = None


def _canonical_timestamp(raw: str) -> str:
    """ISO 8601 in UTC with milliseconds, so every channel yields the same idempotency key."""
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except ValueError:
        return raw.strip()
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat(timespec="milliseconds")


def _field(mapping: Mapping[str, object], key: str, where: str) -> object:
    if key not in mapping:
        raise MalformedEventError(f"missing field '{where}{key}'")
    return mapping[key]


def _str_field(mapping: Mapping[str, object], key: str, where: str) -> str:
    value = _field(mapping, key, where)
    if not isinstance(value, str) or not value.strip():
        raise MalformedEventError(
            f"field '{where}{key}' must be a non-empty string, got {_json_type(value)}"
        )
    return value


def _object_field(mapping: Mapping[str, object], key: str, where: str) -> dict[str, object]:
    value = _field(mapping, key, where)
    if not isinstance(value, dict):
        raise MalformedEventError(
            f"field '{where}{key}' must be a JSON object, got {_json_type(value)}"
        )
    return value


def _optional_str(mapping: Mapping[str, object], key: str) -> str | None:
    value = mapping.get(key)
    return value if isinstance(value, str) and value.strip() else None


def _state_value(value: str, where: str) -> str:
    if value not in ALARM_STATES:
        allowed = ", ".join(sorted(ALARM_STATES))
        raise MalformedEventError(f"field '{where}' is {value!r}, not one of: {allowed}")
    return value


def _arn_part(arn: str, index: int) -> str | None:
    parts = arn.split(":")
    if parts[0] != "arn" or len(parts) <= index:
        return None
    return parts[index] or None


def _from_alarm_data(
    data: Mapping[str, object], *, where: str, alarm_arn: str, event: Mapping[str, object]
) -> AlarmStateChange:
    """The ``alarmData`` (native action) and ``detail`` (EventBridge) objects share one shape."""
    state = _object_field(data, "state", where)
    previous = data.get("previousState")
    previous_value = _optional_str(previous, "value") if isinstance(previous, dict) else None
    timestamp = _optional_str(state, "timestamp") or _str_field(event, "time", "")
    return AlarmStateChange(
        alarm_name=_str_field(data, "alarmName", where),
        alarm_arn=alarm_arn,
        state=_state_value(_str_field(state, "value", f"{where}state."), f"{where}state.value"),
        previous_state=previous_value,
        reason=_optional_str(state, "reason") or "",
        timestamp=_canonical_timestamp(timestamp),
        account=_optional_str(event, "account") or _optional_str(event, "accountId"),
        region=_optional_str(event, "region"),
    )


def _check_source(event: Mapping[str, object]) -> None:
    source = event.get("source")
    if source != CLOUDWATCH_SOURCE:
        raise MalformedEventError(f"'source' is {source!r}, expected {CLOUDWATCH_SOURCE!r}")


def _from_native_action(event: Mapping[str, object]) -> AlarmStateChange:
    _check_source(event)
    data = _object_field(event, "alarmData", "")
    return _from_alarm_data(
        data, where="alarmData.", alarm_arn=_str_field(event, "alarmArn", ""), event=event
    )


def _from_eventbridge(event: Mapping[str, object]) -> AlarmStateChange:
    _check_source(event)
    detail_type = event.get("detail-type")
    if detail_type != EVENTBRIDGE_DETAIL_TYPE:
        raise MalformedEventError(
            f"'detail-type' is {detail_type!r}, expected {EVENTBRIDGE_DETAIL_TYPE!r}"
        )
    resources = event.get("resources")
    if not isinstance(resources, list) or not resources or not isinstance(resources[0], str):
        raise MalformedEventError("'resources' must list the alarm ARN")
    detail = _object_field(event, "detail", "")
    return _from_alarm_data(detail, where="detail.", alarm_arn=resources[0], event=event)


def _from_sns_record(record: object) -> AlarmStateChange:
    if not isinstance(record, dict):
        raise MalformedEventError(f"SNS record must be a JSON object, got {_json_type(record)}")
    source = record.get("EventSource")
    if source != "aws:sns":
        raise MalformedEventError(f"record 'EventSource' is {source!r}, expected 'aws:sns'")
    sns = _object_field(record, "Sns", "")
    raw_message = _str_field(sns, "Message", "Sns.")
    try:
        message: object = json.loads(raw_message)
    except ValueError:
        raise MalformedEventError("'Sns.Message' is not JSON") from None
    if not isinstance(message, dict):
        raise MalformedEventError(f"'Sns.Message' must be a JSON object, got {_json_type(message)}")
    where = "Sns.Message."
    alarm_arn = _str_field(message, "AlarmArn", where)
    return AlarmStateChange(
        alarm_name=_str_field(message, "AlarmName", where),
        alarm_arn=alarm_arn,
        state=_state_value(_str_field(message, "NewStateValue", where), f"{where}NewStateValue"),
        previous_state=_optional_str(message, "OldStateValue"),
        reason=_optional_str(message, "NewStateReason") or "",
        timestamp=_canonical_timestamp(_str_field(message, "StateChangeTime", where)),
        account=_optional_str(message, "AWSAccountId") or _arn_part(alarm_arn, 4),
        # The message's "Region" is a display name ("US East (N. Virginia)"): prefer the code.
        region=_arn_part(alarm_arn, 3) or _optional_str(message, "Region"),
    )


def _best_effort_alarm_name(item: object) -> str | None:
    """The alarm name of a malformed event, when one can be found, for the audit line."""
    if not isinstance(item, dict):
        return None
    for container_key in ("alarmData", "detail"):
        container = item.get(container_key)
        if isinstance(container, dict) and isinstance(container.get("alarmName"), str):
            return cast("str", container["alarmName"])
    sns = item.get("Sns")
    if isinstance(sns, dict) and isinstance(sns.get("Message"), str):
        try:
            message: object = json.loads(cast("str", sns["Message"]))
        except ValueError:
            return None
        if isinstance(message, dict) and isinstance(message.get("AlarmName"), str):
            return cast("str", message["AlarmName"])
    return None


def _parse_one(
    parser: Callable[[_T], AlarmStateChange], item: _T
) -> AlarmStateChange | RejectedEvent:
    try:
        return parser(item)
    except MalformedEventError as exc:
        return RejectedEvent(reason=str(exc), alarm=_best_effort_alarm_name(item))


def normalize_event(event: object) -> list[AlarmStateChange | RejectedEvent]:
    """Turn any incoming event into alarm state changes, or rejections; never raises.

    An SNS event yields one item per record; the other shapes yield one item.
    """
    if not isinstance(event, dict):
        return [RejectedEvent(reason=f"event must be a JSON object, got {_json_type(event)}")]
    if "Records" in event:
        records = event["Records"]
        if not isinstance(records, list) or not records:
            return [RejectedEvent(reason="'Records' must be a non-empty array of SNS records")]
        return [_parse_one(_from_sns_record, record) for record in records]
    if "alarmData" in event:
        return [_parse_one(_from_native_action, event)]
    if "detail-type" in event:
        return [_parse_one(_from_eventbridge, event)]
    return [
        RejectedEvent(
            reason="unrecognised event: expected a CloudWatch alarm action payload "
            "('alarmData'), an EventBridge 'CloudWatch Alarm State Change' event "
            "('detail-type'), or SNS records ('Records')"
        )
    ]


# --------------------------------------------------------------------------------------------
# Module-level Powertools objects and settings (cold start)
# --------------------------------------------------------------------------------------------

_SERVICE_NAME: Final = os.environ.get("POWERTOOLS_SERVICE_NAME") or DEFAULT_SERVICE_NAME

logger = Logger(service=_SERVICE_NAME)
metrics = Metrics(
    service=_SERVICE_NAME,
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_METRICS_NAMESPACE,
)
tracer = Tracer(service=_SERVICE_NAME)

SETTINGS: Final = load_settings(os.environ)

_BOTO_CONFIG: Final = Config(
    retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=15
)


def _mark_replay(response: Any, idempotent_data: DataRecord) -> Any:
    """Idempotency response hook: tell a redelivery apart from the first handling."""
    previous = response if isinstance(response, dict) else {}
    return {**previous, "replayed": True, "idempotency_key": idempotent_data.idempotency_key}


IDEMPOTENCY_CONFIG: Final = IdempotencyConfig(
    # Key: the alarm ARN and the (canonical) state timestamp identify one state change.
    event_key_jmespath="[alarm_arn, timestamp]",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=IDEMPOTENCY_EXPIRES_AFTER_SECONDS,
    response_hook=_mark_replay,
)


def _log_settings(settings: Settings) -> None:
    remediation = settings.remediation
    logger.info(
        "remediation configuration loaded",
        extra={
            "dry_run": settings.dry_run,
            "actions": {name: action.kind.value for name, action in remediation.actions.items()},
            "idempotency_table": settings.idempotency_table,
            "notify_topic_arn": settings.notify_topic_arn,
        },
    )
    if settings.dry_run_warning:
        logger.warning(settings.dry_run_warning)
    if remediation.error:
        logger.error(
            "REMEDIATION_ACTIONS is invalid; every alarm will be rejected",
            extra={"error": remediation.error},
        )
    elif not remediation.actions and not remediation.invalid:
        logger.warning("REMEDIATION_ACTIONS is empty; every alarm will be skipped")
    for alarm_name, error in remediation.invalid.items():
        logger.error(
            "invalid remediation config; events for this alarm will be rejected",
            extra={"alarm": alarm_name, "error": error},
        )
    if not settings.dry_run and not settings.idempotency_table:
        logger.error("IDEMPOTENCY_TABLE is not set; no action will be performed")


_log_settings(SETTINGS)


@functools.cache
def _client(service_name: str) -> Any:
    """One boto3 client per service, created on first use and reused across invocations."""
    return boto3.client(service_name, config=_BOTO_CONFIG)


# --------------------------------------------------------------------------------------------
# Actions
# --------------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class ActionResult:
    """What an executed action did; stored as the idempotency record's response."""

    outcome: Outcome
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"outcome": self.outcome.value, "reason": self.reason}


@tracer.capture_method
def _reboot_rds_instance(action: RebootRdsInstance) -> ActionResult:
    response = _client("rds").reboot_db_instance(DBInstanceIdentifier=action.db_instance_identifier)
    status = response.get("DBInstance", {}).get("DBInstanceStatus", "unknown")
    return ActionResult(
        Outcome.ACTED,
        f"rebooted RDS DB instance {action.db_instance_identifier} (status: {status})",
    )


@tracer.capture_method
def _stop_ec2_instance(action: StopEc2Instance) -> ActionResult:
    response = _client("ec2").stop_instances(InstanceIds=[action.instance_id])
    changes = response.get("StoppingInstances") or [{}]
    previous = changes[0].get("PreviousState", {}).get("Name", "unknown")
    current = changes[0].get("CurrentState", {}).get("Name", "unknown")
    return ActionResult(
        Outcome.ACTED,
        f"requested a stop of EC2 instance {action.instance_id} ({previous} -> {current})",
    )


@tracer.capture_method
def _reboot_ec2_instance(action: RebootEc2Instance) -> ActionResult:
    _client("ec2").reboot_instances(InstanceIds=[action.instance_id])
    return ActionResult(Outcome.ACTED, f"requested a reboot of EC2 instance {action.instance_id}")


@tracer.capture_method
def _scale_ecs_service(action: ScaleEcsService) -> ActionResult:
    ecs = _client("ecs")
    described = ecs.describe_services(cluster=action.cluster, services=[action.service])
    services = described.get("services") or []
    if not services:
        failures = described.get("failures") or [{}]
        raise RemediationError(
            f"ECS service {action.service} not found in cluster {action.cluster}: "
            f"{failures[0].get('reason', 'no service returned')}"
        )
    current = int(services[0]["desiredCount"])
    desired = next_desired_count(action, current)
    if desired == current:
        return ActionResult(
            Outcome.SKIPPED,
            f"ECS service {action.service} already has desired count {current}; not changed",
        )
    ecs.update_service(cluster=action.cluster, service=action.service, desiredCount=desired)
    return ActionResult(
        Outcome.ACTED,
        f"changed the desired count of ECS service {action.service} from {current} to {desired}",
    )


@tracer.capture_method
def _limit_lambda_concurrency(action: LimitLambdaConcurrency) -> ActionResult:
    lambda_ = _client("lambda")
    name, reserved = action.function_name, action.reserved_concurrency
    # Absent (or null) when the function has no reservation: it uses unreserved concurrency.
    previous = lambda_.get_function_concurrency(FunctionName=name).get(
        "ReservedConcurrentExecutions"
    )
    if previous == reserved:
        return ActionResult(
            Outcome.SKIPPED,
            f"Lambda function {name} already has reserved concurrency {reserved}; not changed",
        )
    lambda_.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)
    before = "unreserved" if previous is None else str(previous)
    return ActionResult(
        Outcome.ACTED,
        f"changed the reserved concurrency of Lambda function {name} from {before} to {reserved}",
    )


def _notification_subject(change: AlarmStateChange) -> str:
    # SNS subjects: ASCII, no line breaks, at most 100 characters.
    subject = f"{change.state}: {change.alarm_name}"
    printable = "".join(char if " " <= char <= "~" else "?" for char in subject)
    return printable[:_MAX_SNS_SUBJECT_CHARS]


def _notification_message(change: AlarmStateChange) -> str:
    previous = change.previous_state or "unknown"
    return "\n".join(
        [
            f'CloudWatch alarm "{change.alarm_name}" changed from {previous} to {change.state}.',
            "",
            f"Reason: {change.reason or '(none given)'}",
            f"Time: {change.timestamp}",
            f"Account: {change.account or 'unknown'}",
            f"Region: {change.region or 'unknown'}",
            f"Alarm ARN: {change.alarm_arn}",
            "",
            "No automatic remediation is configured for this alarm: please investigate.",
        ]
    )


@tracer.capture_method
def _notify(change: AlarmStateChange, topic_arn: str | None) -> ActionResult:
    if topic_arn is None:
        logger.warning(
            "alarm notification (NOTIFY_TOPIC_ARN is not set)",
            extra={"alarm": change.alarm_name, "notification": _notification_message(change)},
        )
        return ActionResult(Outcome.ACTED, "notification logged; NOTIFY_TOPIC_ARN is not set")
    response = _client("sns").publish(
        TopicArn=topic_arn,
        Subject=_notification_subject(change),
        Message=_notification_message(change),
    )
    return ActionResult(
        Outcome.ACTED,
        f"published a notification to {topic_arn} (message {response.get('MessageId')})",
    )


def _execute(*, change: AlarmStateChange, action: RemediationAction) -> dict[str, str]:
    """Perform the action once; wrapped by Powertools idempotency (key: ``change``)."""
    match action:
        case RebootRdsInstance():
            result = _reboot_rds_instance(action)
        case StopEc2Instance():
            result = _stop_ec2_instance(action)
        case RebootEc2Instance():
            result = _reboot_ec2_instance(action)
        case ScaleEcsService():
            result = _scale_ecs_service(action)
        case LimitLambdaConcurrency():
            result = _limit_lambda_concurrency(action)
        case Notify():
            result = _notify(change, SETTINGS.notify_topic_arn)
    return result.to_dict()


@functools.cache
def _idempotent_execute() -> Callable[..., dict[str, Any]]:
    """The idempotent ``_execute``, built on first use so that module import never fails."""
    persistence = DynamoDBPersistenceLayer(
        table_name=cast("str", SETTINGS.idempotency_table),
        boto_config=_BOTO_CONFIG,
    )
    return cast(
        "Callable[..., dict[str, Any]]",
        idempotent_function(
            _execute,
            data_keyword_argument="change",
            persistence_store=persistence,
            config=IDEMPOTENCY_CONFIG,
        ),
    )


# --------------------------------------------------------------------------------------------
# Decisions, audit and metrics
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """One decision: the audit line, the metrics and one entry of the returned summary."""

    outcome: Outcome
    reason: str
    alarm: str | None
    change: AlarmStateChange | None = None
    action: RemediationAction | None = None


def _report(decision: Decision, error: BaseException | None = None) -> dict[str, str | None]:
    """Log the audit line, count the metrics, and return the summary entry."""
    change = decision.change
    action = decision.action
    target = action_target(action, notify_topic_arn=SETTINGS.notify_topic_arn) if action else None
    result: dict[str, str | None] = {
        "alarm": decision.alarm,
        "outcome": decision.outcome.value,
        "action": action.kind.value if action else None,
        "target": target,
        "reason": decision.reason,
    }
    audit: dict[str, object] = {
        **result,
        "dry_run": SETTINGS.dry_run,
        "state": change.state if change else None,
        "previous_state": change.previous_state if change else None,
        "alarm_arn": change.alarm_arn if change else None,
        "state_timestamp": change.timestamp if change else None,
        "alarm_reason": change.reason[:_MAX_ALARM_REASON_CHARS] if change else None,
    }
    if decision.outcome is Outcome.FAILED:
        logger.error(AUDIT_MESSAGE, extra=audit, exc_info=error)
    elif decision.outcome is Outcome.REJECTED:
        logger.warning(AUDIT_MESSAGE, extra=audit)
    else:
        logger.info(AUDIT_MESSAGE, extra=audit)

    metrics.add_metric(name=OUTCOME_METRICS[decision.outcome], unit=MetricUnit.Count, value=1)
    if action is not None and decision.outcome in _ATTEMPT_OUTCOMES:
        metrics.add_metric(name=ACTION_METRICS[action.kind], unit=MetricUnit.Count, value=1)
    return result


def _config_problem(alarm_name: str) -> tuple[Outcome, str] | None:
    """Why the configuration does not let this alarm be remediated, or None."""
    remediation = SETTINGS.remediation
    if remediation.error:
        return Outcome.REJECTED, f"REMEDIATION_ACTIONS is invalid: {remediation.error}"
    if alarm_name in remediation.invalid:
        return Outcome.REJECTED, f"invalid remediation config: {remediation.invalid[alarm_name]}"
    if alarm_name not in remediation.actions:
        return Outcome.SKIPPED, "no remediation is configured for this alarm"
    if not SETTINGS.dry_run and not SETTINGS.idempotency_table:
        return (
            Outcome.REJECTED,
            "IDEMPOTENCY_TABLE is not set; refusing to act without duplicate protection",
        )
    return None


def _reason_not_to_act(change: AlarmStateChange) -> tuple[Outcome, str] | None:
    """Why a state change is skipped or rejected before any action, or None to go ahead."""
    if change.state != "ALARM":
        return (
            Outcome.SKIPPED,
            f"state is {change.state}; remediation runs only on transitions into ALARM",
        )
    if change.previous_state == "ALARM":
        return Outcome.SKIPPED, "no transition: the alarm was already in ALARM"
    return _config_problem(change.alarm_name)


def _act(change: AlarmStateChange, action: RemediationAction) -> tuple[Outcome, str]:
    """Perform the action once per state change; an AWS error propagates."""
    description = describe_action(action, notify_topic_arn=SETTINGS.notify_topic_arn)
    if SETTINGS.dry_run:
        return Outcome.DRY_RUN, f"dry run: would {description}"
    try:
        response = _idempotent_execute()(change=change, action=action)
    except IdempotencyAlreadyInProgressError:
        # Another invocation holds this state change; it (or Lambda's retry of it) will act.
        return Outcome.SKIPPED, "another invocation is already handling this state change"
    if response.get("replayed"):
        return (
            Outcome.SKIPPED,
            "duplicate delivery; this state change was already handled "
            f"({response.get('outcome')}: {response.get('reason')})",
        )
    return Outcome(response["outcome"]), str(response["reason"])


def _decide(change: AlarmStateChange) -> tuple[Decision, Exception | None]:
    """Decide what to do with one state change, and do it; an AWS error is returned."""
    action = SETTINGS.remediation.actions.get(change.alarm_name)
    verdict = _reason_not_to_act(change)
    if verdict is not None or action is None:
        outcome, reason = verdict or (Outcome.SKIPPED, "no remediation is configured")
        return Decision(outcome, reason, change.alarm_name, change, action), None
    try:
        outcome, reason = _act(change, action)
    except Exception as exc:  # every failure is audited by the caller, then re-raised
        description = describe_action(action, notify_topic_arn=SETTINGS.notify_topic_arn)
        reason = f"could not {description}: {type(exc).__name__}: {exc}"
        return Decision(Outcome.FAILED, reason, change.alarm_name, change, action), exc
    return Decision(outcome, reason, change.alarm_name, change, action), None


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: object, context: LambdaContext) -> dict[str, list[dict[str, str | None]]]:
    """Handle one alarm event (every record of an SNS event); see the module docstring.

    Malformed events are rejected and reported, never raised. An AWS error while acting is
    audited, counted and re-raised (after the other records are handled) so that Lambda's
    retries and the on-failure destination keep the event.
    """
    IDEMPOTENCY_CONFIG.register_lambda_context(context)
    results: list[dict[str, str | None]] = []
    errors: list[Exception] = []
    for item in normalize_event(event):
        if isinstance(item, RejectedEvent):
            results.append(_report(Decision(Outcome.REJECTED, item.reason, item.alarm)))
            continue
        decision, error = _decide(item)
        results.append(_report(decision, error))
        if error is not None:
            errors.append(error)
    if errors:
        raise errors[0]
    return {"results": results}
