"""Why the function refused an event: the reasons, one CloudWatch dimension value each.

Anyone allowed to invoke the function can hand it any payload, so nothing in an event is
believed until CloudWatch confirms it (see ``events`` and ``verification``). An event that fails
a check is refused: one WARNING audit line and one ``Refused`` metric whose ``Reason`` dimension
is the value below (see ``audit``), and never an action. The values are the metric's dimension
values and the construct alarms on them: they must not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RefusalReason(StrEnum):
    """Why an event was refused, in the order the checks run."""

    #: Not CloudWatch's Lambda alarm action: an SNS record, an EventBridge event, anything else.
    UNSUPPORTED_SOURCE = "unsupported_source"
    #: A Lambda alarm action payload with a missing or mistyped field.
    MALFORMED_EVENT = "malformed_event"
    #: The alarm ARN is not ``arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>``.
    MALFORMED_ALARM_ARN = "malformed_alarm_arn"
    #: The alarm ARN's partition is not the function's.
    FOREIGN_PARTITION = "foreign_partition"
    #: The alarm ARN's account (or the event's ``accountId``) is not the function's.
    FOREIGN_ACCOUNT = "foreign_account"
    #: The alarm ARN's region (or the event's ``region``) is not the function's.
    FOREIGN_REGION = "foreign_region"
    #: The alarm ARN names another alarm than the event's ``alarmData.alarmName``.
    ALARM_NAME_MISMATCH = "alarm_name_mismatch"
    #: ``REMEDIATION_ACTIONS`` has no action for this alarm name.
    NO_ACTION_CONFIGURED = "no_action_configured"
    #: CloudWatch has no alarm with this name and ARN.
    UNKNOWN_ALARM = "unknown_alarm"
    #: CloudWatch says the alarm is not in ALARM now, whatever the event claims.
    NOT_IN_ALARM = "not_in_alarm"
    #: This state change (alarm ARN and CloudWatch's state timestamp) was already handled.
    REPLAY = "replay"
    #: Another invocation is handling this state change right now.
    IN_PROGRESS = "in_progress"


@dataclass(frozen=True)
class Refusal:
    """One refused event: the reason, what failed in words, and the alarm it named, if any."""

    reason: RefusalReason
    detail: str
    alarm: str | None = None
    alarm_arn: str | None = None
