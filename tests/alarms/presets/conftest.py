"""Shared set-up of the preset tests: one stack with every preset, synthesized once through the
harness (a checked synthesis costs far more than the assertions that read it)."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_rds as rds

from constructs_obs import (
    AlarmOptions,
    AlarmRouting,
    AlarmTopic,
    FargateServiceAlarms,
    LambdaFunctionAlarms,
    RdsInstanceAlarms,
    Severity,
)
from tests.support.harness import Synthesized, new_stack, synth
from tests.support.resources import compliant_function

CLUSTER_ARN = "arn:aws:ecs:eu-west-1:123456789012:cluster/shop"


def imported_database(stack: cdk.Stack, id: str, identifier: str) -> rds.IDatabaseInstance:
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
        stack, "Db", instance=imported_database(stack, "OrdersDb", "orders-db"), routing=routing
    )
    RdsInstanceAlarms(
        stack,
        "ReportsDb",
        instance=imported_database(stack, "Reports", "reports-db"),
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


@pytest.fixture(scope="package")
def presets() -> Synthesized:
    """Every preset, routed through 'shop': RDS with defaults ('orders-db') and with
    overrides ('reports-db'), an asynchronous Lambda function with a DLQ ('worker'), and a
    Fargate service ('orders')."""
    return synth("alarm_presets", _build)


@pytest.fixture
def database() -> rds.IDatabaseInstance:
    """An imported instance in a stack of its own, for construct-time error tests."""
    return imported_database(cdk.Stack(cdk.App(), "S"), "Db", "db")
