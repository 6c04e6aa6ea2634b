"""Verification: the function acts only on an alarm state change CloudWatch confirms.

Whoever may invoke the function (``lambda:InvokeFunction``) can write any payload, including a
perfect copy of a CloudWatch alarm action naming one of the configured alarms. So the event is
only a claim (``events.AlarmEvent``), checked before any action, dry run included:

1. ``check_claim``: the alarm ARN must be ``arn:<partition>:cloudwatch:<region>:<account>:
   alarm:<name>`` (else ``malformed_alarm_arn``) with the function's own partition, account and
   region, read from the invocation's ``invoked_function_arn`` (else ``foreign_partition``,
   ``foreign_account``, ``foreign_region``); the event's ``accountId`` and ``region``, when
   present, must agree too; and ``<name>`` must be the event's ``alarmData.alarmName`` (else
   ``alarm_name_mismatch``). CloudWatch alarm actions can only invoke a function of the alarm's
   own account and region, so another account or region is never genuine.
2. ``confirm_alarm``: ``DescribeAlarms`` (metric and composite alarms) must know the alarm,
   with the event's ARN (else ``unknown_alarm``), and report it in ``ALARM`` now (else
   ``not_in_alarm``), whatever the event claims. The state change acted on is CloudWatch's:
   its ``StateUpdatedTimestamp`` keys idempotency (see ``idempotency``), so a replayed or
   re-timestamped event for one state change acts at most once. A ``DescribeAlarms`` failure
   (access denied, throttling after the client's retries) is raised, never taken for an answer:
   Lambda retries the event and the function's errors alarm fires.

The checks that need no AWS call run first, and the configured action is looked up before
``DescribeAlarms`` (``decision``): the construct allows ``DescribeAlarms`` on the configured
alarms only. The refusal reasons are listed in ``refusal.RefusalReason``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from . import clients
from .events import AlarmEvent, canonical_timestamp
from .exceptions import InvalidFunctionArnError, RemediationError
from .refusal import Refusal, RefusalReason

#: Both kinds of alarm can have a Lambda alarm action.
ALARM_TYPES: Final = ("MetricAlarm", "CompositeAlarm")


@dataclass(frozen=True)
class FunctionIdentity:
    """Where the function runs: the only partition, account and region it acts for."""

    partition: str
    account: str
    region: str


def function_identity(invoked_function_arn: str) -> FunctionIdentity:
    """The partition, account and region of ``arn:<p>:lambda:<r>:<a>:function:<name>[:<q>]``."""
    parts = invoked_function_arn.split(":")
    if (
        len(parts) not in (7, 8)
        or parts[0] != "arn"
        or parts[2] != "lambda"
        or parts[5] != "function"
        or not all(parts[1:5])
    ):
        raise InvalidFunctionArnError(
            f"invoked_function_arn {invoked_function_arn!r} is not a Lambda function ARN; "
            "cannot tell which account and region alarms may come from"
        )
    return FunctionIdentity(partition=parts[1], account=parts[4], region=parts[3])


@dataclass(frozen=True)
class _AlarmArn:
    partition: str
    region: str
    account: str
    name: str


def _parse_alarm_arn(arn: str) -> _AlarmArn | None:
    # The name is the rest of the ARN: alarm names may contain colons.
    parts = arn.split(":", 6)
    if len(parts) != 7 or parts[0] != "arn" or parts[2] != "cloudwatch" or parts[5] != "alarm":
        return None
    if not all(parts[1:5]) or not parts[6]:
        return None
    return _AlarmArn(partition=parts[1], region=parts[3], account=parts[4], name=parts[6])


def check_claim(event: AlarmEvent, identity: FunctionIdentity) -> Refusal | None:
    """Why the event's alarm cannot be one of the function's own alarms, or None."""
    arn = _parse_alarm_arn(event.alarm_arn)
    if arn is None:
        return Refusal(
            RefusalReason.MALFORMED_ALARM_ARN,
            f"{event.alarm_arn!r} is not a CloudWatch alarm ARN "
            "(arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>)",
            event.alarm_name,
            event.alarm_arn,
        )
    checks = (
        (RefusalReason.FOREIGN_PARTITION, "the alarm ARN's partition", arn.partition, "partition"),
        (RefusalReason.FOREIGN_ACCOUNT, "the alarm ARN's account", arn.account, "account"),
        (RefusalReason.FOREIGN_ACCOUNT, "the event's 'accountId'", event.account, "account"),
        (RefusalReason.FOREIGN_REGION, "the alarm ARN's region", arn.region, "region"),
        (RefusalReason.FOREIGN_REGION, "the event's 'region'", event.region, "region"),
    )
    for reason, what, claimed, field in checks:
        own = getattr(identity, field)
        if claimed is not None and claimed != own:
            detail = f"{what} is {claimed!r}, not the function's {field} {own!r}"
            return Refusal(reason, detail, event.alarm_name, event.alarm_arn)
    if arn.name != event.alarm_name:
        return Refusal(
            RefusalReason.ALARM_NAME_MISMATCH,
            f"the alarm ARN names alarm {arn.name!r}, the event {event.alarm_name!r}",
            event.alarm_name,
            event.alarm_arn,
        )
    return None


@dataclass(frozen=True)
class AlarmStateChange:
    """A state change CloudWatch confirmed: the only thing the function acts on.

    ``state``, ``reason`` and ``state_updated_timestamp`` (canonical ISO 8601 UTC) are
    CloudWatch's; ``previous_state`` is the event's, for the notification only; ``account``
    and ``region`` are the function's (checked equal to the alarm ARN's).
    """

    alarm_name: str
    alarm_arn: str
    state: str
    state_updated_timestamp: str
    reason: str
    previous_state: str | None
    account: str
    region: str


def confirm_alarm(event: AlarmEvent, identity: FunctionIdentity) -> AlarmStateChange | Refusal:
    """The alarm's state change as CloudWatch reports it, or why it is refused.

    An AWS error (from ``DescribeAlarms``) propagates.
    """
    response = clients.client("cloudwatch").describe_alarms(
        AlarmNames=[event.alarm_name], AlarmTypes=list(ALARM_TYPES)
    )
    alarms = [*response.get("MetricAlarms", []), *response.get("CompositeAlarms", [])]
    alarm = next((found for found in alarms if found.get("AlarmArn") == event.alarm_arn), None)
    if alarm is None:
        return Refusal(
            RefusalReason.UNKNOWN_ALARM,
            f"CloudWatch has no alarm {event.alarm_name!r} with ARN {event.alarm_arn}",
            event.alarm_name,
            event.alarm_arn,
        )
    state = alarm.get("StateValue")
    if state != "ALARM":
        return Refusal(
            RefusalReason.NOT_IN_ALARM,
            f"CloudWatch reports the alarm in {state}, the event claims {event.state}",
            event.alarm_name,
            event.alarm_arn,
        )
    updated = alarm.get("StateUpdatedTimestamp")
    if not isinstance(updated, datetime):
        raise RemediationError(
            f"DescribeAlarms returned no StateUpdatedTimestamp for {event.alarm_arn}"
        )
    return AlarmStateChange(
        alarm_name=event.alarm_name,
        alarm_arn=event.alarm_arn,
        state=state,
        state_updated_timestamp=canonical_timestamp(updated),
        reason=str(alarm.get("StateReason", "")),
        previous_state=event.previous_state,
        account=identity.account,
        region=identity.region,
    )
