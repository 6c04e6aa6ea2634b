"""The one event the function accepts: CloudWatch's native Lambda alarm action.

The construct wires the function to alarms only as their Lambda alarm action: CloudWatch then
invokes it with ``source`` ``"aws.cloudwatch"``, the ``alarmArn`` and the ``alarmData`` of the
state change. It never subscribes the function to an SNS topic nor targets it from an
EventBridge rule, so an SNS record, an EventBridge event or any other payload did not come the
library's way and is refused (``unsupported_source``; its alarm name and ARN, when it names
one, go on the audit line). A Lambda alarm action payload with a missing or mistyped field is
refused as ``malformed_event``.

An accepted event is only a claim (``AlarmEvent``): anyone allowed to invoke the function can
write one. ``verification`` checks it against the function's own account and region and against
CloudWatch before anything is done. A refusal is never raised: an asynchronous invocation that
raises is retried, and a refused event would only be refused again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from ._json import json_type
from .exceptions import MalformedEventError
from .refusal import Refusal, RefusalReason

ALARM_STATES: Final = frozenset({"OK", "ALARM", "INSUFFICIENT_DATA"})
CLOUDWATCH_SOURCE: Final = "aws.cloudwatch"


@dataclass(frozen=True)
class AlarmEvent:
    """What a Lambda alarm action event claims; nothing in it is trusted until verified.

    ``account`` and ``region`` are the event's ``accountId`` and ``region`` fields, None when
    the event has none.
    """

    alarm_name: str
    alarm_arn: str
    state: str
    previous_state: str | None
    reason: str
    timestamp: str
    account: str | None
    region: str | None


def canonical_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds (``2024-05-01T10:00:00.000+00:00``)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _canonical(raw: str) -> str:
    try:
        return canonical_timestamp(datetime.fromisoformat(raw.strip()))
    except ValueError:
        return raw.strip()


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


def _present_str(mapping: Mapping[str, object], key: str) -> str | None:
    """None when the field is absent; a present field must be a non-empty string."""
    return _str_field(mapping, key, "") if key in mapping else None


def _state_value(value: str, where: str) -> str:
    if value not in ALARM_STATES:
        allowed = ", ".join(sorted(ALARM_STATES))
        raise MalformedEventError(f"field '{where}' is {value!r}, not one of: {allowed}")
    return value


def _from_native_action(event: Mapping[str, object]) -> AlarmEvent:
    where = "alarmData."
    data = _object_field(event, "alarmData", "")
    state = _object_field(data, "state", where)
    previous = data.get("previousState")
    previous_value = _optional_str(previous, "value") if isinstance(previous, dict) else None
    timestamp = _optional_str(state, "timestamp") or _str_field(event, "time", "")
    return AlarmEvent(
        alarm_name=_str_field(data, "alarmName", where),
        alarm_arn=_str_field(event, "alarmArn", ""),
        state=_state_value(_str_field(state, "value", f"{where}state."), f"{where}state.value"),
        previous_state=previous_value,
        reason=_optional_str(state, "reason") or "",
        timestamp=_canonical(timestamp),
        account=_present_str(event, "accountId"),
        region=_present_str(event, "region"),
    )


def _sns_claim(event: Mapping[str, object]) -> tuple[str | None, str | None]:
    records = event.get("Records")
    record = records[0] if isinstance(records, list) and records else None
    sns = record.get("Sns") if isinstance(record, dict) else None
    raw = sns.get("Message") if isinstance(sns, dict) else None
    try:
        message: object = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None, None
    if not isinstance(message, dict):
        return None, None
    return _optional_str(message, "AlarmName"), _optional_str(message, "AlarmArn")


def _claimed_alarm(event: Mapping[str, object]) -> tuple[str | None, str | None]:
    """The alarm name and ARN an unaccepted event names, if any, for the audit line only.

    Read from the SNS message of the first record, EventBridge's ``detail`` and ``resources``,
    or the Lambda alarm action's own fields.
    """
    if "Records" in event:
        return _sns_claim(event)
    data = event.get("detail") if "detail-type" in event else event.get("alarmData")
    name = _optional_str(data, "alarmName") if isinstance(data, dict) else None
    if "detail-type" in event:
        resources = event.get("resources")
        first = resources[0] if isinstance(resources, list) and resources else None
        return name, first if isinstance(first, str) else None
    return name, _optional_str(event, "alarmArn")


def _unsupported(event: Mapping[str, object]) -> str | None:
    """Why an event is not CloudWatch's Lambda alarm action, or None when it is one."""
    if "Records" in event:
        return (
            "records (SNS, SQS, ...) are not accepted: the function is invoked only as the "
            "alarms' Lambda alarm action"
        )
    if "detail-type" in event:
        return (
            f"EventBridge events ({event['detail-type']!r}) are not accepted: the function is "
            "invoked only as the alarms' Lambda alarm action"
        )
    if event.get("source") != CLOUDWATCH_SOURCE:
        return f"'source' is {event.get('source')!r}, expected {CLOUDWATCH_SOURCE!r}"
    if "alarmData" not in event:
        return "no 'alarmData': not a CloudWatch Lambda alarm action"
    return None


def parse_event(event: object) -> AlarmEvent | Refusal:
    """The claim of a Lambda alarm action event, or why the event is refused; never raises."""
    if not isinstance(event, dict):
        return Refusal(
            RefusalReason.UNSUPPORTED_SOURCE,
            f"event must be a JSON object, got {json_type(event)}",
        )
    unsupported = _unsupported(event)
    if unsupported is not None:
        return Refusal(RefusalReason.UNSUPPORTED_SOURCE, unsupported, *_claimed_alarm(event))
    try:
        return _from_native_action(event)
    except MalformedEventError as exc:
        return Refusal(RefusalReason.MALFORMED_EVENT, str(exc), *_claimed_alarm(event))
