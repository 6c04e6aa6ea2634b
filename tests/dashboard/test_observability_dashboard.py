"""ObservabilityDashboard: built from what the constructs created, split at CloudWatch's limits,
deterministic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk.assertions import Annotations, Match
from constructs import Construct

from constructs_obs import (
    AlarmIdentity,
    AlarmRouting,
    AlarmTopic,
    CisBenchmarkAlarms,
    CisControl,
    EncryptedLogGroup,
    InvalidParameterError,
    ObservabilityDashboard,
    SecurityDetection,
    SecurityEventRules,
    Severity,
    add_anomaly_alarm,
    add_threshold_alarm,
)
from tests.support.harness import (
    ANSWERS,
    CHECKOV,
    Synthesized,
    new_app,
    new_stack,
    synth,
    verify_template,
)
from tests.support.template import render


def _workload(app: cdk.App, name: str = "Workload") -> cdk.Stack:
    stack = new_stack(app, name)
    topic = AlarmTopic(stack, "Oncall", email_addresses=["oncall@example.com"])
    routing = AlarmRouting(stack, "Routing", name_prefix="shop", critical=[topic], warning=[topic])
    logs = EncryptedLogGroup(stack, "OrdersLogs", log_group_name="/shop/orders")
    logs.add_pattern_alarm(
        "Errors", pattern='{ $.level = "ERROR" }', metric_name="OrderErrors", routing=routing
    )
    logs.add_pattern_alarm(
        "Timeouts",
        pattern='?"Task timed out" ?TIMEOUT',
        metric_name="Timeouts",
        threshold=3,
        severity=Severity.CRITICAL,
        routing=routing,
    )
    access = EncryptedLogGroup(stack, "AccessLogs", log_group_name="/shop/access")
    access.add_pattern_alarm(
        "ServerErrors",
        pattern="[ip, user, status = 5*]",
        metric_name="ServerErrors",
        routing=routing,
    )
    queue_depth = cloudwatch.Metric(namespace="Shop", metric_name="QueueDepth", statistic="Maximum")
    add_threshold_alarm(
        stack,
        "Depth",
        metric=queue_depth,
        threshold=1000,
        identity=AlarmIdentity(resource="orders-queue", signal="depth", severity=Severity.CRITICAL),
        routing=routing,
    )
    add_anomaly_alarm(
        stack,
        "Orders",
        metric=cloudwatch.Metric(namespace="Shop", metric_name="Orders", statistic="Sum"),
        band_width=3,
        identity=AlarmIdentity(resource="orders-queue", signal="orders"),
        routing=routing,
    )
    trail = EncryptedLogGroup(stack, "TrailLogs")
    CisBenchmarkAlarms(
        stack,
        "Cis",
        trail_log_group=trail.log_group,
        routing=routing,
        controls=[CisControl.ROOT_USAGE, CisControl.VPC_CHANGES],
    )
    SecurityEventRules(
        stack,
        "Rules",
        targets=[topic],
        detections=[
            SecurityDetection.ROOT_ACCOUNT_USAGE,
            SecurityDetection.KMS_KEY_DISABLE_OR_DELETION,
        ],
    )
    return stack


def _build(app: cdk.App) -> None:
    workload = _workload(app)
    board = new_stack(app, "Board")
    ObservabilityDashboard(board, "Dashboard", name="shop", sources=[workload])


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("dashboard", _build)


def _bodies(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        resource["Properties"].get("DashboardName", logical_id): json.loads(
            render(resource["Properties"]["DashboardBody"])
        )
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Dashboard"
    }


@pytest.fixture(scope="module")
def widgets(synthesized: Synthesized) -> list[dict[str, Any]]:
    (body,) = _bodies(synthesized.raw("Board")).values()
    result: list[dict[str, Any]] = body["widgets"]
    return result


def _of_type(widgets: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [w for w in widgets if w["type"] == kind]


def test_heading_names_the_sources(widgets: list[dict[str, Any]]) -> None:
    heading = widgets[0]["properties"]["markdown"]
    assert heading.startswith("# shop\n")
    assert "Workload" in heading


def test_alarm_status_widget_lists_every_alarm(
    synthesized: Synthesized, widgets: list[dict[str, Any]]
) -> None:
    (status,) = _of_type(widgets, "alarm")
    alarms = synthesized.resources("AWS::CloudWatch::Alarm", "Workload")
    assert len(status["properties"]["alarms"]) == len(alarms)
    assert status["properties"]["title"] == f"Alarms 1-{len(alarms)} of {len(alarms)}"


def test_a_section_per_resource_with_thresholds_drawn(widgets: list[dict[str, Any]]) -> None:
    texts = [w["properties"]["markdown"] for w in _of_type(widgets, "text")]
    for section in ("## /shop/orders", "## /shop/access", "## orders-queue", "## cis-CloudWatch.1"):
        assert section in texts
    graphs = {
        w["properties"].get("title", ""): w["properties"] for w in _of_type(widgets, "metric")
    }
    timeouts = graphs["Timeouts (critical)"]
    assert timeouts["annotations"]["horizontal"] == [
        {"value": 3, "label": "critical threshold", "color": "#d62728", "yAxis": "left"}
    ]
    assert graphs["OrderErrors (warning)"]["annotations"]["horizontal"][0]["color"] == "#ff7f0e"


def test_anomaly_alarm_shows_its_band(widgets: list[dict[str, Any]]) -> None:
    (orders,) = [
        w["properties"]
        for w in _of_type(widgets, "metric")
        if w["properties"].get("title") == "orders (warning)"
    ]
    expressions = [m[0]["expression"] for m in orders["metrics"] if isinstance(m[0], dict)]
    assert expressions == ["ANOMALY_DETECTION_BAND(m1, 3)"]
    assert "annotations" not in orders


def test_logs_insights_widgets_query_the_pattern_events(widgets: list[dict[str, Any]]) -> None:
    queries = {w["properties"]["title"]: w["properties"]["query"] for w in _of_type(widgets, "log")}
    orders = queries["/shop/orders: events matching OrderErrors, Timeouts"]
    assert (
        '| filter (level = "ERROR") or '
        '((@message like "Task timed out" or @message like "TIMEOUT"))' in orders
    )
    assert orders.rstrip().endswith("| limit 50")
    access = queries["/shop/access: latest events (a pattern has no Logs Insights equivalent)"]
    assert "filter" not in access


def test_security_detection_counts(widgets: list[dict[str, Any]]) -> None:
    texts = [w["properties"]["markdown"] for w in _of_type(widgets, "text")]
    assert "## Security detections (count over the time range)" in texts
    (counts,) = [
        w["properties"]
        for w in _of_type(widgets, "metric")
        if w["properties"].get("setPeriodToTimeRange")
    ]
    labels = sorted(m[-1]["label"] for m in counts["metrics"])
    assert len(labels) == 4  # two CIS filters and two rules
    assert "CloudWatch.1 Usage of the root account" in labels
    assert any(m[1] == "TriggeredRules" for m in counts["metrics"])


def test_the_librarys_own_monitors_have_a_section(widgets: list[dict[str, Any]]) -> None:
    texts = [w["properties"]["markdown"] for w in _of_type(widgets, "text")]
    assert "## Delivery health (the library's own monitors)" in texts
    titles = [w["properties"].get("title") for w in _of_type(widgets, "metric")]
    assert "dead-letters (critical)" in titles
    assert "lost-events (critical)" in titles


def test_rows_stay_inside_the_grid(widgets: list[dict[str, Any]]) -> None:
    for widget in widgets:
        assert widget["x"] + widget["width"] <= 24


def _board_synth(name: str, **dashboard_kwargs: Any) -> dict[str, dict[str, Any]]:
    """The dashboards of a board over the workload, checked: cdk-nag runs over the whole app,
    cfn-lint and checkov over the board (the workload is the module fixture's, checked there)."""
    app = new_app(f"dashboard_{name}")
    workload = _workload(app)
    board = new_stack(app, "Board")
    ObservabilityDashboard(board, "Dashboard", name="shop", sources=[workload], **dashboard_kwargs)
    stack = app.synth().get_stack_by_name("Board")
    findings, _ = verify_template(
        Path(stack.template_full_path), "Board", checkov=CHECKOV, cache=ANSWERS
    )
    assert findings == []
    return _bodies(stack.template)


def _metric_count(body: dict[str, Any]) -> int:
    return sum(
        len(w["properties"].get("metrics", [])) for w in body["widgets"] if w["type"] == "metric"
    )


def test_same_input_same_body(synthesized: Synthesized) -> None:
    assert _board_synth("again") == _bodies(synthesized.raw("Board"))


def test_splits_pages_at_the_metric_limit(synthesized: Synthesized) -> None:
    whole = _bodies(synthesized.raw("Board"))["shop"]
    pages = _board_synth("metrics", max_metrics_per_dashboard=3)
    assert len(pages) > 2
    assert sorted(pages)[:2] == ["shop", "shop-2"]
    for body in pages.values():
        assert _metric_count(body) <= 3
        assert body["widgets"][0]["type"] == "text"  # every page has its heading
    # Nothing lost: the pages hold every metric of the single dashboard. The detection
    # counts (4 in one widget there) are chunked into widgets of at most 3.
    assert sum(_metric_count(body) for body in pages.values()) == _metric_count(whole)
    counts = [
        len(w["properties"]["metrics"])
        for body in pages.values()
        for w in body["widgets"]
        if w["type"] == "metric" and "title" not in w["properties"]
    ]
    assert sorted(counts) == [1, 3]


def test_splits_pages_at_the_widget_limit(synthesized: Synthesized) -> None:
    whole = _bodies(synthesized.raw("Board"))["shop"]
    pages = _board_synth("widgets", max_widgets_per_dashboard=2)
    assert all(len(body["widgets"]) <= 2 for body in pages.values())
    # One heading per page, and every other widget of the single dashboard on some page.
    others = sum(len(body["widgets"]) - 1 for body in pages.values())
    assert others == len(whole["widgets"]) - 1


def test_a_graph_larger_than_the_metric_limit_is_refused() -> None:
    app = cdk.App()
    workload = _workload(app)
    with pytest.raises(InvalidParameterError, match="max_metrics_per_dashboard: a graph here"):
        ObservabilityDashboard(workload, "Dashboard", max_metrics_per_dashboard=2)


def test_more_than_100_alarms_take_several_status_widgets() -> None:
    # A limit check: the app is synthesized with cdk-nag but without cfn-lint and checkov (101
    # alarms like the module fixture's, linted there; the paging is what is tested here).
    def build(app: cdk.App) -> None:
        stack = new_stack(app, "Many")
        routing = AlarmRouting(
            stack, "Routing", name_prefix="many", warning=[AlarmTopic(stack, "Oncall")]
        )
        for index in range(101):
            add_threshold_alarm(
                stack,
                f"Depth{index}",
                metric=cloudwatch.Metric(namespace="Many", metric_name=f"Depth{index}"),
                threshold=10,
                identity=AlarmIdentity(resource=f"queue-{index}", signal="depth"),
                routing=routing,
            )
        ObservabilityDashboard(stack, "Dashboard", name="many")

    app = new_app("dashboard_many")
    build(app)
    (body,) = _bodies(app.synth().get_stack_by_name("Many").template).values()
    statuses = _of_type(body["widgets"], "alarm")
    # 101 alarms and the topic's dead-letter monitor: 100 in the first widget, 2 in the next.
    assert [len(w["properties"]["alarms"]) for w in statuses] == [100, 2]
    assert statuses[1]["properties"]["title"] == "Alarms 101-102 of 102"


def test_warns_when_built_before_what_it_shows() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Early")
    topic = AlarmTopic(stack, "Topic")
    ObservabilityDashboard(stack, "Dashboard")
    add_threshold_alarm(
        stack,
        "Late",
        metric=cloudwatch.Metric(namespace="Shop", metric_name="Late"),
        threshold=1,
        identity=AlarmIdentity(resource="late", signal="late"),
        actions=(),
    )
    assert topic
    Annotations.from_stack(stack).has_warning(
        "/Early/Dashboard", Match.string_like_regexp("1 alarm.* were created after this dashboard")
    )


def test_bad_input() -> None:
    stack = cdk.Stack(cdk.App(), "Empty")
    with pytest.raises(InvalidParameterError, match="sources: nothing built by constructs-obs"):
        ObservabilityDashboard(stack, "Dashboard")
    EncryptedLogGroup(stack, "Logs")
    with pytest.raises(InvalidParameterError, match="name: 'my board' may contain only"):
        ObservabilityDashboard(stack, "Named", name="my board")
    with pytest.raises(
        InvalidParameterError, match="max_metrics_per_dashboard: must be >= 1 and <= 2500"
    ):
        ObservabilityDashboard(stack, "Huge", max_metrics_per_dashboard=3000)
    # FINDINGS (unhelpful Python errors): stack names, not stacks, gave an AttributeError.
    with pytest.raises(InvalidParameterError, match=r"sources: expected constructs .*'Empty'"):
        ObservabilityDashboard(stack, "ByName", sources=["Empty"])  # type: ignore[list-item]
    with pytest.raises(InvalidParameterError, match="sources: expected a list of constructs"):
        ObservabilityDashboard(stack, "OneName", sources="Empty")  # type: ignore[arg-type]
    # A title that is not text was written into the heading as its repr ("<constructs.Construct
    # object at 0x...>"), a heading that changed with every synthesis.
    with pytest.raises(InvalidParameterError, match="title: expected a string, got Construct"):
        ObservabilityDashboard(stack, "Titled", title=Construct(stack, "X"))  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="title: must not be empty"):
        ObservabilityDashboard(stack, "Untitled", title=" ")


