"""The library's own monitors: every one has a name, readable and unique in its account and
region, so that a dashboard in another stack lists it by ARN instead of a stack export."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from constructs_obs import AlarmTopic, InvalidParameterError
from constructs_obs.private.monitors import (
    MONITOR_SUFFIX,
    add_monitor_alarm,
    monitor_alarm_name,
)
from constructs_obs.private.names import MAX_ALARM_NAME_LENGTH, register_alarm_name
from constructs_obs.private.validate import Check
from tests.support.harness import DEFAULT_ENV, new_stack, synth

METRIC = cloudwatch.Metric(namespace="Shop", metric_name="Failures", statistic="Sum")


def _monitor(scope: Construct, *, alarm_name: str | None = None) -> str:
    alarm = add_monitor_alarm(
        scope,
        "FailuresAlarm",
        metric=METRIC,
        summary="Deliveries failed.",
        notify=[],
        resource=scope.node.id,
        signal="Failed Deliveries",
        alarm_name=alarm_name,
    )
    cfn = alarm.node.default_child
    assert isinstance(cfn, cloudwatch.CfnAlarm)
    assert isinstance(cfn.alarm_name, str)
    return cfn.alarm_name


@pytest.fixture
def stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Shop-Prod", env=DEFAULT_ENV)


def test_a_monitor_without_a_name_is_named_from_stack_path_and_signal(stack: cdk.Stack) -> None:
    archive = Construct(Construct(stack, "Orders"), "Archive")
    assert _monitor(archive) == "shop-prod-orders-archive-failed-deliveries-monitor"


def test_a_given_name_is_kept(stack: cdk.Stack) -> None:
    assert _monitor(Construct(stack, "Orders"), alarm_name="my-monitor") == "my-monitor"


def test_the_default_name_is_registered_like_every_alarm_name(stack: cdk.Stack) -> None:
    name = _monitor(Construct(stack, "Orders"))
    with pytest.raises(InvalidParameterError, match="is already used by another alarm"):
        register_alarm_name(stack, Check("Test", "Later"), name)


def test_paths_that_read_the_same_get_a_hash(stack: cdk.Stack) -> None:
    nested = _monitor(Construct(Construct(stack, "A"), "B"))
    flat_scope = Construct(stack, "A-B")
    flat = _monitor(flat_scope)
    assert nested == "shop-prod-a-b-failed-deliveries-monitor"
    assert flat == monitor_alarm_name(flat_scope, "Failed Deliveries", hashed=True)
    assert flat != nested
    assert flat.startswith("shop-prod-a-b-")
    assert flat.endswith(f"-failed-deliveries-{MONITOR_SUFFIX}")


def test_a_long_path_is_shortened_with_a_hash(stack: cdk.Stack) -> None:
    scope: Construct = stack
    for depth in range(12):
        scope = Construct(scope, f"Level{depth}WithAVeryLongConstructIdentifier")
    name = _monitor(scope)
    assert len(name) == MAX_ALARM_NAME_LENGTH
    assert name.startswith("shop-prod-level0withaverylongconstructidentifier-")
    assert name.endswith("-failed-deliveries-monitor")


def test_the_librarys_monitors_are_named_in_the_template() -> None:
    def build(app: cdk.App) -> None:
        AlarmTopic(new_stack(app, "Shop"), "Oncall", email_addresses=["oncall@example.com"])

    synthesized = synth("monitors_named", build)
    synthesized.template("Shop").has_resource_properties(
        "AWS::CloudWatch::Alarm", {"AlarmName": "shop-oncall-dead-letters-monitor"}
    )
    for alarm in synthesized.resources("AWS::CloudWatch::Alarm").values():
        assert isinstance(alarm["Properties"].get("AlarmName"), str)
