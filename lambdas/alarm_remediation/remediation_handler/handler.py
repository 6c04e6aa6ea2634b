"""``lambda_handler``: one invocation, from the delivered event to the returned summary.

The function is invoked only as the Lambda alarm action of the alarms it remediates. The event
is parsed (``events``: anything but CloudWatch's Lambda alarm action is refused), verified
against the function's own account and region (from ``context.invoked_function_arn``) and
against CloudWatch (``verification``), and only then, on a confirmed state into ``ALARM`` of an
alarm with a configured action, acted on, once per CloudWatch state change (``decision``).

Refusal reasons, each one audit line (``decision: "refused"``) and one ``Refused`` metric with
the ``Reason`` dimension (``audit``), and never an action:

- ``unsupported_source``: an SNS record, an EventBridge event, a ``source`` other than
  ``aws.cloudwatch``, no ``alarmData``, not a JSON object;
- ``malformed_event``: a Lambda alarm action payload with a missing or mistyped field;
- ``malformed_alarm_arn``, ``foreign_partition``, ``foreign_account``, ``foreign_region``,
  ``alarm_name_mismatch``: the alarm ARN is not one of the function's own alarms;
- ``no_action_configured``: ``REMEDIATION_ACTIONS`` has no action for the alarm;
- ``unknown_alarm``, ``not_in_alarm``: CloudWatch does not know the alarm, or it is not in
  ``ALARM`` now;
- ``replay``, ``in_progress``: this CloudWatch state change was (or is being) handled already.

The settings (see ``settings``) are read and reported once per execution environment, by the
first invocation (the cold start). Lambda invokes the function asynchronously: a raised error
makes Lambda retry the event and then hand it to the on-failure destination, so a failure to
verify the alarm (``DescribeAlarms``) or to act is raised, after its audit line.
"""

from __future__ import annotations

import functools
import os

from aws_lambda_powertools.utilities.typing import LambdaContext

from .audit import report
from .decision import decide, refused
from .events import parse_event
from .idempotency import IDEMPOTENCY_CONFIG
from .refusal import Refusal
from .settings import Settings, load_settings
from .telemetry import logger, metrics, tracer
from .verification import function_identity


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
        logger.warning("REMEDIATION_ACTIONS is empty; every alarm will be refused")
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
    """Handle one alarm event; see the module docstring.

    A refused event is reported, never raised. An AWS error while verifying or acting is
    audited, counted and re-raised so that Lambda's retries and the on-failure destination
    keep the event.
    """
    settings = cold_start_settings()
    identity = function_identity(context.invoked_function_arn)
    IDEMPOTENCY_CONFIG.register_lambda_context(context)
    parsed = parse_event(event)
    if isinstance(parsed, Refusal):
        decision, error = refused(parsed), None
    else:
        decision, error = decide(parsed, identity, settings)
    result = report(decision, settings, identity, error)
    if error is not None:
        raise error
    return {"results": [result]}
