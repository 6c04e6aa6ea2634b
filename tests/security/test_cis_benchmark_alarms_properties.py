"""Properties of the security family: CisBenchmarkAlarms and SecurityEventRules (public
constructor parameters only).

Each parameter in turn gets a wrong type, an empty or an oversized value (``tests.support.
properties``): the construct refuses it naming the parameter, or the template passes the harness.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct
from hypothesis import given

from constructs_obs import (
    AlarmRouting,
    AlarmTopic,
    EncryptedLogGroup,
    Severity,
)
from constructs_obs.security import (
    CisBenchmarkAlarms,
    CisControl,
    SecurityDetection,
    SecurityEventRules,
)
from tests.support.properties import (
    PROPERTY_SETTINGS,
    Examples,
    Value,
    built,
    cases,
    durations,
    literal,
    oversized_text,
)


def _topic(scope: Construct, id: str = "Security") -> AlarmTopic:
    return AlarmTopic(scope, id, email_addresses=["security@example.com"])


def _routing(scope: Construct) -> AlarmRouting:
    topic = _topic(scope)
    return AlarmRouting(
        scope, "Routing", name_prefix=f"{scope.node.id.lower()}z", critical=[topic], warning=[topic]
    )


_CIS: dict[str, list[Value]] = {
    "trail_log_group": [
        built("an EncryptedLogGroup", lambda s: EncryptedLogGroup(s, "Wrapped")),
        built(
            "an imported ILogGroup",
            lambda s: logs.LogGroup.from_log_group_name(s, "Imported", "/trail/logs"),
        ),
        literal("/trail/logs"),
    ],
    "routing": [built("an AlarmTopic", _topic)],
    "controls": [
        literal("CloudWatch.1"),
        literal([CisControl.ROOT_USAGE], "[ROOT_USAGE]"),
        literal([CisControl.ROOT_USAGE, CisControl.ROOT_USAGE], "[ROOT_USAGE] * 2"),
        literal(["CloudWatch.1"]),
    ],
    "prowler_variants": [literal("yes"), literal(True)],
    "namespace": [literal("AWS/CIS"), oversized_text(256), literal("Security.CIS")],
    "severities": [
        literal({CisControl.ROOT_USAGE: "critical"}, "{ROOT_USAGE: 'critical'}"),
        literal({"CloudWatch.1": Severity.CRITICAL}, "{'CloudWatch.1': CRITICAL}"),
        literal({CisControl.ROOT_USAGE: Severity.CRITICAL}, "{ROOT_USAGE: CRITICAL}"),
    ],
    "period": durations(),
}

_RULES: dict[str, list[Value]] = {
    "targets": [
        built("an AlarmTopic (not a list)", lambda s: _topic(s, "Other")),
        literal(["arn:aws:sns:eu-west-1:123456789012:security"]),
        built("[an AlarmTopic without subscribers]", lambda s: [AlarmTopic(s, "Silent")]),
    ],
    "detections": [
        literal("root-account-usage"),
        literal([SecurityDetection.ROOT_ACCOUNT_USAGE], "[ROOT_ACCOUNT_USAGE]"),
        literal(["root-account-usage"]),
    ],
    "event_bus": [
        literal("security"),
        built(
            "an imported bus",
            lambda s: events.EventBus.from_event_bus_arn(
                s, "Bus", "arn:aws:events:eu-west-1:123456789012:event-bus/security"
            ),
        ),
    ],
    "monitor_topic": [
        literal("arn:aws:sns:eu-west-1:123456789012:ops"),
        built("an AlarmTopic", lambda s: _topic(s, "Monitor")),
    ],
    "retry_attempts": [literal(186), literal(3)],
    "max_event_age": durations(),
    "encryption_key": [
        built("a Key", lambda s: kms.Key(s, "UserKey", enable_key_rotation=True)),
        literal("alias/aws/sqs"),
    ],
}

#: A few controls keep each example small; ``controls`` itself is one of the parameters.
_FEW_CONTROLS = [CisControl.ROOT_USAGE, CisControl.VPC_CHANGES]


def _build_cis(scope: Construct, kwargs: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {
        "trail_log_group": EncryptedLogGroup(scope, "TrailLogs"),
        "routing": _routing(scope),
        "controls": _FEW_CONTROLS,
        **kwargs,
    }
    CisBenchmarkAlarms(scope, "Cis", **arguments)


def _build_rules(scope: Construct, kwargs: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {
        "targets": [_topic(scope)],
        "detections": [SecurityDetection.ROOT_ACCOUNT_USAGE],
        # Rule names are unique per bus, account and region: one prefix per example.
        "rule_name_prefix": scope.node.id,
        **kwargs,
    }
    SecurityEventRules(scope, "Rules", **arguments)


@PROPERTY_SETTINGS
@given(case=cases(_CIS))
def cis_benchmark_alarms(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_cis)


@PROPERTY_SETTINGS
@given(case=cases(_RULES))
def security_event_rules(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_rules)


def baselines(examples: Examples) -> None:
    """Valid arguments for every construct of the family: each is built."""
    for build in (_build_cis, _build_rules):
        examples.attempt("baseline", None, build)


PROPERTIES = (baselines, cis_benchmark_alarms, security_event_rules)


@pytest.fixture(scope="module")
def examples() -> Examples:
    return Examples("security")


@pytest.mark.parametrize("prop", PROPERTIES, ids=lambda prop: prop.__name__)
def test_refuses_by_name_or_builds(examples: Examples, prop: Any) -> None:
    # GIVEN one parameter at a time set to a wrong, empty or oversized value
    # THEN a Python error names it, or the example is kept for the harness
    examples.run(prop)


def test_every_accepted_example_passes_the_harness(examples: Examples) -> None:
    # GIVEN every example the constructs accepted (the properties run here if not yet)
    # THEN the app they make passes cdk-nag, cfn-lint, checkov and the IAM check
    examples.check(*PROPERTIES)
