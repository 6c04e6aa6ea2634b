"""TraceGroup: the group, its companion fault/slow groups, and the alarms on their trace counts."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest

from constructs_obs import AlarmOptions, AlarmRouting, AlarmTopic, InvalidParameterError, Severity
from constructs_obs.private.validate import Check
from constructs_obs.tracing import TraceGroup
from constructs_obs.tracing.trace_group import check_filter_expression
from tests.support.harness import Synthesized, new_stack, synth

ORDERS = 'service("orders") AND annotation.tier = "web"'


def _build(app: cdk.App) -> None:
    stack = new_stack(app, "Groups")
    topic = AlarmTopic(stack, "Oncall", email_addresses=["oncall@example.com"])
    routing = AlarmRouting(stack, "Routing", name_prefix="shop", critical=[topic], warning=[topic])
    TraceGroup(stack, "Orders", service_name="orders", filter_expression=ORDERS, routing=routing)
    TraceGroup(stack, "Payments", service_name="payments", routing=routing)
    TraceGroup(
        stack,
        "CheckoutGroup",
        group_name="checkout",
        filter_expression='service("checkout")',
        insights_notifications=True,
        routing=routing,
        slow_response=cdk.Duration.millis(2500),
        faults=AlarmOptions(threshold=3, evaluation_periods=2, severity=Severity.WARNING),
        latency=AlarmOptions(
            period=cdk.Duration.minutes(1), runbook_url="https://runbooks.example.com/slow"
        ),
    )
    TraceGroup(
        stack,
        "Batch",
        filter_expression='service("batch")',
        insights=False,
        faults=AlarmOptions(enabled=False),
        latency=AlarmOptions(enabled=False),
    )


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("tracing_groups", _build)


def _groups(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["GroupName"]: r["Properties"]
        for r in synthesized.resources("AWS::XRay::Group").values()
    }


def _alarms(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in synthesized.resources("AWS::CloudWatch::Alarm").values()
        if r["Properties"].get("AlarmName", "").startswith("shop-")
        and r["Properties"].get("Namespace") == "AWS/X-Ray"
    }


def test_group_with_insights(synthesized: Synthesized) -> None:
    group = _groups(synthesized)["Orders"]
    assert group["FilterExpression"] == ORDERS
    assert group["InsightsConfiguration"] == {
        "InsightsEnabled": True,
        "NotificationsEnabled": False,
    }


def test_companion_groups_narrow_the_filter_to_faults_and_slow_responses(
    synthesized: Synthesized,
) -> None:
    # Service-scoped, as X-Ray's filter expressions give it: the service's own faults and
    # response times, not those of any service in the trace.
    groups = _groups(synthesized)
    assert groups["Orders-faults"]["FilterExpression"] == (
        f'({ORDERS}) AND service("orders") {{ fault }}'
    )
    assert groups["Orders-slow"]["FilterExpression"] == (
        f'({ORDERS}) AND service("orders") {{ responsetime > 1 }}'
    )
    assert groups["checkout-faults"]["FilterExpression"] == 'service("checkout") { fault }'
    assert groups["checkout-slow"]["FilterExpression"] == (
        'service("checkout") { responsetime > 2.5 }'
    )
    for companion in ("Orders-faults", "Orders-slow"):
        assert groups[companion]["InsightsConfiguration"]["InsightsEnabled"] is False


def test_fault_alarm_defaults(synthesized: Synthesized) -> None:
    alarm = _alarms(synthesized)["shop-orders-faults-critical"]
    assert alarm["MetricName"] == "ApproximateTraceCount"
    assert alarm["Namespace"] == "AWS/X-Ray"
    assert alarm["Dimensions"] == [{"Name": "GroupName", "Value": "Orders-faults"}]
    assert alarm["Statistic"] == "Sum"
    assert alarm["Period"] == 300
    assert alarm["EvaluationPeriods"] == 1
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmDescription"].startswith("[CRITICAL] 1 or more traces of X-Ray group Orders")
    assert len(alarm["AlarmActions"]) == 1


def test_latency_alarm_defaults(synthesized: Synthesized) -> None:
    alarm = _alarms(synthesized)["shop-orders-latency-warning"]
    assert alarm["Dimensions"] == [{"Name": "GroupName", "Value": "Orders-slow"}]
    assert alarm["Threshold"] == 5
    assert alarm["Period"] == 300
    assert "took longer than 1 s" in alarm["AlarmDescription"]


def test_alarm_overrides(synthesized: Synthesized) -> None:
    alarms = _alarms(synthesized)
    faults = alarms["shop-checkout-faults-warning"]
    assert (faults["Threshold"], faults["EvaluationPeriods"]) == (3, 2)
    latency = alarms["shop-checkout-latency-warning"]
    assert latency["Period"] == 60
    assert latency["AlarmDescription"].endswith("Runbook: https://runbooks.example.com/slow")
    assert "took longer than 2.5 s" in latency["AlarmDescription"]
    assert _groups(synthesized)["checkout"]["InsightsConfiguration"] == {
        "InsightsEnabled": True,
        "NotificationsEnabled": True,
    }


def test_a_service_name_alone_makes_the_group_and_its_companions(
    synthesized: Synthesized,
) -> None:
    groups = _groups(synthesized)
    assert groups["Payments"]["FilterExpression"] == 'service("payments")'
    assert groups["Payments-faults"]["FilterExpression"] == 'service("payments") { fault }'
    assert groups["Payments-slow"]["FilterExpression"] == (
        'service("payments") { responsetime > 1 }'
    )


def test_disabled_alarms_create_no_companion_groups(synthesized: Synthesized) -> None:
    groups = _groups(synthesized)
    assert groups["Batch"]["InsightsConfiguration"]["InsightsEnabled"] is False
    assert "Batch-faults" not in groups
    assert "Batch-slow" not in groups
    assert not any("-batch-" in name for name in _alarms(synthesized))
    assert len(groups) == 10


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "parameter", "message"),
    [
        ({"filter_expression": "  "}, "filter_expression", "must not be empty"),
        # Found by the property tests: an AttributeError ('int' has no 'to_milliseconds').
        ({"slow_response": -1}, "slow_response", "expected a Duration, got -1"),
        ({"filter_expression": 'service("orders"'}, "filter_expression", "has an unclosed '('"),
        ({"filter_expression": "fault = true)"}, "filter_expression", "has an unmatched ')'"),
        (
            {"filter_expression": 'service("orders) AND fault'},
            "filter_expression",
            "has an unterminated string",
        ),
        (
            {"filter_expression": 'service("a") { fault = true )'},
            "filter_expression",
            "has an unmatched ')'",
        ),
        ({"group_name": "Default"}, "group_name", "'Default' is reserved by X-Ray"),
        (
            {"group_name": "g" * 26},
            "group_name",
            "is 26 characters; with alarms the companion groups",
        ),
        ({"group_name": "orders web"}, "group_name", "contain only letters, digits and '-'"),
        ({"group_name": "orders_web"}, "group_name", "contain only letters, digits and '-'"),
        ({"group_name": "orders.web"}, "group_name", "contain only letters, digits and '-'"),
        (
            {"filter_expression": 'service("orders") AND http.status = 500'},
            "service_name",
            "names no single service; pass service_name, or disable both alarms",
        ),
        (
            {"filter_expression": None},
            "filter_expression",
            "pass a filter_expression or a service_name",
        ),
        (
            {"service_name": 'or"ders'},
            "service_name",
            "must contain no '\"' or '\\'",
        ),
        (
            {"insights": False, "insights_notifications": True},
            "insights_notifications",
            "X-Ray sends Insights notifications only for groups with insights=True",
        ),
        ({"insights": "yes"}, "insights", "expected True or False, got 'yes'"),
        (
            {"slow_response": cdk.Duration.seconds(0)},
            "slow_response",
            "must be longer than 0 seconds",
        ),
        ({"faults": {"threshold": 2}}, "faults", "expected AlarmOptions, got dict"),
    ],
)
def test_bad_input_names_the_parameter(
    stack: cdk.Stack, overrides: dict[str, Any], parameter: str, message: str
) -> None:
    kwargs: dict[str, Any] = {"filter_expression": 'service("orders")'}
    kwargs.update(overrides)
    with pytest.raises(InvalidParameterError) as info:
        TraceGroup(stack, "Orders", **kwargs)
    assert info.value.parameter == parameter
    assert str(info.value).startswith("TraceGroup 'Orders': invalid ")
    assert message in str(info.value)


def test_a_long_name_is_fine_without_alarms(stack: cdk.Stack) -> None:
    group = TraceGroup(
        stack,
        "Orders",
        group_name="g" * 32,
        filter_expression='service("orders")',
        faults=AlarmOptions(enabled=False),
        latency=AlarmOptions(enabled=False),
    )
    assert group.alarms == {}
    assert group.fault_group is None


def test_group_names_are_unique_per_account_and_region(stack: cdk.Stack) -> None:
    TraceGroup(stack, "Orders", filter_expression='service("orders")')
    with pytest.raises(InvalidParameterError) as info:
        TraceGroup(stack, "Again", group_name="Orders", service_name="cart")
    assert "'Orders' is already used by another X-Ray group" in str(info.value)


def test_filter_expression_with_escaped_quote_and_braces_is_accepted() -> None:
    text = r'service("a\"b") { fault = true OR responsetime > 2.5 } AND annotation.x = "(y"'
    assert check_filter_expression(Check("TraceGroup", "G"), text) == text


def test_an_expression_without_one_service_needs_no_service_without_alarms(
    stack: cdk.Stack,
) -> None:
    group = TraceGroup(
        stack,
        "Errors",
        filter_expression="error = true",
        faults=AlarmOptions(enabled=False),
        latency=AlarmOptions(enabled=False),
    )
    assert group.service_name is None
    assert group.filter_expression == "error = true"
