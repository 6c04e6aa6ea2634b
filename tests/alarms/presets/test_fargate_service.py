"""FargateServiceAlarms: CPU, memory and missing tasks, and the Container Insights warning."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk.assertions import Annotations, Match, Matcher

from constructs_obs import AlarmOptions, FargateServiceAlarms, InvalidParameterError
from tests.support.harness import Synthesized

ALARM = "AWS::CloudWatch::Alarm"
SERVICE = [{"Name": "ClusterName", "Value": "shop"}, {"Name": "ServiceName", "Value": "orders"}]


def _task_count(name: str) -> Matcher:
    return Match.object_like(
        {"MetricStat": Match.object_like({"Metric": Match.object_like({"MetricName": name})})}
    )


def test_fargate_preset(presets: Synthesized) -> None:
    # GIVEN the 'orders' service of an imported cluster
    template = presets.template()
    # THEN CPU and memory of the service, from AWS/ECS
    template.has_resource_properties(
        ALARM,
        {
            "AlarmName": "shop-orders-cpu-utilization-warning",
            "Namespace": "AWS/ECS",
            "Dimensions": SERVICE,
        },
    )
    template.has_resource_properties(
        ALARM,
        {
            "AlarmName": "shop-orders-memory-utilization-warning",
            "MetricName": "MemoryUtilization",
        },
    )
    # AND missing tasks = desired - running (Container Insights), breaching when missing
    template.has_resource_properties(
        ALARM,
        {
            "AlarmName": "shop-orders-running-tasks-critical",
            "Metrics": [
                Match.object_like({"Expression": "desired - running"}),
                _task_count("DesiredTaskCount"),
                _task_count("RunningTaskCount"),
            ],
            "TreatMissingData": "breaching",
        },
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


def _imported_service(stack: cdk.Stack) -> ecs.IBaseService:
    cluster = ecs.Cluster.from_cluster_arn(
        stack, "Cluster", "arn:aws:ecs:eu-west-1:123456789012:cluster/shop"
    )
    return ecs.FargateService.from_fargate_service_attributes(
        stack, "Svc", cluster=cluster, service_name="svc"
    )


def test_memory_percent_over_100_is_refused() -> None:
    stack = cdk.Stack(cdk.App(), "Percent")
    with pytest.raises(InvalidParameterError) as info:
        FargateServiceAlarms(
            stack,
            "Alarms",
            service=_imported_service(stack),
            routing=None,
            memory_utilization=AlarmOptions(threshold=150),
        )
    assert (
        "memory_utilization.threshold: 150 is out of range: memory_utilization is measured in "
        "percent (0 to 100)"
    ) in str(info.value)


def test_a_statistic_does_not_apply_to_the_task_count_expression() -> None:
    stack = cdk.Stack(cdk.App(), "Statistic")
    with pytest.raises(InvalidParameterError) as info:
        FargateServiceAlarms(
            stack,
            "Alarms",
            service=_imported_service(stack),
            routing=None,
            running_tasks=AlarmOptions(statistic="Maximum"),
        )
    assert "running_tasks.statistic: running_tasks is a math expression" in str(info.value)


def test_no_service_is_refused() -> None:
    stack = cdk.Stack(cdk.App(), "Missing")
    with pytest.raises(InvalidParameterError) as info:
        FargateServiceAlarms(stack, "Alarms", service=None, routing=None)  # type: ignore[arg-type]
    assert "invalid service: expected an ecs.IBaseService, got NoneType None" in str(info.value)
