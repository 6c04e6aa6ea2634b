"""AlarmTopic: an SNS topic for alarms, encrypted with a customer key CloudWatch can really use.

aws-cdk-lib encrypts a topic with a customer key without letting CloudWatch or EventBridge use
the key, so alarm notifications are dropped silently. Here the key policy and the topic policy
let ``cloudwatch.amazonaws.com`` and ``events.amazonaws.com`` publish only on behalf of this
account's alarms and rules, the topic refuses non-TLS publishing, and every subscription has a
dead-letter queue with an alarm on its depth.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration, Names
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_obs.private.alarm_checks import check_flag, check_https_url, check_list
from constructs_obs.private.keys import add_service_statement, resolve_key
from constructs_obs.private.monitors import add_dead_letter_alarm
from constructs_obs.private.queues import dead_letter_queue
from constructs_obs.private.scopes import adopt, child_path, path_of, stack_facts
from constructs_obs.private.stack_limits import watch_stack_limits
from constructs_obs.private.validate import Check

__all__ = ["AlarmTopic"]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TOPIC_NAME = r"[A-Za-z0-9_-]{1,256}"
_MAX_DISPLAY_NAME = 100
# SNS retries HTTPS deliveries this many times (over about 20 minutes) before the DLQ.
_HTTPS_DELIVERY = sns.DeliveryPolicy(
    healthy_retry_policy=sns.HealthyRetryPolicy(
        num_retries=20,
        num_no_delay_retries=2,
        min_delay_target=Duration.seconds(5),
        max_delay_target=Duration.seconds(120),
        num_min_delay_retries=3,
        num_max_delay_retries=5,
        backoff_function=sns.BackoffFunction.EXPONENTIAL,
    ),
)


class AlarmTopic(Construct):
    """An encrypted SNS topic that CloudWatch alarms and EventBridge rules can publish to.

    Parameters
    ----------
    encryption_key / encryption_key_props:
        A key you manage, or overrides for the key created here (rotation on, RETAIN).
    topic_name / display_name:
        Default: a generated name; display name (at most 100 characters) used in email
        subjects.
    email_addresses / https_endpoints / sqs_queues / lambda_functions:
        Subscribers, each a list (one address is ``["a@example.com"]``); endpoints are
        ``https://`` URLs with a host. Default: none (routing to a topic nobody subscribes to
        warns at synthesis, see ``AlarmRouting``). Each subscription sends what it cannot
        deliver to the topic's dead-letter queue; HTTPS deliveries are retried with
        exponential backoff first.
    dead_letter_alarm:
        Alarm when the dead-letter queue holds a message (published to this topic, so the
        subscribers that still work hear about the ones that do not). Default: True.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        encryption_key: kms.IKey | None = None,
        encryption_key_props: kms.KeyProps | None = None,
        topic_name: str | None = None,
        display_name: str | None = None,
        email_addresses: Sequence[str] = (),
        https_endpoints: Sequence[str] = (),
        sqs_queues: Sequence[sqs.IQueue] = (),
        lambda_functions: Sequence[lambda_.IFunction] = (),
        dead_letter_alarm: bool = True,
    ) -> None:
        super().__init__(scope, id)
        adopt(self, scope, child_path(path_of(scope), id))  # its stack and path, kept in Python
        watch_stack_limits(self)
        check = Check("AlarmTopic", id)
        _check_names(check, topic_name, display_name)
        subscribers = _check_subscribers(
            check, email_addresses, https_endpoints, sqs_queues, lambda_functions
        )
        check_flag(check, "dead_letter_alarm", dead_letter_alarm)
        self.encryption_key = self._create_key(check, encryption_key, encryption_key_props)
        self.topic = self._create_topic(topic_name, display_name)
        self.dead_letter_queue = dead_letter_queue(
            self, "DeadLetters", encryption_key=self.encryption_key, producers=["sns.amazonaws.com"]
        )
        self._subscribe(subscribers)
        self._subscribe_functions(subscribers.lambda_functions)
        self.dead_letter_alarm: cloudwatch.Alarm | None = (
            self._watch_dead_letters() if dead_letter_alarm else None
        )

    def alarm_action_target(self) -> sns.ITopic:
        """What an alarm routed to this topic notifies."""
        return self.topic

    def grant_publish(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` publish (and use the key for it)."""
        return self.topic.grant_publish(grantee)

    def _create_key(
        self,
        check: Check,
        encryption_key: kms.IKey | None,
        encryption_key_props: kms.KeyProps | None,
    ) -> kms.IKey:
        """The given key or a new one, usable by this account's alarms and rules."""
        key = resolve_key(
            self,
            "Key",
            check=check,
            encryption_key=encryption_key,
            encryption_key_props=encryption_key_props,
            description=f"Encrypts the alarm topic {path_of(self)} and its dead-letter queue",
        )
        self._allow_publishers_to_use_key(key)
        return key

    def _create_topic(self, topic_name: str | None, display_name: str | None) -> sns.Topic:
        """The encrypted topic, TLS only, open to this account's alarms and rules."""
        topic = sns.Topic(
            self,
            "Resource",
            topic_name=topic_name,
            display_name=display_name,
            master_key=self.encryption_key,
            enforce_ssl=True,
        )
        self._allow_publishers(topic)
        return topic

    def has_subscribers(self) -> bool:
        """Whether any SNS subscription of this app delivers from the topic (the ones made
        here and ``topic.add_subscription`` elsewhere); subscribers outside SNS subscriptions
        (an AWS Chatbot channel, another app) cannot be seen."""
        arn = self.topic.topic_arn
        return any(
            isinstance(child, sns.CfnSubscription) and child.topic_arn == arn
            for child in self.node.root.node.find_all()
        )

    def _subscribe(self, subscribers: _Subscribers) -> None:
        """Email, HTTPS (retried with backoff) and SQS subscribers, each with the DLQ."""
        dlq = self.dead_letter_queue
        email_addresses = subscribers.email_addresses
        https_endpoints = subscribers.https_endpoints
        sqs_queues = subscribers.sqs_queues
        for address in email_addresses:
            self.topic.add_subscription(
                subscriptions.EmailSubscription(address, dead_letter_queue=dlq)
            )
        for endpoint in https_endpoints:
            self.topic.add_subscription(
                subscriptions.UrlSubscription(
                    endpoint,
                    protocol=sns.SubscriptionProtocol.HTTPS,
                    dead_letter_queue=dlq,
                    delivery_policy=_HTTPS_DELIVERY,
                )
            )
        for queue in sqs_queues:
            self.topic.add_subscription(subscriptions.SqsSubscription(queue, dead_letter_queue=dlq))

    def _subscribe_functions(self, lambda_functions: Sequence[lambda_.IFunction]) -> None:
        """Lambda subscribers, each with the DLQ and a permission for this topic only."""
        for index, function in enumerate(lambda_functions, start=1):
            # Written out: LambdaSubscription names its constructs after the topic's id, which
            # is "Resource" here and collides with the function's own "Resource".
            function.add_permission(
                f"InvokedBy{Names.unique_id(self)}",
                principal=iam.ServicePrincipal("sns.amazonaws.com"),
                source_arn=self.topic.topic_arn,
            )
            sns.Subscription(
                self,
                f"Function{index}",
                topic=self.topic,
                endpoint=function.function_arn,
                protocol=sns.SubscriptionProtocol.LAMBDA,
                dead_letter_queue=self.dead_letter_queue,
            )

    def _watch_dead_letters(self) -> cloudwatch.Alarm:
        """An alarm on the DLQ's depth, published to this topic."""
        return add_dead_letter_alarm(
            self,
            "DeadLettersAlarm",
            queue=self.dead_letter_queue,
            summary=f"Notifications of {path_of(self)} could not be delivered to a "
            "subscriber and wait in its dead-letter queue.",
            notify=[self.topic],
            resource=self.node.id,
        )

    def _source_arn(self, service: str, resource: str) -> str:
        stack = stack_facts(self)
        return f"arn:{stack.partition}:{service}:{stack.region}:{stack.account}:{resource}"

    def _allow_publishers_to_use_key(self, key: kms.IKey) -> None:
        stack = stack_facts(self)
        add_service_statement(
            self,
            key,
            service="cloudwatch.amazonaws.com",
            actions=("kms:GenerateDataKey*", "kms:Decrypt"),
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {"aws:SourceArn": self._source_arn("cloudwatch", "alarm:*")},
            },
            sid="AllowCloudWatchAlarmsOfThisAccount",
        )
        allow_eventbridge_to_publish_encrypted(self, key)

    def _allow_publishers(self, topic: sns.Topic) -> None:
        stack = stack_facts(self)
        for sid, service, arn_service, resource in (
            (
                "AllowCloudWatchAlarmsOfThisAccount",
                "cloudwatch.amazonaws.com",
                "cloudwatch",
                "alarm:*",
            ),
            ("AllowEventBridgeRulesOfThisAccount", "events.amazonaws.com", "events", "rule/*"),
        ):
            topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=sid,
                    principals=[iam.ServicePrincipal(service)],
                    actions=["sns:Publish"],
                    resources=[topic.topic_arn],
                    conditions={
                        "StringEquals": {"aws:SourceAccount": stack.account},
                        "ArnLike": {"aws:SourceArn": self._source_arn(arn_service, resource)},
                    },
                )
            )


@dataclass(frozen=True)
class _Subscribers:
    """The subscribers of a topic, checked."""

    email_addresses: tuple[str, ...]
    https_endpoints: tuple[str, ...]
    sqs_queues: tuple[sqs.IQueue, ...]
    lambda_functions: tuple[lambda_.IFunction, ...]


def _check_names(check: Check, topic_name: str | None, display_name: str | None) -> None:
    """A topic name SNS accepts (1-256 letters, digits, '-', '_') and a display name of at
    most 100 characters (SNS's limit; it starts the subject of email notifications)."""
    if topic_name is not None:
        check.text(
            "topic_name",
            topic_name,
            max_length=256,
            pattern=_TOPIC_NAME,
            pattern_doc="may contain only letters, digits, '-' and '_' (1-256 characters)",
        )
    if display_name is not None:
        check.text("display_name", display_name, max_length=_MAX_DISPLAY_NAME)


def _check_subscribers(
    check: Check,
    email_addresses: object,
    https_endpoints: object,
    sqs_queues: object,
    lambda_functions: object,
) -> _Subscribers:
    """Lists (never a string read character by character), email addresses that look like
    one, HTTPS URLs with a host, queues and functions, and each subscriber once."""
    emails = check_list(check, "email_addresses", email_addresses, "email addresses")
    for address in emails:
        if not isinstance(address, str) or _EMAIL.fullmatch(address) is None:
            check.fail("email_addresses", f"{address!r} is not an email address")
    endpoints = check_list(check, "https_endpoints", https_endpoints, "https:// URLs")
    for endpoint in endpoints:
        check_https_url(check, "https_endpoints", endpoint)
    queues = check_list(check, "sqs_queues", sqs_queues, "sqs.IQueue")
    for queue in queues:
        if not hasattr(queue, "queue_arn"):
            check.fail("sqs_queues", f"expected sqs.IQueue values, got {queue!r}")
    functions = check_list(check, "lambda_functions", lambda_functions, "lambda_.IFunction")
    for function in functions:
        if not hasattr(function, "function_arn"):
            check.fail("lambda_functions", f"expected lambda_.IFunction values, got {function!r}")
    check.unique("email_addresses", emails)
    check.unique("https_endpoints", endpoints)
    return _Subscribers(emails, endpoints, queues, functions)


def allow_eventbridge_to_publish_encrypted(scope: Construct, key: kms.IKey) -> bool:
    """Let EventBridge rules deliver to topics of this account and region encrypted with
    ``key``.

    EventBridge does not send aws:SourceAccount/aws:SourceArn with the KMS requests it makes
    to deliver to an encrypted topic, so the statement is scoped by the encryption context
    SNS always sets (``aws:sns:topicArn``) to this account's and region's topics; the topic
    policy restricts who may publish. For a key this app cannot edit, a synth-time warning
    prints the statement to add.
    """
    stack = stack_facts(scope)
    condition_key = "kms:EncryptionContext:aws:sns:topicArn"
    topics = f"arn:{stack.partition}:sns:{stack.region}:{stack.account}:*"
    return add_service_statement(
        scope,
        key,
        service="events.amazonaws.com",
        actions=("kms:GenerateDataKey*", "kms:Decrypt"),
        conditions={"ArnLike": {condition_key: topics}},
        sid="AllowEventBridgeToPublishEncrypted",
    )


def topic_of(topic: AlarmTopic | sns.ITopic) -> sns.ITopic:
    """The SNS topic behind an ``AlarmTopic`` (or the topic itself)."""
    return topic.topic if isinstance(topic, AlarmTopic) else topic


def topic_key(topic: AlarmTopic | sns.ITopic) -> kms.IKey | None:
    """The customer key of an encrypted topic this app defines (its publishers need it)."""
    if isinstance(topic, AlarmTopic):
        return topic.encryption_key
    key = getattr(topic, "master_key", None)
    return key if key is not None and hasattr(key, "key_arn") else None
