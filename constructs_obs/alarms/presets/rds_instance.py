"""RdsInstanceAlarms: the alarms an RDS instance needs, in one statement.

The metrics are the instance's ``AWS/RDS`` metrics (dimension ``DBInstanceIdentifier``);
latencies are in seconds and memory and storage in bytes, as CloudWatch publishes them.
"""

from __future__ import annotations

from aws_cdk import aws_rds as rds
from constructs import Construct

from constructs_obs.alarms.alarm_routing import AlarmRouting
from constructs_obs.alarms.presets.preset_alarms import (
    BYTES,
    FIVE_ONE_MINUTE_PERIODS,
    GREATER,
    LESS,
    PERCENT,
    SECONDS,
    AlarmOptions,
    PresetAlarms,
    Signal,
    check_resource,
    metric_per_period,
    minutes,
)
from constructs_obs.alarms.severity import Severity
from constructs_obs.private.validate import Check

__all__ = ["RdsInstanceAlarms"]

MIB = 1024 * 1024
GIB = 1024 * MIB


class RdsInstanceAlarms(PresetAlarms):
    """CPU, read/write latency, freeable memory, free storage and connections of an instance.

    Defaults (each overridable with ``AlarmOptions``, or ``AlarmOptions(enabled=False)``):

    ============================ ========================================= ==========
    signal                       fires when                                severity
    ============================ ========================================= ==========
    ``cpu_utilization``          average CPU > 80 % for 5 minutes          warning
    ``read_latency``             average > 20 ms for 5 minutes             warning
    ``write_latency``            average > 50 ms for 5 minutes             warning
    ``freeable_memory``          average < 256 MiB for 5 minutes           warning
    ``free_storage_space``       minimum < 10 GiB over 5 minutes           critical
    ``database_connections``     maximum > 100 for 5 minutes               warning
    ============================ ========================================= ==========

    Set ``database_connections`` from your instance class's ``max_connections``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        instance: rds.IDatabaseInstance,
        routing: AlarmRouting | None,
        resource_name: str | None = None,
        runbook_url: str | None = None,
        cpu_utilization: AlarmOptions | None = None,
        read_latency: AlarmOptions | None = None,
        write_latency: AlarmOptions | None = None,
        freeable_memory: AlarmOptions | None = None,
        free_storage_space: AlarmOptions | None = None,
        database_connections: AlarmOptions | None = None,
    ) -> None:
        instance = check_resource(
            Check("RdsInstanceAlarms", id),
            "instance",
            instance,
            "instance_identifier",
            "an rds.IDatabaseInstance",
        )
        super().__init__(
            scope,
            id,
            kind="RdsInstanceAlarms",
            routing=routing,
            resource_name=resource_name or instance.node.id,
            signals=[*_load_signals(instance), *_capacity_signals(instance)],
            options={
                "cpu_utilization": cpu_utilization,
                "read_latency": read_latency,
                "write_latency": write_latency,
                "freeable_memory": freeable_memory,
                "free_storage_space": free_storage_space,
                "database_connections": database_connections,
            },
            runbook_url=runbook_url,
        )


def _load_signals(instance: rds.IDatabaseInstance) -> list[Signal]:
    """How hard the instance works: CPU and read/write latency."""
    return [
        Signal(
            "cpu_utilization",
            "CpuUtilization",
            metric_per_period(instance.metric, "CPUUtilization", "Average"),
            AlarmOptions(threshold=80).over(FIVE_ONE_MINUTE_PERIODS),
            GREATER,
            "CPU of {resource} above {threshold} % for 5 minutes",
            unit=PERCENT,
        ),
        Signal(
            "read_latency",
            "ReadLatency",
            metric_per_period(instance.metric, "ReadLatency", "Average"),
            AlarmOptions(threshold=0.02).over(FIVE_ONE_MINUTE_PERIODS),
            GREATER,
            "read latency of {resource} above {threshold} s",
            unit=SECONDS,
        ),
        Signal(
            "write_latency",
            "WriteLatency",
            metric_per_period(instance.metric, "WriteLatency", "Average"),
            AlarmOptions(threshold=0.05).over(FIVE_ONE_MINUTE_PERIODS),
            GREATER,
            "write latency of {resource} above {threshold} s",
            unit=SECONDS,
        ),
    ]


def _capacity_signals(instance: rds.IDatabaseInstance) -> list[Signal]:
    """What the instance is running out of: memory, storage and connections."""
    return [
        Signal(
            "freeable_memory",
            "FreeableMemory",
            metric_per_period(instance.metric, "FreeableMemory", "Average"),
            AlarmOptions(threshold=256 * MIB).over(FIVE_ONE_MINUTE_PERIODS),
            LESS,
            "freeable memory of {resource} below {threshold} bytes",
            unit=BYTES,
        ),
        Signal(
            "free_storage_space",
            "FreeStorageSpace",
            metric_per_period(instance.metric, "FreeStorageSpace", "Minimum"),
            AlarmOptions(
                threshold=10 * GIB,
                period=minutes(5),
                evaluation_periods=1,
                severity=Severity.CRITICAL,
            ),
            LESS,
            "free storage of {resource} below {threshold} bytes",
            unit=BYTES,
        ),
        Signal(
            "database_connections",
            "DatabaseConnections",
            metric_per_period(instance.metric, "DatabaseConnections", "Maximum"),
            AlarmOptions(threshold=100).over(FIVE_ONE_MINUTE_PERIODS),
            GREATER,
            "connections to {resource} above {threshold}",
        ),
    ]
