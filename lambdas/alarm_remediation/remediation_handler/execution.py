"""The AWS calls that perform each remediation action, and the notification it sends.

Every call goes through the shared clients (see ``clients``; a dry run creates no acting
client). ``execute`` performs one action for a state change CloudWatch confirmed (see
``verification``) and returns its result as a plain dictionary, because Powertools idempotency
stores it as the state change's record (see ``idempotency``). An AWS error propagates, so the
record is released and Lambda's retry can act.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .actions import (
    LimitLambdaConcurrency,
    Notify,
    RebootEc2Instance,
    RebootRdsInstance,
    RemediationAction,
    ScaleEcsService,
    StopEc2Instance,
    next_desired_count,
)
from .clients import client as _client
from .exceptions import RemediationError
from .outcome import Outcome
from .telemetry import logger, tracer
from .verification import AlarmStateChange

_MAX_SNS_SUBJECT_CHARS: Final = 100


@dataclass(frozen=True)
class ActionResult:
    """What an executed action did; stored as the idempotency record's response."""

    outcome: Outcome
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"outcome": self.outcome.value, "reason": self.reason}


@tracer.capture_method
def _reboot_rds_instance(action: RebootRdsInstance) -> ActionResult:
    response = _client("rds").reboot_db_instance(DBInstanceIdentifier=action.db_instance_identifier)
    status = response.get("DBInstance", {}).get("DBInstanceStatus", "unknown")
    return ActionResult(
        Outcome.ACTED,
        f"rebooted RDS DB instance {action.db_instance_identifier} (status: {status})",
    )


@tracer.capture_method
def _stop_ec2_instance(action: StopEc2Instance) -> ActionResult:
    response = _client("ec2").stop_instances(InstanceIds=[action.instance_id])
    changes = response.get("StoppingInstances") or [{}]
    previous = changes[0].get("PreviousState", {}).get("Name", "unknown")
    current = changes[0].get("CurrentState", {}).get("Name", "unknown")
    return ActionResult(
        Outcome.ACTED,
        f"requested a stop of EC2 instance {action.instance_id} ({previous} -> {current})",
    )


@tracer.capture_method
def _reboot_ec2_instance(action: RebootEc2Instance) -> ActionResult:
    _client("ec2").reboot_instances(InstanceIds=[action.instance_id])
    return ActionResult(Outcome.ACTED, f"requested a reboot of EC2 instance {action.instance_id}")


@tracer.capture_method
def _scale_ecs_service(action: ScaleEcsService) -> ActionResult:
    ecs = _client("ecs")
    described = ecs.describe_services(cluster=action.cluster, services=[action.service])
    services = described.get("services") or []
    if not services:
        failures = described.get("failures") or [{}]
        raise RemediationError(
            f"ECS service {action.service} not found in cluster {action.cluster}: "
            f"{failures[0].get('reason', 'no service returned')}"
        )
    current = int(services[0]["desiredCount"])
    desired = next_desired_count(action, current)
    if desired == current:
        return ActionResult(
            Outcome.SKIPPED,
            f"ECS service {action.service} already has desired count {current}; not changed",
        )
    ecs.update_service(cluster=action.cluster, service=action.service, desiredCount=desired)
    return ActionResult(
        Outcome.ACTED,
        f"changed the desired count of ECS service {action.service} from {current} to {desired}",
    )


@tracer.capture_method
def _limit_lambda_concurrency(action: LimitLambdaConcurrency) -> ActionResult:
    lambda_ = _client("lambda")
    name, reserved = action.function_name, action.reserved_concurrency
    # Absent (or null) when the function has no reservation: it uses unreserved concurrency.
    previous = lambda_.get_function_concurrency(FunctionName=name).get(
        "ReservedConcurrentExecutions"
    )
    if previous == reserved:
        return ActionResult(
            Outcome.SKIPPED,
            f"Lambda function {name} already has reserved concurrency {reserved}; not changed",
        )
    lambda_.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)
    before = "unreserved" if previous is None else str(previous)
    return ActionResult(
        Outcome.ACTED,
        f"changed the reserved concurrency of Lambda function {name} from {before} to {reserved}",
    )


def _notification_subject(change: AlarmStateChange) -> str:
    # SNS subjects: ASCII, no line breaks, at most 100 characters.
    subject = f"{change.state}: {change.alarm_name}"
    printable = "".join(char if " " <= char <= "~" else "?" for char in subject)
    return printable[:_MAX_SNS_SUBJECT_CHARS]


def _notification_message(change: AlarmStateChange) -> str:
    previous = change.previous_state or "unknown"
    return "\n".join(
        [
            f'CloudWatch alarm "{change.alarm_name}" changed from {previous} to {change.state}.',
            "",
            f"Reason: {change.reason or '(none given)'}",
            f"Time: {change.state_updated_timestamp}",
            f"Account: {change.account}",
            f"Region: {change.region}",
            f"Alarm ARN: {change.alarm_arn}",
            "",
            "No automatic remediation is configured for this alarm: please investigate.",
        ]
    )


@tracer.capture_method
def _notify(change: AlarmStateChange, topic_arn: str | None) -> ActionResult:
    if topic_arn is None:
        logger.warning(
            "alarm notification (NOTIFY_TOPIC_ARN is not set)",
            extra={"alarm": change.alarm_name, "notification": _notification_message(change)},
        )
        return ActionResult(Outcome.ACTED, "notification logged; NOTIFY_TOPIC_ARN is not set")
    response = _client("sns").publish(
        TopicArn=topic_arn,
        Subject=_notification_subject(change),
        Message=_notification_message(change),
    )
    return ActionResult(
        Outcome.ACTED,
        f"published a notification to {topic_arn} (message {response.get('MessageId')})",
    )


def execute(
    *, change: AlarmStateChange, action: RemediationAction, notify_topic_arn: str | None
) -> dict[str, str]:
    """Perform the action once; wrapped by Powertools idempotency (key: ``change``)."""
    match action:
        case RebootRdsInstance():
            result = _reboot_rds_instance(action)
        case StopEc2Instance():
            result = _stop_ec2_instance(action)
        case RebootEc2Instance():
            result = _reboot_ec2_instance(action)
        case ScaleEcsService():
            result = _scale_ecs_service(action)
        case LimitLambdaConcurrency():
            result = _limit_lambda_concurrency(action)
        case Notify():
            result = _notify(change, notify_topic_arn)
    return result.to_dict()