def _build_across(app: cdk.App) -> None:
    workload = _workload(app)
    east = new_stack(app, "East", env=cdk.Environment(account="123456789012", region="us-east-1"))
    trail = EncryptedLogGroup(east, "TrailLogs")
    CisBenchmarkAlarms(
        east,
        "Cis",
        trail_log_group=trail.log_group,
        routing=AlarmRouting(
            east, "Routing", name_prefix="global", warning=[AlarmTopic(east, "T")]
        ),
        controls=[CisControl.IAM_POLICY_CHANGES],
    )
    board = new_stack(app, "Board")
    ObservabilityDashboard(board, "Dashboard", name="across", sources=[workload, east])


@pytest.fixture(scope="module")
def across() -> Synthesized:
    return synth("dashboard_across", _build_across)


def test_alarms_of_other_stacks_are_listed_by_literal_arn(across: Synthesized) -> None:
    (body,) = _bodies(across.raw("Board")).values()
    (status,) = _of_type(body["widgets"], "alarm")
    listed = status["properties"]["alarms"]

    def named(stack: str) -> set[str]:
        alarms = across.resources("AWS::CloudWatch::Alarm", stack).values()
        return {a["Properties"]["AlarmName"] for a in alarms if "AlarmName" in a["Properties"]}

    # Written out in full: no reference to the stack that holds the alarm.
    expected = {
        f"arn:aws:cloudwatch:{region}:123456789012:alarm:{name}"
        for stack, region in (("Workload", "eu-west-1"), ("East", "us-east-1"))
        for name in named(stack)
    }
    assert expected <= set(listed)
    # Every alarm of the library is named (its monitors too): none is listed by reference.
    assert len(across.resources("AWS::CloudWatch::Alarm", "Workload")) == len(named("Workload"))
    assert "REF" not in listed
    east_outputs = json.dumps(across.raw("East").get("Outputs", {}))
    assert "Alarm" not in east_outputs


