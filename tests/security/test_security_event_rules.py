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
from aws_cdk.assertions import Annotations, Match, Template

from constructs_obs import (
    ALL_SECURITY_DETECTIONS,
    AlarmTopic,
    DetectionSettings,
    InvalidParameterError,
    SecurityDetection,
    SecurityEventRules,
)
from constructs_obs.private.registry import registry_of
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


_NEED_SETTINGS = {
    SecurityDetection.INSTANCE_CREDENTIALS_OUTSIDE,
    SecurityDetection.BEDROCK_UNUSUAL_PRINCIPAL,
}


def test_one_named_rule_per_detection(synthesized: Synthesized) -> None:
    # The two detections that need a setting of the user's are left out without it.
    names = {rule["Name"] for rule in _rules(synthesized).values()}
    assert names == {
        f"security-{d.value}" for d in ALL_SECURITY_DETECTIONS if d not in _NEED_SETTINGS
    }
    assert len(names) == len(ALL_SECURITY_DETECTIONS) - 2 == 42
    assert all(len(name) <= 64 for name in names)


def test_every_rule_says_which_detection_it_is(synthesized: Synthesized) -> None:
    template = synthesized.template("SecurityRules")
    template.has_resource(
        "AWS::Events::Rule",
        {
            "Metadata": {
                "ConstructsObs::Detection": {
                    "id": "administrator-access-attached",
                    "title": "The AdministratorAccess policy was attached to a user, group or role",
                    "severity": "critical",
                    "attack": ["T1098.003"],
                }
            },
            "Properties": Match.object_like({"Name": "security-administrator-access-attached"}),
        },
    )
    rules = synthesized.resources("AWS::Events::Rule", "SecurityRules").values()
    ids = {rule["Metadata"]["ConstructsObs::Detection"]["id"] for rule in rules}
    assert ids == {d.value for d in ALL_SECURITY_DETECTIONS if d not in _NEED_SETTINGS}


def test_the_dashboard_metric_names_the_rule_literally(synthesized: Synthesized) -> None:
    records = [
        r
        for r in registry_of(synthesized.app.node.find_child("SecurityRules")).detections
        if r.path.startswith("SecurityRules/")
    ]
    assert len(records) == 42
    dimensions = {record.metric.dimensions["RuleName"] for record in records}  # type: ignore[index]
    assert "security-root-account-usage" in dimensions
    assert all(isinstance(name, str) and not cdk.Token.is_unresolved(name) for name in dimensions)


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


def test_rules_for_read_only_calls_see_them_on_the_default_bus(synthesized: Synthesized) -> None:
    states = {r["Name"]: r["State"] for r in _rules(synthesized).values()}
    read_only = {
        f"security-{d.value}"
        for d in ALL_SECURITY_DETECTIONS
        if SECURITY_DETECTIONS[d].read_only_events and d not in _NEED_SETTINGS
    }
    assert {"security-root-account-usage", "security-ec2-password-data-read"} <= read_only
    for name, state in states.items():
        expected = (
            "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" if name in read_only else "ENABLED"
        )
        assert state == expected, name
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
    assert "Detection kms-key-disable-or-deletion (critical; ATT&CK T1485)." in template
    assert "cancel the deletion (CancelKeyDeletion) if unplanned" in template
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
    assert len(permissions) == 42  # one per rule, each scoped to its rule ARN
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
    broken = dataclasses.replace(spec, pattern={**spec.event_pattern, "source": "aws.ec2"})
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


