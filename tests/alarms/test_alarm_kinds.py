"""The alarm kinds: bad input fails at construct time with a Python error naming it; names
stay unique and keep a routing's shape; descriptions say what broke; bands are anomaly bands."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from constructs_obs import (
    AlarmIdentity,
    AlarmRouting,
    AlarmTopic,
    InvalidParameterError,
    Severity,
    add_anomaly_alarm,
    add_composite_alarm,
    add_threshold_alarm,
)

CUSTOM = cloudwatch.Metric(namespace="Shop", metric_name="Orders", period=cdk.Duration.minutes(1))
AWS_METRIC = cloudwatch.Metric(
    namespace="AWS/SQS", metric_name="NumberOfMessagesSent", period=cdk.Duration.seconds(10)
)
IDENTITY = AlarmIdentity(resource="orders", signal="count")


def _threshold(stack: cdk.Stack, **overrides: Any) -> cloudwatch.Alarm:
    kwargs: dict[str, Any] = {"metric": CUSTOM, "threshold": 1, "identity": IDENTITY}
    kwargs.update(overrides)
    return add_threshold_alarm(stack, "Alarm", **kwargs)


CASES: dict[str, tuple[Callable[[cdk.Stack], object], str]] = {
    "nan threshold": (lambda s: _threshold(s, threshold=math.nan), "threshold: expected a finite"),
    "infinite threshold": (
        lambda s: _threshold(s, threshold=-math.inf),
        "threshold: expected a finite",
    ),
    "datapoints over periods": (
        lambda s: _threshold(s, evaluation_periods=3, datapoints_to_alarm=4),
        "datapoints_to_alarm: 4 is more than evaluation_periods (3)",
    ),
    "period cloudwatch rejects": (
        lambda s: _threshold(
            s, metric=CUSTOM.with_(period=cdk.Duration.seconds(5)), high_resolution=True
        ),
        "period: 5 s is not a period CloudWatch accepts; allowed: 10 s, 30 s or a multiple",
    ),
    "10 s without high resolution": (
        lambda s: _threshold(s, metric=CUSTOM.with_(period=cdk.Duration.seconds(10))),
        "period: 10 s needs a metric published at high resolution",
    ),
    "high resolution on an AWS metric": (
        lambda s: _threshold(s, metric=AWS_METRIC, high_resolution=True),
        "high_resolution: AWS/SQS metrics are published at standard resolution",
    ),
    "evaluation longer than a day": (
        lambda s: _threshold(s, evaluation_periods=1441),
        "evaluation_periods: 1441 x 60 s",
    ),
    "runbook not https": (
        lambda s: _threshold(
            s, identity=AlarmIdentity(resource="r", signal="s", runbook_url="http://x.example")
        ),
        "runbook_url: 'http://x.example' must be an https:// URL",
    ),
    "severity of the wrong type": (
        lambda s: _threshold(
            s,
            identity=AlarmIdentity(resource="r", signal="s", severity="critical"),  # type: ignore[arg-type]
        ),
        "severity: expected a Severity",
    ),
    "zero band width": (
        lambda s: add_anomaly_alarm(s, "Band", metric=CUSTOM, identity=IDENTITY, band_width=0),
        "band_width: must be greater than 0",
    ),
    "negative band width": (
        lambda s: add_anomaly_alarm(s, "Band", metric=CUSTOM, identity=IDENTITY, band_width=-1),
        "band_width: must be greater than 0",
    ),
    "threshold operator on a band": (
        lambda s: add_anomaly_alarm(
            s,
            "Band",
            metric=CUSTOM,
            identity=IDENTITY,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        ),
        "comparison_operator: ",
    ),
    "suppressor periods without a suppressor": (
        lambda s: add_composite_alarm(
            s,
            "Composite",
            rule=cloudwatch.AlarmRule.from_boolean(True),
            identity=IDENTITY,
            suppressor_wait_period=cdk.Duration.minutes(5),
        ),
        "suppressor_wait_period: the wait and extension periods apply to an actions_suppressor",
    ),
    "routing is a topic": (
        lambda s: _threshold(s, routing=AlarmTopic(s, "Topic", email_addresses=["a@b.example"])),
        "routing: expected an AlarmRouting or None, got AlarmTopic",
    ),
    "routing of a composite is a topic": (
        lambda s: add_composite_alarm(
            s,
            "Composite",
            rule=cloudwatch.AlarmRule.from_boolean(True),
            identity=IDENTITY,
            routing=AlarmTopic(s, "Topic").topic,  # type: ignore[arg-type]
        ),
        "routing: expected an AlarmRouting or None, got Topic",
    ),
    "identity is not an AlarmIdentity": (
        lambda s: _threshold(s, identity={"resource": "r", "signal": "s"}),
        "identity: expected an AlarmIdentity, got dict",
    ),
    "actions as a mapping with an empty key": (
        lambda s: _threshold(s, actions={"": cloudwatch_actions_stub()}),
        "actions: expected a list of cloudwatch.IAlarmAction, got dict",
    ),
    "actions as a mapping with a number key": (
        lambda s: _threshold(s, actions={42: cloudwatch_actions_stub()}),
        "actions: expected a list of cloudwatch.IAlarmAction, got dict",
    ),
    "an action that is not one": (
        lambda s: add_anomaly_alarm(s, "Band", metric=CUSTOM, identity=IDENTITY, actions=(42,)),  # type: ignore[arg-type]
        "actions: expected cloudwatch.IAlarmAction values (e.g. cw_actions.SnsAction(topic)), "
        "got 42",
    ),
    "median statistic": (
        lambda s: _threshold(s, metric=CUSTOM.with_(statistic="Median")),
        "metric: 'Median' is not a CloudWatch statistic; use 'p50'",
    ),
    "percentile over 100": (
        lambda s: _threshold(s, metric=CUSTOM.with_(statistic="p100.5")),
        "metric: 'p100.5': the percentage must be between 0 and 100",
    ),
    "unknown statistic on an anomaly band": (
        lambda s: add_anomaly_alarm(
            s, "Band", metric=CUSTOM.with_(statistic="Avg90"), identity=IDENTITY
        ),
        "metric: 'Avg90' is not a CloudWatch statistic; allowed: SampleCount, Average",
    ),
    "truthy string for high_resolution": (
        lambda s: _threshold(s, high_resolution="no"),
        "high_resolution: expected True or False, got 'no'",
    ),
    "runbook without a host": (
        lambda s: _threshold(
            s, identity=AlarmIdentity(resource="r", signal="s", runbook_url="https://")
        ),
        "runbook_url: 'https://' has no valid host name",
    ),
}


def cloudwatch_actions_stub() -> cloudwatch.IAlarmAction:
    """An alarm action that binds to nothing (its value never matters: the mapping is refused)."""
    return cw_actions.SnsAction(
        sns.Topic.from_topic_arn(cdk.Stack(), "T", "arn:aws:sns:eu-west-1:123456789012:t")
    )


@pytest.mark.parametrize(
    "statistic",
    [
        "Average",
        "avg",
        "Sum",
        "SampleCount",
        "Minimum",
        "Maximum",
        "p99",
        "p99.9",
        "tm90",
        "wm10",
        "TM(10%:90%)",
        "TC(:0.5)",
        "PR(100:2000)",
        "IQM",
    ],
)
def test_statistics_cloudwatch_accepts(stack: cdk.Stack, statistic: str) -> None:
    alarm = _threshold(stack, metric=CUSTOM.with_(statistic=statistic))
    assert alarm.metric.to_metric_config().metric_stat is not None


@pytest.mark.parametrize(
    ("statistic", "message"),
    [
        ("TM(90%:10%)", "the lower bound must be below the upper bound"),
        ("TM(10%:2)", "mixes a percentage and an absolute bound"),
        ("PR(10%:90%)", "PR(a:b) takes absolute values"),
        ("TM(:)", "needs at least one bound"),
        ("mean", "use 'Average'"),
    ],
)
def test_statistics_cloudwatch_refuses(stack: cdk.Stack, statistic: str, message: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        _threshold(stack, metric=CUSTOM.with_(statistic=statistic))
    assert f"invalid metric: {statistic!r}" in str(info.value)
    assert message in str(info.value)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_alarm_input(stack: cdk.Stack, case: str) -> None:
    call, message = CASES[case]
    with pytest.raises(InvalidParameterError) as info:
        call(stack)
    assert message in str(info.value)


@pytest.mark.parametrize("seconds", [10, 30])
def test_high_resolution_periods_for_custom_metrics(stack: cdk.Stack, seconds: int) -> None:
    alarm = _threshold(
        stack, metric=CUSTOM.with_(period=cdk.Duration.seconds(seconds)), high_resolution=True
    )
    assert stack.resolve(alarm.node.default_child.period) == seconds  # type: ignore[union-attr]


@pytest.mark.parametrize("seconds", [10, 30])
def test_high_resolution_periods_need_the_flag(stack: cdk.Stack, seconds: int) -> None:
    with pytest.raises(InvalidParameterError, match=f"period: {seconds} s needs a metric"):
        _threshold(stack, metric=CUSTOM.with_(period=cdk.Duration.seconds(seconds)))


def test_duplicate_names_in_one_account_and_region(stack: cdk.Stack) -> None:
    _threshold(stack)
    with pytest.raises(
        InvalidParameterError, match="alarm_name: 'errors-orders-count-warning' is already used"
    ):
        add_threshold_alarm(stack, "Again", metric=CUSTOM, threshold=2, identity=IDENTITY)


def test_same_name_in_another_region_is_fine(stack: cdk.Stack) -> None:
    _threshold(stack)
    other = cdk.Stack(
        stack.node.root,  # type: ignore[arg-type]
        "Elsewhere",
        stack_name="Errors",
        env=cdk.Environment(account="123456789012", region="us-east-1"),
    )
    alarm = add_threshold_alarm(other, "Alarm", metric=CUSTOM, threshold=1, identity=IDENTITY)
    cfn = alarm.node.default_child
    assert isinstance(cfn, cloudwatch.CfnAlarm)
    assert cfn.alarm_name == "errors-orders-count-warning"


@pytest.mark.parametrize(
    "name", ["orders-count-warning", "shop-orders-count-critical", "shopping-orders-warning"]
)
def test_routed_alarm_names_keep_the_routing_shape(stack: cdk.Stack, name: str) -> None:
    routing = AlarmRouting(stack, "Routing", name_prefix="shop", warning=[AlarmTopic(stack, "T")])
    with pytest.raises(
        InvalidParameterError, match=r"alarm_name: .* does not read 'shop-<\.\.\.>-warning'"
    ):
        _threshold(stack, routing=routing, alarm_name=name)


def test_a_routed_alarm_may_name_itself_within_the_shape(stack: cdk.Stack) -> None:
    routing = AlarmRouting(stack, "Routing", name_prefix="shop", warning=[AlarmTopic(stack, "T")])
    alarm = _threshold(stack, routing=routing, alarm_name="shop-legacy-orders-warning")
    cfn = alarm.node.default_child
    assert isinstance(cfn, cloudwatch.CfnAlarm)
    assert cfn.alarm_name == "shop-legacy-orders-warning"


def test_a_refused_alarm_leaves_its_name_free(stack: cdk.Stack) -> None:
    with pytest.raises(InvalidParameterError, match="summary"):
        _threshold(
            stack, identity=AlarmIdentity(resource="orders", signal="count", summary="x" * 1100)
        )
    _threshold(stack)  # the same name, now accepted


def test_description_carries_summary_severity_and_runbook(stack: cdk.Stack) -> None:
    # GIVEN an alarm with a summary and a runbook
    add_threshold_alarm(
        stack,
        "InstanceCpu",
        metric=cloudwatch.Metric(
            namespace="AWS/EC2",
            metric_name="CPUUtilization",
            dimensions_map={"InstanceId": "i-0123456789abcdef0"},
            period=cdk.Duration.minutes(1),
        ),
        threshold=95,
        identity=AlarmIdentity(
            resource="web-1",
            signal="cpu",
            severity=Severity.CRITICAL,
            summary="CPU of web-1 above 95 %",
            runbook_url="https://runbooks.example.com/web-cpu",
        ),
    )
    # THEN its description says how urgent, what broke and where the runbook is
    Template.from_stack(stack).has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "errors-web-1-cpu-critical",
            "AlarmDescription": (
                "[CRITICAL] CPU of web-1 above 95 %. Runbook: https://runbooks.example.com/web-cpu"
            ),
        },
    )


def test_anomaly_band(stack: cdk.Stack) -> None:
    # GIVEN an anomaly alarm 3 standard deviations wide, on both sides of the band
    add_anomaly_alarm(
        stack,
        "Invocations",
        metric=cloudwatch.Metric(
            namespace="AWS/Lambda", metric_name="Invocations", period=cdk.Duration.minutes(5)
        ),
        band_width=3,
        comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD,
        identity=AlarmIdentity(resource="pager", signal="invocations", severity=Severity.CRITICAL),
    )
    # THEN the alarm compares with an ANOMALY_DETECTION_BAND expression of width 3
    Template.from_stack(stack).has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold",
            "Metrics": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Expression": Match.string_like_regexp(
                                r"^ANOMALY_DETECTION_BAND\(.*, 3\)$"
                            )
                        }
                    )
                ]
            ),
        },
    )
