"""Tests for acting at most once per state change (remediation_handler/idempotency.py)."""

from __future__ import annotations

from collections.abc import Callable

import boto3
import pytest

from lambdas.alarm_remediation.remediation_handler import execution, idempotency
from lambdas.alarm_remediation.remediation_handler.actions import RemediationAction
from lambdas.alarm_remediation.remediation_handler.events import AlarmStateChange
from lambdas.alarm_remediation.remediation_handler.exceptions import RemediationError
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
    pause,
    reserved_concurrency,
)
from tests.lambdas.alarm_remediation.remediation_handler.sample_events import (
    LATER_ALARM_TIME,
    eventbridge_event,
    native_event,
    sns_alarm_event,
)
from tests.lambdas.conftest import REGION


@pytest.mark.usefixtures("idempotency_table")
def test_the_same_state_change_delivered_twice_acts_once(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    create_ecs_service(desired_count=2)
    load_handler(
        {
            "api-cpu": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "step": 1,
                "max_count": 10,
            }
        }
    )
    output()

    first = invoke(native_event("api-cpu"))
    second = invoke(native_event("api-cpu"))

    assert ecs_desired_count() == 3  # +1 once, not twice
    assert first["results"][0]["outcome"] == "acted"
    assert second["results"][0]["outcome"] == "skipped"
    assert str(second["results"][0]["reason"]).startswith(
        "duplicate delivery; this state change was already handled (acted: changed the desired"
    )
    [item] = idempotency_items()
    assert item["status"]["S"] == "COMPLETED"
    assert "expiration" in item
    assert output().metric_totals() == {"Acted": 1, "Skipped": 1, "ScaleEcsService": 1}

    # A new state change of the same alarm acts again.
    third = invoke(native_event("api-cpu", timestamp=LATER_ALARM_TIME))
    assert third["results"][0]["outcome"] == "acted"
    assert ecs_desired_count() == 4


@pytest.mark.usefixtures("idempotency_table")
def test_a_redelivered_pause_does_not_undo_an_operator_restoring_the_function(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    # GIVEN a function paused by an alarm, then restored by an operator
    create_function("orders-worker", reserved=40)
    load_handler({"orders-worker-errors": pause("orders-worker")})
    output()
    first = invoke(native_event("orders-worker-errors"))
    assert reserved_concurrency("orders-worker") == 0
    boto3.client("lambda", region_name=REGION).put_function_concurrency(
        FunctionName="orders-worker", ReservedConcurrentExecutions=40
    )

    # WHEN Lambda (or a DLQ redrive) delivers the same state change again
    second = invoke(sns_alarm_event("orders-worker-errors"))

    # THEN it is recognised as handled: the function stays restored
    assert reserved_concurrency("orders-worker") == 40
    assert first["results"][0]["outcome"] == "acted"
    assert second["results"][0]["outcome"] == "skipped"
    assert second["results"][0]["reason"] == (
        "duplicate delivery; this state change was already handled (acted: changed the "
        "reserved concurrency of Lambda function orders-worker from 40 to 0)"
    )
    assert output().metric_totals() == {"Acted": 1, "Skipped": 1, "LimitLambdaConcurrency": 1}

    # A new state change of the alarm pauses it again.
    third = invoke(native_event("orders-worker-errors", timestamp=LATER_ALARM_TIME))
    assert third["results"][0]["outcome"] == "acted"
    assert reserved_concurrency("orders-worker") == 0


@pytest.mark.usefixtures("idempotency_table")
def test_one_state_change_delivered_through_every_channel_acts_once(load_handler: Loader) -> None:
    # The alarm both invokes the function and publishes to a subscribed topic, and EventBridge
    # routes it too; the SNS timestamp is written differently but is the same instant.
    create_ecs_service(desired_count=2)
    load_handler(
        {
            "api-cpu": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "step": 1,
                "max_count": 10,
            }
        }
    )

    outcomes = [
        invoke(native_event("api-cpu", timestamp="2024-05-01T10:00:00.000+0000")),
        invoke(eventbridge_event("api-cpu", timestamp="2024-05-01T10:00:00.000+0000")),
        invoke(sns_alarm_event("api-cpu", timestamp="2024-05-01T10:00:00Z")),
    ]

    assert [summary["results"][0]["outcome"] for summary in outcomes] == [
        "acted",
        "skipped",
        "skipped",
    ]
    assert ecs_desired_count() == 3


@pytest.mark.usefixtures("idempotency_table")
def test_a_concurrent_delivery_of_a_state_change_in_progress_is_skipped(
    load_handler: Loader, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_ecs_service(desired_count=2)
    load_handler(
        {
            "api-cpu": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "step": 1,
                "max_count": 10,
            }
        }
    )
    concurrent: list[dict[str, list[dict[str, str | None]]]] = []
    execute = execution.execute

    def execute_while_redelivered(
        *, change: AlarmStateChange, action: RemediationAction, notify_topic_arn: str | None
    ) -> dict[str, str]:
        concurrent.append(
            invoke(native_event("api-cpu"))
        )  # arrives while this one holds the record
        return execute(change=change, action=action, notify_topic_arn=notify_topic_arn)

    monkeypatch.setattr(idempotency, "execute", execute_while_redelivered)

    summary = invoke(native_event("api-cpu"))

    assert summary["results"][0]["outcome"] == "acted"
    assert concurrent[0]["results"][0]["outcome"] == "skipped"
    assert (
        concurrent[0]["results"][0]["reason"]
        == "another invocation is already handling this state change"
    )
    assert ecs_desired_count() == 3


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

    boto3.client("ecs", region_name=REGION).create_cluster(clusterName="web")
    with pytest.raises(RemediationError, match="ECS service api not found in cluster web"):
        invoke(native_event("api-latency"))  # the service does not exist yet
    assert idempotency_items() == []
    create_ecs_service(desired_count=1)
    summary = invoke(native_event("api-latency"))  # Lambda's retry of the same event

    assert summary["results"][0]["outcome"] == "acted"
    assert ecs_desired_count() == 5


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

    invoke(native_event("api-latency"))

    # THEN its record is keyed as before the handler was split into modules, so a redelivery
    # that straddles an upgrade is still recognised
    [item] = idempotency_items()
    assert item["id"]["S"].startswith(f"test-func.{idempotency.IDEMPOTENCY_KEY_SCOPE}#")
    assert idempotency.IDEMPOTENCY_KEY_SCOPE == "index._execute"