def test_a_rule_name_is_unique_per_bus() -> None:
    # GIVEN rules for root use on the default bus
    app = cdk.App()
    stack = cdk.Stack(app, "Names", env=cdk.Environment(account="123456789012", region="eu-west-1"))
    topic = AlarmTopic(stack, "T")
    root = [SecurityDetection.ROOT_ACCOUNT_USAGE]
    SecurityEventRules(stack, "First", targets=[topic], detections=root)
    # WHEN another construct of the same account and region names its rule alike on a custom
    # bus, or with another prefix, THEN that is fine
    bus = events.EventBus(stack, "Bus", event_bus_name="central")
    SecurityEventRules(stack, "OnBus", targets=[topic], detections=root, event_bus=bus)
    SecurityEventRules(stack, "Other", targets=[topic], detections=root, rule_name_prefix="team-a")
    # BUT the same name on the same bus is refused, naming the first one
    with pytest.raises(
        InvalidParameterError,
        match="rule_name_prefix: the rule name 'security-root-account-usage' is already used by "
        "Names/First on the same event bus",
    ):
        SecurityEventRules(stack, "Second", targets=[topic], detections=root)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rule_name_prefix": "my rules"}, "rule_name_prefix: expected letters, digits"),
        (
            {"rule_name_prefix": "x" * 30},
            "makes rule names of up to 66 characters; EventBridge allows 64 \\(at most 28",
        ),
        (
            {"detections": [SecurityDetection.MASS_DELETION]},
            "detections: mass-deletion is a metric-filter detection .* SecurityVolumeAlarms",
        ),
        ({"settings": {"bedrock_principals": []}}, "settings: expected DetectionSettings"),
        (
            {"settings": DetectionSettings(instance_egress_addresses=["203.0.113.0/25"])},
            "instance_egress_addresses: '203.0.113.0/25': EventBridge cannot exclude a CIDR",
        ),
        (
            {"settings": DetectionSettings(instance_egress_addresses=["10.0.0.1/8"])},
            "'10.0.0.1/8' is not an IP address or a CIDR block without host bits",
        ),
        (
            {"settings": DetectionSettings(bedrock_principals=["ChatApp"])},
            "bedrock_principals: 'ChatApp' is not an ARN",
        ),
        (
            {"settings": DetectionSettings(bedrock_principals="arn:aws:iam::1:role/x")},
            "bedrock_principals: expected a list of strings",
        ),
        (
            {"settings": DetectionSettings(unusual_instance_types=["P4D"])},
            "unusual_instance_types: 'P4D' is not an instance type prefix",
        ),
        (
            {"settings": DetectionSettings(bedrock_principals=["arn:aws:x"] * 21)},
            "bedrock_principals: 21 values; at most 20",
        ),
    ],
    ids=[
        "prefix-space",
        "prefix-long",
        "volume-detection",
        "settings-dict",
        "cidr-not-octet",
        "cidr-host-bits",
        "principal-not-arn",
        "principals-string",
        "instance-type-case",
        "too-many",
    ],
)
def test_names_detections_and_settings_are_checked(kwargs: dict[str, Any], message: str) -> None:
    stack = cdk.Stack(cdk.App(), "Checked")
    with pytest.raises(InvalidParameterError, match=message):
        SecurityEventRules(stack, "Rules", targets=[AlarmTopic(stack, "T")], **kwargs)


def test_a_detection_without_its_setting_is_left_out_with_a_note() -> None:
    # GIVEN the Bedrock detection chosen, without the principals it needs
    stack = cdk.Stack(cdk.App(), "Skip")
    rules = SecurityEventRules(
        stack,
        "Rules",
        targets=[AlarmTopic(stack, "T")],
        detections=[SecurityDetection.BEDROCK_UNUSUAL_PRINCIPAL, SecurityDetection.NACL_CHANGES],
    )
    # THEN it is not built, and synthesis says how to build it
    assert list(rules.rules) == [SecurityDetection.NACL_CHANGES]
    assert rules.skipped == [SecurityDetection.BEDROCK_UNUSUAL_PRINCIPAL]
    Annotations.from_stack(stack).has_info(
        "/Skip/Rules",
        Match.string_like_regexp(
            "bedrock-invoked-by-unlisted-principal is left out: it needs "
            "settings=DetectionSettings\\(bedrock_principals=\\[...\\]\\)"
        ),
    )


def test_settings_are_written_into_the_pattern() -> None:
    # GIVEN the settings of both parameterized detections and custom instance types
    stack = cdk.Stack(cdk.App(), "Set")
    settings = DetectionSettings(
        instance_egress_addresses=["203.0.113.0/24", "2001:db8::5"],
        bedrock_principals=["arn:aws:sts::123456789012:assumed-role/ChatApp/*"],
        unusual_instance_types=["p5", "trn2"],
    )
    SecurityEventRules(
        stack,
        "Rules",
        targets=[AlarmTopic(stack, "T")],
        settings=settings,
        detections=[
            SecurityDetection.INSTANCE_CREDENTIALS_OUTSIDE,
            SecurityDetection.BEDROCK_UNUSUAL_PRINCIPAL,
            SecurityDetection.UNUSUAL_INSTANCE_TYPE,
        ],
    )
    template = Template.from_stack(stack)
    # THEN each setting is where its Setting place was, in EventBridge's own syntax
    egress = ["*.amazonaws.com", "AWS Internal", "203.0.113.*", "2001:db8::5"]
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "Name": "security-instance-credentials-used-outside",
            "EventPattern": {
                "detail": Match.object_like(
                    {"sourceIPAddress": [{"anything-but": {"wildcard": egress}}]}
                )
            },
        },
    )
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "detail": Match.object_like(
                    {
                        "userIdentity": {
                            "arn": [{"anything-but": {"wildcard": settings.bedrock_principals}}]
                        }
                    }
                )
            },
        },
    )
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "detail": Match.object_like(
                    {"requestParameters": {"instanceType": [{"prefix": "p5"}, {"prefix": "trn2"}]}}
                )
            },
        },
    )
