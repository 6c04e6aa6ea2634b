"""SecurityEventRules: EventBridge rules that react to security-relevant CloudTrail events.

One rule per detection. Each target gets a readable message built by an input transformer
(who, what, where, from which IP, when), a retry policy where EventBridge allows one, and the
construct's encrypted dead-letter queue. Targets: alarm topics, Lambda responders, and a
central event bus in another account (the SIEM pattern) reached through a role that may only
put events there. CloudTrail must be on (see AuditTrail) for these events to flow.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import jsii
from aws_cdk import Annotations, Duration, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as event_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.interfaces.aws_events import IRuleRef
from constructs import Construct

from constructs_obs.alarms.alarm_topic import (
    AlarmTopic,
    allow_eventbridge_to_publish_encrypted,
    topic_key,
    topic_of,
)
from constructs_obs.detections import EventPatternSyntaxError, compile_event_pattern
from constructs_obs.private.keys import resolve_key
from constructs_obs.private.monitors import add_dead_letter_alarm, add_monitor_alarm
from constructs_obs.private.queues import dead_letter_queue
from constructs_obs.private.registry import DetectionRecord, registry_of
from constructs_obs.private.validate import Check
from constructs_obs.security.security_detections import (
    ALL_SECURITY_DETECTIONS,
    SECURITY_DETECTIONS,
    SecurityDetection,
    SecurityDetectionSpec,
)

__all__ = ["GLOBAL_REGION_WARNING_ID", "SecurityEventRules", "SecurityTarget"]

GLOBAL_REGION_WARNING_ID = "constructs-obs:global-service-events-region"
MAX_RETRY_ATTEMPTS = 185
READ_ONLY_EVENTS_STATE = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
SecurityTarget = AlarmTopic | sns.ITopic | lambda_.IFunction | events.IEventBus

_FIELD = events.EventField.from_path


def _readable_text(spec: SecurityDetectionSpec) -> str:
    return (
        f"[SECURITY] {spec.title}. {_FIELD('$.detail.userIdentity.arn')} "
        f"({_FIELD('$.detail.userIdentity.type')}) called {_FIELD('$.detail.eventName')} on "
        f"{_FIELD('$.detail.eventSource')} in account {_FIELD('$.account')}, region "
        f"{_FIELD('$.region')}, from {_FIELD('$.detail.sourceIPAddress')} at "
        f"{_FIELD('$.detail.eventTime')}. Error: {_FIELD('$.detail.errorCode')}. "
        f"Event id: {_FIELD('$.detail.eventID')}."
    )


def _readable_object(spec: SecurityDetectionSpec) -> events.RuleTargetInput:
    return events.RuleTargetInput.from_object(
        {
            "detection": spec.detection.value,
            "summary": _readable_text(spec),
            "who": {
                "arn": _FIELD("$.detail.userIdentity.arn"),
                "type": _FIELD("$.detail.userIdentity.type"),
                "accessKeyId": _FIELD("$.detail.userIdentity.accessKeyId"),
            },
            "what": {
                "eventName": _FIELD("$.detail.eventName"),
                "eventSource": _FIELD("$.detail.eventSource"),
                "errorCode": _FIELD("$.detail.errorCode"),
            },
            "where": {"account": _FIELD("$.account"), "region": _FIELD("$.region")},
            "sourceIp": _FIELD("$.detail.sourceIPAddress"),
            "when": _FIELD("$.detail.eventTime"),
            "detail": _FIELD("$.detail"),
        }
    )


@jsii.implements(events.IRuleTarget)
class _TopicTarget:
    """An SNS target that leaves the topic policy alone (AlarmTopic already lets this account's
    rules publish; for other topics the construct adds a statement scoped to its rules)."""

    def __init__(
        self,
        topic: sns.ITopic,
        message: events.RuleTargetInput,
        dlq: sqs.IQueue,
        retry_attempts: int,
        max_event_age: Duration,
    ) -> None:
        self._topic = topic
        self._message = message
        self._dlq = dlq
        self._retry_attempts = retry_attempts
        self._max_event_age = max_event_age

    def bind(self, rule: IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        del id
        self._dlq.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[self._dlq.queue_arn],
                conditions={"ArnEquals": {"aws:SourceArn": rule.rule_ref.rule_arn}},
            )
        )
        return events.RuleTargetConfig(
            arn=self._topic.topic_arn,
            input=self._message,
            dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=self._dlq.queue_arn),
            retry_policy=events.CfnRule.RetryPolicyProperty(
                maximum_retry_attempts=self._retry_attempts,
                maximum_event_age_in_seconds=int(self._max_event_age.to_seconds()),
            ),
        )


class SecurityEventRules(Construct):
    """EventBridge rules for security detections on CloudTrail events.

    Parameters
    ----------
    targets:
        Where each detection goes: AlarmTopic or SNS topics (a readable text message), Lambda
        responders (a readable JSON object with the original ``detail``), and an event bus,
        typically a central one in a security account (the event as is). At least one.
    detections:
        Which detections. Default: all.
    event_bus:
        The bus the rules listen on. Default: the account's default bus, where CloudTrail
        events arrive. There, the root-usage rule is in the state
        ``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`` so that it sees the root user's
        read-only calls too (EventBridge charges for the read-only events such a rule
        receives); on another bus it sees what the forwarding rule sends.
    monitor_topic:
        Where the rules' own failures (dead letters, events lost before the DLQ) go. The
        lost-events alarm watches every rule of the account and region (one Metrics Insights
        query), not only these.
        Default: the first topic among ``targets``; required when there is none.
    retry_attempts / max_event_age:
        Retry policy of the topic and Lambda targets. Default: 185 attempts within 24 hours.

    Attributes
    ----------
    rules:
        Keyed by ``SecurityDetection``.
    dead_letter_queue:
        Where events that could not be delivered wait (14 days).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        targets: Sequence[SecurityTarget],
        detections: Collection[SecurityDetection] = ALL_SECURITY_DETECTIONS,
        event_bus: events.IEventBus | None = None,
        monitor_topic: AlarmTopic | sns.ITopic | None = None,
        retry_attempts: int = MAX_RETRY_ATTEMPTS,
        max_event_age: Duration | None = None,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id)
        check = self._check = Check("SecurityEventRules", id)
        chosen = _chosen_detections(check, detections)
        by_kind = _sort_targets(check, targets)
        _check_event_bus(check, event_bus)
        check.integer("retry_attempts", retry_attempts, minimum=0, maximum=MAX_RETRY_ATTEMPTS)
        age = max_event_age or Duration.hours(24)
        check.seconds("max_event_age", age, minimum=60, maximum=86_400)
        monitor = _monitor_topic(check, monitor_topic, by_kind.topics)

        self.encryption_key = resolve_key(
            self,
            "Key",
            check=check,
            encryption_key=encryption_key,
            encryption_key_props=None,
            description=f"Encrypts the dead-letter queue of {self.node.path}",
        )
        self.dead_letter_queue = dead_letter_queue(
            self,
            "DeadLetters",
            encryption_key=self.encryption_key,
            producers=["events.amazonaws.com"],
        )
        self.rules = self._create_rules(chosen, event_bus, by_kind, (retry_attempts, age))
        self._allow_rules_on_plain_topics(by_kind.topics, targets)
        self._warn_about_region(chosen)
        self.monitor_alarms = self._monitors(monitor)

    def _create_rules(
        self,
        chosen: list[SecurityDetection],
        event_bus: events.IEventBus | None,
        targets: _Targets,
        retries: tuple[int, Duration],
    ) -> dict[SecurityDetection, events.Rule]:
        bus_role = self._bus_role(targets.buses) if targets.buses else None
        rules: dict[SecurityDetection, events.Rule] = {}
        for detection in chosen:
            spec = SECURITY_DETECTIONS[detection]
            rule = self._rule(spec, event_bus)
            self._add_targets(rule, spec, targets, bus_role, retries)
            rules[detection] = rule
            self._register(rule, spec)
        return rules

    def _rule(self, spec: SecurityDetectionSpec, event_bus: events.IEventBus | None) -> events.Rule:
        _compile_pattern(self._check, spec)
        rule = events.Rule(
            self,
            _pascal(spec.detection.value),
            description=f"constructs-obs security detection: {spec.title}",
            event_bus=event_bus,
            event_pattern=events.EventPattern(
                source=spec.pattern.get("source"),
                detail_type=spec.pattern.get("detail-type"),
                detail=spec.pattern.get("detail"),
            ),
        )
        if spec.read_only_events and event_bus is None:
            # Read-only calls reach only rules in this state, and only on the default bus.
            cfn_rule = rule.node.default_child
            assert isinstance(cfn_rule, events.CfnRule)
            cfn_rule.state = READ_ONLY_EVENTS_STATE
        return rule

    def _add_targets(
        self,
        rule: events.Rule,
        spec: SecurityDetectionSpec,
        targets: _Targets,
        bus_role: iam.Role | None,
        retries: tuple[int, Duration],
    ) -> None:
        """Every target, each with the dead-letter queue (and ``retries``, attempts and
        maximum event age, where EventBridge takes them)."""
        retry_attempts, age = retries
        text = events.RuleTargetInput.from_text(_readable_text(spec))
        for topic in targets.topics:
            rule.add_target(_TopicTarget(topic, text, self.dead_letter_queue, retry_attempts, age))
        for function in targets.functions:
            rule.add_target(
                event_targets.LambdaFunction(
                    function,
                    event=_readable_object(spec),
                    dead_letter_queue=self.dead_letter_queue,
                    retry_attempts=retry_attempts,
                    max_event_age=age,
                )
            )
        for bus in targets.buses:
            assert bus_role is not None
            # EventBridge takes neither an input transformer nor a retry policy for a bus
            # target: the event is forwarded as is, failures go to the dead-letter queue.
            rule.add_target(
                event_targets.EventBus(
                    bus,
                    role=bus_role.without_policy_updates(),
                    dead_letter_queue=self.dead_letter_queue,
                )
            )

    def _register(self, rule: events.Rule, spec: SecurityDetectionSpec) -> None:
        """Record the rule for the dashboard, with the metric of how often it fired."""
        registry_of(self).detections.append(
            DetectionRecord(
                path=rule.node.path,
                label=spec.title,
                kind="rule",
                metric=cloudwatch.Metric(
                    namespace="AWS/Events",
                    metric_name="TriggeredRules",
                    dimensions_map={"RuleName": rule.rule_name},
                    statistic="Sum",
                ),
            )
        )

    def _bus_role(self, buses: list[events.IEventBus]) -> iam.Role:
        role = iam.Role(
            self,
            "ForwardRole",
            assumed_by=iam.ServicePrincipal(
                "events.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            ),
            description="Lets the security rules forward events to the central event bus",
        )
        iam.ManagedPolicy(
            self,
            "ForwardPolicy",
            description="Put events on the central security event bus only",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    actions=["events:PutEvents"], resources=[bus.event_bus_arn for bus in buses]
                )
            ],
        )
        return role

    def _allow_rules_on_plain_topics(
        self, topics: list[sns.ITopic], given: Sequence[SecurityTarget]
    ) -> None:
        alarm_topics = {t.topic.node.addr for t in given if isinstance(t, AlarmTopic)}
        stack = Stack.of(self)
        for topic in topics:
            if topic.node.addr in alarm_topics:
                continue
            result = topic.add_to_resource_policy(
                iam.PolicyStatement(
                    principals=[iam.ServicePrincipal("events.amazonaws.com")],
                    actions=["sns:Publish"],
                    resources=[topic.topic_arn],
                    conditions={
                        "StringEquals": {"aws:SourceAccount": stack.account},
                        "ArnLike": {
                            "aws:SourceArn": f"arn:{stack.partition}:events:{stack.region}:"
                            f"{stack.account}:rule/*"
                        },
                    },
                )
            )
            key = topic_key(topic)
            if key is not None:
                allow_eventbridge_to_publish_encrypted(self, key)
            if not result.statement_added:
                Annotations.of(self).add_warning_v2(
                    "constructs-obs:topic-policy-not-editable",
                    f"Topic {topic.node.path} is imported: make sure its policy lets "
                    "events.amazonaws.com publish (and its key, if encrypted).",
                )

    def _warn_about_region(self, chosen: list[SecurityDetection]) -> None:
        region = Stack.of(self).region
        if Token.is_unresolved(region) or region == "us-east-1":
            return
        global_ones = [d.value for d in chosen if SECURITY_DETECTIONS[d].global_service]
        if global_ones:
            Annotations.of(self).add_warning_v2(
                GLOBAL_REGION_WARNING_ID,
                f"{', '.join(global_ones)}: events of IAM, Organizations and console sign-in "
                f"arrive in us-east-1, not {region}; deploy these rules in us-east-1 too.",
            )

    def _monitors(self, topic: sns.ITopic) -> list[cloudwatch.Alarm]:
        dead_letters = add_dead_letter_alarm(
            self,
            "DeadLettersAlarm",
            queue=self.dead_letter_queue,
            summary=f"Security detections of {self.node.path} could not be delivered and wait "
            "in the dead-letter queue.",
            notify=[topic],
            resource=self.node.id,
        )
        lost = add_monitor_alarm(
            self,
            "LostEventsAlarm",
            metric=cloudwatch.MathExpression(
                expression="SELECT SUM(InvocationsFailedToBeSentToDlq) "
                'FROM SCHEMA("AWS/Events", RuleName)',
                period=Duration.minutes(5),
                label="Events lost before the dead-letter queue (all rules)",
            ),
            # Metrics Insights over every rule of the account and region: an alarm per rule
            # would cost 15 alarms, and a lost event of any rule deserves someone's attention.
            summary="EventBridge could not deliver events of a rule in this account and region "
            "to a target nor to its dead-letter queue (events lost; the RuleName dimension of "
            "InvocationsFailedToBeSentToDlq says which rule).",
            notify=[topic],
            resource=self.node.id,
            signal="lost-events",
        )
        return [dead_letters, lost]


