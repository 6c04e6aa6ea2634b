"""What the library created in an app: alarms, pattern log groups, detection metrics.

The constructs record themselves here as they are built; ``ObservabilityDashboard`` reads the
records under a scope, so a dashboard needs no hand-written list. One registry per app (keyed
by the root construct, weakly, so apps built in tests do not leak).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from enum import Enum

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from constructs import IConstruct

from constructs_obs.private.scopes import stack_facts
from constructs_obs.private.stack_limits import watch_stack_limits


class AlarmKind(Enum):
    THRESHOLD = "threshold"
    ANOMALY = "anomaly"
    COMPOSITE = "composite"
    MONITOR = "monitor"
    """An alarm on the library's own machinery (dead letters, failed deliveries)."""


@dataclass(frozen=True)
class AlarmRecord:
    alarm: cloudwatch.IAlarm
    path: str
    kind: AlarmKind
    resource: str
    signal: str
    severity: str
    metric: cloudwatch.IMetric | None = None
    threshold: float | None = None
    band_width: float | None = None
    name: str | None = None
    """The alarm's literal name (None: unknown to the recorder, or a token); readers fall
    back to the alarm's template when it is None."""


@dataclass(frozen=True)
class LogPatternRecord:
    log_group: logs.ILogGroup
    path: str
    name: str
    patterns: list[tuple[str, str]] = field(default_factory=list)
    """(metric name, filter pattern) of each pattern alarm, appended as they are added."""


@dataclass(frozen=True)
class DetectionRecord:
    path: str
    label: str
    kind: str  # "metric filter" or "rule"
    metric: cloudwatch.Metric


@dataclass
class Registry:
    alarms: list[AlarmRecord] = field(default_factory=list)
    log_groups: list[LogPatternRecord] = field(default_factory=list)
    detections: list[DetectionRecord] = field(default_factory=list)

    def under(self, *scopes: IConstruct) -> Registry:
        """The records of constructs at or below any of ``scopes``."""
        prefixes = [scope.node.path for scope in scopes]

        def inside(path: str) -> bool:
            return any(
                not prefix or path == prefix or path.startswith(prefix + "/") for prefix in prefixes
            )

        return Registry(
            alarms=[r for r in self.alarms if inside(r.path)],
            log_groups=[r for r in self.log_groups if inside(r.path)],
            detections=[r for r in self.detections if inside(r.path)],
        )

    @property
    def size(self) -> int:
        return len(self.alarms) + len(self.log_groups) + len(self.detections)


_REGISTRIES: weakref.WeakKeyDictionary[IConstruct, Registry] = weakref.WeakKeyDictionary()


def registry_of(scope: IConstruct) -> Registry:
    """The app's registry. Whatever records itself here adds to ``scope``'s stack, so that
    stack is also watched for CloudFormation's size limits."""
    watch_stack_limits(scope)
    return _REGISTRIES.setdefault(stack_facts(scope).root, Registry())
