"""LambdaFunctionAlarms: the alarms a Lambda function needs, in one statement."""

from __future__ import annotations

from collections.abc import Callable

from aws_cdk import Duration, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from constructs_obs.alarms.alarm_routing import AlarmRouting
from constructs_obs.alarms.presets.preset_alarms import AlarmOptions, PresetAlarms, Signal, minutes
from constructs_obs.alarms.severity import Severity
from constructs_obs.errors import InvalidParameterError
from constructs_obs.private.validate import Check

__all__ = ["LambdaFunctionAlarms"]

AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
DEFAULT_ACCOUNT_CONCURRENCY = 1000


class LambdaFunctionAlarms(PresetAlarms):
    """Errors, throttles, p99 duration against the timeout, concurrency, and, where they
    apply, the age of asynchronous events and dead-letter errors.

    Defaults (each overridable with ``AlarmOptions``, or ``AlarmOptions(enabled=False)``):

    ========================= ================================================= ========
    signal                    fires when                                        severity
    ========================= ================================================= ========
    ``errors``                >= 1 error in 5 minutes                           critical
    ``throttles``             >= 1 throttle in 5 minutes                        warning
    ``duration_p99``          p99 duration >= 80 % of the timeout, 3 x 5 min    warning
    ``concurrent_executions`` max >= 80 % of reserved concurrency (else of the  warning
                              account default of 1000)
    ``async_event_age``       oldest queued async event >= 5 minutes            warning
                              (with ``asynchronous=True``)
    ``dead_letter_errors``    >= 1 event that could not reach the DLQ           critical
                              (when the function has a dead-letter queue)
    ``dead_letter_messages``  >= 1 event waiting in the function's SQS           critical
                              dead-letter queue (failed events, not lost yet)
    ========================= ================================================= ========

    Parameters
    ----------
    timeout:
        The function's timeout, for ``duration_p99``. Default: read from a ``lambda_.Function``;
        required for an imported function (or disable ``duration_p99``).
    asynchronous:
        The function is invoked asynchronously (events, SNS, S3...): add ``async_event_age``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: lambda_.IFunction,
        routing: AlarmRouting | None,
        resource_name: str | None = None,
        runbook_url: str | None = None,
        timeout: Duration | None = None,
        asynchronous: bool = False,
        errors: AlarmOptions | None = None,
        throttles: AlarmOptions | None = None,
        duration_p99: AlarmOptions | None = None,
        concurrent_executions: AlarmOptions | None = None,
        async_event_age: AlarmOptions | None = None,
        dead_letter_errors: AlarmOptions | None = None,
        dead_letter_messages: AlarmOptions | None = None,
    ) -> None:
        concrete = function if isinstance(function, lambda_.Function) else None
        if timeout is not None:
            # Lambda's timeout range: 1 s to 15 minutes.
            Check("LambdaFunctionAlarms", id).seconds("timeout", timeout, minimum=1, maximum=900)
        timeout = (
            timeout
            or (concrete.timeout if concrete else None)
            or (Duration.seconds(3) if concrete else None)
        )
        wants_duration = duration_p99 is None or duration_p99.enabled
        if timeout is None and wants_duration:
            raise InvalidParameterError(
                f"LambdaFunctionAlarms '{id}'",
                "timeout",
                "the function is imported, so its timeout is unknown; pass timeout= or "
                "duration_p99=AlarmOptions(enabled=False)",
            )
        has_dlq = concrete is not None and (
            concrete.dead_letter_queue is not None or concrete.dead_letter_topic is not None
        )

        def metric(name: str, statistic: str) -> Callable[[Duration], cloudwatch.IMetric]:
            return lambda period: function.metric(name, statistic=statistic, period=period)

        five = AlarmOptions(period=minutes(5), evaluation_periods=1)
        signals = [
            Signal(
                "errors",
                "Errors",
                metric("Errors", "Sum"),
                AlarmOptions(threshold=1, severity=Severity.CRITICAL).over(five),
                AT_LEAST,
                "{resource} failed {threshold} or more times in 5 minutes",
                cloudwatch.TreatMissingData.NOT_BREACHING,
            ),
            Signal(
                "throttles",
                "Throttles",
                metric("Throttles", "Sum"),
                AlarmOptions(threshold=1, severity=Severity.WARNING).over(five),
                AT_LEAST,
                "{resource} was throttled",
                cloudwatch.TreatMissingData.NOT_BREACHING,
            ),
            Signal(
                "concurrent_executions",
                "ConcurrentExecutions",
                metric("ConcurrentExecutions", "Maximum"),
                AlarmOptions(
                    threshold=0.8 * _concurrency_limit(concrete), severity=Severity.WARNING
                ).over(five),
                AT_LEAST,
                "{resource} runs {threshold} or more executions at once",
                cloudwatch.TreatMissingData.NOT_BREACHING,
            ),
        ]
        if wants_duration and timeout is not None:
            limit_ms = 0.8 * timeout.to_milliseconds()
            signals.append(
                Signal(
                    "duration_p99",
                    "DurationP99",
                    metric("Duration", "p99"),
                    AlarmOptions(
                        threshold=limit_ms, evaluation_periods=3, severity=Severity.WARNING
                    ).over(five),
                    AT_LEAST,
                    "p99 duration of {resource} reached {threshold} ms (80 % of its timeout)",
                    cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )
        if asynchronous:
            signals.append(
                Signal(
                    "async_event_age",
                    "AsyncEventAge",
                    metric("AsyncEventAge", "Maximum"),
                    AlarmOptions(threshold=300_000, severity=Severity.WARNING).over(five),
                    AT_LEAST,
                    "asynchronous events for {resource} waited {threshold} ms or more",
                    cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )
        if has_dlq:
            signals.append(
                Signal(
                    "dead_letter_errors",
                    "DeadLetterErrors",
                    metric("DeadLetterErrors", "Sum"),
                    AlarmOptions(threshold=1, severity=Severity.CRITICAL).over(five),
                    AT_LEAST,
                    "failed events of {resource} could not be sent to its dead-letter queue",
                    cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )
        queue = concrete.dead_letter_queue if concrete is not None else None
        if queue is not None:
            signals.append(
                Signal(
                    "dead_letter_messages",
                    "DeadLetterMessages",
                    lambda period: queue.metric_approximate_number_of_messages_visible(
                        period=period, statistic="Maximum"
                    ),
                    AlarmOptions(threshold=1, severity=Severity.CRITICAL).over(five),
                    AT_LEAST,
                    "{threshold} or more failed events of {resource} wait in its dead-letter queue",
                    cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )
        super().__init__(
            scope,
            id,
            kind="LambdaFunctionAlarms",
            routing=routing,
            resource_name=resource_name or function.node.id,
            signals=signals,
            options={
                "errors": errors,
                "throttles": throttles,
                "duration_p99": duration_p99,
                "concurrent_executions": concurrent_executions,
                "async_event_age": async_event_age,
                "dead_letter_errors": dead_letter_errors,
                "dead_letter_messages": dead_letter_messages,
            },
            runbook_url=runbook_url,
        )


def _concurrency_limit(function: lambda_.Function | None) -> int:
    if function is not None:
        cfn = function.node.default_child
        reserved = getattr(cfn, "reserved_concurrent_executions", None)
        if isinstance(reserved, int) and not Token.is_unresolved(reserved):
            return reserved
    return DEFAULT_ACCOUNT_CONCURRENCY