@dataclass(frozen=True)
class _Targets:
    """The targets, by kind."""

    topics: list[sns.ITopic]
    functions: list[lambda_.IFunction]
    buses: list[events.IEventBus]


def _compile_pattern(check: Check, spec: SecurityDetectionSpec) -> None:
    """Compile the detection's event pattern with the library's own parser: a pattern
    EventBridge would refuse fails here, at construct time, naming the bad part."""
    try:
        compile_event_pattern(spec.pattern)
    except EventPatternSyntaxError as error:
        check.fail("detections", f"{spec.detection.value}: {error}")


def _check_event_bus(check: Check, event_bus: object) -> None:
    if event_bus is not None and not hasattr(event_bus, "event_bus_arn"):
        check.fail(
            "event_bus",
            f"expected an events.IEventBus (or None for the default bus), got {event_bus!r}; "
            "for a bus of another app, pass events.EventBus.from_event_bus_name(scope, id, name)",
        )


def _chosen_detections(
    check: Check, detections: Collection[SecurityDetection]
) -> list[SecurityDetection]:
    if isinstance(detections, str | SecurityDetection) or not isinstance(detections, Collection):
        check.fail(
            "detections",
            "expected a collection of SecurityDetection (e.g. "
            f"[SecurityDetection.ROOT_ACCOUNT_USAGE]), got {detections!r}",
        )
    chosen = list(dict.fromkeys(detections))
    if not chosen:
        check.fail("detections", "name at least one SecurityDetection")
    for detection in chosen:
        if not isinstance(detection, SecurityDetection):
            check.fail("detections", f"{detection!r} is not a SecurityDetection")
    return chosen


