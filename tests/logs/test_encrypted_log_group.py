"""EncryptedLogGroup: key policy, retention, removal, PII, archive, pattern alarms."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match

from constructs_obs import (
    AlarmTopic,
    EncryptedLogGroup,
    LogArchive,
    LogArchiveOptions,
    PiiProtection,
)
from tests.support.harness import Synthesized, new_stack, synth

IMPORTED_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


MADE: dict[str, Any] = {}  # what _build's calls returned, for the tests of the Python API


def _build(app: cdk.App) -> None:
    stack = new_stack(app, "LogGroups")
    topic_key = kms.Key(stack, "TopicKey", enable_key_rotation=True)
    topic = sns.Topic(stack, "Alerts", master_key=topic_key, enforce_ssl=True)
    action = cw_actions.SnsAction(topic)

    EncryptedLogGroup(stack, "Defaults")
    orders = EncryptedLogGroup(
        stack,
        "Orders",
        log_group_name="/app/orders",
        retention=90,
        data_protection=PiiProtection(
            identifiers=[logs.DataIdentifier.EMAILADDRESS, logs.DataIdentifier.AWSSECRETKEY]
        ),
        archive=LogArchiveOptions(prefix="orders/"),
    )
    orders.add_pattern_alarm(
        "Errors",
        pattern='{ $.level = "ERROR" }',
        metric_name="OrderErrors",
        threshold=5,
        period=cdk.Duration.minutes(1),
        evaluation_periods=5,
        datapoints_to_alarm=3,
        treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        unit=cloudwatch.Unit.COUNT,
        actions=[action],
    )
    orders.add_pattern_alarm(
        "SlowByService",
        pattern="{ $.latency > 1000 }",
        metric_name="SlowRequests",
        metric_value="$.latency",
        dimensions={"Service": "$.service", "Operation": "$.operation"},
        statistic="Maximum",
        threshold=3000,
        actions=[action],
    )
    MADE["orders"] = orders
    MADE["text"] = orders.add_pattern_alarm(
        "Text", pattern='?ERROR ?"Task timed out"', metric_name="Timeouts", actions=[action]
    )
    orders.add_pattern_alarm(
        "FailedByPlace",
        pattern='{ $.status = "failed" }',
        metric_name="FailedOrders",
        dimensions={"Region": "$.region", "Store": "$.store", "Channel": "$.channel"},
        actions=[action],
    )
    role = iam.Role(stack, "Writer", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    orders.grant_write(role)
    cdk.Validations.of(role).acknowledge(
        cdk.Acknowledgment(
            id="NIST.800.53.R5-IAMNoInlinePolicy",
            reason="Test fixture: grant_write adds CDK's default inline policy to the user's role.",
        )
    )

    shared_key = kms.Key(stack, "SharedKey", enable_key_rotation=True)
    EncryptedLogGroup(stack, "UsesSharedKey", encryption_key=shared_key)
    EncryptedLogGroup(
        stack,
        "Imported",
        encryption_key=kms.Key.from_key_arn(stack, "ImportedKey", IMPORTED_KEY_ARN),
        retention=logs.RetentionDays.INFINITE,
    )
    EncryptedLogGroup(
        stack,
        "Cheap",
        log_group_class=logs.LogGroupClass.INFREQUENT_ACCESS,
        encryption_key_props=kms.KeyProps(alias="alias/cheap-logs", description="cheap logs"),
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

    agnostic = cdk.Stack(app, "EnvAgnostic")
    EncryptedLogGroup(agnostic, "Logs", retention=7, removal_policy=cdk.RemovalPolicy.DESTROY)


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("log_group", _build)


def _resource(synthesized: Synthesized, stack: str, type_: str, path_part: str) -> dict[str, Any]:
    """The one resource of ``type_`` whose logical id is ``path_part`` plus CDK's 8-char hash."""
    found = {
        logical_id: resource
        for logical_id, resource in synthesized.resources(type_, stack).items()
        if logical_id[:-8] == path_part
    }
    assert len(found) == 1, f"{path_part}: {sorted(found)}"
    return next(iter(found.values()))


