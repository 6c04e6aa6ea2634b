"""LogArchive: subscription filter -> encrypted Firehose stream -> hardened, tiered S3 bucket."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match

from constructs_obs import (
    AlarmTopic,
    EncryptedLogGroup,
    InvalidParameterError,
    LogArchive,
    LogArchiveOptions,
)
from tests.logs.helpers import logs_statements, resource
from tests.support.harness import Synthesized, new_stack, synth

MADE: dict[str, Any] = {}  # what _build's calls returned, for the tests of the Python API


def _build(app: cdk.App) -> None:
    # The usual way: the archive of an EncryptedLogGroup, under a prefix of its own.
    stack = new_stack(app, "Archived")
    MADE["orders"] = EncryptedLogGroup(
        stack,
        "Orders",
        log_group_name="/app/orders",
        retention=90,
        archive=LogArchiveOptions(prefix="orders/"),
    )
    # A standalone archive for a log group the user made, expiring after 200 days.
    archive_stack = new_stack(app, "Archive")
    archive_key = kms.Key(archive_stack, "Key", enable_key_rotation=True)
    LogArchive(
        archive_stack,
        "Archive",
        log_group=logs.LogGroup.from_log_group_name(archive_stack, "Legacy", "/legacy/app"),
        encryption_key=archive_key,
        options=LogArchiveOptions(
            expiration=cdk.Duration.days(200),
            monitor_topic=AlarmTopic(
                archive_stack,
                "Monitor",
                encryption_key=archive_key,
                email_addresses=["ops@example.com"],
            ),
        ),
    )
    # An EncryptedLogGroup where an ILogGroup is expected: its log group is archived.
    wrapped = new_stack(app, "Wrapped")
    app_logs = EncryptedLogGroup(wrapped, "AppLogs", log_group_name="/app/wrapped")
    MADE["wrapped"] = LogArchive(
        wrapped,
        "Archive",
        log_group=app_logs,
        encryption_key=app_logs.encryption_key,
        options=LogArchiveOptions(filter_pattern=WRAPPED_PATTERN),
    )


WRAPPED_PATTERN = '{ $.level = "ERROR" || $.level = "WARN" }'


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("log_archive", _build)


def test_archive_subscribes_the_group_to_an_encrypted_firehose(synthesized: Synthesized) -> None:
    template = synthesized.template("Archived")
    stream = resource(
        synthesized, "Archived", "AWS::KinesisFirehose::DeliveryStream", "OrdersArchive"
    )
    props = stream["Properties"]
    assert props["DeliveryStreamEncryptionConfigurationInput"]["KeyType"] == "CUSTOMER_MANAGED_CMK"
    destination = props["ExtendedS3DestinationConfiguration"]
    assert destination["Prefix"] == "orders/"
    assert destination["CompressionFormat"] == "GZIP"
    assert [p["Type"] for p in destination["ProcessingConfiguration"]["Processors"]] == [
        "Decompression",
        "CloudWatchLogProcessing",
    ]
    assert "KMSEncryptionConfig" in destination["EncryptionConfiguration"]
    template.has_resource_properties(
        "AWS::Logs::SubscriptionFilter",
        {"FilterPattern": "", "LogGroupName": {"Ref": Match.string_like_regexp("^Orders")}},
    )
    # CloudWatch Logs may assume the role only for this account's log groups in this region.
    role = resource(
        synthesized,
        "Archived",
        "AWS::IAM::Role",
        "OrdersArchiveSubscriptionCloudWatchLogsCanPutRecords",
    )
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "logs.amazonaws.com"}
    assert trust["Condition"] == {
        "StringLike": {"aws:SourceArn": "arn:aws:logs:eu-west-1:123456789012:*"}
    }
    # Firehose's role trusts Firehose for this account's streams (its external id).
    delivery = resource(synthesized, "Archived", "AWS::IAM::Role", "OrdersArchiveDeliveryRole")
    (trust,) = delivery["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "firehose.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": "123456789012"}}


def test_firehose_uses_the_key_only_through_s3_for_this_buckets_objects(
    synthesized: Synthesized,
) -> None:
    # The delivery role's key grant: through S3 in this region, for this bucket (S3 Bucket Keys
    # use the bucket's ARN as encryption context) or its archive and error objects.
    bucket_arn = {"Fn::GetAtt": [Match.string_like_regexp("^OrdersArchiveBucket"), "Arn"]}
    kms_statement = Match.object_like(
        {
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Condition": {
                "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"},
                "StringLike": {
                    "kms:EncryptionContext:aws:s3:arn": [
                        bucket_arn,
                        {"Fn::Join": ["", [bucket_arn, "/orders/*"]]},
                        {"Fn::Join": ["", [bucket_arn, "/errors/*"]]},
                    ]
                },
            },
        }
    )
    synthesized.template("Archived").has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {"PolicyDocument": {"Statement": Match.array_with([kms_statement])}},
    )


def test_an_encrypted_log_group_is_archived_through_its_log_group(
    synthesized: Synthesized,
) -> None:
    # GIVEN LogArchive(log_group=EncryptedLogGroup(...)) with a filter pattern
    template = synthesized.template("Wrapped")
    # THEN the subscription reads the inner log group and keeps the pattern verbatim
    template.has_resource_properties(
        "AWS::Logs::SubscriptionFilter",
        {
            "FilterPattern": WRAPPED_PATTERN,
            "LogGroupName": {"Ref": Match.string_like_regexp("^AppLogs")},
        },
    )


def test_the_log_groups_archive_is_what_it_synthesized(synthesized: Synthesized) -> None:
    # GIVEN the EncryptedLogGroup created with archive options
    orders = MADE["orders"]
    stack = cdk.Stack.of(orders)
    # THEN its archive attribute is the LogArchive behind the delivery stream and filter
    assert isinstance(orders.archive, LogArchive)
    (stream_id,) = synthesized.resources("AWS::KinesisFirehose::DeliveryStream", "Archived")
    assert stack.resolve(orders.archive.delivery_stream.logical_id) == stream_id
    assert orders.archive.monitor_alarms == []  # no monitor_topic, no monitors


def test_subscription_waits_for_its_role_permission(synthesized: Synthesized) -> None:
    # CloudWatch Logs test-delivers when it creates the filter: the policy must exist first.
    (subscription,) = synthesized.resources("AWS::Logs::SubscriptionFilter", "Archived").values()
    assert any(
        d.startswith("OrdersArchiveSubscriptionCloudWatchLogsPutRecordsPolicy")
        for d in subscription["DependsOn"]
    )


def _archive_rule(synthesized: Synthesized, stack: str) -> dict[str, Any]:
    (bucket,) = [
        b
        for logical_id, b in synthesized.resources("AWS::S3::Bucket", stack).items()
        if "Archive" in logical_id and "AccessLogs" not in logical_id
    ]
    rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    (rule,) = [r for r in rules if r["Id"] == "ArchiveTiers"]
    return dict(rule)


def test_archive_tiers_without_expiration(synthesized: Synthesized) -> None:
    rule = _archive_rule(synthesized, "Archived")
    assert "ExpirationInDays" not in rule
    assert rule["Transitions"] == [
        {"StorageClass": "GLACIER_IR", "TransitionInDays": 90},
        {"StorageClass": "DEEP_ARCHIVE", "TransitionInDays": 365},
    ]


def test_expiring_archive_keeps_only_tiers_it_stays_in_long_enough(
    synthesized: Synthesized,
) -> None:
    # Expiry after 200 days: Glacier IR (90 + 90 days minimum) fits, Deep Archive does not.
    rule = _archive_rule(synthesized, "Archive")
    assert rule["ExpirationInDays"] == 200
    assert rule["Transitions"] == [{"StorageClass": "GLACIER_IR", "TransitionInDays": 90}]


def test_standalone_archive_lets_cloudwatch_logs_use_its_key(synthesized: Synthesized) -> None:
    (key,) = synthesized.resources("AWS::KMS::Key", "Archive").values()
    (statement,) = logs_statements(key)
    assert statement["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}


def test_archive_failures_reach_the_monitor_topic(synthesized: Synthesized) -> None:
    alarms = synthesized.resources("AWS::CloudWatch::Alarm", "Archive")
    monitors = {k: a["Properties"] for k, a in alarms.items() if k.startswith("Archive")}
    assert len(monitors) == 2
    for props in monitors.values():
        ((action,),) = [props["AlarmActions"]]
        assert action["Ref"].startswith("Monitor")
        assert props["Threshold"] == 1
        assert props["TreatMissingData"] == "notBreaching"
    (filter_errors,) = [p for p in monitors.values() if p.get("MetricName") == "DeliveryErrors"]
    assert filter_errors["Namespace"] == "AWS/Logs"
    assert {d["Name"]: d["Value"] for d in filter_errors["Dimensions"]} == {
        "LogGroupName": "/legacy/app",
        "DestinationType": "Firehose",
        "FilterName": "constructs-obs-archive",
    }
    (s3_delivery,) = [p for p in monitors.values() if "Metrics" in p]
    expression, success = s3_delivery["Metrics"]
    assert expression["Expression"] == "IF(success < 1, 1, 0)"
    assert success["MetricStat"]["Metric"]["MetricName"] == "DeliveryToS3.Success"
    (subscription,) = synthesized.resources("AWS::Logs::SubscriptionFilter", "Archive").values()
    assert subscription["Properties"]["FilterName"] == "constructs-obs-archive"


def test_archive_bucket_is_hardened(synthesized: Synthesized) -> None:
    buckets = synthesized.resources("AWS::S3::Bucket", "Archived")
    assert len(buckets) == 2  # the archive and its access-log bucket
    for bucket in buckets.values():
        props = bucket["Properties"]
        assert bucket["DeletionPolicy"] == "Retain"
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    (archive,) = [b for k, b in buckets.items() if "AccessLogs" not in k]
    encryption = archive["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert "LoggingConfiguration" in archive["Properties"]
    policies = json.dumps(synthesized.resources("AWS::S3::BucketPolicy", "Archived"))
    assert '"aws:SecureTransport": "false"' in policies


def test_no_finding_left_unacknowledged(synthesized: Synthesized) -> None:
    # synth() raises on any unacknowledged cdk-nag, cfn-lint or checkov finding; every
    # acknowledgement it saw carries a reason.
    assert synthesized.acknowledged
    assert all(len(finding.message) >= 20 for finding in synthesized.acknowledged)


# -- bad options: a Python error naming the parameter, at construct time ----------------------


def _group(stack: cdk.Stack, **kwargs: Any) -> EncryptedLogGroup:
    return EncryptedLogGroup(stack, "Logs", **kwargs)


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


def _untyped(**given: Any) -> LogArchiveOptions:
    """Options with values of the wrong type, as a caller without a type checker passes them."""
    return LogArchiveOptions(**given)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            LogArchiveOptions(filter_pattern="{ $.level = "),
            "invalid filter_pattern: CloudWatch Logs would reject it: invalid filter pattern at "
            "column 13",
        ),
        (
            LogArchiveOptions(prefix="errors/"),
            "invalid prefix: 'errors/' is under 'errors/', where Firehose writes the records it "
            "could not deliver",
        ),
        (LogArchiveOptions(prefix="errors/app/"), "invalid prefix: 'errors/app/' is under"),
        (
            LogArchiveOptions(buffering_interval=cdk.Duration.millis(1500)),
            "invalid buffering_interval: must be a whole number of seconds, got 1 second 500 "
            "millis",
        ),
        (
            LogArchiveOptions(buffering_size=cdk.Size.kibibytes(500)),
            "invalid buffering_size: must be a whole number of MiB (Firehose buffers 1 to 128 "
            "MiB), got 0.488281 MiB",
        ),
        (
            LogArchiveOptions(buffering_size=cdk.Size.kibibytes(0)),
            "invalid buffering_size: must be >= 1 and <= 128, got 0",
        ),
        (_untyped(buffering_interval=300), "invalid buffering_interval: expected a Duration"),
        (_untyped(buffering_size=5), "invalid buffering_size: expected a Size, got 5"),
        (_untyped(filter_pattern=None), "invalid filter_pattern: expected a filter pattern"),
        (
            _untyped(monitor_topic="arn:aws:sns:eu-west-1:123456789012:ops"),
            "invalid monitor_topic: expected an AlarmTopic or an sns.ITopic, got str",
        ),
        (_untyped(bucket="my-archive"), "invalid bucket: expected an s3.IBucket"),
    ],
)
def test_archive_options_aws_would_refuse_later(
    stack: cdk.Stack, options: LogArchiveOptions, message: str
) -> None:
    with pytest.raises(InvalidParameterError) as info:
        _group(stack, archive=options)
    assert str(info.value).startswith(f"LogArchive 'Archive': {message}")


@pytest.mark.parametrize("log_group", ["/app/orders", None, 42])
def test_a_log_group_that_is_not_one(stack: cdk.Stack, log_group: Any) -> None:
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    with pytest.raises(InvalidParameterError) as info:
        LogArchive(
            stack, "Archive", log_group=log_group, encryption_key=key, options=LogArchiveOptions()
        )
    assert str(info.value).startswith(
        "LogArchive 'Archive': invalid log_group: expected a logs.ILogGroup or an "
        f"EncryptedLogGroup, got {type(log_group).__name__}"
    )


def test_the_archive_of_an_encrypted_log_group_is_that_log_group(stack: cdk.Stack) -> None:
    group = EncryptedLogGroup(stack, "Logs")
    archive = LogArchive(
        stack,
        "Archive",
        log_group=group,
        encryption_key=group.encryption_key,
        options=LogArchiveOptions(),
    )
    assert archive.subscription_filter.node.scope is archive
    resolved = stack.resolve(
        archive.subscription_filter.node.default_child.log_group_name  # type: ignore[union-attr]
    )
    assert resolved == stack.resolve(group.log_group.log_group_name)


def test_options_of_the_wrong_type(stack: cdk.Stack) -> None:
    with pytest.raises(
        InvalidParameterError, match="invalid options: expected a LogArchiveOptions"
    ):
        LogArchive(
            stack,
            "Archive",
            log_group=logs.LogGroup(stack, "Logs"),
            encryption_key=kms.Key(stack, "Key"),
            options={"prefix": "logs/"},  # type: ignore[arg-type]
        )
