"""FargateServiceAlarms: the alarms an ECS (Fargate) service needs, in one statement."""

from __future__ import annotations

from collections.abc import Callable

from aws_cdk import Annotations, Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from constructs import Construct

from constructs_obs.alarms.alarm_routing import AlarmRouting
from constructs_obs.alarms.presets.preset_alarms import AlarmOptions, PresetAlarms, Signal, minutes
from constructs_obs.alarms.severity import Severity

__all__ = ["FargateServiceAlarms"]

GREATER = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
CONTAINER_INSIGHTS_WARNING_ID = "constructs-obs:container-insights-off"


class FargateServiceAlarms(PresetAlarms):
    """CPU and memory utilization of a service, and running tasks below the desired count.

    Defaults (each overridable with ``AlarmOptions``, or ``AlarmOptions(enabled=False)``):

    ======================= =============================================== ========
    signal                  fires when                                      severity
    ======================= =============================================== ========
    ``cpu_utilization``     average CPU > 80 % for 5 minutes                warning
    ``memory_utilization``  average memory > 80 % for 5 minutes             warning
    ``running_tasks``       running tasks below desired for 5 minutes       critical
    ======================= =============================================== ========

    ``running_tasks`` reads Container Insights' RunningTaskCount and DesiredTaskCount: turn
    Container Insights on for the cluster (a warning says so when an ``ecs.Cluster`` has it off).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        service: ecs.IBaseService,
        routing: AlarmRouting | None,
        resource_name: str | None = None,
        runbook_url: str | None = None,
        cpu_utilization: AlarmOptions | None = None,
        memory_utilization: AlarmOptions | None = None,
        running_tasks: AlarmOptions | None = None,
    ) -> None:
        dimensions = {
            "ClusterName": service.cluster.cluster_name,
            "ServiceName": service.service_name,
        }

        def ecs_metric(name: str) -> Callable[[Duration], cloudwatch.IMetric]:
            return lambda period: cloudwatch.Metric(
                namespace="AWS/ECS",
                metric_name=name,
                dimensions_map=dimensions,
                statistic="Average",
                period=period,
            )

        def missing_tasks(period: Duration) -> cloudwatch.IMetric:
            def insight(name: str) -> cloudwatch.Metric:
                return cloudwatch.Metric(
                    namespace="ECS/ContainerInsights",
                    metric_name=name,
                    dimensions_map=dimensions,
                    statistic="Average",
                    period=period,
                )

            return cloudwatch.MathExpression(
                expression="desired - running",
                using_metrics={
                    "desired": insight("DesiredTaskCount"),
                    "running": insight("RunningTaskCount"),
                },
                label="Tasks missing (desired - running)",
                period=period,
            )

        five = AlarmOptions(period=minutes(1), evaluation_periods=5, severity=Severity.WARNING)
        signals = [
            Signal(
                "cpu_utilization",
                "CpuUtilization",
                ecs_metric("CPUUtilization"),
                AlarmOptions(threshold=80).over(five),
                GREATER,
                "CPU of {resource} above {threshold} % for 5 minutes",
            ),
            Signal(
                "memory_utilization",
                "MemoryUtilization",
                ecs_metric("MemoryUtilization"),
                AlarmOptions(threshold=80).over(five),
                GREATER,
                "memory of {resource} above {threshold} % for 5 minutes",
            ),
            Signal(
                "running_tasks",
                "RunningTasks",
                missing_tasks,
                AlarmOptions(threshold=1, severity=Severity.CRITICAL).over(five),
                AT_LEAST,
                "{resource} runs fewer tasks than desired for 5 minutes",
                cloudwatch.TreatMissingData.BREACHING,
            ),
        ]
        super().__init__(
            scope,
            id,
            kind="FargateServiceAlarms",
            routing=routing,
            resource_name=resource_name or service.node.id,
            signals=signals,
            options={
                "cpu_utilization": cpu_utilization,
                "memory_utilization": memory_utilization,
                "running_tasks": running_tasks,
            },
            runbook_url=runbook_url,
        )
        if "running_tasks" in self.alarms and not _container_insights_on(service.cluster):
            Annotations.of(self).add_warning_v2(
                CONTAINER_INSIGHTS_WARNING_ID,
                "The running_tasks alarm reads Container Insights metrics, which are off for "
                f"cluster {service.cluster.node.path}; enable them "
                "(container_insights_v2=ecs.ContainerInsights.ENABLED) or the alarm stays in "
                "ALARM for missing data.",
            )


def _container_insights_on(cluster: ecs.ICluster) -> bool:
    """False only when we can see the cluster's settings and Container Insights is off."""
    cfn = cluster.node.default_child
    if not isinstance(cfn, ecs.CfnCluster):
        return True  # imported cluster: cannot tell
    settings = cfn.cluster_settings or []
    for setting in settings:  # type: ignore[union-attr]
        name = getattr(setting, "name", None) or setting.get("name")  # type: ignore[union-attr]
        value = getattr(setting, "value", None) or setting.get("value")  # type: ignore[union-attr]
        if name == "containerInsights" and value in {"enabled", "enhanced"}:
            return True
    return False
