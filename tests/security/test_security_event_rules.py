"""SecurityEventRules: one rule per detection, readable messages, every target resilient."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Annotations, Match

from constructs_obs import (
    ALL_SECURITY_DETECTIONS,
    AlarmTopic,
    InvalidParameterError,
    SecurityDetection,
    SecurityEventRules,
)
from constructs_obs.security.security_detections import SECURITY_DETECTIONS
from tests.support.harness import Synthesized, new_stack, synth
from tests.support.resources import compliant_function

SIEM_BUS = "arn:aws:events:eu-west-1:210987654321:event-bus/siem"


def _build(app: cdk.App) -> None:
    stack = new_stack(app, "SecurityRules")
    topic = AlarmTopic(stack, "Security", email_addresses=["security@example.com"])
    responder = compliant_function(stack, "Responder")
    siem = events.EventBus.from_event_bus_arn(stack, "Siem", SIEM_BUS)
    # Two plain SNS topics of the user's, encrypted with one key of theirs.
    user_key = kms.Key(stack, "UserTopicKey", enable_key_rotation=True)
    plain = [
        sns.Topic(stack, f"Plain{index}", master_key=user_key, enforce_ssl=True) for index in (1, 2)
    ]
    SecurityEventRules(stack, "Rules", targets=[topic, responder, siem, *plain])
    # Rules on a custom bus (events forwarded from member accounts).
    central = new_stack(app, "CentralBus")
    SecurityEventRules(
        central,
        "Rules",
        targets=[AlarmTopic(central, "Security")],
        event_bus=events.EventBus(central, "Bus", event_bus_name="security"),
        detections=[SecurityDetection.ROOT_ACCOUNT_USAGE],
    )


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("security_rules", _build)


def _rules(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["Description"]: r["Properties"]
        for r in synthesized.resources("AWS::Events::Rule", "SecurityRules").values()
    }


def test_one_rule_per_detection(synthesized: Synthesized) -> None:
    assert len(_rules(synthesized)) == len(ALL_SECURITY_DETECTIONS) == 15


def _rule_for(synthesized: Synthesized, fragment: str) -> dict[str, Any]:
    (rule,) = [r for d, r in _rules(synthesized).items() if fragment in d]
    return rule


def test_root_usage_pattern(synthesized: Synthesized) -> None:
    pattern = _rule_for(synthesized, "root user")["EventPattern"]
    assert pattern["detail-type"] == [
        "AWS API Call via CloudTrail",
        "AWS Console Sign In via CloudTrail",
    ]
    assert pattern["detail"]["userIdentity"] == {
        "type": ["Root"],
        "invokedBy": [{"exists": False}],
    }
    assert pattern["detail"]["eventType"] == [{"anything-but": "AwsServiceEvent"}]


def test_root_usage_sees_read_only_calls_on_the_default_bus(synthesized: Synthesized) -> None:
    states = {d: r["State"] for d, r in _rules(synthesized).items()}
    root = next(d for d in states if "root user" in d)
    assert states.pop(root) == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    assert set(states.values()) == {"ENABLED"}
    # That state exists only on the default bus: elsewhere the rule is simply enabled.
    (central,) = synthesized.resources("AWS::Events::Rule", "CentralBus").values()
    assert central["Properties"]["State"] == "ENABLED"
    assert "EventBusName" in central["Properties"]


def test_trail_tampering_pattern(synthesized: Synthesized) -> None:
    pattern = _rule_for(synthesized, "CloudTrail logging")["EventPattern"]
    assert pattern["source"] == ["aws.cloudtrail"]
    assert {"StopLogging", "DeleteTrail", "UpdateTrail"} <= set(pattern["detail"]["eventName"])


def test_security_services_disabled_uses_or(synthesized: Synthesized) -> None:
    pattern = _rule_for(synthesized, "GuardDuty")["EventPattern"]
    assert pattern["source"] == ["aws.guardduty", "aws.securityhub"]
    assert len(pattern["detail"]["$or"]) == 3


def _targets(rule: dict[str, Any]) -> dict[str, dict[str, Any]]:
    kinds: dict[str, dict[str, Any]] = {}
    for target in rule["Targets"]:
        arn = json.dumps(target["Arn"])
        kind = "bus" if SIEM_BUS in arn else "topic" if "Security" in arn else "lambda"
        kinds[kind] = target
    return kinds


def test_topic_target_gets_a_readable_message_retries_and_the_dlq(
    synthesized: Synthesized,
) -> None:
    topic = _targets(_rule_for(synthesized, "KMS key"))["topic"]
    template = topic["InputTransformer"]["InputTemplate"]
    for placeholder in (
        "<detail-userIdentity-arn>",
        "<detail-eventName>",
        "<detail-eventSource>",
        "<account>",
        "<region>",
        "<detail-sourceIPAddress>",
        "<detail-eventTime>",
    ):
        assert placeholder in template
    assert template.startswith('"[SECURITY] A KMS key was disabled or scheduled for deletion.')
    assert topic["RetryPolicy"] == {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400}
    assert topic["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0].startswith("RulesDeadLetters")


def test_plain_encrypted_topics_let_eventbridge_publish(synthesized: Synthesized) -> None:
    template = synthesized.raw("SecurityRules")["Resources"]
    (key,) = [r for k, r in template.items() if k.startswith("UserTopicKey")]
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    events_statements = [
        s for s in statements if s.get("Sid") == "AllowEventBridgeToPublishEncrypted"
    ]
    assert len(events_statements) == 1  # once, though two topics use the key
    assert events_statements[0]["Principal"] == {"Service": "events.amazonaws.com"}
    policies = [
        r["Properties"]
        for r in template.values()
        if r["Type"] == "AWS::SNS::TopicPolicy"
        and any(t["Ref"].startswith("Plain") for t in r["Properties"]["Topics"])
    ]
    assert len(policies) == 2
    for policy in policies:
        (publish,) = [
            s
            for s in policy["PolicyDocument"]["Statement"]
            if s.get("Principal") == {"Service": "events.amazonaws.com"}
        ]
        assert publish["Condition"]["ArnLike"] == {
            "aws:SourceArn": "arn:aws:events:eu-west-1:123456789012:rule/*"
        }


def test_lambda_target_gets_a_structured_event(synthesized: Synthesized) -> None:
    function = _targets(_rule_for(synthesized, "KMS key"))["lambda"]
    paths = function["InputTransformer"]["InputPathsMap"]
    assert paths["detail"] == "$.detail"
    assert '"detection":"kms-key-disable-or-deletion"' in function["InputTransformer"][
        "InputTemplate"
    ].replace(" ", "")
    assert function["RetryPolicy"]["MaximumRetryAttempts"] == 185
    assert "DeadLetterConfig" in function
    permissions = [
        p["Properties"]
        for p in synthesized.resources("AWS::Lambda::Permission", "SecurityRules").values()
        if p["Properties"]["Principal"] == "events.amazonaws.com"
    ]
    assert len(permissions) == 15  # one per rule, each scoped to its rule ARN
    assert all("SourceArn" in p for p in permissions)


def test_central_bus_target_uses_a_role_that_may_only_put_events(
    synthesized: Synthesized,
) -> None:
    bus = _targets(_rule_for(synthesized, "KMS key"))["bus"]
    assert "InputTransformer" not in bus
    assert "DeadLetterConfig" in bus
    assert bus["RoleArn"]["Fn::GetAtt"][0].startswith("RulesForwardRole")
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for k, p in synthesized.resources("AWS::IAM::ManagedPolicy", "SecurityRules").items()
        if k.startswith("RulesForwardPolicy")
    ]
    assert policy == [{"Action": "events:PutEvents", "Effect": "Allow", "Resource": SIEM_BUS}]


def test_dead_letter_queue_is_encrypted_and_monitored(synthesized: Synthesized) -> None:
    (queue,) = [
        q["Properties"]
        for k, q in synthesized.resources("AWS::SQS::Queue", "SecurityRules").items()
        if k.startswith("RulesDeadLetters")
    ]
    key_id = queue["KmsMasterKeyId"]["Fn::GetAtt"][0]
    assert key_id.startswith("RulesKey")
    # EventBridge may use the key only for SQS queues of this account and region (the
    # encryption context SQS always sets; EventBridge documents no source condition here).
    key_policy = synthesized.raw("SecurityRules")["Resources"][key_id]["Properties"]["KeyPolicy"]
    (events,) = [s for s in key_policy["Statement"] if s.get("Sid") == "AllowEventsDeadLetters"]
    assert events["Principal"] == {"Service": "events.amazonaws.com"}
    assert events["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:sqs:arn": "arn:aws:sqs:eu-west-1:123456789012:*"}
    }
    alarms = {
        k: a["Properties"]
        for k, a in synthesized.resources("AWS::CloudWatch::Alarm", "SecurityRules").items()
        if k.startswith("Rules")
    }
    assert len(alarms) == 2
    lost = next(a for k, a in alarms.items() if k.startswith("RulesLostEvents"))
    assert "InvocationsFailedToBeSentToDlq" in lost["Metrics"][0]["Expression"]
    for alarm in alarms.values():
        assert alarm["AlarmActions"][0]["Ref"].startswith("Security")


def test_global_service_detections_warn_outside_us_east_1(synthesized: Synthesized) -> None:
    (warning,) = [w for w in synthesized.warnings if w.where.endswith("/Rules")]
    assert "iam-policy-changes" in warning.message
    assert "us-east-1" in warning.message


def test_no_region_warning_in_us_east_1() -> None:
    stack = cdk.Stack(
        cdk.App(), "East", env=cdk.Environment(account="123456789012", region="us-east-1")
    )
    SecurityEventRules(stack, "Rules", targets=[AlarmTopic(stack, "T")])
    Annotations.from_stack(stack).has_no_warning("/East/Rules", Match.any_value())


def test_subset_of_detections() -> None:
    stack = cdk.Stack(cdk.App(), "Subset")
    rules = SecurityEventRules(
        stack,
        "Rules",
        targets=[AlarmTopic(stack, "T")],
        detections=[SecurityDetection.ROOT_ACCOUNT_USAGE, SecurityDetection.CLOUDTRAIL_TAMPERING],
    )
    assert set(rules.rules) == {
        SecurityDetection.ROOT_ACCOUNT_USAGE,
        SecurityDetection.CLOUDTRAIL_TAMPERING,
    }


def test_bad_input() -> None:
    stack = cdk.Stack(cdk.App(), "Bad")
    topic = AlarmTopic(stack, "T")
    function = lambda_.Function.from_function_arn(
        stack, "F", "arn:aws:lambda:eu-west-1:123456789012:function:f"
    )
    cases: list[tuple[dict[str, Any], str]] = [
        ({"targets": []}, "targets: name at least one"),
        ({"targets": "StackName"}, "targets: expected a list of topics, .* got 'StackName'"),
        ({"targets": topic}, "targets: expected a list of topics"),
        (
            {"targets": ["StackName"]},
            "targets: 'StackName' is not a target; .* import one by ARN",
        ),
        (
            {"targets": [topic], "monitor_topic": "arn:aws:sns:eu-west-1:123456789012:ops"},
            "monitor_topic: expected an AlarmTopic or an sns.ITopic, got 'arn:aws:sns",
        ),
        ({"targets": [function], "monitor_topic": None}, "monitor_topic: the targets include"),
        ({"targets": [topic], "event_bus": "default"}, "event_bus: expected an events.IEventBus"),
        ({"targets": [topic], "detections": "nacl-changes"}, "detections: expected a collection"),
        ({"targets": ["security@example.com"]}, "targets: 'security@example.com' is not a target"),
        ({"targets": [function]}, "monitor_topic: the targets include no topic"),
        ({"targets": [topic], "detections": []}, "detections: name at least one SecurityDetection"),
        ({"targets": [topic], "retry_attempts": 500}, "retry_attempts: must be >= 0 and <= 185"),
        ({"targets": [topic], "max_event_age": 60}, "max_event_age: expected a Duration"),
        (
            {"targets": [topic], "max_event_age": cdk.Duration.seconds(30)},
            "max_event_age: must be >= 60 and <= 86400",
        ),
    ]
    for index, (kwargs, message) in enumerate(cases):
        with pytest.raises(InvalidParameterError, match=message):
            SecurityEventRules(stack, f"Rules{index}", **kwargs)


def test_every_event_pattern_is_compiled_at_construct_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a catalogue entry EventBridge would refuse (a match value that is not a list)
    spec = SECURITY_DETECTIONS[SecurityDetection.NACL_CHANGES]
    broken = dataclasses.replace(spec, pattern={**spec.pattern, "source": "aws.ec2"})
    monkeypatch.setitem(SECURITY_DETECTIONS, SecurityDetection.NACL_CHANGES, broken)
    stack = cdk.Stack(cdk.App(), "Broken")
    # WHEN / THEN the construct refuses it, naming the detection and the bad part
    with pytest.raises(
        InvalidParameterError,
        match=r"invalid detections: nacl-changes: invalid event pattern at source",
    ):
        SecurityEventRules(
            stack,
            "Rules",
            targets=[AlarmTopic(stack, "T")],
            detections=[SecurityDetection.NACL_CHANGES],
        )
