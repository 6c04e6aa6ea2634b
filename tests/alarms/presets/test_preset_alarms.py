"""What every preset shares: AlarmOptions over the defaults, the checks made before aws-cdk-lib
sees a value, and routing of every alarm."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_rds as rds
from aws_cdk.assertions import Match, Template

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


def test_a_period_of_a_fraction_of_a_second_is_refused_in_python(
    database: rds.IDatabaseInstance,
) -> None:
    # Found by the property tests: aws-cdk-lib's JavaScript error (CannotConvertedIntoWhole).
    with pytest.raises(
        InvalidParameterError,
        match=r"cpu_utilization\.period: 1 second 500 millis is not a period CloudWatch",
    ):
        RdsInstanceAlarms(
            cdk.Stack.of(database),
            "A",
            instance=database,
            routing=None,
            cpu_utilization=AlarmOptions(period=cdk.Duration.millis(1500)),
        )


@pytest.mark.parametrize(
    ("resource_name", "message"),
    [
        # Found by the property tests: a TypeError from a regex, and an error naming alarm_name.
        (True, "resource_name: expected a string, got bool"),
        ("r" * 129, "resource_name: must be at most 128 characters, got 129"),
    ],
)
def test_resource_name_is_checked_under_its_own_name(
    database: rds.IDatabaseInstance, resource_name: object, message: str
) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        RdsInstanceAlarms(
            cdk.Stack.of(database),
            "A",
            instance=database,
            routing=None,
            resource_name=resource_name,  # type: ignore[arg-type]
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


OPTION_CASES: dict[str, tuple[AlarmOptions, str]] = {
    "cpu percent over 100": (
        AlarmOptions(threshold=180),
        "cpu_utilization.threshold: 180 is out of range: cpu_utilization is measured in percent "
        "(0 to 100)",
    ),
    "negative percent": (AlarmOptions(threshold=-5), "cpu_utilization.threshold: -5 is out"),
    "zero evaluation periods": (
        AlarmOptions(evaluation_periods=0),
        "cpu_utilization.evaluation_periods: must be >= 1, got 0",
    ),
    "zero datapoints": (
        AlarmOptions(datapoints_to_alarm=0),
        "cpu_utilization.datapoints_to_alarm: must be >= 1, got 0",
    ),
    "median statistic": (
        AlarmOptions(statistic="Median"),
        "cpu_utilization.statistic: 'Median' is not a CloudWatch statistic; use 'p50'",
    ),
    "unknown statistic": (
        AlarmOptions(statistic="p999"),
        "cpu_utilization.statistic: 'p999': the percentage must be between 0 and 100",
    ),
    "severity as a string": (
        AlarmOptions(severity="critical"),  # type: ignore[arg-type]
        "cpu_utilization.severity: expected Severity.CRITICAL or Severity.WARNING",
    ),
    "enabled as a string": (
        AlarmOptions(enabled="no"),  # type: ignore[arg-type]
        "cpu_utilization.enabled: expected True or False, got 'no'",
    ),
}


@pytest.mark.parametrize("case", sorted(OPTION_CASES))
def test_options_are_checked_in_the_signals_unit(
    database: rds.IDatabaseInstance, case: str
) -> None:
    options, message = OPTION_CASES[case]
    with pytest.raises(InvalidParameterError) as info:
        RdsInstanceAlarms(
            cdk.Stack.of(database), "A", instance=database, routing=None, cpu_utilization=options
        )
    assert message in str(info.value)


def test_a_latency_cannot_be_negative(database: rds.IDatabaseInstance) -> None:
    with pytest.raises(InvalidParameterError) as info:
        RdsInstanceAlarms(
            cdk.Stack.of(database),
            "A",
            instance=database,
            routing=None,
            read_latency=AlarmOptions(threshold=-0.5),
        )
    assert (
        "read_latency.threshold: -0.5 is out of range: read_latency is measured in seconds "
        "(0 or more)"
    ) in str(info.value)


def test_a_chosen_statistic_reaches_the_alarm(database: rds.IDatabaseInstance) -> None:
    stack = cdk.Stack.of(database)
    alarms = RdsInstanceAlarms(
        stack,
        "A",
        instance=database,
        routing=None,
        read_latency=AlarmOptions(statistic="p90"),
    )
    alarm = stack.resolve(alarms.alarms["read_latency"].node.default_child.extended_statistic)  # type: ignore[union-attr]
    assert alarm == "p90"
    Template.from_stack(stack).has_resource_properties(
        "AWS::CloudWatch::Alarm", {"MetricName": "ReadLatency", "ExtendedStatistic": "p90"}
    )


def test_a_name_where_the_instance_is_expected_is_refused() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    with pytest.raises(InvalidParameterError) as info:
        RdsInstanceAlarms(stack, "A", instance="orders-db", routing=None)  # type: ignore[arg-type]
    assert (
        "RdsInstanceAlarms 'A': invalid instance: expected an rds.IDatabaseInstance, got str "
        "'orders-db'"
    ) in str(info.value)
