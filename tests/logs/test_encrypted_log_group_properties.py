"""Properties of the logs family: EncryptedLogGroup, its pattern alarms, LogArchive and its options.

Each parameter in turn gets a wrong type, an empty or an oversized value (``tests.support.
properties``): the construct refuses it naming the parameter, or the template passes the harness.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct
from hypothesis import given

from constructs_obs import (
    AlarmTopic,
    EncryptedLogGroup,
    LogArchive,
    LogArchiveOptions,
    PiiProtection,
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
    sizes,
)


def _key(scope: Construct, removal: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN) -> kms.Key:
    return kms.Key(scope, "UserKey", enable_key_rotation=True, removal_policy=removal)


def _topic(scope: Construct) -> AlarmTopic:
    return AlarmTopic(scope, "UserTopic", email_addresses=["ops@example.com"])


_ARCHIVE: dict[str, list[Value]] = {
    "archive.prefix": [literal("errors/"), literal("/abs/"), literal("no-slash"), literal("ok/")],
    "archive.filter_pattern": [
        literal("{ $.level = "),
        literal('{ $.level = "ERROR" }'),
        literal("[ip, user"),
        oversized_text(1025),
    ],
    "archive.buffering_interval": [
        *durations(),
        literal(cdk.Duration.seconds(900), "Duration.seconds(900)"),
        literal(cdk.Duration.seconds(901), "Duration.seconds(901)"),
    ],
    "archive.buffering_size": [*sizes(), literal(cdk.Size.mebibytes(129), "Size.mebibytes(129)")],
    "archive.expiration": [*durations(), literal(cdk.Duration.days(1), "Duration.days(1)")],
    "archive.monitor_topic": [
        literal("arn:aws:sns:eu-west-1:123456789012:ops"),
        built("an AlarmTopic", _topic),
        built("an AlarmTopic without subscribers", lambda s: AlarmTopic(s, "Silent")),
    ],
    "archive.bucket": [
        literal("my-bucket"),
        built("an imported bucket", lambda s: s3.Bucket.from_bucket_name(s, "B", "my-logs")),
    ],
}

_LOG_GROUP: dict[str, list[Value]] = {
    "log_group_name": [
        literal("/app/orders"),
        literal("bad name!"),
        oversized_text(513),
        literal("/aws/lambda/x"),
    ],
    "retention": [
        literal(1),
        literal(2),
        literal(3653),
        literal(4000),
        literal(logs.RetentionDays.INFINITE, "RetentionDays.INFINITE"),
    ],
    "encryption_key": [
        built("a Key", _key),
        built("a DESTROY Key", lambda s: _key(s, cdk.RemovalPolicy.DESTROY)),
        literal("alias/aws/logs"),
    ],
    "encryption_key_props": [
        literal(kms.KeyProps(key_spec=kms.KeySpec.RSA_2048), "KeyProps(RSA_2048)"),
        literal(kms.KeyProps(enable_key_rotation=False), "KeyProps(rotation off)"),
        literal(kms.KeyProps(description="d"), "KeyProps(description)"),
    ],
    "removal_policy": [
        literal(cdk.RemovalPolicy.DESTROY, "DESTROY"),
        literal(cdk.RemovalPolicy.SNAPSHOT, "SNAPSHOT"),
        literal("RETAIN"),
    ],
    "data_protection": [
        literal(PiiProtection(identifiers=[]), "PiiProtection([])"),
        literal(
            PiiProtection(identifiers=[logs.DataIdentifier.EMAILADDRESS]),
            "PiiProtection([EMAILADDRESS])",
        ),
    ],
    "log_group_class": [
        literal(logs.LogGroupClass.INFREQUENT_ACCESS, "INFREQUENT_ACCESS"),
        literal("STANDARD"),
    ],
    "archive": [literal(LogArchiveOptions(), "LogArchiveOptions()")],
    **_ARCHIVE,
}

_PATTERN_ALARM: dict[str, list[Value]] = {
    "pattern": [literal("{ $.level = "), literal("[ip, user"), literal("ERROR"), literal("{}")],
    "metric_name": [oversized_text(256), literal("Errors")],
    "metric_namespace": [literal("AWS/Logs"), oversized_text(256), literal("Shop")],
    "metric_value": [literal("$.latency; drop"), literal("$.latency"), literal("$x"), literal("2")],
    "default_value": [literal(0)],
    "unit": [literal(cloudwatch.Unit.SECONDS, "Unit.SECONDS"), literal("Seconds")],
    "dimensions": [
        literal({"Level": "$.level"}),
        literal({"A": "constant"}),
        literal({f"D{i}": "$.level" for i in range(4)}, "four dimensions"),
    ],
    "threshold": [literal(-1), literal(1e300)],
    "comparison_operator": [
        literal(cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD, "LESS_THAN_THRESHOLD"),
        literal("GreaterThanThreshold"),
    ],
    "statistic": [literal("Median"), literal("p99"), literal("tm90"), literal("p101")],
    "period": [*durations(), literal(cdk.Duration.seconds(10), "Duration.seconds(10)")],
    "evaluation_periods": [literal(2), literal(100_000)],
    "datapoints_to_alarm": [literal(2), literal(1)],
    "treat_missing_data": [literal("breaching")],
    "severity": [literal("critical"), literal(Severity.CRITICAL, "Severity.CRITICAL")],
    "summary": [oversized_text(2000), literal("Orders fail")],
    "runbook_url": [
        literal("https://"),
        literal("ftp://example.com"),
        literal("https://example.com/runbook"),
    ],
    "alarm_name": [oversized_text(256), literal("orders-errors"), literal("bad\x00name")],
    "actions": [literal("arn:aws:sns:eu-west-1:123456789012:ops")],
}


def _nested(kwargs: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Pop the ``prefix.field`` entries of ``kwargs`` as ``{field: value}``."""
    fields = {key for key in kwargs if key.startswith(f"{prefix}.")}
    return {key.removeprefix(f"{prefix}."): kwargs.pop(key) for key in sorted(fields)}


