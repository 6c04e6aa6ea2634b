"""Tests for what the handler decides to do with an event (remediation_handler/decision.py).

Dry run, transitions that are not into ALARM, alarms without remediation, and the refusal to act
without duplicate protection.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lambdas.alarm_remediation.remediation_handler import clients
from tests.lambdas.alarm_remediation.remediation_handler.harness import (
    Loader,
    Output,
    acting_clients,
    idempotency_items,
    invoke,
)
from tests.lambdas.alarm_remediation.remediation_handler.moto_resources import (
    create_ecs_service,
    create_function,
    ecs_desired_count,
    firing_alarm,
    instance_state,
    pause,
    received_notifications,
    reserved_concurrency,
    run_instance,
    subscribed_queue,
)
from tests.lambdas.alarm_remediation.remediation_handler.sample_events import (
    alarm_arn,
    native_event,
)
from tests.lambdas.conftest import aws_client


@pytest.mark.usefixtures("idempotency_table")
@pytest.mark.parametrize(
    "dry_run", [None, "true", "TRUE", "yes"], ids=["unset", "true", "TRUE", "unrecognised"]
)
def test_dry_run_changes_nothing_and_reports_what_it_would_do(
    load_handler: Loader, output: Callable[[], Output], dry_run: str | None
) -> None:
    # GIVEN actions on an instance, a service and a topic, in dry-run (the default)
    instance_id = run_instance()
    create_ecs_service(desired_count=2)
    topic_arn = aws_client("sns").create_topic(Name="oncall")["TopicArn"]
    queue_url = subscribed_queue(topic_arn)
    load_handler(
        {
            "web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id},
            "api-cpu": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "step": 1,
                "max_count": 5,
            },
            "queue-depth": {"action": "notify"},
        },
        dry_run=dry_run,
        topic=topic_arn,
    )

    # WHEN the three alarms fire
    results = [
        invoke(firing_alarm(name))["results"][0]
        for name in ("web-1-status", "api-cpu", "queue-depth")
    ]

    # THEN nothing changed, no acting client was even created, and each would-be action is
    # reported
    assert instance_state(instance_id) == "running"
    assert ecs_desired_count() == 2
    assert received_notifications(queue_url) == []
    assert idempotency_items() == []
    assert acting_clients() == set()
    assert [result["outcome"] for result in results] == ["dry_run"] * 3
    assert results[0]["reason"] == f"dry run: would stop EC2 instance {instance_id}"
    assert results[1]["reason"] == (
        "dry run: would change the desired count of ECS service api by +1 (keeping it at most 5)"
    )
    written = output()
    assert [decision["dry_run"] for decision in written.decisions] == [True, True, True]
    assert written.metric_totals() == {
        "DryRun": 3,
        "StopEc2Instance": 1,
        "ScaleEcsService": 1,
        "Notify": 1,
    }
    warnings = [log for log in written.logs if "not 'true' or 'false'" in log["message"]]
    assert len(warnings) == (1 if dry_run == "yes" else 0)


@pytest.mark.usefixtures("aws")
def test_dry_run_does_not_need_the_idempotency_table(load_handler: Loader) -> None:
    load_handler(
        {"web-1-status": {"action": "stop_ec2_instance", "instance_id": "i-0abc"}},
        dry_run="true",
        table=None,
    )

    summary = invoke(firing_alarm("web-1-status"))

    assert summary["results"][0]["outcome"] == "dry_run"


@pytest.mark.usefixtures("idempotency_table")
def test_limit_lambda_concurrency_in_dry_run_calls_no_api(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    create_function("orders-worker", reserved=20)
    load_handler({"orders-worker-errors": pause("orders-worker")}, dry_run="true")
    output()

    summary = invoke(firing_alarm("orders-worker-errors"))

    assert reserved_concurrency("orders-worker") == 20
    assert acting_clients() == set()  # no acting client was even created
    assert idempotency_items() == []
    assert summary["results"][0]["outcome"] == "dry_run"
    assert summary["results"][0]["target"] == "orders-worker"
    assert summary["results"][0]["reason"] == (
        "dry run: would set the reserved concurrency of Lambda function orders-worker to 0 "
        "(pausing it)"
    )
    written = output()
    assert [decision["dry_run"] for decision in written.decisions] == [True]
    assert written.metric_totals() == {"DryRun": 1, "LimitLambdaConcurrency": 1}


@pytest.mark.usefixtures("idempotency_table")
@pytest.mark.parametrize(
    ("state", "previous"), [("OK", "ALARM"), ("INSUFFICIENT_DATA", "ALARM"), ("ALARM", "ALARM")]
)
def test_only_transitions_into_alarm_are_acted_on(
    load_handler: Loader, output: Callable[[], Output], state: str, previous: str
) -> None:
    create_ecs_service(desired_count=2)
    load_handler(
        {
            "api-latency": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "desired_count": 6,
            }
        }
    )
    output()

    summary = invoke(native_event("api-latency", state=state, previous=previous))

    assert ecs_desired_count() == 2
    [result] = summary["results"]
    assert result["outcome"] == "skipped"
    assert result["action"] == "scale_ecs_service"  # the configured action, for context
    if state == "ALARM":
        assert result["reason"] == "no transition: the alarm was already in ALARM"
    else:
        assert (
            result["reason"] == f"state is {state}; remediation runs only on transitions into ALARM"
        )
    written = output()
    assert [decision["event_state"] for decision in written.decisions] == [state]
    assert written.metric_totals() == {"Skipped": 1}


@pytest.mark.usefixtures("idempotency_table")
def test_an_alarm_without_remediation_is_refused_without_asking_cloudwatch(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    # GIVEN a handler with an action for another alarm than the one in ALARM
    load_handler({"api-latency": {"action": "notify"}})
    event = firing_alarm("someone-elses-alarm")
    output()

    # WHEN the alarm's event arrives
    summary = invoke(event)

    # THEN it is refused before DescribeAlarms, which the construct allows on configured alarms
    assert summary == {
        "results": [
            {
                "alarm": "someone-elses-alarm",
                "outcome": "refused",
                "action": None,
                "target": None,
                "reason": "no_action_configured",
                "detail": "REMEDIATION_ACTIONS has no action for this alarm",
            }
        ]
    }
    assert clients._CLIENTS == {}  # not even CloudWatch was asked
    written = output()
    [refusal] = written.refusals
    assert refusal["alarm_arn"] == alarm_arn("someone-elses-alarm")
    assert written.metric_totals() == {"Refused": 1}
    assert [point["dimensions"] for point in written.metric_dimensions("Refused")] == [
        {"Reason": "no_action_configured"}
    ]


@pytest.mark.usefixtures("aws")
def test_acting_without_an_idempotency_table_is_refused(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    instance_id = run_instance()
    load_handler(
        {"web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id}}, table=None
    )

    summary = invoke(firing_alarm("web-1-status"))

    assert "IDEMPOTENCY_TABLE is not set; no action will be performed" in [
        log["message"] for log in output().logs
    ]
    assert summary["results"][0]["outcome"] == "rejected"
    assert instance_state(instance_id) == "running"
