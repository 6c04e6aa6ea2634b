"""Tests for acting at most once per state change (remediation_handler/idempotency.py).

A state change is CloudWatch's (the alarm ARN and its ``StateUpdatedTimestamp``), never what
the event says: a replayed or re-timestamped event for one state change acts at most once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC

import pytest

from lambdas.alarm_remediation.remediation_handler import execution, idempotency
from lambdas.alarm_remediation.remediation_handler.actions import RemediationAction
from lambdas.alarm_remediation.remediation_handler.exceptions import RemediationError
from lambdas.alarm_remediation.remediation_handler.verification import AlarmStateChange
from tests.lambdas.alarm_remediation.remediation_handler.harness import (
    Loader,
    Output,
    idempotency_items,
    invoke,
)
from tests.lambdas.alarm_remediation.remediation_handler.moto_resources import (
    create_ecs_service,
    create_function,
    ecs_desired_count,
    firing_alarm,
    new_state_change,
    pause,
    reserved_concurrency,
    state_updated,
)
from tests.lambdas.alarm_remediation.remediation_handler.sample_events import (
    alarm_arn,
    native_event,
)
from tests.lambdas.conftest import aws_client

SCALE_OUT = {
    "api-cpu": {
        "action": "scale_ecs_service",
        "cluster": "web",
        "service": "api",
        "step": 1,
        "max_count": 10,
    }
}


@pytest.mark.usefixtures("idempotency_table")
def test_the_same_state_change_delivered_twice_acts_once(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    create_ecs_service(desired_count=2)
    load_handler(SCALE_OUT)
    event = firing_alarm("api-cpu")
    output()

    first = invoke(event)
    second = invoke(event)

    assert ecs_desired_count() == 3  # +1 once, not twice
    assert first["results"][0]["outcome"] == "acted"
    assert (second["results"][0]["outcome"], second["results"][0]["reason"]) == (
        "refused",
        "replay",
    )
    assert str(second["results"][0]["detail"]).endswith(
        "was already handled (acted: changed the desired count of ECS service api from 2 to 3)"
    )
    [item] = idempotency_items()
    assert item["status"]["S"] == "COMPLETED"
    assert "expiration" in item
    written = output()
    assert written.metric_totals() == {"Acted": 1, "Refused": 1, "ScaleEcsService": 1}
    assert [point["dimensions"] for point in written.metric_dimensions("Refused")] == [
        {"Reason": "replay"}
    ]

    # A new state change of the alarm in CloudWatch acts again.
    third = invoke(new_state_change("api-cpu"))
    assert third["results"][0]["outcome"] == "acted"
    assert ecs_desired_count() == 4


@pytest.mark.usefixtures("idempotency_table")
def test_a_re_timestamped_event_for_the_same_state_change_acts_once(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    # GIVEN a state change handled once
    create_ecs_service(desired_count=2)
    load_handler(SCALE_OUT)
    invoke(firing_alarm("api-cpu"))
    output()

    # WHEN the event is replayed with other timestamps (CloudWatch's state is unchanged)
    later = [
        invoke(native_event("api-cpu", timestamp=timestamp))
        for timestamp in ("2030-01-01T00:00:00.000+0000", "2024-05-01T10:00:00Z")
    ]

    # THEN it is the same state change: refused as a replay, nothing changed
    assert ecs_desired_count() == 3
    assert [summary["results"][0]["reason"] for summary in later] == ["replay", "replay"]
    written = output()
    assert [line["reason"] for line in written.refusals] == ["replay", "replay"]
    assert written.metric_totals() == {"Refused": 2}
    assert len(idempotency_items()) == 1


@pytest.mark.usefixtures("idempotency_table")
def test_a_redelivered_pause_does_not_undo_an_operator_restoring_the_function(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    # GIVEN a function paused by an alarm, then restored by an operator
    create_function("orders-worker", reserved=40)
    load_handler({"orders-worker-errors": pause("orders-worker")})
    event = firing_alarm("orders-worker-errors")
    output()
    first = invoke(event)
    assert reserved_concurrency("orders-worker") == 0
    aws_client("lambda").put_function_concurrency(
        FunctionName="orders-worker", ReservedConcurrentExecutions=40
    )

    # WHEN Lambda (or a DLQ redrive) delivers the same state change again
    second = invoke(event)

    # THEN it is recognised as handled: the function stays restored
    assert reserved_concurrency("orders-worker") == 40
    assert first["results"][0]["outcome"] == "acted"
    assert second["results"][0]["outcome"] == "refused"
    assert second["results"][0]["detail"] == (
        f"this state change (CloudWatch state timestamp {_state_timestamp('orders-worker-errors')})"
        " was already handled (acted: changed the reserved concurrency of Lambda function "
        "orders-worker from 40 to 0)"
    )
    assert output().metric_totals() == {"Acted": 1, "Refused": 1, "LimitLambdaConcurrency": 1}

    # A new state change of the alarm pauses it again.
    third = invoke(new_state_change("orders-worker-errors"))
    assert third["results"][0]["outcome"] == "acted"
    assert reserved_concurrency("orders-worker") == 0


@pytest.mark.usefixtures("idempotency_table")
def test_a_concurrent_delivery_of_a_state_change_in_progress_is_refused(
    load_handler: Loader, output: Callable[[], Output], monkeypatch: pytest.MonkeyPatch
) -> None:
    create_ecs_service(desired_count=2)
    load_handler(SCALE_OUT)
    event = firing_alarm("api-cpu")
    concurrent: list[dict[str, list[dict[str, str | None]]]] = []
    execute = execution.execute

    def execute_while_redelivered(
        *, change: AlarmStateChange, action: RemediationAction, notify_topic_arn: str | None
    ) -> dict[str, str]:
        concurrent.append(invoke(event))  # arrives while this one holds the record
        return execute(change=change, action=action, notify_topic_arn=notify_topic_arn)

    monkeypatch.setattr(idempotency, "execute", execute_while_redelivered)
    output()

    summary = invoke(event)

    assert summary["results"][0]["outcome"] == "acted"
    assert (concurrent[0]["results"][0]["outcome"], concurrent[0]["results"][0]["reason"]) == (
        "refused",
        "in_progress",
    )
    assert str(concurrent[0]["results"][0]["detail"]).startswith(
        "another invocation is already handling this state change"
    )
    assert ecs_desired_count() == 3
    assert [point["dimensions"] for point in output().metric_dimensions("Refused")] == [
        {"Reason": "in_progress"}
    ]


@pytest.mark.usefixtures("idempotency_table")
def test_a_retry_after_a_failure_acts(load_handler: Loader) -> None:
    load_handler(
        {
            "api-latency": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "desired_count": 5,
            }
        }
    )

    aws_client("ecs").create_cluster(clusterName="web")
    event = firing_alarm("api-latency")
    with pytest.raises(RemediationError, match="ECS service api not found in cluster web"):
        invoke(event)  # the service does not exist yet
    assert idempotency_items() == []
    create_ecs_service(desired_count=1)
    summary = invoke(event)  # Lambda's retry of the same event

    assert summary["results"][0]["outcome"] == "acted"
    assert ecs_desired_count() == 5


def _state_timestamp(name: str) -> str:
    """CloudWatch's StateUpdatedTimestamp of the alarm, in the handler's canonical form."""
    return state_updated(name).astimezone(UTC).isoformat(timespec="milliseconds")


@pytest.mark.usefixtures("idempotency_table")
def test_the_record_key_is_the_one_the_single_module_handler_wrote(load_handler: Loader) -> None:
    # GIVEN an action handled once (outside Lambda, Powertools names the function "test-func")
    create_ecs_service(desired_count=2)
    load_handler(
        {
            "api-latency": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "desired_count": 4,
            }
        }
    )

    firing_alarm("api-latency")
    invoke(native_event("api-latency"))  # its timestamp (2024) is not CloudWatch's

    # THEN its record is keyed as before the handler was split into modules: the same scope,
    # and the hash of [alarm ARN, state timestamp] (now CloudWatch's), so a redelivery that
    # straddles an upgrade is still recognised
    payload = [alarm_arn("api-latency"), _state_timestamp("api-latency")]
    digest = hashlib.md5(json.dumps(payload, sort_keys=True).encode()).hexdigest()  # noqa: S324
    [item] = idempotency_items()
    assert item["id"]["S"] == f"test-func.{idempotency.IDEMPOTENCY_KEY_SCOPE}#{digest}"
    assert idempotency.IDEMPOTENCY_KEY_SCOPE == "index._execute"
