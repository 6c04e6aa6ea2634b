"""Bad input to alarms and routing fails at construct time with a Python error naming it."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions

from constructs_obs import (
    AlarmIdentity,
    AlarmRouting,
    AlarmTopic,
    IncidentTarget,
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
}


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


ROUTING_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "prefix with spaces": ({"name_prefix": "my shop"}, "name_prefix: 'my shop' must start"),
    "empty prefix": ({"name_prefix": ""}, "name_prefix: must not be empty"),
    "not a target": ({"name_prefix": "p", "critical": ["oncall@example.com"]}, "critical: 'oncall"),
    "ops item category": (
        {"name_prefix": "p", "warning": [IncidentTarget.to_ops_item(category="Bogus")]},
        "warning: 'Bogus' is not allowed",
    ),
    "ops item severity": (
        {"name_prefix": "p", "critical": [IncidentTarget.to_ops_item(severity="5")]},
        "critical: '5' is not allowed",
    ),
    "too many retries": (
        {"name_prefix": "p", "incident_retry_attempts": 200},
        "incident_retry_attempts: must be >= 0 and <= 185",
    ),
    "event age not a duration": (
        {"name_prefix": "p", "incident_max_event_age": 3600},
        "incident_max_event_age: expected a Duration",
    ),
    "ok actions not severities": (
        {"name_prefix": "p", "ok_actions": ["critical"]},
        "ok_actions: expected Severity values",
    ),
    "insufficient data actions not severities": (
        {"name_prefix": "p", "insufficient_data_actions": ["warning"]},
        "insufficient_data_actions: expected Severity values",
    ),
    "event age too long": (
        {"name_prefix": "p", "incident_max_event_age": cdk.Duration.hours(48)},
        "incident_max_event_age: must be >= 60 and <= 86400",
    ),
}


@pytest.mark.parametrize("case", sorted(ROUTING_CASES))
def test_bad_routing_input(stack: cdk.Stack, case: str) -> None:
    kwargs, message = ROUTING_CASES[case]
    with pytest.raises(InvalidParameterError) as info:
        AlarmRouting(stack, "Routing", **kwargs)
    assert message in str(info.value)


def test_routing_accepts_every_documented_target_kind(stack: cdk.Stack) -> None:
    topic = AlarmTopic(stack, "Topic")
    routing = AlarmRouting(stack, "Routing", name_prefix="Shop.Prod", critical=[topic, topic.topic])
    assert routing.name_prefix == "shop.prod"
    assert len(routing.topics(Severity.CRITICAL)) == 2


def test_a_severity_without_targets_refuses_alarms(stack: cdk.Stack) -> None:
    topic = AlarmTopic(stack, "Topic")
    routing = AlarmRouting(stack, "Routing", name_prefix="p", critical=[topic])
    with pytest.raises(InvalidParameterError, match="warning: no warning targets"):
        _threshold(stack, routing=routing)


def test_more_than_five_actions_per_state_is_refused(stack: cdk.Stack) -> None:
    topics = [AlarmTopic(stack, f"Topic{n}") for n in range(6)]
    routing = AlarmRouting(stack, "Routing", name_prefix="p", warning=topics)
    with pytest.raises(
        InvalidParameterError, match="would get 6 alarm actions; CloudWatch allows 5"
    ):
        _threshold(stack, routing=routing)


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


@pytest.mark.parametrize(
    ("first", "second"), [("shop", "shop"), ("shop", "shop-eu"), ("shop-eu", "shop")]
)
def test_overlapping_routing_prefixes_are_refused(
    stack: cdk.Stack, first: str, second: str
) -> None:
    AlarmRouting(stack, "First", name_prefix=first)
    with pytest.raises(
        InvalidParameterError, match=f"name_prefix: '{second}' overlaps the prefix '{first}'"
    ):
        AlarmRouting(stack, "Second", name_prefix=second)


def test_distinct_prefixes_and_other_regions_are_fine(stack: cdk.Stack) -> None:
    AlarmRouting(stack, "Shop", name_prefix="shop")
    AlarmRouting(stack, "Shopping", name_prefix="shopping")  # 'shopping-' is not 'shop-'
    elsewhere = cdk.Stack(
        stack.node.root,  # type: ignore[arg-type]
        "Elsewhere",
        env=cdk.Environment(account="123456789012", region="us-east-1"),
    )
    AlarmRouting(elsewhere, "Shop", name_prefix="shop")


def test_monitor_names_are_registered_too(stack: cdk.Stack) -> None:
    # The routing's monitor takes its name first; an alarm of the user's cannot take it later.
    topic = AlarmTopic(stack, "T")
    AlarmRouting(
        stack, "Routing", name_prefix="shop", critical=[topic, IncidentTarget.to_ops_item()]
    )
    identity = AlarmIdentity(resource="incident-routing", signal="dead-letters")
    with pytest.raises(InvalidParameterError, match="is already used"):
        _threshold(
            stack, identity=identity, alarm_name="shop-incident-routing-dead-letters-monitor"
        )


def test_an_alarm_only_inapplicable_ec2_actions_would_reach_is_refused(stack: cdk.Stack) -> None:
    routing = AlarmRouting(
        stack,
        "Routing",
        name_prefix="p",
        critical=[cw_actions.Ec2Action(cw_actions.Ec2InstanceAction.REBOOT)],
    )
    identity = AlarmIdentity(resource="orders", signal="count", severity=Severity.CRITICAL)
    with pytest.raises(InvalidParameterError, match="would notify nobody: the critical targets"):
        _threshold(stack, routing=routing, identity=identity)
    instance_metric = cloudwatch.Metric(
        namespace="AWS/EC2",
        metric_name="StatusCheckFailed",
        dimensions_map={"InstanceId": "i-0123456789abcdef0"},
    )
    # The refused alarm left neither its construct id nor its name behind.
    alarm = _threshold(stack, routing=routing, identity=identity, metric=instance_metric)
    (action,) = stack.resolve(alarm.node.default_child.alarm_actions)  # type: ignore[union-attr]
    assert "ec2:reboot" in json.dumps(action)