def test_what_another_region_names_at_deploy_time_is_left_out_with_a_warning(
    across: Synthesized,
) -> None:
    (warning,) = [w for w in across.warnings if w.where == "Board/Dashboard"]
    assert "named only at deploy time" in warning.message
    assert "East/TrailLogs" in warning.message  # its name is generated
    # Named, so listed and drawn by ARN although its queue's name is generated.
    assert "East/T/DeadLettersAlarm" not in warning.message
    assert "East/Cis/IamPolicyChangesAlarm" not in warning.message


def test_metrics_of_another_region_are_drawn_from_there(across: Synthesized) -> None:
    (body,) = _bodies(across.raw("Board")).values()
    regions: dict[str, set[str | None]] = {}
    for widget in _of_type(body["widgets"], "metric"):
        for metric in widget["properties"].get("metrics", []):
            options = metric[-1] if isinstance(metric[-1], dict) else {}
            if isinstance(metric[0], str) and len(metric) > 1:
                regions.setdefault(f"{metric[0]}/{metric[1]}", set()).add(options.get("region"))
    # The workload shares the board's region; the CIS metric of the East stack does not.
    assert regions["Shop/QueueDepth"] == {None}
    assert regions["CISBenchmark/IamPolicyChanges"] == {"us-east-1"}
    assert regions["CISBenchmark/RootAccountUsage"] == {None}


