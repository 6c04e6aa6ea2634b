"""Alarm events for the handler's tests.

The function accepts only CloudWatch's Lambda alarm action (``native_event``); the other shapes
CloudWatch alarms reach consumers in (an EventBridge "CloudWatch Alarm State Change" event, an
SNS notification from an alarm topic) are here to be refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from tests.lambdas.conftest import ACCOUNT_ID, REGION

ALARM_TIME = "2024-05-01T10:00:00.000+0000"
LATER_ALARM_TIME = "2024-05-01T11:30:00.000+0000"


def alarm_arn(name: str) -> str:
    return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:{name}"


def cloudwatch_time(moment: datetime) -> str:
    """A timestamp as CloudWatch writes it in alarm events (``2024-05-01T10:00:00.000+0000``)."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}+0000"


def native_event(
    name: str, state: str = "ALARM", previous: str = "OK", timestamp: str = ALARM_TIME
) -> dict[str, Any]:
    """CloudWatch's payload for a Lambda alarm action."""
    return {
        "source": "aws.cloudwatch",
        "alarmArn": alarm_arn(name),
        "accountId": ACCOUNT_ID,
        "time": timestamp,
        "region": REGION,
        "alarmData": {
            "alarmName": name,
            "state": {
                "value": state,
                "reason": "Threshold Crossed: 1 datapoint",
                "timestamp": timestamp,
            },
            "previousState": {
                "value": previous,
                "reason": "Threshold not crossed",
                "timestamp": "2024-05-01T09:00:00.000+0000",
            },
            "configuration": {"description": "test alarm", "metrics": []},
        },
    }


def eventbridge_event(
    name: str, state: str = "ALARM", previous: str = "OK", timestamp: str = ALARM_TIME
) -> dict[str, Any]:
    """EventBridge's "CloudWatch Alarm State Change" event."""
    return {
        "version": "0",
        "id": "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": ACCOUNT_ID,
        "time": timestamp,
        "region": REGION,
        "resources": [alarm_arn(name)],
        "detail": {
            "alarmName": name,
            "state": {
                "value": state,
                "reason": "Threshold Crossed: 1 datapoint",
                "timestamp": timestamp,
            },
            "previousState": {"value": previous, "reason": "Threshold not crossed"},
            "configuration": {"metrics": []},
        },
    }


def sns_message(
    name: str, state: str = "ALARM", previous: str = "OK", timestamp: str = ALARM_TIME
) -> dict[str, Any]:
    return {
        "AlarmName": name,
        "AlarmDescription": "test alarm",
        "AWSAccountId": ACCOUNT_ID,
        "AlarmConfigurationUpdatedTimestamp": "2024-04-01T00:00:00.000+0000",
        "NewStateValue": state,
        "NewStateReason": "Threshold Crossed: 1 datapoint",
        "StateChangeTime": timestamp,
        "Region": "US East (N. Virginia)",
        "AlarmArn": alarm_arn(name),
        "OldStateValue": previous,
        "Trigger": {"MetricName": "CPUUtilization", "Namespace": "AWS/EC2"},
    }


def sns_record(message: object) -> dict[str, Any]:
    body = message if isinstance(message, str) else json.dumps(message)
    return {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:alarms:0b1f",
        "Sns": {
            "Type": "Notification",
            "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
            "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:alarms",
            "Subject": "ALARM",
            "Message": body,
            "Timestamp": "2024-05-01T10:00:01.000Z",
        },
    }


def sns_event(*messages: object) -> dict[str, Any]:
    """An SNS notification event from an alarm topic, one record per message."""
    return {"Records": [sns_record(message) for message in messages]}


def sns_alarm_event(
    name: str, state: str = "ALARM", previous: str = "OK", timestamp: str = ALARM_TIME
) -> dict[str, Any]:
    return sns_event(sns_message(name, state, previous, timestamp))


EventBuilder = Callable[..., dict[str, Any]]
#: The shapes the function refuses (``unsupported_source``), by name.
FOREIGN_SHAPES: Mapping[str, EventBuilder] = {
    "eventbridge": eventbridge_event,
    "sns": sns_alarm_event,
}


#: Any decoded JSON value, for the properties "never raises".
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
