"""Tests for ``lambda_handler``: one invocation end to end (remediation_handler/handler.py).

The function's own account and region taken from the invocation, failures re-raised after
their audit line, and the settings read and reported once per cold start.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

from lambdas.alarm_remediation.remediation_handler.exceptions import InvalidFunctionArnError
from tests.lambdas.alarm_remediation.remediation_handler.harness import (
    FakeLambdaContext,
    Loader,
    Output,
    acting_clients,
    idempotency_items,
    invoke,
)
from tests.lambdas.alarm_remediation.remediation_handler.moto_resources import (
    firing_alarm,
    instance_state,
    pause,
    run_instance,
)
from tests.lambdas.alarm_remediation.remediation_handler.sample_events import native_event
from tests.lambdas.conftest import ACCOUNT_ID, REGION


@pytest.mark.usefixtures("idempotency_table")
@pytest.mark.parametrize(
    ("function_arn", "reason"),
    [
        (f"arn:aws:lambda:{REGION}:111122223333:function:remediate", "foreign_account"),
        (f"arn:aws:lambda:eu-west-1:{ACCOUNT_ID}:function:remediate", "foreign_region"),
        (f"arn:aws-cn:lambda:{REGION}:{ACCOUNT_ID}:function:remediate", "foreign_partition"),
    ],
)
def test_the_function_acts_only_for_the_account_and_region_it_runs_in(
    load_handler: Loader, output: Callable[[], Output], function_arn: str, reason: str
) -> None:
    # GIVEN a genuine alarm in ALARM in this account and region
    instance_id = run_instance()
    event = firing_alarm("web-1-status")
    load_handler({"web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id}})
    output()

    # WHEN it reaches a function that runs in another account, region or partition
    summary = invoke(event, FakeLambdaContext(invoked_function_arn=function_arn))

    # THEN the function's own identity is the invocation's, so the alarm is foreign to it
    assert (summary["results"][0]["outcome"], summary["results"][0]["reason"]) == (
        "refused",
        reason,
    )
    assert instance_state(instance_id) == "running"
    [refusal] = output().refusals
    assert refusal["function_arn"] == function_arn
    assert invoke(event)["results"][0]["outcome"] == "acted"  # where it does run


@pytest.mark.usefixtures("idempotency_table")
def test_an_invocation_without_a_function_arn_raises_before_anything(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    instance_id = run_instance()
    event = firing_alarm("web-1-status")
    load_handler({"web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id}})
    output()

    with pytest.raises(InvalidFunctionArnError, match="'remediate' is not a Lambda function ARN"):
        invoke(event, FakeLambdaContext(invoked_function_arn="remediate"))

    assert instance_state(instance_id) == "running"
    assert acting_clients() == set()
    assert output().decisions == []


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
    acted = invoke(firing_alarm("web-1-status"))

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
    event = firing_alarm("worker-errors")
    output()

    with pytest.raises(ClientError) as raised:
        invoke(event)

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
def test_the_settings_are_read_by_the_first_invocation_not_at_import(
    load_handler: Loader, output: Callable[[], Output], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a handler just imported (Lambda's init phase): nothing is read or reported yet
    load_handler({"queue-depth": {"action": "notify"}}, dry_run="true")
    assert output().logs == []
    event = firing_alarm("queue-depth")

    # WHEN two events arrive, the environment changing in between
    first = invoke(event)
    monkeypatch.setenv("REMEDIATION_ACTIONS", "{}")
    second = invoke(event)

    # THEN the first invocation read and reported the settings, and the second reused them
    written = output()
    loaded = [log for log in written.logs if log["message"] == "remediation configuration loaded"]
    assert [log["actions"] for log in loaded] == [{"queue-depth": "notify"}]
    assert [summary["results"][0]["outcome"] for summary in (first, second)] == [
        "dry_run",
        "dry_run",
    ]