def _logs_statements(key: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        if "kms:EncryptionContext:aws:logs:arn" in json.dumps(statement.get("Condition", {}))
    ]


LOGS_ARN_FOR_ACCOUNT = "arn:aws:logs:eu-west-1:123456789012:log-group:*"


def test_created_key_lets_only_this_account_and_regions_log_groups_use_it(
    synthesized: Synthesized,
) -> None:
    key = _resource(synthesized, "LogGroups", "AWS::KMS::Key", "DefaultsKey")
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    (statement,) = _logs_statements(key)
    assert statement["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert statement["Resource"] == "*"
    assert statement["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": LOGS_ARN_FOR_ACCOUNT}
    }
    assert "kms:*" not in json.dumps(statement)
    assert set(statement["Action"]) >= {"kms:GenerateDataKey", "kms:Decrypt", "kms:Encrypt"}


def test_log_group_uses_the_key_and_is_retained_for_a_year_by_default(
    synthesized: Synthesized,
) -> None:
    group = _resource(synthesized, "LogGroups", "AWS::Logs::LogGroup", "Defaults")
    assert group["Properties"]["RetentionInDays"] == 365
    assert group["Properties"]["KmsKeyId"]["Fn::GetAtt"][0].startswith("DefaultsKey")
    assert group["DeletionPolicy"] == "Retain"
    assert group["UpdateReplacePolicy"] == "Retain"


def test_a_users_key_in_the_app_gets_the_logs_statement_too(synthesized: Synthesized) -> None:
    key = _resource(synthesized, "LogGroups", "AWS::KMS::Key", "SharedKey")
    assert len(_logs_statements(key)) == 1
    group = _resource(synthesized, "LogGroups", "AWS::Logs::LogGroup", "UsesSharedKey")
    assert group["Properties"]["KmsKeyId"]["Fn::GetAtt"][0].startswith("SharedKey")
    assert not [k for k in synthesized.resources("AWS::KMS::Key", "LogGroups") if "UsesShared" in k]


def test_imported_key_warns_with_the_statement_to_add(synthesized: Synthesized) -> None:
    (warning,) = [w for w in synthesized.warnings if w.where.endswith("/Imported")]
    assert warning.rule == "Annotation::constructs-obs:key-policy-not-editable"
    assert "logs.eu-west-1.amazonaws.com" in warning.message
    assert IMPORTED_KEY_ARN in warning.message
    statement = json.loads(warning.message.split("cannot use the key: ", 1)[1])
    assert statement["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert statement["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": LOGS_ARN_FOR_ACCOUNT}
    }
    group = _resource(synthesized, "LogGroups", "AWS::Logs::LogGroup", "Imported")
    assert group["Properties"]["KmsKeyId"] == IMPORTED_KEY_ARN
    assert "RetentionInDays" not in group["Properties"]  # INFINITE: never expire


def test_env_agnostic_stack_scopes_the_key_by_pseudo_parameters(
    synthesized: Synthesized,
) -> None:
    key = _resource(synthesized, "EnvAgnostic", "AWS::KMS::Key", "LogsKey")
    (statement,) = _logs_statements(key)
    principal = json.dumps(statement["Principal"])
    assert '"Ref": "AWS::Region"' in principal
    condition = json.dumps(statement["Condition"])
    assert '"Ref": "AWS::AccountId"' in condition
    assert '"Ref": "AWS::Region"' in condition
    group = _resource(synthesized, "EnvAgnostic", "AWS::Logs::LogGroup", "Logs")
    assert group["Properties"]["RetentionInDays"] == 7
    assert group["DeletionPolicy"] == "Delete"


def test_retention_in_days_and_name(synthesized: Synthesized) -> None:
    synthesized.template("LogGroups").has_resource_properties(
        "AWS::Logs::LogGroup", {"LogGroupName": "/app/orders", "RetentionInDays": 90}
    )


