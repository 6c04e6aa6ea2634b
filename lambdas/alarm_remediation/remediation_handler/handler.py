"""``lambda_handler``: one invocation, from the delivered event to the returned summary.

The handler receives a CloudWatch alarm state change (CloudWatch's native Lambda alarm action,
an EventBridge "CloudWatch Alarm State Change" event, or an SNS notification from an alarm
topic), looks the alarm name up in ``REMEDIATION_ACTIONS`` and, on a transition into ``ALARM``,
performs the configured action once per state change. The settings (see ``settings``) are read
and reported once per execution environment, by the first invocation (the cold start).

Lambda invokes the function asynchronously: a raised error makes Lambda retry the event and
then hand it to the on-failure destination, so only a failed action is raised, after every
other record of the event has been handled.
"""

from __future__ import annotations

import functools
import os

from aws_lambda_powertools.utilities.typing import LambdaContext

from .audit import report
from .decision import Decision, decide
from .events import RejectedEvent, normalize_event
from .idempotency import IDEMPOTENCY_CONFIG
from .outcome import Outcome
from .settings import Settings, load_settings
from .telemetry import logger, metrics, tracer


def _log_settings(settings: Settings) -> None:
    """Report the configuration, and every problem with it, once per cold start."""
    remediation = settings.remediation
    logger.info(
        "remediation configuration loaded",
        extra={
            "dry_run": settings.dry_run,
            "actions": {name: action.kind.value for name, action in remediation.actions.items()},
            "idempotency_table": settings.idempotency_table,
            "notify_topic_arn": settings.notify_topic_arn,
        },
    )
    if settings.dry_run_warning:
        logger.warning(settings.dry_run_warning)
    if remediation.error:
        logger.error(
            "REMEDIATION_ACTIONS is invalid; every alarm will be rejected",
            extra={"error": remediation.error},
        )
    elif not remediation.actions and not remediation.invalid:
        logger.warning("REMEDIATION_ACTIONS is empty; every alarm will be skipped")
    for alarm_name, error in remediation.invalid.items():
        logger.error(
            "invalid remediation config; events for this alarm will be rejected",
            extra={"alarm": alarm_name, "error": error},
        )
    if not settings.dry_run and not settings.idempotency_table:
        logger.error("IDEMPOTENCY_TABLE is not set; no action will be performed")


@functools.cache
def cold_start_settings() -> Settings:
    """The settings, read from the environment and reported once per execution environment."""
    settings = load_settings(os.environ)
    _log_settings(settings)
    return settings


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: object, context: LambdaContext) -> dict[str, list[dict[str, str | None]]]:
    """Handle one alarm event (every record of an SNS event); see the module docstring.

    Malformed events are rejected and reported, never raised. An AWS error while acting is
    audited, counted and re-raised (after the other records are handled) so that Lambda's
    retries and the on-failure destination keep the event.
    """
    settings = cold_start_settings()
    IDEMPOTENCY_CONFIG.register_lambda_context(context)
    results: list[dict[str, str | None]] = []
    errors: list[Exception] = []
    for item in normalize_event(event):
        if isinstance(item, RejectedEvent):
            results.append(report(Decision(Outcome.REJECTED, item.reason, item.alarm), settings))
            continue
        decision, error = decide(item, settings)
        results.append(report(decision, settings, error))
        if error is not None:
            errors.append(error)
    if errors:
        raise errors[0]
    return {"results": results}
