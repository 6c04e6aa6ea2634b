"""Tests for the audit line and the metrics of each decision (remediation_handler/audit.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

from tests.lambdas.alarm_remediation.remediation_handler.harness import (
    SERVICE,
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
    alarm_arn,
    eventbridge_event,
    native_event,
)


@pytest.mark.usefixtures("idempotency_table")
def test_stop_ec2_instance_stops_it_and_writes_one_audit_line(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    instance_id = run_instance()
    load_handler({"web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id}})
    output()

    invoke(eventbridge_event("web-1-status"))

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


@pytest.mark.usefixtures("idempotency_table")
def test_an_aws_failure_is_logged_counted_and_re_raised(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    load_handler(
        {"orders-db-cpu": {"action": "reboot_rds_instance", "db_instance_identifier": "no-such-db"}}
    )
    output()

    with pytest.raises(ClientError) as raised:
        invoke(native_event("orders-db-cpu"))

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
