"""What to do with one alarm state change: act, pretend (dry run), skip or reject.

Remediation runs only on a transition into ``ALARM`` (a change from ``ALARM`` to ``ALARM``
re-sends the state, it is not a new incident) and only for an alarm with a valid action. It
refuses to act without the idempotency table, since Lambda may deliver one event more than
once; a dry run needs no table because it calls no AWS API at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from .actions import RemediationAction, describe_action
from .events import AlarmStateChange
from .idempotency import perform_once
from .outcome import Outcome
from .settings import Settings


@dataclass(frozen=True)
class Decision:
    """One decision: the audit line, the metrics and one entry of the returned summary."""

    outcome: Outcome
    reason: str
    alarm: str | None
    change: AlarmStateChange | None = None
    action: RemediationAction | None = None


def _config_problem(alarm_name: str, settings: Settings) -> tuple[Outcome, str] | None:
    """Why the configuration does not let this alarm be remediated, or None."""
    remediation = settings.remediation
    if remediation.error:
        return Outcome.REJECTED, f"REMEDIATION_ACTIONS is invalid: {remediation.error}"
    if alarm_name in remediation.invalid:
        return Outcome.REJECTED, f"invalid remediation config: {remediation.invalid[alarm_name]}"
    if alarm_name not in remediation.actions:
        return Outcome.SKIPPED, "no remediation is configured for this alarm"
    if not settings.dry_run and not settings.idempotency_table:
        return (
            Outcome.REJECTED,
            "IDEMPOTENCY_TABLE is not set; refusing to act without duplicate protection",
        )
    return None


def _reason_not_to_act(change: AlarmStateChange, settings: Settings) -> tuple[Outcome, str] | None:
    """Why a state change is skipped or rejected before any action, or None to go ahead."""
    if change.state != "ALARM":
        return (
            Outcome.SKIPPED,
            f"state is {change.state}; remediation runs only on transitions into ALARM",
        )
    if change.previous_state == "ALARM":
        return Outcome.SKIPPED, "no transition: the alarm was already in ALARM"
    return _config_problem(change.alarm_name, settings)


def _act(
    change: AlarmStateChange, action: RemediationAction, settings: Settings
) -> tuple[Outcome, str]:
    """Perform the action once per state change; an AWS error propagates."""
    description = describe_action(action, notify_topic_arn=settings.notify_topic_arn)
    if settings.dry_run:
        return Outcome.DRY_RUN, f"dry run: would {description}"
    return perform_once(change, action, settings)


def decide(change: AlarmStateChange, settings: Settings) -> tuple[Decision, Exception | None]:
    """Decide what to do with one state change, and do it; an AWS error is returned."""
    action = settings.remediation.actions.get(change.alarm_name)
    verdict = _reason_not_to_act(change, settings)
    if verdict is not None or action is None:
        outcome, reason = verdict or (Outcome.SKIPPED, "no remediation is configured")
        return Decision(outcome, reason, change.alarm_name, change, action), None
    try:
        outcome, reason = _act(change, action, settings)
    except Exception as exc:  # every failure is audited by the caller, then re-raised
        description = describe_action(action, notify_topic_arn=settings.notify_topic_arn)
        reason = f"could not {description}: {type(exc).__name__}: {exc}"
        return Decision(Outcome.FAILED, reason, change.alarm_name, change, action), exc
    return Decision(outcome, reason, change.alarm_name, change, action), None
