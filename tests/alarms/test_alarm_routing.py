"""AlarmRouting: actions per severity and target kind for every alarm kind, incident rules and
their monitors, and bad routing input refused at construct time."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk.assertions import Template

from constructs_obs import (
    AlarmIdentity,
    AlarmRemediation,
    AlarmRouting,
    AlarmTopic,
    EncryptedLogGroup,
    IncidentMatch,
    IncidentTarget,
    InvalidParameterError,
    Severity,
    add_anomaly_alarm,
    add_composite_alarm,
    add_threshold_alarm,
)
from constructs_obs.detections import EventPatternSyntaxError, compile_event_pattern
from tests.support.harness import Synthesized, new_stack, synth
from tests.support.resources import compliant_function

CENTRAL_BUS = "arn:aws:events:eu-west-1:210987654321:event-bus/central-security"
DESTINATION = "arn:aws:events:eu-west-1:123456789012:api-destination/pager/1a2b3c"
CONNECTION = "arn:aws:events:eu-west-1:123456789012:connection/pager/4d5e6f"
INSTANCE = "i-0123456789abcdef0"


def _pager_destination(stack: cdk.Stack) -> events.IApiDestination:
    connection = events.Connection.from_connection_attributes(
        stack,
        "PagerConnection",
        connection_arn=CONNECTION,
        connection_name="pager",
        connection_secret_arn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:events!connection/pager-AbCdEf",
    )
    return events.ApiDestination.from_api_destination_attributes(
        stack, "PagerDestination", api_destination_arn=DESTINATION, connection=connection
    )


def _routing(
    stack: cdk.Stack, topic: AlarmTopic, remediation: AlarmRemediation, pager: lambda_.IFunction
) -> AlarmRouting:
    """'shop': every target kind for critical alarms, the topic for warnings."""
    destination = _pager_destination(stack)
    return AlarmRouting(
        stack,
        "Routing",
        name_prefix="shop",
        critical=[
            topic,
            remediation,
            pager,
            cw_actions.Ec2Action(cw_actions.Ec2InstanceAction.REBOOT),
            IncidentTarget.to_event_bus(
                events.EventBus.from_event_bus_arn(stack, "Central", CENTRAL_BUS)
            ),
            IncidentTarget.to_api_destination(destination),
            IncidentTarget.to_ops_item(category="Availability", severity="1"),
        ],
        warning=[topic],
        ok_actions=[Severity.CRITICAL],
        insufficient_data_actions=[Severity.WARNING],
    )


def _metric_alarms(
    stack: cdk.Stack, routing: AlarmRouting
) -> tuple[cloudwatch.Alarm, cloudwatch.Alarm]:
    """A critical alarm on one instance, and a high-resolution warning."""
    instance_cpu = add_threshold_alarm(
        stack,
        "InstanceCpu",
        metric=cloudwatch.Metric(
            namespace="AWS/EC2",
            metric_name="CPUUtilization",
            dimensions_map={"InstanceId": INSTANCE},
            period=cdk.Duration.minutes(1),
        ),
        threshold=95,
        evaluation_periods=5,
        datapoints_to_alarm=4,
        identity=AlarmIdentity(
            resource="web-1",
            signal="cpu",
            severity=Severity.CRITICAL,
            summary="CPU of web-1 above 95 %",
            runbook_url="https://runbooks.example.com/web-cpu",
        ),
        routing=routing,
    )
    queue_depth = add_threshold_alarm(
        stack,
        "QueueDepth",
        metric=cloudwatch.Metric(
            namespace="Shop/Orders",
            metric_name="QueueDepth",
            period=cdk.Duration.seconds(10),
            statistic="Maximum",
        ),
        threshold=1000,
        high_resolution=True,
        identity=AlarmIdentity(resource="orders", signal="queue-depth"),
        routing=routing,
    )
    return instance_cpu, queue_depth


def _other_kinds(
    stack: cdk.Stack,
    routing: AlarmRouting,
    pager: lambda_.IFunction,
    rule: cloudwatch.IAlarmRule,
) -> None:
    """An anomaly band, a composite with a suppressor, and a log pattern alarm."""
    add_anomaly_alarm(
        stack,
        "Invocations",
        metric=pager.metric_invocations(period=cdk.Duration.minutes(5)),
        band_width=3,
        comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD,
        identity=AlarmIdentity(resource="pager", signal="invocations", severity=Severity.CRITICAL),
        routing=routing,
    )
    maintenance = cloudwatch.Alarm.from_alarm_arn(
        stack, "Maintenance", "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:maintenance-window"
    )
    add_composite_alarm(
        stack,
        "Storefront",
        rule=rule,
        actions_suppressor=maintenance,
        identity=AlarmIdentity(resource="storefront", signal="health", severity=Severity.CRITICAL),
        routing=routing,
    )
    logs = EncryptedLogGroup(stack, "AppLogs", log_group_name="/shop/orders")
    logs.add_pattern_alarm(
        "Errors",
        pattern='{ $.level = "ERROR" }',
        metric_name="OrderErrors",
        severity=Severity.WARNING,
        routing=routing,
    )


def _exact_routing(stack: cdk.Stack, topic: AlarmTopic) -> None:
    """'exact': incident rules matching the ARNs of the alarms routed there."""
    exact = AlarmRouting(
        stack,
        "ExactRouting",
        name_prefix="exact",
        critical=[topic, IncidentTarget.to_ops_item()],
        incident_match=IncidentMatch.ALARM_ARNS,
    )
    add_threshold_alarm(
        stack,
        "Exact",
        metric=cloudwatch.Metric(namespace="Shop/Orders", metric_name="Refunds"),
        threshold=10,
        identity=AlarmIdentity(resource="refunds", signal="count", severity=Severity.CRITICAL),
        routing=exact,
    )


def _build(app: cdk.App) -> None:
    stack = new_stack(app, "Routing")
    topic = AlarmTopic(stack, "Oncall", email_addresses=["oncall@example.com"])
    remediation = AlarmRemediation(stack, "Remediation", monitor_topic=topic)
    pager = compliant_function(stack, "Pager")
    routing = _routing(stack, topic, remediation, pager)
    instance_cpu, queue_depth = _metric_alarms(stack, routing)
    _other_kinds(stack, routing, pager, cloudwatch.AlarmRule.any_of(instance_cpu, queue_depth))
    _exact_routing(stack, topic)


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("alarm_routing", _build)


def _alarm(synthesized: Synthesized, name: str) -> dict[str, Any]:
    for type_ in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"):
        for resource in synthesized.resources(type_).values():
            props = resource["Properties"]
            if props.get("AlarmName") == name:
                return dict(props)
    raise AssertionError(f"no alarm named {name}")


def _refs(actions: list[Any]) -> list[str]:
    return sorted(json.dumps(action, sort_keys=True) for action in actions)


def _ref_starts(actions: list[Any], prefix: str) -> bool:
    return any(prefix in json.dumps(action) for action in actions)


def test_names_say_what_broke(synthesized: Synthesized) -> None:
    for name in (
        "shop-web-1-cpu-critical",
        "shop-orders-queue-depth-warning",
        "shop-pager-invocations-critical",
        "shop-storefront-health-critical",
        "shop-shop-orders-ordererrors-warning",
        "exact-refunds-count-critical",
    ):
        assert _alarm(synthesized, name)


def test_critical_metric_alarm_gets_topic_functions_and_ec2_action(
    synthesized: Synthesized,
) -> None:
    props = _alarm(synthesized, "shop-web-1-cpu-critical")
    actions = props["AlarmActions"]
    assert _ref_starts(actions, "Oncall")  # the topic
    assert _ref_starts(actions, "Remediation")  # the remediation function
    assert _ref_starts(actions, "Pager")  # the pager function
    assert any("ec2:reboot" in json.dumps(action) for action in actions)
    assert len(actions) == 4
    assert _ref_starts(props["OKActions"], "Oncall")  # OK for critical
    assert "InsufficientDataActions" not in props
    assert props["EvaluationPeriods"] == 5
    assert props["DatapointsToAlarm"] == 4


def test_ec2_actions_only_on_alarms_of_one_instance(synthesized: Synthesized) -> None:
    actions = _alarm(synthesized, "shop-pager-invocations-critical")["AlarmActions"]
    assert not any("ec2:" in json.dumps(action) for action in actions)
    assert len(actions) == 3


def test_warning_alarm_is_high_resolution_and_notifies_on_insufficient_data(
    synthesized: Synthesized,
) -> None:
    props = _alarm(synthesized, "shop-orders-queue-depth-warning")
    assert props["Period"] == 10
    assert len(props["AlarmActions"]) == 1
    assert _ref_starts(props["AlarmActions"], "Oncall")
    assert "OKActions" not in props
    assert _ref_starts(props["InsufficientDataActions"], "Oncall")


def test_composite_alarm_routes_to_topics_with_a_suppressor(synthesized: Synthesized) -> None:
    props = _alarm(synthesized, "shop-storefront-health-critical")
    assert props["ActionsSuppressor"].endswith(":alarm:maintenance-window")
    assert props["ActionsSuppressorWaitPeriod"] == 60
    assert props["ActionsSuppressorExtensionPeriod"] == 60
    # Composite alarms notify topics and invoke functions (the remediation, the pager), but
    # take no EC2 action.
    assert len(props["AlarmActions"]) == 3
    assert _ref_starts(props["AlarmActions"], "Oncall")
    functions = [a for a in props["AlarmActions"] if "Fn::GetAtt" in a]
    assert sorted(a["Fn::GetAtt"][0][:5] for a in functions) == ["Pager", "Remed"]
    assert "InstanceCpu" in json.dumps(props["AlarmRule"])


def test_one_lambda_permission_per_function_for_all_routed_alarms(
    synthesized: Synthesized,
) -> None:
    permissions = [
        p["Properties"]
        for p in synthesized.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "lambda.alarms.cloudwatch.amazonaws.com"
    ]
    assert len(permissions) == 2  # the remediation and the pager, once each
    for permission in permissions:
        assert permission["SourceAccount"] == "123456789012"
        assert permission["SourceArn"] == "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:shop-*"


def test_pattern_alarm_takes_the_routing(synthesized: Synthesized) -> None:
    props = _alarm(synthesized, "shop-shop-orders-ordererrors-warning")
    assert props["MetricName"] == "OrderErrors"
    assert _ref_starts(props["AlarmActions"], "Oncall")


def _rule(synthesized: Synthesized, prefix: str) -> dict[str, Any]:
    (rule,) = [
        r["Properties"]
        for logical_id, r in synthesized.resources("AWS::Events::Rule").items()
        if logical_id.startswith(prefix)
    ]
    return dict(rule)


def test_incident_rule_matches_this_routings_critical_alarms(synthesized: Synthesized) -> None:
    rule = _rule(synthesized, "RoutingCriticalIncidents")
    assert rule["EventPattern"] == {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {
            "state": {"value": ["ALARM", "OK"]},
            "alarmName": [{"wildcard": "shop-*-critical"}],
        },
    }
    assert len(rule["Targets"]) == 3


def test_incident_roles_are_least_privilege(synthesized: Synthesized) -> None:
    policies = {
        logical_id: p["Properties"]["PolicyDocument"]["Statement"]
        for logical_id, p in synthesized.resources("AWS::IAM::ManagedPolicy").items()
        if logical_id.startswith("RoutingCriticalTarget")
    }
    actions = sorted(s["Action"] for statements in policies.values() for s in statements)
    assert actions == ["events:InvokeApiDestination", "events:PutEvents", "ssm:CreateOpsItem"]


def test_routing_monitors_its_dead_letters_and_failed_invocations(
    synthesized: Synthesized,
) -> None:
    dead_letters = _alarm(synthesized, "shop-incident-routing-dead-letters-monitor")
    assert dead_letters["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert _ref_starts(dead_letters["AlarmActions"], "Oncall")
    failed = _alarm(synthesized, "shop-incident-routing-critical-failed-monitor")
    assert failed["MetricName"] == "FailedInvocations"
    assert _ref_starts(failed["AlarmActions"], "Oncall")


def _state_change(alarm_name: str) -> dict[str, Any]:
    return {
        "source": "aws.cloudwatch",
        "detail-type": "CloudWatch Alarm State Change",
        "detail": {"alarmName": alarm_name, "state": {"value": "ALARM"}},
    }


def test_incident_rules_leave_the_routings_own_monitors_out(synthesized: Synthesized) -> None:
    # A failing incident path must not route its own failure alarm into itself.
    pattern = compile_event_pattern(_rule(synthesized, "RoutingCriticalIncidents")["EventPattern"])
    assert pattern.matches(_state_change("shop-web-1-cpu-critical"))
    assert not pattern.matches(_state_change("shop-orders-queue-depth-warning"))
    for monitor in ("dead-letters", "critical-failed"):
        assert not pattern.matches(_state_change(f"shop-incident-routing-{monitor}-monitor"))


def test_alarm_arn_matching_lists_the_routed_alarms(synthesized: Synthesized) -> None:
    rule = _rule(synthesized, "ExactRoutingCriticalIncidents")
    resources = rule["EventPattern"]["resources"]
    assert len(resources) == 1
    assert resources[0]["Fn::GetAtt"][0].startswith("Exact")
    assert "alarmName" not in rule["EventPattern"]["detail"]


def test_scaling_policies_are_alarm_actions_like_any_other(stack: cdk.Stack) -> None:
    # Application Auto Scaling (an ECS service, say) and EC2 Auto Scaling step policies.
    target = appscaling.ScalableTarget(
        stack,
        "WebTarget",
        service_namespace=appscaling.ServiceNamespace.ECS,
        resource_id="service/shop/web",
        scalable_dimension="ecs:service:DesiredCount",
        min_capacity=1,
        max_capacity=4,
    )
    service_step = appscaling.StepScalingAction(stack, "WebScaleOut", scaling_target=target)
    service_step.add_adjustment(adjustment=1, lower_bound=0)
    group = autoscaling.AutoScalingGroup.from_auto_scaling_group_name(stack, "Fleet", "web-fleet")
    fleet_step = autoscaling.StepScalingAction(stack, "FleetScaleOut", auto_scaling_group=group)
    fleet_step.add_adjustment(adjustment=1, lower_bound=0)
    routing = AlarmRouting(
        stack,
        "Routing",
        name_prefix="scale",
        warning=[
            cw_actions.ApplicationScalingAction(service_step),
            cw_actions.AutoScalingAction(fleet_step),
        ],
    )
    alarm = add_threshold_alarm(
        stack,
        "Busy",
        metric=cloudwatch.Metric(namespace="Shop", metric_name="Busy"),
        threshold=80,
        identity=AlarmIdentity(resource="web", signal="busy"),
        routing=routing,
    )
    actions = stack.resolve(alarm.node.default_child.alarm_actions)  # type: ignore[union-attr]
    assert actions == [
        {"Ref": stack.resolve(service_step.node.default_child.logical_id)},  # type: ignore[union-attr]
        {"Ref": stack.resolve(fleet_step.node.default_child.logical_id)},  # type: ignore[union-attr]
    ]


CUSTOM = cloudwatch.Metric(namespace="Shop", metric_name="Orders", period=cdk.Duration.minutes(1))
IDENTITY = AlarmIdentity(resource="orders", signal="count")


def _threshold(stack: cdk.Stack, **overrides: Any) -> cloudwatch.Alarm:
    kwargs: dict[str, Any] = {"metric": CUSTOM, "threshold": 1, "identity": IDENTITY}
    kwargs.update(overrides)
    return add_threshold_alarm(stack, "Alarm", **kwargs)


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


def test_a_single_target_instead_of_a_list_is_refused(stack: cdk.Stack) -> None:
    topic = AlarmTopic(stack, "Topic", email_addresses=["oncall@example.com"])
    with pytest.raises(InvalidParameterError) as info:
        AlarmRouting(stack, "Routing", name_prefix="shop", critical=topic)  # type: ignore[arg-type]
    assert "critical: expected a list of targets (AlarmTopic, sns.ITopic" in str(info.value)
    assert "got AlarmTopic" in str(info.value)


def test_a_name_string_instead_of_a_list_is_refused(stack: cdk.Stack) -> None:
    with pytest.raises(InvalidParameterError) as info:
        AlarmRouting(stack, "Routing", name_prefix="shop", warning="oncall")  # type: ignore[arg-type]
    assert "warning: expected a list of targets" in str(info.value)
    assert "got the string 'oncall'" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"ok_actions": Severity.CRITICAL},
            "ok_actions: expected a collection of Severity values, e.g. [Severity.CRITICAL]",
        ),
        (
            {"insufficient_data_actions": "warning"},
            "insufficient_data_actions: expected a collection of Severity values",
        ),
        (
            {"incident_match": "name_prefix"},
            "incident_match: 'name_prefix' is not allowed; allowed: IncidentMatch.NAME_PREFIX",
        ),
    ],
)
def test_options_of_the_wrong_type_are_refused(
    stack: cdk.Stack, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidParameterError) as info:
        AlarmRouting(stack, "Routing", name_prefix="shop", **kwargs)
    assert message in str(info.value)


def _warnings(stack: cdk.Stack) -> list[str]:
    cdk.App.of(stack).synth()  # type: ignore[union-attr]
    found = cdk.assertions.Annotations.from_stack(stack).find_warning(
        "*", cdk.assertions.Match.string_like_regexp("no subscriber")
    )
    return [str(message.entry.data) for message in found]


def test_a_severity_reaching_only_a_topic_without_subscribers_warns(stack: cdk.Stack) -> None:
    topic = AlarmTopic(stack, "Silent")
    AlarmRouting(stack, "Routing", name_prefix="shop", critical=[topic])
    (warning,) = _warnings(stack)
    assert "The critical alarms of 'shop' notify only Errors/Silent, which has no subscriber" in (
        warning
    )


def test_a_topic_subscribed_later_or_another_target_does_not_warn(stack: cdk.Stack) -> None:
    later = AlarmTopic(stack, "Later")
    AlarmRouting(stack, "Routing", name_prefix="shop", critical=[later])
    later.topic.add_subscription(subscriptions.EmailSubscription("oncall@example.com"))
    silent = AlarmTopic(stack, "Silent")
    AlarmRouting(
        stack,
        "Mixed",
        name_prefix="other",
        warning=[silent, IncidentTarget.to_ops_item()],
    )
    assert _warnings(stack) == []


def test_the_incident_pattern_is_compiled_by_the_library_parser(
    stack: cdk.Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled: list[dict[str, Any]] = []

    def spy(pattern: dict[str, Any]) -> object:
        compiled.append(pattern)
        return compile_event_pattern(pattern)

    monkeypatch.setattr("constructs_obs.alarms.alarm_routing.compile_event_pattern", spy)
    AlarmRouting(stack, "Routing", name_prefix="shop", critical=[IncidentTarget.to_ops_item()])
    (pattern,) = compiled
    assert pattern["detail"]["alarmName"] == [{"wildcard": "shop-*-critical"}]
    assert pattern["detail-type"] == ["CloudWatch Alarm State Change"]


def test_an_invalid_incident_pattern_is_a_python_error(
    stack: cdk.Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(_pattern: object) -> object:
        raise EventPatternSyntaxError("detail.alarmName[0]", "bad wildcard")

    monkeypatch.setattr("constructs_obs.alarms.alarm_routing.compile_event_pattern", refuse)
    with pytest.raises(InvalidParameterError) as info:
        AlarmRouting(stack, "Routing", name_prefix="shop", critical=[IncidentTarget.to_ops_item()])
    assert (
        "name_prefix: the incident rule's event pattern is invalid: invalid event pattern at "
        "detail.alarmName[0]: bad wildcard"
    ) in str(info.value)


def test_incident_rule_names_fit_eventbridge_for_long_prefixes(stack: cdk.Stack) -> None:
    prefix = "a" * 60
    AlarmRouting(stack, "Routing", name_prefix=prefix, critical=[IncidentTarget.to_ops_item()])
    (rule,) = Template.from_stack(stack).find_resources("AWS::Events::Rule").values()
    name = rule["Properties"]["Name"]
    assert len(name) == 64
    assert name.startswith("a" * 30)
    assert name.endswith("-critical-incidents")
