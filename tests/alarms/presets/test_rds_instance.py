"""RdsInstanceAlarms: six alarms in one statement, every threshold overridable."""

from __future__ import annotations

from aws_cdk.assertions import Match

from tests.support.harness import Synthesized

ALARM = "AWS::CloudWatch::Alarm"


def test_rds_defaults(presets: Synthesized) -> None:
    # GIVEN the 'orders-db' instance with every default
    template = presets.template()
    # THEN CPU above 80 % for five one-minute periods, on the instance's AWS/RDS metric
    template.has_resource_properties(
        ALARM,
        {
            "AlarmName": "shop-ordersdb-cpu-utilization-warning",
            "MetricName": "CPUUtilization",
            "Namespace": "AWS/RDS",
            "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "orders-db"}],
            "Threshold": 80,
            "ComparisonOperator": "GreaterThanThreshold",
            "Period": 60,
            "EvaluationPeriods": 5,  # 80 % for 5 minutes
        },
    )
    for name, expected in (
        ("shop-ordersdb-read-latency-warning", {"Threshold": 0.02}),
        ("shop-ordersdb-write-latency-warning", {"Threshold": 0.05}),
        ("shop-ordersdb-freeable-memory-warning", {"ComparisonOperator": "LessThanThreshold"}),
        (
            "shop-ordersdb-free-storage-space-critical",
            {"Statistic": "Minimum", "Threshold": 10 * 1024**3},
        ),
        ("shop-ordersdb-database-connections-warning", {"Statistic": "Maximum"}),
    ):
        template.has_resource_properties(ALARM, {"AlarmName": name, **expected})


def test_rds_overrides_and_disabled_signal(presets: Synthesized) -> None:
    # GIVEN 'reports-db' with overrides, a runbook and free storage disabled
    template = presets.template()
    # THEN five alarms (free storage disabled), with the overridden settings
    reports = template.find_resources(
        ALARM, {"Properties": {"AlarmName": Match.string_like_regexp("reports-db")}}
    )
    assert len(reports) == 5
    template.has_resource_properties(
        ALARM,
        {
            "AlarmName": "shop-reports-db-cpu-utilization-critical",
            "Threshold": 90,
            "AlarmDescription": Match.string_like_regexp(
                r"Runbook: https://runbooks\.example\.com/rds$"
            ),
        },
    )
    template.has_resource_properties(
        ALARM,
        {
            "AlarmName": "shop-reports-db-database-connections-warning",
            "Threshold": 400,
            "EvaluationPeriods": 10,
        },
    )