def test_pii_is_audited_and_masked(synthesized: Synthesized) -> None:
    group = _resource(synthesized, "LogGroups", "AWS::Logs::LogGroup", "Orders")
    policy = json.dumps(group["Properties"]["DataProtectionPolicy"])
    assert "data-identifier/EmailAddress" in policy
    assert "data-identifier/AwsSecretKey" in policy
    operations = [s["Operation"] for s in group["Properties"]["DataProtectionPolicy"]["Statement"]]
    assert any("Audit" in op for op in operations)
    assert any("Deidentify" in op for op in operations)


def test_infrequent_access_class_and_key_props(synthesized: Synthesized) -> None:
    group = _resource(synthesized, "LogGroups", "AWS::Logs::LogGroup", "Cheap")
    assert group["Properties"]["LogGroupClass"] == "INFREQUENT_ACCESS"
    key = _resource(synthesized, "LogGroups", "AWS::KMS::Key", "CheapKey")
    assert key["Properties"]["Description"] == "cheap logs"
    assert key["Properties"]["EnableKeyRotation"] is True  # default kept under the overrides
    synthesized.template("LogGroups").has_resource_properties(
        "AWS::KMS::Alias", {"AliasName": "alias/cheap-logs"}
    )


def test_metric_filter_keeps_the_pattern_verbatim(synthesized: Synthesized) -> None:
    template = synthesized.template("LogGroups")
    template.has_resource_properties(
        "AWS::Logs::MetricFilter",
        {
            "FilterPattern": '{ $.level = "ERROR" }',
            "MetricTransformations": [
                {
                    "MetricName": "OrderErrors",
                    "MetricNamespace": "ConstructsObs/LogPatterns",
                    "MetricValue": "1",
                    "DefaultValue": 0,
                    "Unit": "Count",
                }
            ],
        },
    )
    template.has_resource_properties(
        "AWS::Logs::MetricFilter", {"FilterPattern": '?ERROR ?"Task timed out"'}
    )


def test_alarm_on_the_filter_metric(synthesized: Synthesized) -> None:
    synthesized.template("LogGroups").has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "OrderErrors",
            "Namespace": "ConstructsObs/LogPatterns",
            "Statistic": "Sum",
            "Period": 60,
            "EvaluationPeriods": 5,
            "DatapointsToAlarm": 3,
            "Threshold": 5,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "breaching",
            "AlarmActions": [{"Ref": Match.string_like_regexp("^Alerts")}],
        },
    )


def test_dimensions_without_default_value_and_a_metrics_insights_alarm(
    synthesized: Synthesized,
) -> None:
    template = synthesized.template("LogGroups")
    template.has_resource_properties(
        "AWS::Logs::MetricFilter",
        {
            "MetricTransformations": [
                Match.object_equals(
                    {
                        "MetricName": "SlowRequests",
                        "MetricNamespace": "ConstructsObs/LogPatterns",
                        "MetricValue": "$.latency",
                        "Dimensions": [
                            {"Key": "Service", "Value": "$.service"},
                            {"Key": "Operation", "Value": "$.operation"},
                        ],
                    }
                )
            ]
        },
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Metrics": [
                Match.object_like(
                    {
                        "Expression": 'SELECT MAX("SlowRequests") FROM '
                        'SCHEMA("ConstructsObs/LogPatterns", "Service", "Operation")',
                        "Period": 300,
                    }
                )
            ],
            "Threshold": 3000,
        },
    )


def _by_property(
    synthesized: Synthesized, type_: str, key: str, value: Any
) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in synthesized.resources(type_, "LogGroups").items()
        if resource["Properties"].get(key) == value
    }


def test_three_dimensions_are_allowed(synthesized: Synthesized) -> None:
    ((transformation,),) = [
        f["Properties"]["MetricTransformations"]
        for f in synthesized.resources("AWS::Logs::MetricFilter", "LogGroups").values()
        if f["Properties"]["FilterPattern"] == '{ $.status = "failed" }'
    ]
    assert [d["Key"] for d in transformation["Dimensions"]] == ["Region", "Store", "Channel"]


