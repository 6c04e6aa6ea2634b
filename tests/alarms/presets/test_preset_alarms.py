"""What every preset shares: AlarmOptions over the defaults, the checks made before aws-cdk-lib
sees a value, and routing of every alarm."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_rds as rds
from aws_cdk.assertions import Match

from constructs_obs import AlarmOptions, InvalidParameterError, RdsInstanceAlarms, Severity
from tests.support.harness import Synthesized


def test_options_over_defaults_keep_what_is_set() -> None:
    defaults = AlarmOptions(threshold=80, period=cdk.Duration.minutes(1), evaluation_periods=5)
    chosen = AlarmOptions(threshold=90, severity=Severity.CRITICAL).over(defaults)
    assert chosen.threshold == 90
    assert chosen.severity is Severity.CRITICAL
    assert chosen.evaluation_periods == 5
    assert chosen.period is defaults.period
    assert chosen.enabled


def test_every_preset_alarm_is_routed(presets: Synthesized) -> None:
    # GIVEN every preset routed through 'shop'
    template = presets.template()
    # THEN none of their alarms lacks an action
    routed = template.find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"AlarmName": Match.string_like_regexp("^shop-")}}
    )
    assert routed
    for logical_id, alarm in routed.items():
        assert alarm["Properties"]["AlarmActions"], logical_id


def test_bad_options(database: rds.IDatabaseInstance) -> None:
    stack = cdk.Stack.of(database)
    with pytest.raises(InvalidParameterError, match="cpu_utilization: expected AlarmOptions"):
        RdsInstanceAlarms(stack, "A", instance=database, routing=None, cpu_utilization=90)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="threshold: expected a finite number"):
        RdsInstanceAlarms(
            stack,
            "B",
            instance=database,
            routing=None,
            cpu_utilization=AlarmOptions(threshold=float("nan")),
        )
    # Checked before aws-cdk-lib sees it (it would refuse with a JavaScript error).
    with pytest.raises(InvalidParameterError, match=r"cpu_utilization\.period: 90 s is not"):
        RdsInstanceAlarms(
            stack,
            "C",
            instance=database,
            routing=None,
            cpu_utilization=AlarmOptions(period=cdk.Duration.seconds(90)),
        )


def test_routing_must_be_an_alarm_routing(database: rds.IDatabaseInstance) -> None:
    with pytest.raises(InvalidParameterError, match="routing: expected an AlarmRouting, got str"):
        RdsInstanceAlarms(cdk.Stack.of(database), "A", instance=database, routing="shop")  # type: ignore[arg-type]


def test_a_disabled_signal_creates_no_alarm_and_is_not_checked(
    database: rds.IDatabaseInstance,
) -> None:
    # GIVEN free storage disabled, with a period CloudWatch would refuse
    alarms = RdsInstanceAlarms(
        cdk.Stack.of(database),
        "A",
        instance=database,
        routing=None,
        free_storage_space=AlarmOptions(enabled=False, period=cdk.Duration.seconds(90)),
    )
    # THEN the other five alarms exist, and nothing was refused
    assert set(alarms.alarms) == {
        "cpu_utilization",
        "read_latency",
        "write_latency",
        "freeable_memory",
        "database_connections",
    }
