"""The audit line and the metrics of each decision.

Every decision is one structured log line (``AUDIT_MESSAGE``; ERROR when verifying or acting
failed, WARNING when an event was refused or rejected) and CloudWatch metrics in the embedded
metric format:

- one per outcome (``OUTCOME_METRICS``) and one per attempted action (``ACTION_METRICS``), with
  only the ``service`` dimension: a dimension per alarm or resource would make one custom
  metric per value, each billed;
- for a refusal instead, ``Refused`` = 1 with exactly one dimension, ``Reason`` (a
  ``refusal.RefusalReason`` value, a dozen at most), and no ``service`` dimension, in the same
  namespace: the construct alarms on it.

The audit line names the decision (``decision``, ``reason``, ``detail`` for a refusal), the
alarm (``alarm``, ``alarm_arn``), the function's own account and region, what the event claimed
(``event_*``) and, once CloudWatch confirmed the alarm, its state (``state``,
``state_timestamp``, ``alarm_reason``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.base import SingleMetric

from .actions import ActionKind, action_target
from .decision import Decision
from .outcome import Outcome
from .refusal import RefusalReason
from .settings import Settings
from .telemetry import logger, metrics
from .verification import FunctionIdentity

AUDIT_MESSAGE: Final = "remediation decision"

_MAX_ALARM_REASON_CHARS: Final = 500

#: Metric name per outcome but ``refused`` (unit Count, only the ``service`` dimension).
OUTCOME_METRICS: Final[Mapping[Outcome, str]] = {
    Outcome.ACTED: "Acted",
    Outcome.DRY_RUN: "DryRun",
    Outcome.SKIPPED: "Skipped",
    Outcome.REJECTED: "Rejected",
    Outcome.FAILED: "Failed",
}

#: Metric name per action, counted once per attempt (outcome acted, dry_run or failed) on a
#: state change CloudWatch confirmed.
ACTION_METRICS: Final[Mapping[ActionKind, str]] = {
    ActionKind.REBOOT_RDS_INSTANCE: "RebootRdsInstance",
    ActionKind.STOP_EC2_INSTANCE: "StopEc2Instance",
    ActionKind.REBOOT_EC2_INSTANCE: "RebootEc2Instance",
    ActionKind.SCALE_ECS_SERVICE: "ScaleEcsService",
    ActionKind.LIMIT_LAMBDA_CONCURRENCY: "LimitLambdaConcurrency",
    ActionKind.NOTIFY: "Notify",
}

#: The refusal metric: name and its only dimension (the construct's alarm matches both).
REFUSED_METRIC: Final = "Refused"
REASON_DIMENSION: Final = "Reason"

_ATTEMPT_OUTCOMES: Final = frozenset({Outcome.ACTED, Outcome.DRY_RUN, Outcome.FAILED})


def count_refusal(reason: RefusalReason) -> None:
    """Write ``Refused`` = 1 with the dimension ``Reason`` only, now (its own EMF document)."""
    # service="" rather than None (which reads POWERTOOLS_SERVICE_NAME): Powertools then adds
    # no ``service`` dimension, so the metric has exactly the dimension the alarm matches.
    metric = SingleMetric(namespace=metrics.namespace, service="")
    metric.add_metric(name=REFUSED_METRIC, unit=MetricUnit.Count, value=1)
    metric.add_dimension(name=REASON_DIMENSION, value=reason.value)
    # What Powertools' single_metric does: one EMF document on stdout, read by CloudWatch Logs.
    print(json.dumps(metric.serialize_metric_set(), separators=(",", ":")))


def _audit_fields(
    decision: Decision, settings: Settings, identity: FunctionIdentity
) -> dict[str, object]:
    event, change, refusal = decision.event, decision.change, decision.refusal
    alarm_arn = change.alarm_arn if change else event.alarm_arn if event else None
    return {
        "decision": decision.outcome.value,
        "detail": refusal.detail if refusal else None,
        "alarm_arn": alarm_arn or (refusal.alarm_arn if refusal else None),
        "dry_run": settings.dry_run,
        "function_account": identity.account,
        "function_region": identity.region,
        "event_state": event.state if event else None,
        "event_previous_state": event.previous_state if event else None,
        "event_timestamp": event.timestamp if event else None,
        "state": change.state if change else None,
        "state_timestamp": change.state_updated_timestamp if change else None,
        "alarm_reason": change.reason[:_MAX_ALARM_REASON_CHARS] if change else None,
    }


def report(
    decision: Decision,
    settings: Settings,
    identity: FunctionIdentity,
    error: BaseException | None = None,
) -> dict[str, str | None]:
    """Log the audit line, count the metrics, and return the summary entry."""
    action = decision.action
    target = action_target(action, notify_topic_arn=settings.notify_topic_arn) if action else None
    result: dict[str, str | None] = {
        "alarm": decision.alarm,
        "outcome": decision.outcome.value,
        "action": action.kind.value if action else None,
        "target": target,
        "reason": decision.reason,
    }
    audit = {**result, **_audit_fields(decision, settings, identity)}
    if decision.outcome is Outcome.FAILED:
        logger.error(AUDIT_MESSAGE, extra=audit, exc_info=error)
    elif decision.outcome in (Outcome.REJECTED, Outcome.REFUSED):
        logger.warning(AUDIT_MESSAGE, extra=audit)
    else:
        logger.info(AUDIT_MESSAGE, extra=audit)

    if decision.refusal is not None:
        count_refusal(decision.refusal.reason)
        return {**result, "detail": decision.refusal.detail}
    metrics.add_metric(name=OUTCOME_METRICS[decision.outcome], unit=MetricUnit.Count, value=1)
    attempted = decision.change is not None and decision.outcome in _ATTEMPT_OUTCOMES
    if action is not None and attempted:
        metrics.add_metric(name=ACTION_METRICS[action.kind], unit=MetricUnit.Count, value=1)
    return result
