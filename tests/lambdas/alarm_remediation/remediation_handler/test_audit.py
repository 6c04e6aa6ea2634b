"""Tests for the audit line and the metrics of each decision (remediation_handler/audit.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

from tests.lambdas.alarm_remediation.remediation_handler.harness import (
    NAMESPACE,
    SERVICE,
    Loader,
    Output,
    idempotency_items,
    invoke,
)
from tests.lambdas.alarm_remediation.remediation_handler.moto_resources import (
    firing_alarm,
    instance_state,
    run_instance,
)
from tests.lambdas.alarm_remediation.remediation_handler.sample_events import (
    alarm_arn,
    native_event,
)
from tests.lambdas.conftest import ACCOUNT_ID, REGION


@pytest.mark.usefixtures("idempotency_table")
def test_stop_ec2_instance_stops_it_and_writes_one_audit_line(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    instance_id = run_instance()
    load_handler({"web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id}})
    event = firing_alarm("web-1-status")
    output()

    invoke(event)

    assert instance_state(instance_id) == "stopped"
    written = output()
    assert len(written.decisions) == 1
    decision = written.decisions[0]
    assert decision["level"] == "INFO"
    assert decision["service"] == SERVICE
    assert {
        key: decision[key] for key in ("alarm", "state", "action", "target", "dry_run", "outcome")
    } == {
        "alarm": "web-1-status",
        "state": "ALARM",
        "action": "stop_ec2_instance",
        "target": instance_id,
        "dry_run": False,
        "outcome": "acted",
    }
    assert (
        decision["reason"]
        == f"requested a stop of EC2 instance {instance_id} (running -> stopping)"
    )
    assert decision["alarm_arn"] == alarm_arn("web-1-status")
    assert decision["function_name"] == "alarm-remediation"
    assert decision["decision"] == "acted"
    assert (decision["function_account"], decision["function_region"]) == (ACCOUNT_ID, REGION)
    # CloudWatch's state change, beside what the event claimed
    assert decision["state_timestamp"] == decision["event_timestamp"]
    assert decision["state_timestamp"].startswith(event["time"][:19])
    assert decision["alarm_reason"] == "test: ALARM"
    assert "detail" not in decision  # Powertools leaves out fields that are None


@pytest.mark.usefixtures("idempotency_table")
def test_a_refusal_is_one_warning_line_and_one_refused_metric_with_only_the_reason(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    # GIVEN a handler whose service name is set (POWERTOOLS_SERVICE_NAME)
    load_handler({"web-1-status": {"action": "notify"}})
    event = native_event("web-1-status")
    event["alarmArn"] = event["alarmArn"].replace(f":{ACCOUNT_ID}:", ":999999999999:")
    output()

    # WHEN an event is refused
    summary = invoke(event)

    # THEN the audit line says why, for which alarm, and where the function runs
    written = output()
    [line] = written.decisions
    assert {key: line[key] for key in ("level", "decision", "outcome", "reason", "alarm")} == {
        "level": "WARNING",
        "decision": "refused",
        "outcome": "refused",
        "reason": "foreign_account",
        "alarm": "web-1-status",
    }
    assert line["alarm_arn"] == event["alarmArn"]
    assert (line["function_account"], line["function_region"]) == (ACCOUNT_ID, REGION)
    assert "state_timestamp" not in line  # CloudWatch was not asked
    assert summary["results"][0]["detail"] == line["detail"]
    # AND the metric is Refused = 1 in the namespace, with the Reason dimension and no other
    [blob] = written.metric_blobs
    assert blob["_aws"]["CloudWatchMetrics"] == [
        {
            "Namespace": NAMESPACE,
            "Dimensions": [["Reason"]],
            "Metrics": [{"Name": "Refused", "Unit": "Count"}],
        }
    ]
    assert (blob["Reason"], blob["Refused"], "service" in blob) == (
        "foreign_account",
        [1.0],
        False,
    )


@pytest.mark.usefixtures("idempotency_table")
def test_an_aws_failure_is_logged_counted_and_re_raised(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    load_handler(
        {"orders-db-cpu": {"action": "reboot_rds_instance", "db_instance_identifier": "no-such-db"}}
    )
    output()

    with pytest.raises(ClientError) as raised:
        invoke(firing_alarm("orders-db-cpu"))

    assert raised.value.response["Error"]["Code"] == "DBInstanceNotFound"
    written = output()
    [decision] = written.decisions
    assert decision["level"] == "ERROR"
    assert decision["outcome"] == "failed"
    assert decision["target"] == "no-such-db"
    assert decision["reason"].startswith(
        "could not reboot RDS DB instance no-such-db: DBInstanceNotFoundFault: "
    )
    assert "DBInstanceNotFound" in decision["exception"]
    assert written.metric_totals() == {"Failed": 1, "RebootRdsInstance": 1}
    assert idempotency_items() == []  # released, so Lambda's retry can act
