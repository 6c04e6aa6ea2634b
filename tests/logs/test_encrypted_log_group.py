"""EncryptedLogGroup: key policy, retention, removal, PII, pattern alarms, and bad input."""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
from collections.abc import Callable
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
    EncryptedLogGroup,
    InvalidParameterError,
    LogArchiveOptions,
    PiiProtection,
)
from constructs_obs.logs.encrypted_log_group import PatternAlarmOptions
from tests.logs.helpers import LOGS_ARN_FOR_ACCOUNT, logs_statements, resource
from tests.support.harness import Synthesized, new_stack, synth

IMPORTED_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


MADE: dict[str, Any] = {}  # what _build's calls returned, for the tests of the Python API


def _build(app: cdk.App) -> None:
    stack = new_stack(app, "LogGroups")
    topic_key = kms.Key(stack, "TopicKey", enable_key_rotation=True)
    topic = sns.Topic(stack, "Alerts", master_key=topic_key, enforce_ssl=True)

    EncryptedLogGroup(stack, "Defaults")
    orders = EncryptedLogGroup(
        stack,
        "Orders",
        log_group_name="/app/orders",
        retention=90,
        data_protection=PiiProtection(
            identifiers=[logs.DataIdentifier.EMAILADDRESS, logs.DataIdentifier.AWSSECRETKEY]
        ),
    )
    MADE["orders"] = orders
    _add_pattern_alarms(orders, cw_actions.SnsAction(topic))
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

    agnostic = cdk.Stack(app, "EnvAgnostic")
    EncryptedLogGroup(agnostic, "Logs", retention=7, removal_policy=cdk.RemovalPolicy.DESTROY)


def _add_pattern_alarms(orders: EncryptedLogGroup, action: cloudwatch.IAlarmAction) -> None:
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


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("log_group", _build)


def test_created_key_lets_only_this_account_and_regions_log_groups_use_it(
    synthesized: Synthesized,
) -> None:
    key = resource(synthesized, "LogGroups", "AWS::KMS::Key", "DefaultsKey")
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    (statement,) = logs_statements(key)
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
    group = resource(synthesized, "LogGroups", "AWS::Logs::LogGroup", "Defaults")
    assert group["Properties"]["RetentionInDays"] == 365
    assert group["Properties"]["KmsKeyId"]["Fn::GetAtt"][0].startswith("DefaultsKey")
    assert group["DeletionPolicy"] == "Retain"
    assert group["UpdateReplacePolicy"] == "Retain"


def test_a_users_key_in_the_app_gets_the_logs_statement_too(synthesized: Synthesized) -> None:
    key = resource(synthesized, "LogGroups", "AWS::KMS::Key", "SharedKey")
    assert len(logs_statements(key)) == 1
    group = resource(synthesized, "LogGroups", "AWS::Logs::LogGroup", "UsesSharedKey")
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
    group = resource(synthesized, "LogGroups", "AWS::Logs::LogGroup", "Imported")
    assert group["Properties"]["KmsKeyId"] == IMPORTED_KEY_ARN
    assert "RetentionInDays" not in group["Properties"]  # INFINITE: never expire


def test_env_agnostic_stack_scopes_the_key_by_pseudo_parameters(
    synthesized: Synthesized,
) -> None:
    key = resource(synthesized, "EnvAgnostic", "AWS::KMS::Key", "LogsKey")
    (statement,) = logs_statements(key)
    principal = json.dumps(statement["Principal"])
    assert '"Ref": "AWS::Region"' in principal
    condition = json.dumps(statement["Condition"])
    assert '"Ref": "AWS::AccountId"' in condition
    assert '"Ref": "AWS::Region"' in condition
    group = resource(synthesized, "EnvAgnostic", "AWS::Logs::LogGroup", "Logs")
    assert group["Properties"]["RetentionInDays"] == 7
    assert group["DeletionPolicy"] == "Delete"


def test_retention_in_days_and_name(synthesized: Synthesized) -> None:
    synthesized.template("LogGroups").has_resource_properties(
        "AWS::Logs::LogGroup", {"LogGroupName": "/app/orders", "RetentionInDays": 90}
    )


