"""Properties of ObservabilityDashboard.

Each parameter in turn gets a wrong type, an empty or an oversized value (``tests.support.
properties``): the dashboard refuses it naming the parameter, or the template passes the
harness. Each example dashboards a log group with a pattern alarm of its own.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct
from hypothesis import given

from constructs_obs import EncryptedLogGroup, ObservabilityDashboard
from tests.support.properties import (
    PROPERTY_SETTINGS,
    Examples,
    Value,
    built,
    cases,
    literal,
    oversized_text,
)


def _watched(scope: Construct) -> Construct:
    """A log group with a pattern alarm (what a dashboard shows), under a scope of its own."""
    watched = Construct(scope, "Watched")
    key = kms.Key(watched, "Key", enable_key_rotation=True)
    topic = sns.Topic(watched, "Alerts", master_key=key, enforce_ssl=True)
    group = EncryptedLogGroup(watched, f"Logs{scope.node.id}")
    group.add_pattern_alarm(
        "Errors",
        pattern='{ $.level = "ERROR" }',
        metric_name="Errors",
        actions=[cw_actions.SnsAction(topic)],
    )
    return watched


_DASHBOARD: dict[str, list[Value]] = {
    "name": [literal("bad name!"), oversized_text(256), literal("shop-overview")],
    "sources": [
        literal(["StackName"]),
        literal("StackName"),
        built("[the watched scope]", lambda s: [_watched(s)]),
    ],
    "title": [oversized_text(5000), literal("# Shop"), literal("Shop")],
    "max_metrics_per_dashboard": [literal(2501), literal(1), literal(100)],
    "max_widgets_per_dashboard": [literal(501), literal(1), literal(50)],
    "logs_query_limit": [literal(10_001), literal(1), literal(100)],
}


def _build(scope: Construct, kwargs: dict[str, Any]) -> None:
    # The watched scope exists already when the generated ``sources`` made it.
    watched = scope.node.try_find_child("Watched") or _watched(scope)
    ObservabilityDashboard(scope, "Dashboard", **{"sources": [watched], **kwargs})


@PROPERTY_SETTINGS
@given(case=cases(_DASHBOARD))
def observability_dashboard(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build)


def baselines(examples: Examples) -> None:
    """Valid arguments: the dashboard is built."""
    examples.attempt("baseline", None, _build)


PROPERTIES = (baselines, observability_dashboard)


@pytest.fixture(scope="module")
def examples() -> Examples:
    return Examples("dashboard")


@pytest.mark.parametrize("prop", PROPERTIES, ids=lambda prop: prop.__name__)
def test_refuses_by_name_or_builds(examples: Examples, prop: Any) -> None:
    # GIVEN one parameter at a time set to a wrong, empty or oversized value
    # THEN a Python error names it, or the example is kept for the harness
    examples.run(prop)


def test_every_accepted_example_passes_the_harness(examples: Examples) -> None:
    # GIVEN every example the dashboard accepted (the property runs here if not yet)
    # THEN the app they make passes cdk-nag, cfn-lint, checkov and the IAM check
    examples.check(*PROPERTIES)
