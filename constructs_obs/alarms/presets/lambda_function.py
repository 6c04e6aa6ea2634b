"""LambdaFunctionAlarms: the alarms a Lambda function needs, in one statement.

The metrics are the function's ``AWS/Lambda`` metrics (and its SQS dead-letter queue's depth).
Lambda publishes no datapoint while a function is idle, so missing data is not breaching; the
duration alarm needs the function's timeout (1 s to 15 minutes), which an imported function
does not reveal.
"""

from __future__ import annotations

from typing import Final

from aws_cdk import Duration, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from constructs_obs.alarms.alarm_routing import AlarmRouting
from constructs_obs.alarms.presets.preset_alarms import (
    AT_LEAST,
    COUNT,
    MILLISECONDS,
    ONE_FIVE_MINUTE_PERIOD,
    AlarmOptions,
    MetricFactory,
    PresetAlarms,
    Signal,
    ThresholdUnit,
    check_resource,
    metric_per_period,
)
from constructs_obs.alarms.severity import Severity
from constructs_obs.errors import InvalidParameterError
from constructs_obs.private.alarm_checks import check_flag
from constructs_obs.private.scopes import duration_exact_seconds
from constructs_obs.private.validate import Check

__all__ = ["LambdaFunctionAlarms"]

DEFAULT_ACCOUNT_CONCURRENCY = 1000
DURATION_MS: Final = ThresholdUnit(
    "milliseconds (Lambda's timeout is at most 15 minutes)", 0, 900_000
)


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
        True or False (a string such as "yes" is refused). Default: False.
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
        check = Check("LambdaFunctionAlarms", id)
        function = check_resource(
            check, "function", function, "function_arn", "a lambda_.IFunction"
        )
        check_flag(check, "asynchronous", asynchronous)
        duration_timeout = _duration_timeout(id, function, timeout, duration_p99)
        super().__init__(
            scope,
            id,
            kind="LambdaFunctionAlarms",
            routing=routing,
            resource_name=resource_name or function.node.id,
            signals=_signals(function, duration_timeout, asynchronous=asynchronous),
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


def _concrete(function: lambda_.IFunction) -> lambda_.Function | None:
    """The function when this app defines it (its timeout, concurrency and DLQ are known)."""
    return function if isinstance(function, lambda_.Function) else None


def _duration_timeout(
    id: str,
    function: lambda_.IFunction,
    timeout: Duration | None,
    duration_p99: AlarmOptions | None,
) -> Duration | None:
    """The timeout ``duration_p99`` measures against; None when that alarm is disabled."""
    if timeout is not None:
        # Lambda's timeout range: 1 s to 15 minutes.
        Check("LambdaFunctionAlarms", id).seconds("timeout", timeout, minimum=1, maximum=900)
    concrete = _concrete(function)
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
    return timeout if wants_duration else None


def _signals(
    function: lambda_.IFunction, duration_timeout: Duration | None, *, asynchronous: bool
) -> list[Signal]:
    """The signals that apply to ``function``, in the order their alarms are created."""
    concrete = _concrete(function)
    signals = _invocation_signals(function, concrete)
    if duration_timeout is not None:
        signals.append(_duration_signal(function, duration_timeout))
    if asynchronous:
        signals.append(
            _signal(
                "async_event_age",
                "AsyncEventAge",
                metric_per_period(function.metric, "AsyncEventAge", "Maximum"),
                AlarmOptions(threshold=300_000, severity=Severity.WARNING),
                "asynchronous events for {resource} waited {threshold} ms or more",
                MILLISECONDS,
            )
        )
    return [*signals, *_dead_letter_signals(function, concrete)]


def _signal(
    key: str,
    construct_id: str,
    metric: MetricFactory,
    defaults: AlarmOptions,
    summary: str,
    unit: ThresholdUnit = COUNT,
) -> Signal:
    """A signal counted over 5 minutes that fires at or above its threshold; an idle function
    publishes nothing, which is not breaching."""
    return Signal(
        key,
        construct_id,
        metric,
        defaults.over(ONE_FIVE_MINUTE_PERIOD),
        AT_LEAST,
        summary,
        cloudwatch.TreatMissingData.NOT_BREACHING,
        unit,
    )


def _invocation_signals(
    function: lambda_.IFunction, concrete: lambda_.Function | None
) -> list[Signal]:
    """Every function has these: errors, throttles and concurrent executions."""
    return [
        _signal(
            "errors",
            "Errors",
            metric_per_period(function.metric, "Errors", "Sum"),
            AlarmOptions(threshold=1, severity=Severity.CRITICAL),
            "{resource} failed {threshold} or more times in 5 minutes",
        ),
        _signal(
            "throttles",
            "Throttles",
            metric_per_period(function.metric, "Throttles", "Sum"),
            AlarmOptions(threshold=1, severity=Severity.WARNING),
            "{resource} was throttled",
        ),
        _signal(
            "concurrent_executions",
            "ConcurrentExecutions",
            metric_per_period(function.metric, "ConcurrentExecutions", "Maximum"),
            AlarmOptions(threshold=0.8 * _concurrency_limit(concrete), severity=Severity.WARNING),
            "{resource} runs {threshold} or more executions at once",
        ),
    ]


def _duration_signal(function: lambda_.IFunction, timeout: Duration) -> Signal:
    """p99 duration at 80 % of the timeout, three 5-minute periods in a row."""
    return _signal(
        "duration_p99",
        "DurationP99",
        metric_per_period(function.metric, "Duration", "p99"),
        AlarmOptions(
            threshold=0.8 * _milliseconds(timeout),
            evaluation_periods=3,
            severity=Severity.WARNING,
        ),
        "p99 duration of {resource} reached {threshold} ms (80 % of its timeout)",
        DURATION_MS,
    )


def _milliseconds(timeout: Duration) -> float:
    """The timeout in milliseconds, from its seconds when they are known already (a timeout is
    a whole number of seconds, checked by ``timeout=`` or by ``lambda_.Function``)."""
    seconds = duration_exact_seconds(timeout)
    if seconds is None or seconds % 1:
        return timeout.to_milliseconds()
    return seconds * 1000


def _dead_letter_signals(
    function: lambda_.IFunction, concrete: lambda_.Function | None
) -> list[Signal]:
    """Failed events that could not reach the dead-letter queue, and those waiting in it."""
    signals: list[Signal] = []
    if concrete is not None and (
        concrete.dead_letter_queue is not None or concrete.dead_letter_topic is not None
    ):
        signals.append(
            _signal(
                "dead_letter_errors",
                "DeadLetterErrors",
                metric_per_period(function.metric, "DeadLetterErrors", "Sum"),
                AlarmOptions(threshold=1, severity=Severity.CRITICAL),
                "failed events of {resource} could not be sent to its dead-letter queue",
            )
        )
    queue = concrete.dead_letter_queue if concrete is not None else None
    if queue is not None:
        signals.append(
            _signal(
                "dead_letter_messages",
                "DeadLetterMessages",
                lambda period: queue.metric_approximate_number_of_messages_visible(
                    period=period, statistic="Maximum"
                ),
                AlarmOptions(threshold=1, severity=Severity.CRITICAL),
                "{threshold} or more failed events of {resource} wait in its dead-letter queue",
            )
        )
    return signals


def _concurrency_limit(function: lambda_.Function | None) -> int:
    if function is not None:
        cfn = function.node.default_child
        reserved = getattr(cfn, "reserved_concurrent_executions", None)
        if isinstance(reserved, int) and not Token.is_unresolved(reserved):
            return reserved
    return DEFAULT_ACCOUNT_CONCURRENCY