def test_pii_is_audited_and_masked(synthesized: Synthesized) -> None:
    group = resource(synthesized, "LogGroups", "AWS::Logs::LogGroup", "Orders")
    policy = json.dumps(group["Properties"]["DataProtectionPolicy"])
    assert "data-identifier/EmailAddress" in policy
    assert "data-identifier/AwsSecretKey" in policy
    operations = [s["Operation"] for s in group["Properties"]["DataProtectionPolicy"]["Statement"]]
    assert any("Audit" in op for op in operations)
    assert any("Deidentify" in op for op in operations)


def test_infrequent_access_class_and_key_props(synthesized: Synthesized) -> None:
    group = resource(synthesized, "LogGroups", "AWS::Logs::LogGroup", "Cheap")
    assert group["Properties"]["LogGroupClass"] == "INFREQUENT_ACCESS"
    key = resource(synthesized, "LogGroups", "AWS::KMS::Key", "CheapKey")
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
    group = resource(synthesized, "LogGroups", "AWS::Logs::LogGroup", "Orders")
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_no_archive_unless_asked_for(synthesized: Synthesized) -> None:
    assert MADE["orders"].archive is None
    assert not synthesized.resources("AWS::KinesisFirehose::DeliveryStream", "LogGroups")


def test_grant_write_allows_streams_and_events_only(synthesized: Synthesized) -> None:
    policies = synthesized.resources("AWS::IAM::Policy", "LogGroups")
    (policy,) = [p for logical_id, p in policies.items() if logical_id.startswith("Writer")]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]


def test_no_finding_left_unacknowledged(synthesized: Synthesized) -> None:
    # synth() raises on any unacknowledged cdk-nag, cfn-lint or checkov finding; every
    # acknowledgement it saw carries a reason.
    assert synthesized.acknowledged
    assert all(len(finding.message) >= 20 for finding in synthesized.acknowledged)


# -- bad input: a Python error naming the parameter, at construct time -------------------------


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
    cdk.assertions.Template.from_stack(stack).has_resource_properties(
        "AWS::Logs::LogGroup", {"RetentionInDays": days}
    )


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


PatternCall = Callable[[EncryptedLogGroup], object]

