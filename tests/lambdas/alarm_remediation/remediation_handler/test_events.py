"""Tests for turning delivered events into alarm state changes (remediation_handler/events.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambdas.alarm_remediation.remediation_handler import events
from tests.lambdas.alarm_remediation.remediation_handler.harness import (
    Loader,
    Output,
    idempotency_items,
    invoke,
)
from tests.lambdas.alarm_remediation.remediation_handler.moto_resources import (
    instance_state,
    run_instance,
)
from tests.lambdas.alarm_remediation.remediation_handler.sample_events import (
    EVENT_SHAPES,
    alarm_arn,
    eventbridge_event,
    json_values,
    native_event,
    sns_event,
    sns_message,
    sns_record,
)
from tests.lambdas.conftest import ACCOUNT_ID, REGION


@pytest.mark.usefixtures("idempotency_table")
@pytest.mark.parametrize("shape", EVENT_SHAPES)
def test_each_event_shape_is_acted_on(load_handler: Loader, shape: str) -> None:
    instance_id = run_instance()
    load_handler({"web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id}})

    summary = invoke(EVENT_SHAPES[shape]("web-1-status"))

    assert instance_state(instance_id) == "stopped"
    assert [result["outcome"] for result in summary["results"]] == ["acted"]


def _without(event: dict[str, Any], *path: str) -> dict[str, Any]:
    copy = json.loads(json.dumps(event))
    container = copy
    for key in path[:-1]:
        container = container[key]
    del container[path[-1]]
    return cast("dict[str, Any]", copy)


def _with(event: dict[str, Any], value: object, *path: str) -> dict[str, Any]:
    copy = json.loads(json.dumps(event))
    container = copy
    for key in path[:-1]:
        container = container[key]
    container[path[-1]] = value
    return cast("dict[str, Any]", copy)


MALFORMED_EVENTS: Mapping[str, tuple[object, str]] = {
    "null": (None, "event must be a JSON object, got null"),
    "array": ([native_event("a")], "event must be a JSON object, got array"),
    "string": ("ALARM", "event must be a JSON object, got string"),
    "empty object": ({}, "unrecognised event"),
    "unknown shape": ({"source": "aws.cloudwatch", "alarmName": "a"}, "unrecognised event"),
    "native without state": (
        _without(native_event("a"), "alarmData", "state"),
        "missing field 'alarmData.state'",
    ),
    "native without alarm name": (
        _without(native_event("a"), "alarmData", "alarmName"),
        "'alarmData.alarmName'",
    ),
    "native without ARN": (_without(native_event("a"), "alarmArn"), "missing field 'alarmArn'"),
    "native, state not an object": (
        _with(native_event("a"), "ALARM", "alarmData", "state"),
        "must be a JSON object",
    ),
    "native, unknown state": (
        _with(native_event("a"), "FIRING", "alarmData", "state", "value"),
        "'FIRING'",
    ),
    "native, other source": (_with(native_event("a"), "custom.app", "source"), "'custom.app'"),
    "eventbridge, other detail-type": (
        _with(eventbridge_event("a"), "CloudWatch Alarm Configuration Change", "detail-type"),
        "'detail-type'",
    ),
    "eventbridge without resources": (
        _with(eventbridge_event("a"), [], "resources"),
        "'resources'",
    ),
    "eventbridge, state value a number": (
        _with(eventbridge_event("a"), 3, "detail", "state", "value"),
        "got number",
    ),
    "no records": ({"Records": []}, "'Records' must be a non-empty array"),
    "records not an array": ({"Records": {"Sns": {}}}, "'Records' must be a non-empty array"),
    "SQS record": (
        {"Records": [{"eventSource": "aws:sqs", "body": "{}"}]},
        "'EventSource' is None",
    ),
    "SNS message not JSON": (sns_event("ALARM: a is on fire"), "'Sns.Message' is not JSON"),
    "SNS message an array": (sns_event([sns_message("a")]), "must be a JSON object, got array"),
    "SNS message without ARN": (
        sns_event(_without(sns_message("a"), "AlarmArn")),
        "'Sns.Message.AlarmArn'",
    ),
    "SNS message without time": (
        sns_event(_without(sns_message("a"), "StateChangeTime")),
        "'Sns.Message.StateChangeTime'",
    ),
    "SNS record without Sns": ({"Records": [{"EventSource": "aws:sns"}]}, "missing field 'Sns'"),
}


@pytest.mark.usefixtures("idempotency_table")
@pytest.mark.parametrize("name", MALFORMED_EVENTS)
def test_malformed_events_are_rejected_without_raising(
    load_handler: Loader, output: Callable[[], Output], name: str
) -> None:
    event, expected_reason = MALFORMED_EVENTS[name]
    load_handler({"a": {"action": "notify"}})
    output()

    summary = invoke(event)

    [result] = summary["results"]
    assert result["outcome"] == "rejected"
    assert expected_reason in str(result["reason"])
    written = output()
    assert [(decision["outcome"], decision["level"]) for decision in written.decisions] == [
        ("rejected", "WARNING")
    ]
    assert written.decisions[0]["reason"] == result["reason"]
    assert written.metric_totals() == {"Rejected": 1}
    assert idempotency_items() == []


def test_the_three_shapes_normalize_to_the_same_state_change() -> None:
    changes = [events.normalize_event(build("api-cpu")) for build in EVENT_SHAPES.values()]

    expected = events.AlarmStateChange(
        alarm_name="api-cpu",
        alarm_arn=alarm_arn("api-cpu"),
        state="ALARM",
        previous_state="OK",
        reason="Threshold Crossed: 1 datapoint",
        timestamp="2024-05-01T10:00:00.000+00:00",
        account=ACCOUNT_ID,
        region=REGION,
    )
    assert changes == [[expected]] * 3


EVENT_KEYS = [
    "Records",
    "alarmData",
    "detail-type",
    "detail",
    "source",
    "resources",
    "alarmArn",
    "time",
    "Sns",
]


def _mutations(event: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid events with one key replaced by an arbitrary JSON value."""
    return st.builds(
        lambda key, value: {**event, key: value},
        st.sampled_from(sorted(event)),
        json_values,
    )


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        json_values,
        st.dictionaries(st.sampled_from(EVENT_KEYS), json_values, max_size=5),
        _mutations(native_event("a")),
        _mutations(eventbridge_event("a")),
        st.builds(lambda record: {"Records": [record]}, _mutations(sns_record(sns_message("a")))),
        st.builds(sns_event, st.text(max_size=40) | json_values),
    )
)
def test_normalize_event_never_raises(event: object) -> None:
    items = events.normalize_event(event)

    assert items
    for item in items:
        assert isinstance(item, events.AlarmStateChange | events.RejectedEvent)
        if isinstance(item, events.RejectedEvent):
            assert item.reason
