"""Tests for the one event the function accepts (remediation_handler/events.py).

CloudWatch's Lambda alarm action is read as a claim; SNS records, EventBridge events and
anything else are refused as ``unsupported_source``, a broken alarm action as
``malformed_event``: an audit line and a ``Refused`` metric, never an action.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambdas.alarm_remediation.remediation_handler import events
from lambdas.alarm_remediation.remediation_handler.refusal import Refusal, RefusalReason
from tests.lambdas.alarm_remediation.remediation_handler.harness import (
    Loader,
    Output,
    acting_clients,
    idempotency_items,
    invoke,
)
from tests.lambdas.alarm_remediation.remediation_handler.moto_resources import (
    firing_alarm,
    instance_state,
    run_instance,
)
from tests.lambdas.alarm_remediation.remediation_handler.sample_events import (
    FOREIGN_SHAPES,
    alarm_arn,
    eventbridge_event,
    json_values,
    native_event,
    sns_event,
    sns_message,
    sns_record,
)
from tests.lambdas.conftest import ACCOUNT_ID, REGION


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


@pytest.mark.usefixtures("idempotency_table")
@pytest.mark.parametrize("shape", [*FOREIGN_SHAPES, "random dict"])
def test_an_event_from_an_unexpected_source_is_refused_for_a_firing_alarm(
    load_handler: Loader, output: Callable[[], Output], shape: str
) -> None:
    # GIVEN an alarm with an action, really in ALARM in CloudWatch
    instance_id = run_instance()
    firing_alarm("web-1-status")
    load_handler({"web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id}})
    output()
    event = (
        FOREIGN_SHAPES[shape]("web-1-status")
        if shape in FOREIGN_SHAPES
        else {"alarm": "web-1-status", "action": "stop", "instance": instance_id}
    )

    # WHEN it arrives as an SNS notification, an EventBridge event or some other payload
    summary = invoke(event)

    # THEN it is refused: nothing is done, one audit line and one Refused metric say why
    assert instance_state(instance_id) == "running"
    assert acting_clients() == set()
    assert idempotency_items() == []
    [result] = summary["results"]
    assert (result["outcome"], result["reason"]) == ("refused", "unsupported_source")
    written = output()
    [refusal] = written.refusals
    assert (refusal["level"], refusal["reason"]) == ("WARNING", "unsupported_source")
    assert (refusal["function_account"], refusal["function_region"]) == (ACCOUNT_ID, REGION)
    if shape in FOREIGN_SHAPES:  # the alarm it names goes on the audit line
        named = (refusal["alarm"], refusal["alarm_arn"])
        assert named == ("web-1-status", alarm_arn("web-1-status"))
    assert written.metric_totals() == {"Refused": 1}
    assert [point["dimensions"] for point in written.metric_dimensions("Refused")] == [
        {"Reason": "unsupported_source"}
    ]


REFUSED_EVENTS: Mapping[str, tuple[object, RefusalReason, str]] = {
    "null": (None, RefusalReason.UNSUPPORTED_SOURCE, "event must be a JSON object, got null"),
    "array": ([native_event("a")], RefusalReason.UNSUPPORTED_SOURCE, "got array"),
    "string": ("ALARM", RefusalReason.UNSUPPORTED_SOURCE, "got string"),
    "empty object": ({}, RefusalReason.UNSUPPORTED_SOURCE, "'source' is None"),
    "no alarmData": (
        {"source": "aws.cloudwatch", "alarmName": "a"},
        RefusalReason.UNSUPPORTED_SOURCE,
        "no 'alarmData'",
    ),
    "native, other source": (
        _with(native_event("a"), "custom.app", "source"),
        RefusalReason.UNSUPPORTED_SOURCE,
        "'source' is 'custom.app', expected 'aws.cloudwatch'",
    ),
    "native, source missing": (
        _without(native_event("a"), "source"),
        RefusalReason.UNSUPPORTED_SOURCE,
        "'source' is None",
    ),
    "eventbridge": (
        eventbridge_event("a"),
        RefusalReason.UNSUPPORTED_SOURCE,
        "EventBridge events ('CloudWatch Alarm State Change') are not accepted",
    ),
    "SNS notification": (
        sns_event(sns_message("a")),
        RefusalReason.UNSUPPORTED_SOURCE,
        "records (SNS, SQS, ...) are not accepted",
    ),
    "SNS message not JSON": (
        sns_event("ALARM: a is on fire"),
        RefusalReason.UNSUPPORTED_SOURCE,
        "records",
    ),
    "SQS record": (
        {"Records": [{"eventSource": "aws:sqs", "body": "{}"}]},
        RefusalReason.UNSUPPORTED_SOURCE,
        "records",
    ),
    "native without state": (
        _without(native_event("a"), "alarmData", "state"),
        RefusalReason.MALFORMED_EVENT,
        "missing field 'alarmData.state'",
    ),
    "native without alarm name": (
        _without(native_event("a"), "alarmData", "alarmName"),
        RefusalReason.MALFORMED_EVENT,
        "'alarmData.alarmName'",
    ),
    "native without ARN": (
        _without(native_event("a"), "alarmArn"),
        RefusalReason.MALFORMED_EVENT,
        "missing field 'alarmArn'",
    ),
    "native, state not an object": (
        _with(native_event("a"), "ALARM", "alarmData", "state"),
        RefusalReason.MALFORMED_EVENT,
        "must be a JSON object",
    ),
    "native, unknown state": (
        _with(native_event("a"), "FIRING", "alarmData", "state", "value"),
        RefusalReason.MALFORMED_EVENT,
        "'FIRING'",
    ),
    "native, state value a number": (
        _with(native_event("a"), 3, "alarmData", "state", "value"),
        RefusalReason.MALFORMED_EVENT,
        "got number",
    ),
    "native, accountId a number": (
        _with(native_event("a"), 123456789012, "accountId"),
        RefusalReason.MALFORMED_EVENT,
        "field 'accountId' must be a non-empty string, got number",
    ),
}


@pytest.mark.usefixtures("idempotency_table")
@pytest.mark.parametrize("name", REFUSED_EVENTS)
def test_events_that_are_not_an_alarm_action_are_refused_without_raising(
    load_handler: Loader, output: Callable[[], Output], name: str
) -> None:
    event, expected_reason, expected_detail = REFUSED_EVENTS[name]
    load_handler({"a": {"action": "notify"}})
    output()

    summary = invoke(event)

    [result] = summary["results"]
    assert (result["outcome"], result["reason"]) == ("refused", expected_reason.value)
    assert expected_detail in str(result["detail"])
    written = output()
    [refusal] = written.refusals
    assert (refusal["level"], refusal["reason"]) == ("WARNING", expected_reason.value)
    assert refusal["detail"] == result["detail"]
    assert written.metric_totals() == {"Refused": 1}
    assert [point["dimensions"] for point in written.metric_dimensions("Refused")] == [
        {"Reason": expected_reason.value}
    ]
    assert acting_clients() == set()
    assert idempotency_items() == []


def test_a_malformed_alarm_action_names_its_alarm_when_it_can() -> None:
    refusal = events.parse_event(_without(native_event("api-cpu"), "alarmData", "state"))

    assert refusal == Refusal(
        RefusalReason.MALFORMED_EVENT,
        "missing field 'alarmData.state'",
        "api-cpu",
        alarm_arn("api-cpu"),
    )


def test_an_alarm_action_is_read_as_a_claim() -> None:
    claim = events.parse_event(native_event("api-cpu"))

    assert claim == events.AlarmEvent(
        alarm_name="api-cpu",
        alarm_arn=alarm_arn("api-cpu"),
        state="ALARM",
        previous_state="OK",
        reason="Threshold Crossed: 1 datapoint",
        timestamp="2024-05-01T10:00:00.000+00:00",
        account=ACCOUNT_ID,
        region=REGION,
    )


def test_an_alarm_action_without_account_or_region_fields_claims_none() -> None:
    claim = events.parse_event(_without(_without(native_event("a"), "accountId"), "region"))

    assert isinstance(claim, events.AlarmEvent)
    assert (claim.account, claim.region) == (None, None)


EVENT_KEYS = [
    "Records",
    "alarmData",
    "detail-type",
    "detail",
    "source",
    "resources",
    "alarmArn",
    "accountId",
    "region",
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
def test_parse_event_never_raises(event: object) -> None:
    parsed = events.parse_event(event)

    assert isinstance(parsed, events.AlarmEvent | Refusal)
    if isinstance(parsed, Refusal):
        assert parsed.detail
        assert parsed.reason in {RefusalReason.UNSUPPORTED_SOURCE, RefusalReason.MALFORMED_EVENT}
