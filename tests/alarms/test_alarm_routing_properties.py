"""Properties of the alarms family: AlarmTopic, AlarmRouting and the presets (RDS instance, Lambda
function, Fargate service) with their AlarmOptions.

Each parameter in turn gets a wrong type, an empty or an oversized value (``tests.support.
properties``): the construct refuses it naming the parameter, or the template passes the harness.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from constructs import Construct
from hypothesis import given

from constructs_obs import (
    AlarmOptions,
    AlarmRouting,
    AlarmTopic,
    FargateServiceAlarms,
    IncidentMatch,
    LambdaFunctionAlarms,
    RdsInstanceAlarms,
    Severity,
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
from tests.support.resources import compliant_function

TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:ops"


def _topic(scope: Construct, id: str = "Oncall") -> AlarmTopic:
    return AlarmTopic(scope, id, email_addresses=["oncall@example.com"])


def _key(scope: Construct) -> kms.Key:
    return kms.Key(scope, "UserKey", enable_key_rotation=True)


def _prefix(scope: Construct) -> str:
    """A name prefix of its own per example ('e1z' is no prefix of 'e10z')."""
    return f"{scope.node.id.lower()}z"


_TOPIC: dict[str, list[Value]] = {
    "encryption_key": [built("a Key", _key), literal("alias/aws/sns")],
    "encryption_key_props": [
        literal(kms.KeyProps(key_spec=kms.KeySpec.RSA_2048), "KeyProps(RSA_2048)"),
        literal(kms.KeyProps(description="alerts"), "KeyProps(description)"),
    ],
    "topic_name": [literal("alerts.fifo"), oversized_text(257), literal("bad name")],
    "display_name": [oversized_text(101), literal("Alerts")],
    "email_addresses": [literal("a@b"), literal(["not-an-email"]), literal(["ops@example.com"])],
    "https_endpoints": [
        literal(["https://"]),
        literal(["http://example.com/hook"]),
        literal(["https://example.com/hook"]),
        literal("https://example.com/hook"),
    ],
    "sqs_queues": [literal([TOPIC_ARN])],
    "lambda_functions": [literal(["arn:aws:lambda:eu-west-1:123456789012:function:f"])],
    "dead_letter_alarm": [literal("no"), literal(False)],
}

_TARGETS = [
    built("an AlarmTopic (not a list)", lambda s: _topic(s, "Other")),
    built("[an AlarmTopic]", lambda s: [_topic(s, "Other")]),
    built("[an AlarmTopic without subscribers]", lambda s: [AlarmTopic(s, "Silent")]),
    literal([TOPIC_ARN]),
]

_ROUTING: dict[str, list[Value]] = {
    "name_prefix": [literal("Shop.Prod"), oversized_text(300), literal("shop prod")],
    "critical": _TARGETS,
    "warning": _TARGETS,
    "ok_actions": [literal("critical"), literal([Severity.CRITICAL], "[Severity.CRITICAL]")],
    "insufficient_data_actions": [literal(["warning"]), literal([Severity.WARNING], "[WARNING]")],
    "incident_match": [literal("name_prefix"), literal(IncidentMatch.NAME_PREFIX, "NAME_PREFIX")],
    "incident_retry_attempts": [literal(186), literal(3)],
    "incident_max_event_age": [*durations(), literal(cdk.Duration.hours(2), "Duration.hours(2)")],
    "encryption_key": [built("a Key", _key), literal("alias/aws/sqs")],
}

_OPTIONS: dict[str, list[Value]] = {
    "threshold": [literal(180), literal(-5)],
    "period": [*durations(), literal(cdk.Duration.seconds(10), "Duration.seconds(10)")],
    "evaluation_periods": [literal(3)],
    "datapoints_to_alarm": [literal(2)],
    "severity": [literal("critical"), literal(Severity.CRITICAL, "Severity.CRITICAL")],
    "runbook_url": [literal("https://"), literal("https://example.com/rb")],
    "statistic": [literal("Median"), literal("p99"), literal("tm90"), literal("Average")],
    "enabled": [literal("no")],
}

#: Each preset's own parameters, then one of its signals' AlarmOptions field by field.
_PRESET_COMMON: dict[str, list[Value]] = {
    "routing": [built("an AlarmTopic", _topic)],
    "resource_name": [oversized_text(300), literal("orders")],
    "runbook_url": [literal("https://"), literal("https://example.com/rb")],
}
_RDS: dict[str, list[Value]] = {
    "instance": [literal("orders-db")],
    "cpu_utilization": [literal({"threshold": 90})],
    **_PRESET_COMMON,
    **{f"cpu_utilization.{field}": values for field, values in _OPTIONS.items()},
}
_LAMBDA: dict[str, list[Value]] = {
    "function": [literal("arn:aws:lambda:eu-west-1:123456789012:function:f")],
    "timeout": [*durations(), literal(cdk.Duration.minutes(16), "Duration.minutes(16)")],
    "asynchronous": [literal("yes"), literal(True)],
    **_PRESET_COMMON,
    **{f"errors.{field}": values for field, values in _OPTIONS.items()},
}
_FARGATE: dict[str, list[Value]] = {
    "service": [literal("orders")],
    **_PRESET_COMMON,
    **{f"running_tasks.{field}": values for field, values in _OPTIONS.items()},
}


#: A preset without routing makes alarms without actions on purpose (the user's choice), which
#: NIST.800.53.R5-CloudWatchAlarmAction flags for the user to acknowledge: not generated.
_UNROUTED = {"routing": ["None"]}


def _with_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``signal.field`` entries as ``signal=AlarmOptions(field=...)``."""
    nested: dict[str, dict[str, Any]] = {}
    for key in sorted(k for k in kwargs if "." in k):
        signal, field = key.split(".")
        nested.setdefault(signal, {})[field] = kwargs.pop(key)
    for signal, fields in nested.items():
        kwargs[signal] = AlarmOptions(**fields)
    return kwargs