def test_pattern_alarm_defaults(synthesized: Synthesized) -> None:
    (alarm,) = _by_property(
        synthesized, "AWS::CloudWatch::Alarm", "MetricName", "Timeouts"
    ).values()
    props = alarm["Properties"]
    assert props["Threshold"] == 1
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert props["Statistic"] == "Sum"
    assert props["Period"] == 300
    assert props["EvaluationPeriods"] == 1
    assert props["TreatMissingData"] == "notBreaching"
    assert "DatapointsToAlarm" not in props


def test_add_pattern_alarm_returns_what_it_made(synthesized: Synthesized) -> None:
    made = MADE["text"]
    stack = cdk.Stack.of(made.alarm)
    (filter_id,) = _by_property(
        synthesized, "AWS::Logs::MetricFilter", "FilterPattern", '?ERROR ?"Task timed out"'
    )
    (alarm_id,) = _by_property(synthesized, "AWS::CloudWatch::Alarm", "MetricName", "Timeouts")
    assert stack.resolve(made.metric_filter.node.default_child.logical_id) == filter_id
    assert stack.resolve(made.alarm.node.default_child.logical_id) == alarm_id
    assert made.metric.to_metric_config().metric_stat.metric_name == "Timeouts"


def test_encryption_key_is_the_one_the_group_uses(synthesized: Synthesized) -> None:
    orders = MADE["orders"]
    stack = cdk.Stack.of(orders)
    key_id = stack.resolve(orders.encryption_key.node.default_child.logical_id)
    group = _resource(synthesized, "LogGroups", "AWS::Logs::LogGroup", "Orders")
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_grant_write_allows_streams_and_events_only(synthesized: Synthesized) -> None:
    policies = synthesized.resources("AWS::IAM::Policy", "LogGroups")
    (policy,) = [p for logical_id, p in policies.items() if logical_id.startswith("Writer")]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]


def test_archive_subscribes_the_group_to_an_encrypted_firehose(synthesized: Synthesized) -> None:
    template = synthesized.template("LogGroups")
    stream = _resource(
        synthesized, "LogGroups", "AWS::KinesisFirehose::DeliveryStream", "OrdersArchive"
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
    role = _resource(
        synthesized,
        "LogGroups",
        "AWS::IAM::Role",
        "OrdersArchiveSubscriptionCloudWatchLogsCanPutRecords",
    )
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "logs.amazonaws.com"}
    assert trust["Condition"] == {
        "StringLike": {"aws:SourceArn": "arn:aws:logs:eu-west-1:123456789012:*"}
    }
    # Firehose's role trusts Firehose for this account's streams (its external id).
    delivery = _resource(synthesized, "LogGroups", "AWS::IAM::Role", "OrdersArchiveDeliveryRole")
    (trust,) = delivery["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "firehose.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": "123456789012"}}


def test_subscription_waits_for_its_role_permission(synthesized: Synthesized) -> None:
    # CloudWatch Logs test-delivers when it creates the filter: the policy must exist first.
    (subscription,) = synthesized.resources("AWS::Logs::SubscriptionFilter", "LogGroups").values()
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
    rule = _archive_rule(synthesized, "LogGroups")
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
    (statement,) = _logs_statements(key)
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
    buckets = synthesized.resources("AWS::S3::Bucket", "LogGroups")
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
    policies = json.dumps(synthesized.resources("AWS::S3::BucketPolicy", "LogGroups"))
    assert '"aws:SecureTransport": "false"' in policies


def test_no_finding_left_unacknowledged(synthesized: Synthesized) -> None:
    # synth() raises on any unacknowledged cdk-nag, cfn-lint or checkov finding; every
    # acknowledgement it saw carries a reason.
    assert synthesized.acknowledged
    assert all(len(finding.message) >= 20 for finding in synthesized.acknowledged)