# The alarm's own checks; the metric filter's are in test_pattern_metric.py (two of them here
# show that add_pattern_alarm makes them, under its own name).
BAD_PATTERN_ALARMS: dict[str, tuple[PatternCall, str]] = {
    "empty pattern": (
        lambda g: g.add_pattern_alarm("A", pattern="", metric_name="M"),
        "pattern: must be a non-empty",
    ),
    "percentile across dimensions": (
        lambda g: g.add_pattern_alarm(
            "A", pattern="{ $.a = 1 }", metric_name="M", statistic="p99", dimensions={"A": "$.a"}
        ),
        "statistic: 'p99' cannot aggregate across dimensions",
    ),
    # Found by the property tests: a TypeError from tuple(None), not naming the parameter.
    "actions None": (
        lambda g: g.add_pattern_alarm("A", pattern="E", metric_name="M", actions=None),  # type: ignore[arg-type]
        "actions: expected a list",
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
    "pattern CloudWatch cannot parse": (
        lambda g: g.add_pattern_alarm("A", pattern="{ $.level = ", metric_name="M"),
        "pattern: CloudWatch Logs would reject it: invalid filter pattern at column 13",
    ),
    "metric value that is no selector": (
        lambda g: g.add_pattern_alarm(
            "A", pattern="{ $.latency > 0 }", metric_name="M", metric_value="$.latency; drop"
        ),
        "metric_value: '$.latency; drop' is neither a number (such as '1') nor a field",
    ),
    "median": (
        lambda g: g.add_pattern_alarm("A", pattern="E", metric_name="M", statistic="Median"),
        "statistic: 'Median' is not a statistic CloudWatch computes; for the median use 'p50'",
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
}


@pytest.mark.parametrize("case", sorted(BAD_PATTERN_ALARMS))
def test_bad_pattern_alarm(stack: cdk.Stack, case: str) -> None:
    call, message = BAD_PATTERN_ALARMS[case]
    group = _group(stack)
    with pytest.raises(InvalidParameterError) as info:
        call(group)
    assert message in str(info.value)
    assert str(info.value).startswith("EncryptedLogGroup.add_pattern_alarm 'A': invalid ")


def test_pattern_alarm_options_defaults_are_the_methods() -> None:
    # add_pattern_alarm keeps its keyword arguments and passes them on as PatternAlarmOptions,
    # which documents them: both must agree on every default.
    parameters = inspect.signature(EncryptedLogGroup.add_pattern_alarm).parameters
    fields = {field.name: field for field in dataclasses.fields(PatternAlarmOptions)}
    assert list(fields) == [name for name in parameters if name not in ("self", "id")]
    for name, field in fields.items():
        expected = (
            inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default
        )
        assert parameters[name].default == expected, name


def test_errors_are_plain_python_value_errors(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError, match="EncryptedLogGroup 'Logs': invalid retention"):
        _group(stack, retention=2)


# -- names, keys and types that AWS would refuse later -----------------------------------------


def test_a_destroyed_key_under_a_retained_log_group_is_refused(stack: cdk.Stack) -> None:
    key = kms.Key(stack, "Key", removal_policy=cdk.RemovalPolicy.DESTROY)
    with pytest.raises(InvalidParameterError) as info:
        _group(stack, encryption_key=key)
    assert str(info.value).startswith(
        f"EncryptedLogGroup 'Logs': invalid encryption_key: the key {key.node.path} is deleted "
        "with its stack (RemovalPolicy.DESTROY) but the log group is retained: its events "
        "could never be decrypted again"
    )
    # Both destroyed together is consistent.
    EncryptedLogGroup(
        stack, "Scratch", encryption_key=key, removal_policy=cdk.RemovalPolicy.DESTROY
    )


def test_key_props_that_destroy_the_key_under_a_retained_log_group(stack: cdk.Stack) -> None:
    props = kms.KeyProps(removal_policy=cdk.RemovalPolicy.DESTROY)
    with pytest.raises(InvalidParameterError, match="invalid encryption_key_props: the key"):
        _group(stack, encryption_key_props=props)


@pytest.mark.parametrize(
    ("props", "problem"),
    [
        (kms.KeyProps(key_spec=kms.KeySpec.RSA_2048), "key_spec=KeySpec.RSA_2048 cannot"),
        (
            kms.KeyProps(key_spec=kms.KeySpec.HMAC_256, key_usage=kms.KeyUsage.GENERATE_VERIFY_MAC),
            "key_spec=KeySpec.HMAC_256 cannot",
        ),
        (
            kms.KeyProps(key_usage=kms.KeyUsage.SIGN_VERIFY, key_spec=kms.KeySpec.ECC_NIST_P256),
            "cannot encrypt a log group: CloudWatch Logs uses only symmetric encryption keys",
        ),
    ],
)
def test_asymmetric_key_props_are_refused(
    stack: cdk.Stack, props: kms.KeyProps, problem: str
) -> None:
    with pytest.raises(InvalidParameterError) as info:
        _group(stack, encryption_key_props=props)
    assert info.value.parameter == "encryption_key_props"
    assert problem in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"encryption_key": IMPORTED_KEY_ARN}, "encryption_key: expected a kms.IKey"),
        ({"encryption_key_props": {"alias": "x"}}, "encryption_key_props: expected a kms.KeyProps"),
        ({"removal_policy": "retain"}, "removal_policy: 'retain' is not allowed"),
        # Found by the property tests: an AttributeError, and an error naming LogArchive's
        # own parameter (options) instead of archive.
        ({"data_protection": True}, "data_protection: expected a PiiProtection, got bool"),
        ({"archive": True}, "archive: expected a LogArchiveOptions, got bool"),
    ],
)
def test_values_of_the_wrong_type(stack: cdk.Stack, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        _group(stack, **kwargs)
