"""The library warns at synth time when a stack it adds to passes 80 % of CloudFormation's
500 resources, 200 outputs or 1 MiB template, and fails synthesis past the limit itself."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm

from constructs_obs import (
    AlarmTopic,
    AuditQueries,
    EncryptedLogGroup,
    InvalidParameterError,
    LogArchive,
    LogArchiveOptions,
    SamplingRule,
    TrailLogLocation,
)
from constructs_obs.private.stack_limits import RULE_NAME, StackLimitsPlugin
from constructs_obs.testing import Finding
from tests.support.harness import new_app, new_stack, synth_warnings

# The apps here are synthesized without cdk-nag, cfn-lint and checkov: they hold hundreds of
# copies of constructs whose modules pass those checks, and the tests are about the counts.


def _app(name: str, context: dict[str, Any] | None = None) -> cdk.App:
    return new_app(name, context, nag=False)


def _warnings(app: cdk.App) -> list[Finding]:
    """Synthesized (validations only); the stack-limit warnings."""
    return synth_warnings(app, RULE_NAME)


def test_a_stack_past_80_percent_of_the_resource_limit_warns() -> None:
    app = _app("limits_crowded")
    stack = new_stack(app, "Crowded")
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    topic = AlarmTopic(stack, "Topic", encryption_key=key, dead_letter_alarm=False)
    for index in range(135):  # log group, metric filter and alarm each
        logs = EncryptedLogGroup(stack, f"Logs{index}", encryption_key=key)
        logs.add_pattern_alarm(
            "Errors",
            pattern="ERROR",
            metric_name=f"Errors{index}",
            actions=[cw_actions.SnsAction(topic.topic)],
        )
    quiet = new_stack(app, "Quiet")
    for index in range(420):  # not a stack the library adds to: not its business
        ssm.StringParameter(quiet, f"Parameter{index}", string_value=str(index))
    (warning,) = _warnings(app)
    assert warning.where == "Crowded"
    assert "resources, 8" in warning.message
    assert "of CloudFormation's 500" in warning.message


def test_a_stack_past_the_resource_limit_fails_synthesis() -> None:
    # GIVEN a stack the library adds to (a log group, its key) with 500 more resources
    app = _app("limits_over")
    stack = new_stack(app, "Over")
    EncryptedLogGroup(stack, "Logs")
    for index in range(500):
        ssm.StringParameter(stack, f"Parameter{index}", string_value=str(index))
    # THEN synthesis fails with the library's message, before aws-cdk-lib's JavaScript error
    with pytest.raises(RuntimeError) as info:
        app.synth()
    message = str(info.value)
    assert "TooManyResourcesInStack" not in message
    assert (
        "[constructs-obs:stack-limits] Stack Over has 502 resources, more than CloudFormation's "
        "500: CloudFormation refuses the template. Split it"
    ) in message
    assert "Resources by type: AWS::SSM::Parameter (500), " in message


@pytest.mark.parametrize(
    ("template", "found"),
    [
        ({"Outputs": {f"O{i}": {} for i in range(201)}}, "201 outputs, 100% of"),
        ({"Resources": {f"R{i}": {} for i in range(501)}}, "501 resources, 100% of"),
    ],
)
def test_a_template_past_a_limit_is_an_error_of_the_plugin(
    tmp_path: Path, template: dict[str, Any], found: str
) -> None:
    # (Past 500 resources, aws-cdk-lib stops first unless its own limit is switched off.)
    path = tmp_path / "Big.template.json"
    path.write_text(json.dumps(template))
    (violation,) = StackLimitsPlugin(0.8)._check("Big", path)
    assert violation.severity == "error"
    assert found in violation.description
    assert "CloudFormation refuses the template" in violation.description


def test_a_stack_at_the_limit_only_warns() -> None:
    app = _app("limits_at")
    stack = new_stack(app, "At")
    EncryptedLogGroup(stack, "Logs")
    for index in range(498):  # with the log group and its key: exactly 500
        ssm.StringParameter(stack, f"Parameter{index}", string_value=str(index))
    (warning,) = _warnings(app)
    assert "500 resources, 100% of CloudFormation's 500: split it" in warning.message


def test_a_small_stack_does_not_warn() -> None:
    app = _app("limits_small")
    EncryptedLogGroup(new_stack(app, "Small"), "Logs")
    assert _warnings(app) == []


def test_the_share_is_configurable_and_covers_the_template_size() -> None:
    app = _app("limits_tiny", context={"constructs-obs:stack-limit-warning": 0.001})
    EncryptedLogGroup(new_stack(app, "Tiny"), "Logs")
    (warning,) = _warnings(app)
    assert "KiB template" in warning.message
    assert "of CloudFormation's 1 MiB" in warning.message


def test_cross_stack_references_count_against_the_output_limit() -> None:
    # A consumer in its own stack reading 170 log group names: 170 outputs on the producer.
    app = _app("limits_outputs")
    producer = new_stack(app, "Producer")
    key = kms.Key(producer, "Key", enable_key_rotation=True)
    groups = [EncryptedLogGroup(producer, f"Logs{i}", encryption_key=key) for i in range(170)]
    consumer = new_stack(app, "Consumer")
    for index, group in enumerate(groups):
        ssm.StringParameter(consumer, f"Name{index}", string_value=group.log_group.log_group_name)
    (warning,) = _warnings(app)
    assert warning.where == "Producer"
    assert "170 outputs, 85% of CloudFormation's 200" in warning.message


def _sampling_rule(stack: cdk.Stack) -> None:
    SamplingRule(
        stack, "Sampling", service_name="shop", fixed_rate=0.1, reservoir_size=1, priority=10
    )


def _alarm_topic(stack: cdk.Stack) -> None:
    AlarmTopic(stack, "Topic", dead_letter_alarm=False)


def _log_archive(stack: cdk.Stack) -> None:
    LogArchive(
        stack,
        "Archive",
        log_group=logs.LogGroup.from_log_group_name(stack, "Legacy", "/legacy/app"),
        encryption_key=kms.Key(stack, "Key", enable_key_rotation=True),
        options=LogArchiveOptions(prefix="legacy/"),
    )


def _audit_queries(stack: cdk.Stack) -> None:
    AuditQueries(
        stack,
        "Queries",
        trail=TrailLogLocation(
            bucket=s3.Bucket.from_bucket_name(stack, "TrailBucket", "legacy-trail-logs"),
            encryption_key=kms.Key(stack, "TrailKey", enable_key_rotation=True),
        ),
        regions=["eu-west-1"],
    )


@pytest.mark.parametrize(
    "build", [_sampling_rule, _alarm_topic, _log_archive, _audit_queries], ids=lambda b: b.__name__
)
def test_constructs_without_log_groups_or_alarms_watch_their_stack_too(
    build: Callable[[cdk.Stack], None],
) -> None:
    app = _app(f"limits{build.__name__}", context={"constructs-obs:stack-limit-warning": 0.001})
    build(new_stack(app, "Only"))
    (warning,) = _warnings(app)
    assert warning.where == "Only"


@pytest.mark.parametrize("value", ["abc", 0, 1.5, -0.2, True, "nan"])
def test_a_share_that_is_not_in_0_to_1_is_refused(value: object) -> None:
    app = cdk.App(context={"constructs-obs:stack-limit-warning": value})
    with pytest.raises(InvalidParameterError) as info:
        EncryptedLogGroup(cdk.Stack(app, "Stack"), "Logs")
    assert "constructs-obs:stack-limit-warning" in str(info.value)
    assert "(0, 1]" in str(info.value)


def test_a_share_given_on_the_command_line_is_text() -> None:
    app = _app("limits_text", context={"constructs-obs:stack-limit-warning": "0.001"})
    EncryptedLogGroup(new_stack(app, "Text"), "Logs")
    (warning,) = _warnings(app)
    assert warning.where == "Text"