def _routing(scope: Construct) -> AlarmRouting:
    topic = _topic(scope)
    return AlarmRouting(
        scope, "Routing", name_prefix=_prefix(scope), critical=[topic], warning=[topic]
    )


def _build_topic(scope: Construct, kwargs: dict[str, Any]) -> None:
    AlarmTopic(scope, "Topic", **{"email_addresses": ["ops@example.com"], **kwargs})


def _build_routing(scope: Construct, kwargs: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {"name_prefix": _prefix(scope), "critical": [_topic(scope)]}
    AlarmRouting(scope, "Routing", **{**arguments, **kwargs})


def _imported_database(scope: Construct) -> rds.IDatabaseInstance:
    return rds.DatabaseInstance.from_database_instance_attributes(
        scope,
        "Db",
        instance_identifier="orders-db",
        instance_endpoint_address="orders-db.abc.eu-west-1.rds.amazonaws.com",
        port=5432,
        security_groups=[],
    )


def _build_rds(scope: Construct, kwargs: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {"instance": _imported_database(scope), "routing": _routing(scope)}
    RdsInstanceAlarms(scope, "Alarms", **{**arguments, **_with_options(kwargs)})


def _build_lambda(scope: Construct, kwargs: dict[str, Any]) -> None:
    function = compliant_function(scope, "Worker", timeout=cdk.Duration.seconds(30))
    arguments: dict[str, Any] = {"function": function, "routing": _routing(scope)}
    LambdaFunctionAlarms(scope, "Alarms", **{**arguments, **_with_options(kwargs)})


def _build_fargate(scope: Construct, kwargs: dict[str, Any]) -> None:
    cluster = ecs.Cluster.from_cluster_arn(
        scope, "Cluster", "arn:aws:ecs:eu-west-1:123456789012:cluster/shop"
    )
    service = ecs.FargateService.from_fargate_service_attributes(
        scope, "Orders", cluster=cluster, service_name="orders"
    )
    arguments: dict[str, Any] = {"service": service, "routing": _routing(scope)}
    FargateServiceAlarms(scope, "Alarms", **{**arguments, **_with_options(kwargs)})


@PROPERTY_SETTINGS
@given(case=cases(_TOPIC))
def alarm_topic(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_topic)


@PROPERTY_SETTINGS
@given(case=cases(_ROUTING))
def alarm_routing(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_routing)


@PROPERTY_SETTINGS
@given(case=cases(_RDS, skip=_UNROUTED))
def rds_instance_alarms(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_rds)


@PROPERTY_SETTINGS
@given(case=cases(_LAMBDA, skip=_UNROUTED))
def lambda_function_alarms(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_lambda)


@PROPERTY_SETTINGS
@given(case=cases(_FARGATE, skip=_UNROUTED))
def fargate_service_alarms(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_fargate)


def baselines(examples: Examples) -> None:
    """Valid arguments for every construct of the family: each is built."""
    for build in (_build_topic, _build_routing, _build_rds, _build_lambda, _build_fargate):
        examples.attempt("baseline", None, build)


PROPERTIES = (
    baselines,
    alarm_topic,
    alarm_routing,
    rds_instance_alarms,
    lambda_function_alarms,
    fargate_service_alarms,
)


@pytest.fixture(scope="module")
def examples() -> Examples:
    return Examples("alarms")


@pytest.mark.parametrize("prop", PROPERTIES, ids=lambda prop: prop.__name__)
def test_refuses_by_name_or_builds(examples: Examples, prop: Any) -> None:
    # GIVEN one parameter at a time set to a wrong, empty or oversized value
    # THEN a Python error names it, or the example is kept for the harness
    examples.run(prop)


def test_every_accepted_example_passes_the_harness(examples: Examples) -> None:
    # GIVEN every example the constructs accepted (the properties run here if not yet)
    # THEN the app they make passes cdk-nag, cfn-lint, checkov and the IAM check
    examples.check(*PROPERTIES)
