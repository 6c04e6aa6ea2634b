"""User-side ECS resources for the tracing tests: an imported VPC, a cluster with Container
Insights, application task definitions and services, built to pass the suite's checks."""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs

from constructs_obs import EncryptedLogGroup
from constructs_obs.acknowledge import acknowledge_nag

APP_IMAGE = "public.ecr.aws/nginx/nginx:1.27.0"
USER_LOG_DRIVER_REASON = (
    "Test fixture: the user's app container logs through aws-cdk-lib's aws_logs driver, which "
    "grants the execution role in its inline default policy (the user's choice)."
)


def imported_vpc(stack: cdk.Stack) -> ec2.IVpc:
    return ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["eu-west-1a", "eu-west-1b"],
        private_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        private_subnet_route_table_ids=["rtb-0123456789abcdef0", "rtb-0123456789abcdef1"],
    )


def cluster(stack: cdk.Stack) -> ecs.Cluster:
    return ecs.Cluster(
        stack,
        "Cluster",
        vpc=imported_vpc(stack),
        container_insights_v2=ecs.ContainerInsights.ENABLED,
    )


def app_task(
    stack: cdk.Stack,
    id: str,
    *,
    cpu: int = 512,
    memory_limit_mib: int = 1024,
    environment: Mapping[str, str] | None = None,
) -> tuple[ecs.FargateTaskDefinition, ecs.ContainerDefinition]:
    """A task definition with one application container (port 8080) logging to its own
    encrypted log group."""
    task = ecs.FargateTaskDefinition(stack, id, cpu=cpu, memory_limit_mib=memory_limit_mib)
    logs = EncryptedLogGroup(stack, f"{id}AppLogs")
    app = task.add_container(
        "app",
        image=ecs.ContainerImage.from_registry(APP_IMAGE),
        port_mappings=[ecs.PortMapping(container_port=8080)],
        environment=dict(environment) if environment else None,
        logging=ecs.LogDrivers.aws_logs(stream_prefix="app", log_group=logs.log_group),
    )
    acknowledge_nag(
        task.obtain_execution_role(), "NIST.800.53.R5-IAMNoInlinePolicy", USER_LOG_DRIVER_REASON
    )
    return task, app


def service(
    stack: cdk.Stack, id: str, ecs_cluster: ecs.ICluster, task: ecs.FargateTaskDefinition
) -> ecs.FargateService:
    return ecs.FargateService(
        stack,
        id,
        cluster=ecs_cluster,
        task_definition=task,
        desired_count=1,
        min_healthy_percent=100,
        circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
    )