def _build_log_group(scope: Construct, kwargs: dict[str, Any]) -> None:
    archive = _nested(kwargs, "archive")
    if archive:
        kwargs["archive"] = LogArchiveOptions(**archive)
    EncryptedLogGroup(scope, "Logs", **kwargs)


def _build_pattern_alarm(scope: Construct, kwargs: dict[str, Any]) -> None:
    # The alarm's name comes from the group's id: one id per example keeps the names apart.
    group = EncryptedLogGroup(scope, f"Logs{scope.node.id}")
    key = _key(scope)
    topic = sns.Topic(scope, "Alerts", master_key=key, enforce_ssl=True)
    arguments: dict[str, Any] = {
        "pattern": '{ $.level = "ERROR" }',
        "metric_name": "Errors",
        "actions": [cw_actions.SnsAction(topic)],
        **kwargs,
    }
    group.add_pattern_alarm("Alarm", **arguments)


def _build_archive(scope: Construct, kwargs: dict[str, Any]) -> None:
    options = _nested(kwargs, "options")
    key = _key(scope)
    arguments: dict[str, Any] = {
        "log_group": logs.LogGroup.from_log_group_name(scope, "Legacy", "/legacy/app"),
        "encryption_key": key,
        "options": LogArchiveOptions(**options),
        **kwargs,
    }
    LogArchive(scope, "Archive", **arguments)


_ARCHIVE_CONSTRUCT: dict[str, list[Value]] = {
    "log_group": [
        built("an EncryptedLogGroup", lambda s: EncryptedLogGroup(s, "AppLogs")),
        literal("/legacy/app"),
    ],
    "encryption_key": [literal("alias/aws/s3"), built("a Key", _key)],
    "options": [literal({"prefix": "x/"})],
    **{key.replace("archive.", "options."): values for key, values in _ARCHIVE.items()},
}


@PROPERTY_SETTINGS
@given(case=cases(_LOG_GROUP))
def encrypted_log_group(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_log_group)


@PROPERTY_SETTINGS
@given(case=cases(_PATTERN_ALARM))
def pattern_alarm(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_pattern_alarm)


@PROPERTY_SETTINGS
@given(case=cases(_ARCHIVE_CONSTRUCT))
def log_archive(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_archive)


def baselines(examples: Examples) -> None:
    """Valid arguments for every construct of the family: each is built."""
    for build in (_build_log_group, _build_pattern_alarm, _build_archive):
        examples.attempt("baseline", None, build)


PROPERTIES = (baselines, encrypted_log_group, pattern_alarm, log_archive)


@pytest.fixture(scope="module")
def examples() -> Examples:
    return Examples("logs")


@pytest.mark.parametrize("prop", PROPERTIES, ids=lambda prop: prop.__name__)
def test_refuses_by_name_or_builds(examples: Examples, prop: Any) -> None:
    # GIVEN one parameter at a time set to a wrong, empty or oversized value
    # THEN a Python error names it, or the example is kept for the harness
    examples.run(prop)


def test_every_accepted_example_passes_the_harness(examples: Examples) -> None:
    # GIVEN every example the constructs accepted (the properties run here if not yet)
    # THEN the app they make passes cdk-nag, cfn-lint, checkov and the IAM check
    examples.check(*PROPERTIES)
