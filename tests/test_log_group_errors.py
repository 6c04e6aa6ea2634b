"""Bad input to EncryptedLogGroup raises a Python error naming the parameter, at construct time."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3

from constructs_obs import (
    EncryptedLogGroup,
    InvalidParameterError,
    LogArchiveOptions,
    PiiProtection,
)


def _group(stack: cdk.Stack, **kwargs: Any) -> EncryptedLogGroup:
    return EncryptedLogGroup(stack, "Logs", **kwargs)


@pytest.mark.parametrize("days", [0, 2, 4, 366, 1461, 4000, -1])
def test_retention_not_accepted_by_cloudwatch(stack: cdk.Stack, days: int) -> None:
    with pytest.raises(InvalidParameterError, match=r"retention: .*allowed days: 1, 3, 5") as info:
        _group(stack, retention=days)
    assert info.value.parameter == "retention"


@pytest.mark.parametrize("retention", ["365", 365.0, True])
def test_retention_of_the_wrong_type(stack: cdk.Stack, retention: Any) -> None:
    with pytest.raises(InvalidParameterError, match="retention"):
        _group(stack, retention=retention)


@pytest.mark.parametrize("days", [1, 400, 3653])
def test_every_cloudwatch_retention_is_accepted(stack: cdk.Stack, days: int) -> None:
    _group(stack, retention=days)


def test_key_and_key_props_together(stack: cdk.Stack) -> None:
    key = kms.Key(stack, "Key")
    with pytest.raises(InvalidParameterError, match="encryption_key and encryption_key_props"):
        _group(stack, encryption_key=key, encryption_key_props=kms.KeyProps(alias="alias/x"))


@pytest.mark.parametrize("name", ["has space", "bad:colon", "x" * 513, "aws/reserved", ""])
def test_log_group_name(stack: cdk.Stack, name: str) -> None:
    with pytest.raises(InvalidParameterError, match="log_group_name"):
        _group(stack, log_group_name=name)


def test_delivery_class_is_refused(stack: cdk.Stack) -> None:
    with pytest.raises(InvalidParameterError, match=r"log_group_class.*DELIVERY"):
        _group(stack, log_group_class=logs.LogGroupClass.DELIVERY)


def test_infrequent_access_refuses_data_protection_and_archive(stack: cdk.Stack) -> None:
    ia = logs.LogGroupClass.INFREQUENT_ACCESS
    pii = PiiProtection(identifiers=[logs.DataIdentifier.EMAILADDRESS])
    with pytest.raises(InvalidParameterError, match="data_protection"):
        EncryptedLogGroup(stack, "A", log_group_class=ia, data_protection=pii)
    with pytest.raises(InvalidParameterError, match="archive"):
        EncryptedLogGroup(stack, "B", log_group_class=ia, archive=LogArchiveOptions())
    group = EncryptedLogGroup(stack, "C", log_group_class=ia)
    with pytest.raises(InvalidParameterError, match=r"INFREQUENT_ACCESS .* metric filters"):
        group.add_pattern_alarm("X", pattern="ERROR", metric_name="Errors")


def test_empty_pii_identifiers(stack: cdk.Stack) -> None:
    with pytest.raises(InvalidParameterError, match="identifiers is empty"):
        _group(stack, data_protection=PiiProtection(identifiers=[]))


@pytest.mark.parametrize("prefix", ["no-slash", "/absolute/", "a b/"])
def test_archive_prefix(stack: cdk.Stack, prefix: str) -> None:
    with pytest.raises(InvalidParameterError, match="prefix"):
        _group(stack, archive=LogArchiveOptions(prefix=prefix))


def test_archive_buffering(stack: cdk.Stack) -> None:
    with pytest.raises(InvalidParameterError, match="buffering_interval"):
        EncryptedLogGroup(
            stack, "A", archive=LogArchiveOptions(buffering_interval=cdk.Duration.minutes(20))
        )
    with pytest.raises(InvalidParameterError, match="buffering_size"):
        EncryptedLogGroup(
            stack, "B", archive=LogArchiveOptions(buffering_size=cdk.Size.mebibytes(200))
        )


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        (LogArchiveOptions(expiration=cdk.Duration.hours(36)), "whole number of days"),
        (LogArchiveOptions(expiration=cdk.Duration.days(0)), "must be >= 1"),
        (LogArchiveOptions(expiration=cdk.Duration.minutes(5)), "whole number of days"),
    ],
)
def test_archive_expiration(stack: cdk.Stack, options: LogArchiveOptions, problem: str) -> None:
    with pytest.raises(InvalidParameterError, match=f"expiration: .*{problem}"):
        _group(stack, archive=options)


def test_archive_expiration_is_not_applied_to_a_given_bucket(stack: cdk.Stack) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Mine", "my-archive")
    options = LogArchiveOptions(bucket=bucket, expiration=cdk.Duration.days(400))
    with pytest.raises(InvalidParameterError, match="expiration: applies only to the bucket"):
        _group(stack, archive=options)


PatternCall = Callable[[EncryptedLogGroup], object]

BAD_PATTERN_ALARMS: dict[str, tuple[PatternCall, str]] = {
    "empty pattern": (
        lambda g: g.add_pattern_alarm("A", pattern="", metric_name="M"),
        "pattern: must be a non-empty",
    ),
    "blank pattern": (
        lambda g: g.add_pattern_alarm("A", pattern="   ", metric_name="M"),
        "pattern: must be a non-empty",
    ),
    "pattern too long": (
        lambda g: g.add_pattern_alarm("A", pattern="x" * 1025, metric_name="M"),
        "pattern: must be at most 1024",
    ),
    "four dimensions": (
        lambda g: g.add_pattern_alarm(
            "A",
            pattern="{ $.a = 1 }",
            metric_name="M",
            dimensions={"A": "$.a", "B": "$.b", "C": "$.c", "D": "$.d"},
        ),
        "dimensions: a metric filter takes at most 3 dimensions, got 4",
    ),
    "literal dimension value": (
        lambda g: g.add_pattern_alarm(
            "A", pattern="{ $.a = 1 }", metric_name="M", dimensions={"A": "constant"}
        ),
        "dimensions: A='constant': a dimension value must be a field",
    ),
    "dimensions on a text pattern": (
        lambda g: g.add_pattern_alarm(
            "A", pattern="ERROR", metric_name="M", dimensions={"A": "$a"}
        ),
        "dimensions: dimensions need a JSON",
    ),
    "default value with dimensions": (
        lambda g: g.add_pattern_alarm(
            "A", pattern="{ $.a = 1 }", metric_name="M", default_value=0, dimensions={"A": "$.a"}
        ),
        "default_value: CloudWatch does not allow a default value",
    ),
    "nan threshold": (
        lambda g: g.add_pattern_alarm("A", pattern="E", metric_name="M", threshold=math.nan),
        "threshold: expected a finite number",
    ),
    "infinite threshold": (
        lambda g: g.add_pattern_alarm("A", pattern="E", metric_name="M", threshold=math.inf),
        "threshold: expected a finite number",
    ),
    "string threshold": (
        lambda g: g.add_pattern_alarm("A", pattern="E", metric_name="M", threshold="5"),  # type: ignore[arg-type]
        "threshold: expected a finite number",
    ),
    "nan default value": (
        lambda g: g.add_pattern_alarm("A", pattern="E", metric_name="M", default_value=math.nan),
        "default_value: expected a finite number",
    ),
    "metric name with colon": (
        lambda g: g.add_pattern_alarm("A", pattern="E", metric_name="a:b"),
        "metric_name: 'a:b' must not contain",
    ),
    "reserved namespace": (
        lambda g: g.add_pattern_alarm("A", pattern="E", metric_name="M", metric_namespace="AWS/X"),
        "metric_namespace: namespaces starting with 'AWS/' are reserved",
    ),
    "high resolution period": (
        lambda g: g.add_pattern_alarm(
            "A", pattern="E", metric_name="M", period=cdk.Duration.seconds(10)
        ),
        "period: 10 s needs a metric published at high resolution",
    ),
    "period not a duration": (
        lambda g: g.add_pattern_alarm("A", pattern="E", metric_name="M", period=60),  # type: ignore[arg-type]
        "period: expected a Duration",
    ),
    "odd period": (
        lambda g: g.add_pattern_alarm(
            "A", pattern="E", metric_name="M", period=cdk.Duration.seconds(90)
        ),
        "period: 90 s is not a period CloudWatch accepts",
    ),
    "datapoints over evaluation periods": (
        lambda g: g.add_pattern_alarm(
            "A", pattern="E", metric_name="M", evaluation_periods=2, datapoints_to_alarm=3
        ),
        "datapoints_to_alarm: 3 is more than evaluation_periods",
    ),
    "zero evaluation periods": (
        lambda g: g.add_pattern_alarm("A", pattern="E", metric_name="M", evaluation_periods=0),
        "evaluation_periods: must be >= 1",
    ),
    "evaluation range over a day": (
        lambda g: g.add_pattern_alarm(
            "A",
            pattern="E",
            metric_name="M",
            period=cdk.Duration.minutes(5),
            evaluation_periods=289,
        ),
        "evaluation_periods: 289 x 300 s",
    ),
    "percentile across dimensions": (
        lambda g: g.add_pattern_alarm(
            "A", pattern="{ $.a = 1 }", metric_name="M", statistic="p99", dimensions={"A": "$.a"}
        ),
        "statistic: 'p99' cannot aggregate across dimensions",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_PATTERN_ALARMS))
def test_bad_pattern_alarm(stack: cdk.Stack, case: str) -> None:
    call, message = BAD_PATTERN_ALARMS[case]
    group = _group(stack)
    with pytest.raises(InvalidParameterError) as info:
        call(group)
    assert message in str(info.value)
    assert str(info.value).startswith("EncryptedLogGroup.add_pattern_alarm 'A': invalid ")


def test_errors_are_plain_python_value_errors(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError, match="EncryptedLogGroup 'Logs': invalid retention"):
        _group(stack, retention=2)
