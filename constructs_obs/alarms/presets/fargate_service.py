"""FargateServiceAlarms: the alarms an ECS (Fargate) service needs, in one statement.

CPU and memory come from ``AWS/ECS`` (dimensions ``ClusterName`` and ``ServiceName``); the task
counts come from Container Insights (``ECS/ContainerInsights``), which publishes nothing unless
it is on for the cluster, so missing task counts are breaching and a cluster this app defines
with Container Insights off gets a synth-time warning.
"""

from __future__ import annotations

from aws_cdk import Annotations, Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from constructs import Construct

from constructs_obs.alarms.alarm_routing import AlarmRouting
from constructs_obs.alarms.presets.preset_alarms import (
    AT_LEAST,
    FIVE_ONE_MINUTE_PERIODS,
    GREATER,
    PERCENT,
    AlarmOptions,
    MetricFactory,
    PresetAlarms,
    Signal,
    check_resource,
    declaring,
)
from constructs_obs.alarms.severity import Severity
from constructs_obs.private.validate import Check

__all__ = ["FargateServiceAlarms"]

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
        service = check_resource(
            Check("FargateServiceAlarms", id),
            "service",
            service,
            "service_name",
            "an ecs.IBaseService",
        )
        cluster = declaring(service.cluster, "cluster_name") or service.cluster
        super().__init__(
            scope,
            id,
            kind="FargateServiceAlarms",
            routing=routing,
            resource_name=resource_name or service.node.id,
            signals=_signals(service, cluster),
            options={
                "cpu_utilization": cpu_utilization,
                "memory_utilization": memory_utilization,
                "running_tasks": running_tasks,
            },
            runbook_url=runbook_url,
        )
        if "running_tasks" in self.alarms:
            self._warn_without_container_insights(cluster)

    def _warn_without_container_insights(self, cluster: ecs.ICluster) -> None:
        if not _container_insights_on(cluster):
            Annotations.of(self).add_warning_v2(
                CONTAINER_INSIGHTS_WARNING_ID,
                "The running_tasks alarm reads Container Insights metrics, which are off for "
                f"cluster {cluster.node.path}; enable them "
                "(container_insights_v2=ecs.ContainerInsights.ENABLED) or the alarm stays in "
                "ALARM for missing data.",
            )


def _signals(service: ecs.IBaseService, cluster: ecs.ICluster) -> list[Signal]:
    dimensions = {
        "ClusterName": cluster.cluster_name,
        "ServiceName": service.service_name,
    }
    return [
        Signal(
            "cpu_utilization",
            "CpuUtilization",
            _service_metric("AWS/ECS", "CPUUtilization", dimensions),
            AlarmOptions(threshold=80).over(FIVE_ONE_MINUTE_PERIODS),
            GREATER,
            "CPU of {resource} above {threshold} % for 5 minutes",
            unit=PERCENT,
        ),
        Signal(
            "memory_utilization",
            "MemoryUtilization",
            _service_metric("AWS/ECS", "MemoryUtilization", dimensions),
            AlarmOptions(threshold=80).over(FIVE_ONE_MINUTE_PERIODS),
            GREATER,
            "memory of {resource} above {threshold} % for 5 minutes",
            unit=PERCENT,
        ),
        Signal(
            "running_tasks",
            "RunningTasks",
            _missing_tasks(dimensions),
            AlarmOptions(threshold=1, severity=Severity.CRITICAL).over(FIVE_ONE_MINUTE_PERIODS),
            AT_LEAST,
            "{resource} runs fewer tasks than desired for 5 minutes",
            cloudwatch.TreatMissingData.BREACHING,
        ),
    ]


def _service_metric(namespace: str, name: str, dimensions: dict[str, str]) -> MetricFactory:
    """The service's average ``name`` for the period the alarm chooses."""
    return lambda period: _average(namespace, name, dimensions, period)


def _average(
    namespace: str, name: str, dimensions: dict[str, str], period: Duration
) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=namespace,
        metric_name=name,
        dimensions_map=dimensions,
        statistic="Average",
        period=period,
    )


def _missing_tasks(dimensions: dict[str, str]) -> MetricFactory:
    """Desired minus running tasks, from Container Insights."""

    def expression(period: Duration) -> cloudwatch.IMetric:
        return cloudwatch.MathExpression(
            expression="desired - running",
            using_metrics={
                "desired": _average(
                    "ECS/ContainerInsights", "DesiredTaskCount", dimensions, period
                ),
                "running": _average(
                    "ECS/ContainerInsights", "RunningTaskCount", dimensions, period
                ),
            },
            label="Tasks missing (desired - running)",
            period=period,
        )

    return expression


def _container_insights_on(cluster: ecs.ICluster) -> bool:
    """False only when we can see the cluster's settings and Container Insights is off."""
    if not isinstance(cluster, ecs.Cluster):
        return True  # imported cluster: cannot tell (and nothing read through jsii)
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
