"""Alarm events, in the three shapes CloudWatch delivers them, as one kind of state change.

An alarm reaches the function through CloudWatch's native Lambda alarm action (``alarmData``),
an EventBridge "CloudWatch Alarm State Change" event (``detail``) or an SNS notification from
an alarm topic (``Records``, one per message). Each becomes an ``AlarmStateChange`` whose alarm
ARN and canonical state timestamp are the same whatever the channel, so that the idempotency
key of one state change is too. Anything else is a ``RejectedEvent``: never raised, because
an asynchronous invocation that raises is retried, and a malformed event would only fail again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, TypeVar, cast

from ._json import json_type
from .exceptions import MalformedEventError

_T = TypeVar("_T")

ALARM_STATES: Final = frozenset({"OK", "ALARM", "INSUFFICIENT_DATA"})
EVENTBRIDGE_DETAIL_TYPE: Final = "CloudWatch Alarm State Change"
CLOUDWATCH_SOURCE: Final = "aws.cloudwatch"


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
            f"field '{where}{key}' must be a non-empty string, got {json_type(value)}"
        )
    return value


def _object_field(mapping: Mapping[str, object], key: str, where: str) -> dict[str, object]:
    value = _field(mapping, key, where)
    if not isinstance(value, dict):
        raise MalformedEventError(
            f"field '{where}{key}' must be a JSON object, got {json_type(value)}"
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
        raise MalformedEventError(f"SNS record must be a JSON object, got {json_type(record)}")
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
        raise MalformedEventError(f"'Sns.Message' must be a JSON object, got {json_type(message)}")
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
        return [RejectedEvent(reason=f"event must be a JSON object, got {json_type(event)}")]
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