def _build_without_exports(app: cdk.App) -> None:
    workload = new_stack(app, "Shop")
    topic = AlarmTopic(workload, "Oncall", email_addresses=["oncall@example.com"])
    routing = AlarmRouting(
        workload, "Routing", name_prefix="shop", critical=[topic], warning=[topic]
    )
    named = EncryptedLogGroup(workload, "Named", log_group_name="/shop/named")
    named.add_pattern_alarm("Errors", pattern="ERROR", metric_name="NamedErrors", routing=routing)
    unnamed = EncryptedLogGroup(workload, "Unnamed")
    # An unnamed group's Logs Insights widget would import its name from the Shop stack.
    unnamed.add_pattern_alarm(
        "Errors", pattern="ERROR", metric_name="UnnamedErrors", routing=routing
    )
    for id, group in (("NamedBytes", named), ("UnnamedBytes", unnamed)):
        add_threshold_alarm(
            workload,
            id,
            metric=cloudwatch.Metric(
                namespace="AWS/Logs",
                metric_name="IncomingBytes",
                dimensions_map={"LogGroupName": group.log_group.log_group_name},
                statistic="Sum",
            ),
            threshold=10**9,
            identity=AlarmIdentity(resource=id.lower(), signal="bytes"),
            routing=routing,
        )
    ObservabilityDashboard(new_stack(app, "Board"), "Dashboard", name="no-exports")


