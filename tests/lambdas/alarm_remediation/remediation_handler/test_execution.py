"""Tests for the AWS calls that perform each action (remediation_handler/execution.py).

AWS is served by moto: each test checks the real effect of the action on the resource, the
summary the handler returns and the metrics it counts.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lambdas.alarm_remediation.remediation_handler import clients
from tests.lambdas.alarm_remediation.remediation_handler.harness import (
    NAMESPACE,
    SERVICE,
    CallRecorder,
    Loader,
    Output,
    invoke,
)
from tests.lambdas.alarm_remediation.remediation_handler.moto_resources import (
    create_db_instance,
    create_ecs_service,
    create_function,
    ecs_desired_count,
    firing_alarm,
    instance_state,
    new_state_change,
    pause,
    received_notifications,
    reserved_concurrency,
    run_instance,
    subscribed_queue,
)
from tests.lambdas.alarm_remediation.remediation_handler.sample_events import alarm_arn
from tests.lambdas.conftest import aws_client


@pytest.mark.usefixtures("idempotency_table")
def test_reboot_rds_instance_reboots_the_configured_instance(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    # GIVEN an alarm mapped to rebooting an existing DB instance
    create_db_instance("orders-db")
    load_handler(
        {"orders-db-cpu": {"action": "reboot_rds_instance", "db_instance_identifier": "orders-db"}}
    )
    reboots = CallRecorder(clients.client("rds"), "rds", "RebootDBInstance")
    output()

    # WHEN the alarm goes into ALARM
    summary = invoke(firing_alarm("orders-db-cpu"))

    # THEN RDS accepted exactly one reboot of that instance (moto keeps the status "available")
    assert [
        (status, parsed["DBInstance"]["DBInstanceIdentifier"]) for status, parsed in reboots.calls
    ] == [(200, "orders-db")]
    assert summary == {
        "results": [
            {
                "alarm": "orders-db-cpu",
                "outcome": "acted",
                "action": "reboot_rds_instance",
                "target": "orders-db",
                "reason": summary["results"][0]["reason"],
            }
        ]
    }
    assert "rebooted RDS DB instance orders-db" in str(summary["results"][0]["reason"])
    totals = output().metric_totals()
    assert totals == {"Acted": 1, "RebootRdsInstance": 1}


@pytest.mark.usefixtures("idempotency_table")
def test_reboot_ec2_instance_reboots_it(load_handler: Loader, output: Callable[[], Output]) -> None:
    instance_id = run_instance()
    load_handler({"web-1-hung": {"action": "reboot_ec2_instance", "instance_id": instance_id}})
    reboots = CallRecorder(clients.client("ec2"), "ec2", "RebootInstances")
    output()

    summary = invoke(firing_alarm("web-1-hung"))

    assert [status for status, _ in reboots.calls] == [200]
    assert instance_state(instance_id) == "running"  # a reboot is not a stop
    assert summary["results"][0]["outcome"] == "acted"
    assert output().metric_totals() == {"Acted": 1, "RebootEc2Instance": 1}


@pytest.mark.usefixtures("idempotency_table")
def test_scale_ecs_service_sets_the_desired_count(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
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
    output()

    summary = invoke(firing_alarm("api-latency"))

    assert ecs_desired_count() == 4
    assert summary["results"][0]["target"] == "web/api"
    assert summary["results"][0]["reason"] == (
        "changed the desired count of ECS service api from 2 to 4"
    )
    written = output()
    assert written.metric_totals() == {"Acted": 1, "ScaleEcsService": 1}
    directive = written.metric_blobs[0]["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == NAMESPACE
    assert directive["Dimensions"] == [["service"]]  # dimension-light
    assert written.metric_blobs[0]["service"] == SERVICE


@pytest.mark.usefixtures("idempotency_table")
def test_scale_ecs_service_by_step_is_capped_at_max_count(load_handler: Loader) -> None:
    create_ecs_service(desired_count=8)
    load_handler(
        {
            "api-cpu": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "step": 3,
                "max_count": 10,
            }
        }
    )

    first = invoke(firing_alarm("api-cpu"))
    assert ecs_desired_count() == 10  # 8 + 3, capped at 10
    assert first["results"][0]["outcome"] == "acted"

    # A later, distinct state change finds the service at the cap: nothing to change.
    second = invoke(new_state_change("api-cpu"))
    assert ecs_desired_count() == 10
    assert second["results"][0]["outcome"] == "skipped"
    assert "already has desired count 10" in str(second["results"][0]["reason"])


@pytest.mark.usefixtures("idempotency_table")
def test_scale_ecs_service_by_negative_step_stops_at_min_count(load_handler: Loader) -> None:
    create_ecs_service(desired_count=3)
    load_handler(
        {
            "api-idle": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "step": -2,
                "min_count": 2,
            }
        }
    )

    invoke(firing_alarm("api-idle"))

    assert ecs_desired_count() == 2  # 3 - 2 = 1, floored at 2


@pytest.mark.usefixtures("idempotency_table")
def test_notify_publishes_a_readable_message_to_the_topic(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    topic_arn = aws_client("sns").create_topic(Name="oncall")["TopicArn"]
    queue_url = subscribed_queue(topic_arn)
    load_handler({"queue-depth": {"action": "notify"}}, topic=topic_arn)
    output()

    summary = invoke(firing_alarm("queue-depth"))

    notifications = received_notifications(queue_url)
    assert len(notifications) == 1
    assert notifications[0]["Subject"] == "ALARM: queue-depth"
    message = notifications[0]["Message"]
    assert 'CloudWatch alarm "queue-depth" changed from OK to ALARM.' in message
    assert "Reason: test: ALARM" in message  # CloudWatch's reason, not the event's
    assert f"Alarm ARN: {alarm_arn('queue-depth')}" in message
    assert summary["results"][0]["target"] == topic_arn
    assert summary["results"][0]["outcome"] == "acted"
    assert output().metric_totals() == {"Acted": 1, "Notify": 1}


@pytest.mark.usefixtures("idempotency_table")
def test_notify_without_a_topic_only_logs(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    load_handler({"queue-depth": {"action": "notify"}}, topic=None)
    output()

    summary = invoke(firing_alarm("queue-depth"))

    assert summary["results"][0]["outcome"] == "acted"
    assert summary["results"][0]["target"] is None
    assert summary["results"][0]["reason"] == "notification logged; NOTIFY_TOPIC_ARN is not set"
    notices = [log for log in output().logs if log["message"].startswith("alarm notification")]
    assert len(notices) == 1
    assert 'CloudWatch alarm "queue-depth" changed from OK to ALARM.' in notices[0]["notification"]


@pytest.mark.usefixtures("idempotency_table")
def test_limit_lambda_concurrency_pauses_the_function(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    # GIVEN an alarm mapped to pausing a function that uses unreserved concurrency
    create_function("orders-worker")
    load_handler({"orders-worker-errors": pause("orders-worker")})
    puts = CallRecorder(clients.client("lambda"), "lambda", "PutFunctionConcurrency")
    output()

    # WHEN the alarm goes into ALARM
    summary = invoke(firing_alarm("orders-worker-errors"))

    # THEN the function's reserved concurrency is 0 (set by exactly one call), and it is audited
    assert reserved_concurrency("orders-worker") == 0
    assert [(status, parsed["ReservedConcurrentExecutions"]) for status, parsed in puts.calls] == [
        (200, 0)
    ]
    assert summary == {
        "results": [
            {
                "alarm": "orders-worker-errors",
                "outcome": "acted",
                "action": "limit_lambda_concurrency",
                "target": "orders-worker",
                "reason": "changed the reserved concurrency of Lambda function orders-worker "
                "from unreserved to 0",
            }
        ]
    }
    written = output()
    [decision] = written.decisions
    assert (decision["level"], decision["action"], decision["dry_run"]) == (
        "INFO",
        "limit_lambda_concurrency",
        False,
    )
    assert written.metric_totals() == {"Acted": 1, "LimitLambdaConcurrency": 1}


@pytest.mark.usefixtures("idempotency_table")
def test_limit_lambda_concurrency_caps_a_reservation_and_reports_the_previous_one(
    load_handler: Loader,
) -> None:
    create_function("thumbnailer", reserved=50)
    load_handler(
        {
            "thumbnailer-cost": {
                "action": "limit_lambda_concurrency",
                "function_name": "thumbnailer",
                "reserved_concurrency": 5,
            }
        }
    )

    summary = invoke(firing_alarm("thumbnailer-cost"))

    assert reserved_concurrency("thumbnailer") == 5
    assert summary["results"][0]["outcome"] == "acted"
    assert summary["results"][0]["reason"] == (
        "changed the reserved concurrency of Lambda function thumbnailer from 50 to 5"
    )


@pytest.mark.usefixtures("idempotency_table")
def test_limit_lambda_concurrency_already_at_the_value_is_skipped(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    create_function("orders-worker", reserved=0)
    load_handler({"orders-worker-errors": pause("orders-worker")})
    puts = CallRecorder(clients.client("lambda"), "lambda", "PutFunctionConcurrency")
    output()

    summary = invoke(firing_alarm("orders-worker-errors"))

    assert puts.calls == []
    assert reserved_concurrency("orders-worker") == 0
    assert summary["results"][0]["outcome"] == "skipped"
    assert summary["results"][0]["reason"] == (
        "Lambda function orders-worker already has reserved concurrency 0; not changed"
    )
    assert output().metric_totals() == {"Skipped": 1}  # like an ECS service already scaled