def _sort_targets(check: Check, given: Sequence[SecurityTarget]) -> _Targets:
    if isinstance(given, str) or not isinstance(given, Sequence):
        check.fail(
            "targets",
            f"expected a list of topics, Lambda functions or event buses, got {given!r}",
        )
    if not given:
        check.fail("targets", "name at least one topic, Lambda function or event bus")
    targets = _Targets(topics=[], functions=[], buses=[])
    for target in given:
        if isinstance(target, AlarmTopic):
            targets.topics.append(target.topic)
        elif hasattr(target, "topic_arn"):
            targets.topics.append(target)  # type: ignore[arg-type]
        elif hasattr(target, "function_arn"):
            targets.functions.append(target)  # type: ignore[arg-type]
        elif hasattr(target, "event_bus_arn"):
            targets.buses.append(target)
        else:
            hint = (
                "; import one by ARN (sns.Topic.from_topic_arn, ...) rather than naming it"
                if isinstance(target, str)
                else ""
            )
            check.fail(
                "targets",
                f"{target!r} is not a target; use an AlarmTopic or SNS topic, a Lambda "
                f"function or an event bus{hint}",
            )
    return targets


def _monitor_topic(
    check: Check, monitor_topic: AlarmTopic | sns.ITopic | None, topics: list[sns.ITopic]
) -> sns.ITopic:
    """Where the rules' own failures go: ``monitor_topic``, else the first topic target."""
    if monitor_topic is not None:
        if not isinstance(monitor_topic, AlarmTopic) and not hasattr(monitor_topic, "topic_arn"):
            check.fail(
                "monitor_topic",
                f"expected an AlarmTopic or an sns.ITopic, got {monitor_topic!r}; for a topic "
                "of another app, pass sns.Topic.from_topic_arn(scope, id, arn)",
            )
        return topic_of(monitor_topic)
    if not topics:
        check.fail(
            "monitor_topic",
            "the targets include no topic, so pass monitor_topic: the rules' own failures "
            "must reach someone",
        )
    return topics[0]


def _pascal(text: str) -> str:
    return "".join(part.capitalize() for part in text.split("-"))
