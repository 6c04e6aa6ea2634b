"""LambdaFunctionAlarms: the alarms that apply to a function, and an imported function's
timeout."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match

from constructs_obs import AlarmOptions, InvalidParameterError, LambdaFunctionAlarms
from tests.support.harness import Synthesized

ALARM = "AWS::CloudWatch::Alarm"
IMPORTED = "arn:aws:lambda:eu-west-1:123456789012:function:imported"


def test_lambda_preset(presets: Synthesized) -> None:
    # GIVEN an asynchronous function with a 30 s timeout, 10 reserved and an SQS DLQ
    template = presets.template()
    # THEN every signal applies
    worker = template.find_resources(
        ALARM, {"Properties": {"AlarmName": Match.string_like_regexp("-worker-")}}
    )
    assert {alarm["Properties"]["AlarmName"] for alarm in worker.values()} == {
        "shop-worker-errors-critical",
        "shop-worker-throttles-warning",
        "shop-worker-concurrent-executions-warning",
        "shop-worker-duration-p99-warning",
        "shop-worker-async-event-age-warning",
        "shop-worker-dead-letter-errors-critical",
        "shop-worker-dead-letter-messages-critical",
    }
    template.has_resource_properties(
        ALARM,
        {
            "AlarmName": "shop-worker-dead-letter-messages-critical",
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Statistic": "Maximum",
            "Threshold": 1,
            "Dimensions": [
                {
                    "Name": "QueueName",
                    "Value": {
                        "Fn::GetAtt": [
                            Match.string_like_regexp("^WorkerDeadLetters"),
                            Match.any_value(),
                        ]
                    },
                }
            ],
        },
    )
    template.has_resource_properties(
        ALARM,
        {
            "AlarmName": "shop-worker-duration-p99-warning",
            "ExtendedStatistic": "p99",
            "Threshold": 24_000,  # 80 % of the 30 s timeout, in ms
        },
    )
    template.has_resource_properties(
        ALARM,
        {"AlarmName": "shop-worker-concurrent-executions-warning", "Threshold": 8},  # of 10
    )


def test_imported_function_needs_a_timeout_for_duration() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    function = lambda_.Function.from_function_arn(stack, "F", IMPORTED)
    with pytest.raises(InvalidParameterError, match="timeout: the function is imported"):
        LambdaFunctionAlarms(stack, "A", function=function, routing=None)
    alarms = LambdaFunctionAlarms(
        stack, "B", function=function, routing=None, duration_p99=AlarmOptions(enabled=False)
    )
    assert set(alarms.alarms) == {"errors", "throttles", "concurrent_executions"}


def test_timeout_must_be_a_duration() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    with pytest.raises(InvalidParameterError, match="timeout: expected a Duration"):
        LambdaFunctionAlarms(
            stack,
            "D",
            function=lambda_.Function.from_function_arn(
                stack, "Imported", "arn:aws:lambda:eu-west-1:123456789012:function:f"
            ),
            routing=None,
            timeout=30,  # type: ignore[arg-type]
        )


def test_asynchronous_must_be_a_bool() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    function = lambda_.Function.from_function_arn(stack, "F", IMPORTED)
    with pytest.raises(InvalidParameterError) as info:
        LambdaFunctionAlarms(
            stack,
            "A",
            function=function,
            routing=None,
            timeout=cdk.Duration.seconds(30),
            asynchronous="yes",  # type: ignore[arg-type]
        )
    assert "LambdaFunctionAlarms 'A': invalid asynchronous: expected True or False, got 'yes'" in (
        str(info.value)
    )


def test_a_function_name_is_not_a_function() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    with pytest.raises(InvalidParameterError) as info:
        LambdaFunctionAlarms(stack, "A", function="worker", routing=None)  # type: ignore[arg-type]
    assert "invalid function: expected a lambda_.IFunction, got str 'worker'" in str(info.value)


def test_duration_threshold_beyond_lambdas_longest_timeout_is_refused() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    function = lambda_.Function.from_function_arn(stack, "F", IMPORTED)
    with pytest.raises(InvalidParameterError) as info:
        LambdaFunctionAlarms(
            stack,
            "A",
            function=function,
            routing=None,
            timeout=cdk.Duration.seconds(30),
            duration_p99=AlarmOptions(threshold=1_000_000),
        )
    assert "duration_p99.threshold: 1e+06 is out of range" in str(info.value)
    assert "(0 to 900000)" in str(info.value)
