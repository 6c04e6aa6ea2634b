"""What to do with one alarm event: act, pretend (dry run), skip, reject or refuse.

The checks run cheapest first, and nothing is done before all of them pass, dry run included:

1. the alarm ARN is the function's own account's and region's (``verification.check_claim``),
   else the event is refused;
2. the event claims a transition into ``ALARM`` (a change from ``ALARM`` to ``ALARM`` re-sends
   the state, it is not a new incident), else it is skipped: it asks for nothing;
3. ``REMEDIATION_ACTIONS`` has a valid action for the alarm name: an invalid config rejects the
   event, a missing one refuses it (``no_action_configured``). This runs before
   ``DescribeAlarms``, which the construct allows on the configured alarms only;
4. the idempotency table is set, unless in dry run (Lambda may deliver one event more than
   once), else the event is rejected;
5. CloudWatch confirms the alarm is in ``ALARM`` (``verification.confirm_alarm``), else the
   event is refused; a ``DescribeAlarms`` failure is returned as an error, to be raised;
6. dry run reports what it would do; otherwise the action runs once per CloudWatch state change
   (``idempotency``), and a redelivery is refused as a replay.
"""

from __future__ import annotations

from dataclasses import dataclass

from .actions import RemediationAction, describe_action
from .events import AlarmEvent
from .idempotency import perform_once
from .outcome import Outcome
from .refusal import Refusal, RefusalReason
from .settings import Settings
from .verification import AlarmStateChange, FunctionIdentity, check_claim, confirm_alarm


@dataclass(frozen=True)
class Decision:
    """One decision: the audit line, the metrics and the returned summary.

    ``event`` is what the event claimed, ``change`` what CloudWatch confirmed (None before
    confirmation); ``refusal`` is set when the outcome is ``refused``.
    """

    outcome: Outcome
    reason: str
    alarm: str | None
    event: AlarmEvent | None = None
    change: AlarmStateChange | None = None
    action: RemediationAction | None = None
    refusal: Refusal | None = None


def refused(
    refusal: Refusal,
    event: AlarmEvent | None = None,
    action: RemediationAction | None = None,
    change: AlarmStateChange | None = None,
) -> Decision:
    """The decision for a refused event: its reason is the refusal reason's value."""
    return Decision(
        Outcome.REFUSED, refusal.reason.value, refusal.alarm, event, change, action, refusal
    )


def _not_a_transition_into_alarm(event: AlarmEvent) -> str | None:
    """Why the event asks for nothing, or None when it claims a transition into ALARM."""
    if event.state != "ALARM":
        return f"state is {event.state}; remediation runs only on transitions into ALARM"
    if event.previous_state == "ALARM":
        return "no transition: the alarm was already in ALARM"
    return None


def _before_cloudwatch(event: AlarmEvent, settings: Settings) -> Decision | None:
    """The decision for an event that does not get as far as CloudWatch, or None."""
    remediation = settings.remediation
    action = remediation.actions.get(event.alarm_name)

    def decided(outcome: Outcome, reason: str) -> Decision:
        return Decision(outcome, reason, event.alarm_name, event, None, action)

    skip = _not_a_transition_into_alarm(event)
    if skip is not None:
        return decided(Outcome.SKIPPED, skip)
    if remediation.error:
        return decided(Outcome.REJECTED, f"REMEDIATION_ACTIONS is invalid: {remediation.error}")
    if event.alarm_name in remediation.invalid:
        problem = remediation.invalid[event.alarm_name]
        return decided(Outcome.REJECTED, f"invalid remediation config: {problem}")
    if action is None:
        detail = "REMEDIATION_ACTIONS has no action for this alarm"
        no_action = Refusal(
            RefusalReason.NO_ACTION_CONFIGURED, detail, event.alarm_name, event.alarm_arn
        )
        return refused(no_action, event)
    if not settings.dry_run and not settings.idempotency_table:
        return decided(
            Outcome.REJECTED,
            "IDEMPOTENCY_TABLE is not set; refusing to act without duplicate protection",
        )
    return None


def _act(
    event: AlarmEvent, change: AlarmStateChange, action: RemediationAction, settings: Settings
) -> tuple[Decision, Exception | None]:
    """Pretend (dry run) or perform the action once per state change; an AWS error is returned."""
    description = describe_action(action, notify_topic_arn=settings.notify_topic_arn)

    def decided(outcome: Outcome, reason: str) -> Decision:
        return Decision(outcome, reason, change.alarm_name, event, change, action)

    if settings.dry_run:
        return decided(Outcome.DRY_RUN, f"dry run: would {description}"), None
    try:
        performed = perform_once(change, action, settings)
    except Exception as exc:  # every failure is audited by the caller, then re-raised
        return decided(Outcome.FAILED, f"could not {description}: {type(exc).__name__}: {exc}"), exc
    if isinstance(performed, Refusal):
        return refused(performed, event, action, change), None
    return decided(*performed), None


def decide(
    event: AlarmEvent, identity: FunctionIdentity, settings: Settings
) -> tuple[Decision, Exception | None]:
    """Decide what to do with one alarm event, and do it; an AWS error is returned."""
    refusal = check_claim(event, identity)
    if refusal is not None:  # with the configured action, if any, for context
        return refused(refusal, event, settings.remediation.actions.get(event.alarm_name)), None
    early = _before_cloudwatch(event, settings)
    if early is not None:
        return early, None
    action = settings.remediation.actions[event.alarm_name]
    try:
        confirmed = confirm_alarm(event, identity)
    except Exception as exc:  # audited by the caller, then raised: never taken for an answer
        reason = (
            "could not verify the alarm with CloudWatch (DescribeAlarms): "
            f"{type(exc).__name__}: {exc}"
        )
        return Decision(Outcome.FAILED, reason, event.alarm_name, event, None, action), exc
    if isinstance(confirmed, Refusal):
        return refused(confirmed, event, action), None
    return _act(event, confirmed, action, settings)