@pytest.fixture(scope="module")
def without_exports() -> Synthesized:
    return synth("dashboard_without_exports", _build_without_exports)


def test_a_board_over_another_stack_needs_no_exports(without_exports: Synthesized) -> None:
    """Under strong references (cdk.json), nothing of the board is a stack export."""
    assert "Fn::ImportValue" not in json.dumps(without_exports.raw("Board"))
    assert "Outputs" not in without_exports.raw("Shop")


def test_another_stacks_log_group_named_at_deploy_time_gets_no_query_widget(
    without_exports: Synthesized,
) -> None:
    (body,) = _bodies(without_exports.raw("Board")).values()
    queries = [w["properties"]["query"] for w in _of_type(body["widgets"], "log")]
    assert len(queries) == 1
    assert "SOURCE '/shop/named'" in queries[0]
    (warning,) = [w for w in without_exports.warnings if w.where == "Board/Dashboard"]
    assert "named only at deploy time" in warning.message
    assert "Shop/Unnamed" in warning.message


def test_names_of_other_stacks_are_written_out(without_exports: Synthesized) -> None:
    (body,) = _bodies(without_exports.raw("Board")).values()
    graphs = _of_type(body["widgets"], "metric")
    drawn = [m for w in graphs for m in w["properties"].get("metrics", [])]
    # The named log group's metric, written out from its LogGroupName.
    expected = ["AWS/Logs", "IncomingBytes", "LogGroupName", "/shop/named"]
    assert any(metric[:4] == expected for metric in drawn)
    (query,) = _of_type(body["widgets"], "log")
    assert "SOURCE '/shop/named'" in query["properties"]["query"]
    # The unnamed log group's alarm and the topic's dead-letter monitor (its queue's name is
    # generated) are drawn by an alarm widget, by ARN.
    by_arn = {
        arn.rsplit(":alarm:", 1)[1]
        for w in graphs
        for arn in w["properties"].get("annotations", {}).get("alarms", [])
    }
    assert by_arn == {"shop-unnamedbytes-bytes-warning", "shop-oncall-dead-letters-monitor"}
