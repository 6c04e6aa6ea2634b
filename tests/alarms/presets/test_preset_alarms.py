"""RDS, Lambda and Fargate alarm presets: one statement each, every threshold overridable."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk.assertions import Annotations, Match

from constructs_obs import (
    AlarmOptions,
    AlarmRouting,
    AlarmTopic,
    FargateServiceAlarms,
    InvalidParameterError,
    LambdaFunctionAlarms,
    RdsInstanceAlarms,
    Severity,
)
from tests.support.harness import Synthesized, new_stack, synth
from tests.support.resources import compliant_function

CLUSTER_ARN = "arn:aws:ecs:eu-west-1:123456789012:cluster/shop"


def _database(stack: cdk.Stack, id: str, identifier: str) -> rds.IDatabaseInstance:
    return rds.DatabaseInstance.from_database_instance_attributes(
        stack,
        id,
        instance_identifier=identifier,
        instance_endpoint_address=f"{identifier}.abc.eu-west-1.rds.amazonaws.com",
        port=5432,
        security_groups=[],
    )


def _service(stack: cdk.Stack) -> ecs.IBaseService:
    cluster = ecs.Cluster.from_cluster_arn(stack, "Cluster", CLUSTER_ARN)
    return ecs.FargateService.from_fargate_service_attributes(
        stack, "Orders", cluster=cluster, service_name="orders"
    )


def _build(app: cdk.App) -> None:
    stack = new_stack(app, "Presets")
    topic = AlarmTopic(stack, "Oncall", email_addresses=["oncall@example.com"])
    routing = AlarmRouting(stack, "Routing", name_prefix="shop", critical=[topic], warning=[topic])
    RdsInstanceAlarms(
        stack, "Db", instance=_database(stack, "OrdersDb", "orders-db"), routing=routing
    )
    RdsInstanceAlarms(
        stack,
        "ReportsDb",
        instance=_database(stack, "Reports", "reports-db"),
        routing=routing,
        resource_name="reports-db",
        runbook_url="https://runbooks.example.com/rds",
        cpu_utilization=AlarmOptions(threshold=90, severity=Severity.CRITICAL),
        free_storage_space=AlarmOptions(enabled=False),
        database_connections=AlarmOptions(threshold=400, evaluation_periods=10),
    )
    LambdaFunctionAlarms(
        stack,
        "WorkerAlarms",
        function=compliant_function(stack, "Worker", timeout=cdk.Duration.seconds(30)),
        routing=routing,
        asynchronous=True,
    )
    FargateServiceAlarms(stack, "OrdersAlarms", service=_service(stack), routing=routing)


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("alarm_presets", _build)


def _alarms(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in synthesized.resources("AWS::CloudWatch::Alarm").values()
        if "AlarmName" in r["Properties"]
    }


def test_rds_defaults(synthesized: Synthesized) -> None:
    alarms = _alarms(synthesized)
    cpu = alarms["shop-ordersdb-cpu-utilization-warning"]
    assert cpu["MetricName"] == "CPUUtilization"
    assert cpu["Namespace"] == "AWS/RDS"
    assert cpu["Dimensions"] == [{"Name": "DBInstanceIdentifier", "Value": "orders-db"}]
    assert cpu["Threshold"] == 80
    assert cpu["ComparisonOperator"] == "GreaterThanThreshold"
    assert cpu["Period"] * cpu["EvaluationPeriods"] == 300  # 80 % for 5 minutes
    assert alarms["shop-ordersdb-read-latency-warning"]["Threshold"] == 0.02
    assert alarms["shop-ordersdb-write-latency-warning"]["Threshold"] == 0.05
    memory = alarms["shop-ordersdb-freeable-memory-warning"]
    assert memory["ComparisonOperator"] == "LessThanThreshold"
    storage = alarms["shop-ordersdb-free-storage-space-critical"]
    assert storage["Statistic"] == "Minimum"
    assert storage["Threshold"] == 10 * 1024**3
    assert alarms["shop-ordersdb-database-connections-warning"]["Statistic"] == "Maximum"


def test_rds_overrides_and_disabled_signal(synthesized: Synthesized) -> None:
    alarms = _alarms(synthesized)
    reports = {name: props for name, props in alarms.items() if "reports-db" in name}
    assert len(reports) == 5  # free storage disabled
    cpu = reports["shop-reports-db-cpu-utilization-critical"]
    assert cpu["Threshold"] == 90
    assert cpu["AlarmDescription"].endswith("Runbook: https://runbooks.example.com/rds")
    connections = reports["shop-reports-db-database-connections-warning"]
    assert connections["Threshold"] == 400
    assert connections["EvaluationPeriods"] == 10


def test_lambda_preset(synthesized: Synthesized) -> None:
    alarms = {n: p for n, p in _alarms(synthesized).items() if "-worker-" in n}
    assert set(alarms) == {
        "shop-worker-errors-critical",
        "shop-worker-throttles-warning",
        "shop-worker-concurrent-executions-warning",
        "shop-worker-duration-p99-warning",
        "shop-worker-async-event-age-warning",
        "shop-worker-dead-letter-errors-critical",
        "shop-worker-dead-letter-messages-critical",
    }
    waiting = alarms["shop-worker-dead-letter-messages-critical"]
    assert waiting["Namespace"] == "AWS/SQS"
    assert waiting["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert waiting["Statistic"] == "Maximum"
    assert waiting["Threshold"] == 1
    (dimension,) = waiting["Dimensions"]
    assert dimension["Name"] == "QueueName"
    assert dimension["Value"]["Fn::GetAtt"][0].startswith("WorkerDeadLetters")
    duration = alarms["shop-worker-duration-p99-warning"]
    assert duration["ExtendedStatistic"] == "p99"
    assert duration["Threshold"] == 24_000  # 80 % of the 30 s timeout, in ms
    assert alarms["shop-worker-concurrent-executions-warning"]["Threshold"] == 8  # of 10 reserved


def test_fargate_preset(synthesized: Synthesized) -> None:
    alarms = {n: p for n, p in _alarms(synthesized).items() if "-orders-" in n}
    cpu = alarms["shop-orders-cpu-utilization-warning"]
    assert cpu["Namespace"] == "AWS/ECS"
    assert {d["Name"] for d in cpu["Dimensions"]} == {"ClusterName", "ServiceName"}
    assert alarms["shop-orders-memory-utilization-warning"]["MetricName"] == "MemoryUtilization"
    tasks = alarms["shop-orders-running-tasks-critical"]
    (expression,) = [m for m in tasks["Metrics"] if "Expression" in m]
    assert expression["Expression"] == "desired - running"
    names = {m["MetricStat"]["Metric"]["MetricName"] for m in tasks["Metrics"] if "MetricStat" in m}
    assert names == {"DesiredTaskCount", "RunningTaskCount"}
    assert tasks["TreatMissingData"] == "breaching"


def test_every_preset_alarm_is_routed(synthesized: Synthesized) -> None:
    for name, props in _alarms(synthesized).items():
        if name.startswith("shop-"):
            assert props["AlarmActions"], name


def test_imported_function_needs_a_timeout_for_duration() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    function = lambda_.Function.from_function_arn(
        stack, "F", "arn:aws:lambda:eu-west-1:123456789012:function:imported"
    )
    with pytest.raises(InvalidParameterError, match="timeout: the function is imported"):
        LambdaFunctionAlarms(stack, "A", function=function, routing=None)
    alarms = LambdaFunctionAlarms(
        stack, "B", function=function, routing=None, duration_p99=AlarmOptions(enabled=False)
    )
    assert set(alarms.alarms) == {"errors", "throttles", "concurrent_executions"}


def test_bad_options() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    database = _database(stack, "Db", "db")
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
    with pytest.raises(InvalidParameterError, match="timeout: expected a Duration"):
        LambdaFunctionAlarms(
            stack,
            "D",
            function=lambda_.Function.from_function_arn(
                stack, "Imported", "arn:aws:lambda:eu-west-1:123456789012:function:f"
            ),
            routing=None,
            timeout=30,  # type: ignore[arg-type]
        )


def test_container_insights_off_warns() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Insights")
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-1234",
        availability_zones=["eu-west-1a"],
        private_subnet_ids=["subnet-1"],
    )
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc)
    service = ecs.FargateService.from_fargate_service_attributes(
        stack, "Svc", cluster=cluster, service_name="svc"
    )
    FargateServiceAlarms(stack, "Alarms", service=service, routing=None)
    Annotations.from_stack(stack).has_warning(
        "/Insights/Alarms",
        Match.string_like_regexp("reads Container Insights metrics, which are off"),
    )
