"""Tests for ``lambda_handler``: one invocation end to end (remediation_handler/handler.py).

Batches of SNS records, failures re-raised after the other records, and the settings read and
reported once per cold start.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

from tests.lambdas.alarm_remediation.remediation_handler.harness import (
    Loader,
    Output,
    idempotency_items,
    invoke,
)
from tests.lambdas.alarm_remediation.remediation_handler.moto_resources import (
    instance_state,
    pause,
    run_instance,
)
from tests.lambdas.alarm_remediation.remediation_handler.sample_events import (
    LATER_ALARM_TIME,
    native_event,
    sns_event,
    sns_message,
)


@pytest.mark.usefixtures("idempotency_table")
def test_an_sns_batch_is_handled_record_by_record(load_handler: Loader) -> None:
    instance_id = run_instance()
    load_handler({"web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id}})

    summary = invoke(sns_event("not json", sns_message("web-1-status"), sns_message("other-alarm")))

    assert [(result["alarm"], result["outcome"]) for result in summary["results"]] == [
        (None, "rejected"),
        ("web-1-status", "acted"),
        ("other-alarm", "skipped"),
    ]
    assert instance_state(instance_id) == "stopped"


@pytest.mark.usefixtures("idempotency_table")
@pytest.mark.parametrize("raw", ["{not json", "[]", '"orders-db"'])
def test_an_unreadable_remediation_config_rejects_every_alarm(
    load_handler: Loader, output: Callable[[], Output], raw: str
) -> None:
    load_handler(raw)  # the import itself must not fail

    summary = invoke(native_event("orders-db-cpu"))

    cold_start = output()
    errors = [log for log in cold_start.logs if log["level"] == "ERROR"]
    assert [log["message"] for log in errors] == [
        "REMEDIATION_ACTIONS is invalid; every alarm will be rejected"
    ]
    assert summary["results"][0]["outcome"] == "rejected"
    assert str(summary["results"][0]["reason"]).startswith("REMEDIATION_ACTIONS is invalid: ")


@pytest.mark.usefixtures("idempotency_table")
def test_an_invalid_action_is_reported_at_cold_start_and_rejects_only_its_alarm(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    instance_id = run_instance()
    load_handler(
        {
            "web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id},
            "orders-db-cpu": {"action": "reboot_rds_instance"},
            "api-cpu": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "step": 1,
            },
            "disk-full": {"action": "delete_everything"},
        }
    )

    rejected = invoke(native_event("orders-db-cpu"))  # the cold start reads the settings
    cold_start = output()
    acted = invoke(native_event("web-1-status"))

    reported = {log["alarm"]: log["error"] for log in cold_start.logs if log["level"] == "ERROR"}
    assert reported == {
        "orders-db-cpu": "missing required field(s): db_instance_identifier",
        "api-cpu": "a positive 'step' requires 'max_count' (the cap)",
        "disk-full": "unknown action 'delete_everything' (one of: reboot_rds_instance, "
        "stop_ec2_instance, reboot_ec2_instance, scale_ecs_service, limit_lambda_concurrency, "
        "notify)",
    }

    assert rejected["results"][0]["outcome"] == "rejected"
    assert rejected["results"][0]["reason"] == (
        "invalid remediation config: missing required field(s): db_instance_identifier"
    )
    assert acted["results"][0]["outcome"] == "acted"
    assert instance_state(instance_id) == "stopped"


@pytest.mark.usefixtures("idempotency_table")
def test_limit_lambda_concurrency_of_a_missing_function_fails_and_is_re_raised(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    load_handler({"worker-errors": pause("no-such-function")})
    output()

    with pytest.raises(ClientError) as raised:
        invoke(native_event("worker-errors"))

    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    written = output()
    [decision] = written.decisions
    assert (decision["level"], decision["outcome"], decision["target"]) == (
        "ERROR",
        "failed",
        "no-such-function",
    )
    assert decision["reason"].startswith(
        "could not set the reserved concurrency of Lambda function no-such-function to 0 "
        "(pausing it): ResourceNotFoundException: "
    )
    assert written.metric_totals() == {"Failed": 1, "LimitLambdaConcurrency": 1}
    assert idempotency_items() == []  # released, so Lambda's retry can act


@pytest.mark.usefixtures("idempotency_table")
def test_a_failing_record_does_not_stop_the_rest_of_an_sns_batch(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    instance_id = run_instance()
    load_handler(
        {
            "orders-db-cpu": {
                "action": "reboot_rds_instance",
                "db_instance_identifier": "no-such-db",
            },
            "web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id},
        }
    )
    output()

    with pytest.raises(ClientError):
        invoke(sns_event(sns_message("orders-db-cpu"), sns_message("web-1-status")))

    assert instance_state(instance_id) == "stopped"
    written = output()
    assert [decision["outcome"] for decision in written.decisions] == ["failed", "acted"]
    assert written.metric_totals() == {
        "Failed": 1,
        "Acted": 1,
        "RebootRdsInstance": 1,
        "StopEc2Instance": 1,
    }


@pytest.mark.usefixtures("idempotency_table")
def test_the_settings_are_read_by_the_first_invocation_not_at_import(
    load_handler: Loader, output: Callable[[], Output], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a handler just imported (Lambda's init phase): nothing is read or reported yet
    load_handler({"queue-depth": {"action": "notify"}}, dry_run="true")
    assert output().logs == []

    # WHEN two events arrive, the environment changing in between
    first = invoke(native_event("queue-depth"))
    monkeypatch.setenv("REMEDIATION_ACTIONS", "{}")
    second = invoke(native_event("queue-depth", timestamp=LATER_ALARM_TIME))

    # THEN the first invocation read and reported the settings, and the second reused them
    written = output()
    loaded = [log for log in written.logs if log["message"] == "remediation configuration loaded"]
    assert [log["actions"] for log in loaded] == [{"queue-depth": "notify"}]
    assert [summary["results"][0]["outcome"] for summary in (first, second)] == [
        "dry_run",
        "dry_run",
    ]
