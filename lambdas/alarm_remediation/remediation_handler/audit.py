"""The audit line and the metrics of each decision.

Every decision is one structured log line (``AUDIT_MESSAGE``; ERROR when an action failed,
WARNING when an event or config was rejected) and a few CloudWatch metrics in the embedded
metric format. The metrics have only the ``service`` dimension: a dimension per alarm or
resource would make one custom metric per value, each billed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from aws_lambda_powertools.metrics import MetricUnit

from .actions import ActionKind, action_target
from .decision import Decision
from .outcome import Outcome
from .settings import Settings
from .telemetry import logger, metrics

AUDIT_MESSAGE: Final = "remediation decision"

_MAX_ALARM_REASON_CHARS: Final = 500

#: Metric name per outcome (unit Count, only the ``service`` dimension).
OUTCOME_METRICS: Final[Mapping[Outcome, str]] = {
    Outcome.ACTED: "Acted",
    Outcome.DRY_RUN: "DryRun",
    Outcome.SKIPPED: "Skipped",
    Outcome.REJECTED: "Rejected",
    Outcome.FAILED: "Failed",
}

#: Metric name per action, counted once per attempt (outcome acted, dry_run or failed).
ACTION_METRICS: Final[Mapping[ActionKind, str]] = {
    ActionKind.REBOOT_RDS_INSTANCE: "RebootRdsInstance",
    ActionKind.STOP_EC2_INSTANCE: "StopEc2Instance",
    ActionKind.REBOOT_EC2_INSTANCE: "RebootEc2Instance",
    ActionKind.SCALE_ECS_SERVICE: "ScaleEcsService",
    ActionKind.LIMIT_LAMBDA_CONCURRENCY: "LimitLambdaConcurrency",
    ActionKind.NOTIFY: "Notify",
}

_ATTEMPT_OUTCOMES: Final = frozenset({Outcome.ACTED, Outcome.DRY_RUN, Outcome.FAILED})


def report(
    decision: Decision, settings: Settings, error: BaseException | None = None
) -> dict[str, str | None]:
    """Log the audit line, count the metrics, and return the summary entry."""
    change = decision.change
    action = decision.action
    target = action_target(action, notify_topic_arn=settings.notify_topic_arn) if action else None
    result: dict[str, str | None] = {
        "alarm": decision.alarm,
        "outcome": decision.outcome.value,
        "action": action.kind.value if action else None,
        "target": target,
        "reason": decision.reason,
    }
    audit: dict[str, object] = {
        **result,
        "dry_run": settings.dry_run,
        "state": change.state if change else None,
        "previous_state": change.previous_state if change else None,
        "alarm_arn": change.alarm_arn if change else None,
        "state_timestamp": change.timestamp if change else None,
        "alarm_reason": change.reason[:_MAX_ALARM_REASON_CHARS] if change else None,
    }
    if decision.outcome is Outcome.FAILED:
        logger.error(AUDIT_MESSAGE, extra=audit, exc_info=error)
    elif decision.outcome is Outcome.REJECTED:
        logger.warning(AUDIT_MESSAGE, extra=audit)
    else:
        logger.info(AUDIT_MESSAGE, extra=audit)

    metrics.add_metric(name=OUTCOME_METRICS[decision.outcome], unit=MetricUnit.Count, value=1)
    if action is not None and decision.outcome in _ATTEMPT_OUTCOMES:
        metrics.add_metric(name=ACTION_METRICS[action.kind], unit=MetricUnit.Count, value=1)
    return result
