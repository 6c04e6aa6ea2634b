"""AlarmTopic: key and topic policies, subscriptions with dead-letter queues, bad input."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from constructs_obs import AlarmTopic, InvalidParameterError
from constructs_obs.acknowledge import acknowledge_nag
from constructs_obs.private.keys import add_service_statement
from tests.support.harness import Synthesized, new_stack, synth
from tests.support.resources import compliant_function


def _build(app: cdk.App) -> None:
    stack = new_stack(app, "Topics")
    inbox_key = kms.Key(stack, "InboxKey", enable_key_rotation=True)
    add_service_statement(
        stack,
        inbox_key,
        service="sns.amazonaws.com",
        actions=("kms:GenerateDataKey", "kms:Decrypt"),
        conditions={"ArnLike": {"aws:SourceArn": "arn:aws:sns:eu-west-1:123456789012:*"}},
        sid="AllowSnsToDeliver",
    )
    inbox_dlq = sqs.Queue(
        stack,
        "InboxDlq",
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=inbox_key,
        enforce_ssl=True,
    )
    acknowledge_nag(inbox_dlq, "AwsSolutions-SQS3", "Test fixture: the inbox's own DLQ.")
    queue = sqs.Queue(
        stack,
        "Inbox",
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=inbox_key,
        enforce_ssl=True,
        dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=3, queue=inbox_dlq),
    )
    AlarmTopic(
        stack,
        "Oncall",
        topic_name="oncall-alarms",
        display_name="On-call",
        email_addresses=["oncall@example.com"],
        https_endpoints=["https://hooks.example.com/alarms"],
        sqs_queues=[queue],
        lambda_functions=[compliant_function(stack, "Notifier")],
    )


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("alarm_topic", _build)


def _statements(resource: dict[str, Any], key: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = resource["Properties"][key]["Statement"]
    return statements


def _key(synthesized: Synthesized) -> dict[str, Any]:
    keys = [
        r
        for logical_id, r in synthesized.resources("AWS::KMS::Key").items()
        if logical_id.startswith("OncallKey")
    ]
    assert len(keys) == 1
    return keys[0]


def _by_sid(statements: list[dict[str, Any]], sid: str) -> dict[str, Any]:
    (found,) = [s for s in statements if s.get("Sid") == sid]
    return found


def test_cloudwatch_may_use_the_key_only_for_this_accounts_alarms(
    synthesized: Synthesized,
) -> None:
    statement = _by_sid(
        _statements(_key(synthesized), "KeyPolicy"), "AllowCloudWatchAlarmsOfThisAccount"
    )
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    assert statement["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*"
    }
    assert set(statement["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}


def test_eventbridge_may_use_the_key_and_sns_may_dead_letter(synthesized: Synthesized) -> None:
    statements = _statements(_key(synthesized), "KeyPolicy")
    events = _by_sid(statements, "AllowEventBridgeToPublishEncrypted")
    assert events["Principal"] == {"Service": "events.amazonaws.com"}
    # Only for topics of this account and region (SNS's encryption context names the topic).
    assert events["Condition"] == {
        "ArnLike": {
            "kms:EncryptionContext:aws:sns:topicArn": "arn:aws:sns:eu-west-1:123456789012:*"
        }
    }
    sns = _by_sid(statements, "AllowSnsDeadLetters")
    assert sns["Condition"]["ArnLike"]["aws:SourceArn"] == "arn:aws:sns:eu-west-1:123456789012:*"


def test_topic_is_encrypted_and_named(synthesized: Synthesized) -> None:
    (topic,) = synthesized.resources("AWS::SNS::Topic").values()
    assert topic["Properties"]["TopicName"] == "oncall-alarms"
    assert topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0].startswith("OncallKey")


def test_topic_policy_allows_this_accounts_publishers_and_denies_plain_http(
    synthesized: Synthesized,
) -> None:
    (policy,) = synthesized.resources("AWS::SNS::TopicPolicy").values()
    statements = _statements(policy, "PolicyDocument")
    cloudwatch = _by_sid(statements, "AllowCloudWatchAlarmsOfThisAccount")
    assert cloudwatch["Action"] == "sns:Publish"
    assert cloudwatch["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    events = _by_sid(statements, "AllowEventBridgeRulesOfThisAccount")
    assert events["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws:events:eu-west-1:123456789012:rule/*"
    }
    denies = [s for s in statements if s["Effect"] == "Deny"]
    assert denies
    assert denies[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_every_subscription_has_the_dead_letter_queue(synthesized: Synthesized) -> None:
    subscriptions = synthesized.resources("AWS::SNS::Subscription")
    assert {s["Properties"]["Protocol"] for s in subscriptions.values()} == {
        "email",
        "https",
        "sqs",
        "lambda",
    }
    for subscription in subscriptions.values():
        target = subscription["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]
        assert target["Fn::GetAtt"][0].startswith("OncallDeadLetters")
    (https,) = [s for s in subscriptions.values() if s["Properties"]["Protocol"] == "https"]
    retries = https["Properties"]["DeliveryPolicy"]["healthyRetryPolicy"]
    assert retries["numRetries"] == 20


def test_dead_letter_queue_is_encrypted_and_watched(synthesized: Synthesized) -> None:
    queues = {
        k: q
        for k, q in synthesized.resources("AWS::SQS::Queue").items()
        if k.startswith("OncallDeadLetters")
    }
    (queue,) = queues.values()
    assert queue["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0].startswith("OncallKey")
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    (alarm,) = [
        a
        for k, a in synthesized.resources("AWS::CloudWatch::Alarm").items()
        if k.startswith("OncallDeadLettersAlarm")
    ]
    assert alarm["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    (action,) = alarm["Properties"]["AlarmActions"]
    assert action["Ref"].startswith("Oncall")  # the topic itself


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"email_addresses": ["not-an-email"]}, "email_addresses: 'not-an-email' is not"),
        ({"https_endpoints": ["http://insecure.example.com"]}, "https_endpoints: "),
        ({"topic_name": "bad name!"}, "topic_name: "),
        ({"email_addresses": ["a@example.com", "a@example.com"]}, "given more than once"),
        ({"https_endpoints": ["https://"]}, "https_endpoints: 'https://' has no valid host name"),
        ({"https_endpoints": ["https:///alarms"]}, "'https:///alarms' has no valid host name"),
        ({"https_endpoints": ["https://hooks .example.com"]}, "it contains whitespace"),
        ({"https_endpoints": ["https://hooks.example.com:99999/"]}, "is not a URL: Port"),
        (
            {"https_endpoints": ["http://insecure.example.com"]},
            "'http://insecure.example.com' must be an https:// URL (plain HTTP is not allowed)",
        ),
        (
            {"https_endpoints": "https://hooks.example.com"},
            "https_endpoints: expected a list of https:// URLs, got the string "
            "'https://hooks.example.com'; wrap it in a list",
        ),
        (
            {"email_addresses": None},
            "email_addresses: expected a list of email addresses, got NoneType",
        ),
        (
            {"email_addresses": "a@b"},
            "email_addresses: expected a list of email addresses, got the string 'a@b'",
        ),
        ({"email_addresses": [42]}, "email_addresses: 42 is not an email address"),
        ({"sqs_queues": "orders"}, "sqs_queues: expected a list of sqs.IQueue, got the string"),
        ({"lambda_functions": [object()]}, "lambda_functions: expected lambda_.IFunction values"),
        (
            {"display_name": "x" * 101},
            "display_name: must be at most 100 characters, got 101",
        ),
        ({"display_name": 7}, "display_name: expected a string, got int"),
        ({"dead_letter_alarm": "no"}, "dead_letter_alarm: expected True or False, got 'no'"),
        ({"dead_letter_alarm": 0}, "dead_letter_alarm: expected True or False, got 0"),
        # Found by the property tests: AttributeErrors and a JavaScript error before.
        ({"encryption_key": "alias/aws/sns"}, "encryption_key: expected a kms.IKey"),
        ({"encryption_key_props": True}, "encryption_key_props: expected a kms.KeyProps"),
        (
            {"encryption_key_props": kms.KeyProps(key_spec=kms.KeySpec.RSA_2048)},
            "encryption_key_props: key_spec=KeySpec.RSA_2048 cannot encrypt data for AWS",
        ),
    ],
)
def test_bad_input(kwargs: dict[str, Any], message: str) -> None:
    stack = cdk.Stack(cdk.App(), "Bad")
    with pytest.raises(InvalidParameterError) as info:
        AlarmTopic(stack, "Topic", **kwargs)
    assert message in str(info.value)


def test_display_name_of_100_characters_is_fine() -> None:
    stack = cdk.Stack(cdk.App(), "Fine")
    AlarmTopic(stack, "Topic", display_name="x" * 100)
    Template.from_stack(stack).has_resource_properties(
        "AWS::SNS::Topic", {"DisplayName": "x" * 100}
    )


def test_subscribers_made_here_or_elsewhere_count() -> None:
    stack = cdk.Stack(cdk.App(), "Subscribers")
    silent = AlarmTopic(stack, "Silent")
    subscribed_here = AlarmTopic(stack, "Here", email_addresses=["oncall@example.com"])
    subscribed_later = AlarmTopic(stack, "Later")
    subscribed_later.topic.add_subscription(
        subscriptions.UrlSubscription("https://hooks.example.com/alarms")
    )
    assert not silent.has_subscribers()
    assert subscribed_here.has_subscribers()
    assert subscribed_later.has_subscribers()


def test_key_and_key_props_together() -> None:
    stack = cdk.Stack(cdk.App(), "Bad")
    with pytest.raises(InvalidParameterError, match="encryption_key and encryption_key_props"):
        AlarmTopic(
            stack,
            "Topic",
            encryption_key=kms.Key(stack, "K"),
            encryption_key_props=kms.KeyProps(alias="alias/x"),
        )
