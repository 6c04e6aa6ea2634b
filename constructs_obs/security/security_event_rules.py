"""SecurityEventRules: EventBridge rules that react to security-relevant CloudTrail events.

One rule per detection of the catalogue (``security_detections``). Each target gets a readable
message built by an input transformer (who, what, where, from which IP, when, severity, ATT&CK
ids, what to check first), a retry policy where EventBridge allows one, and the construct's
encrypted dead-letter queue. Targets: alarm topics, Lambda responders, and a central event bus
in another account (the SIEM pattern) reached through a role that may only put events there.
CloudTrail must be on (see AuditTrail) for these events to flow.

Every rule has a name, ``<rule_name_prefix>-<detection id>`` (EventBridge allows 64 characters
of letters, digits, ``.``, ``-`` and ``_``; names are unique per bus), so that dashboards in
other stacks can refer to its metrics by that name without a cross-stack reference, and the
CloudFormation metadata ``ConstructsObs::Detection`` says which detection it is. EventBridge
allows 300 rules per bus by default and 2,048 characters per pattern: the catalogue's
patterns stay below that, checked here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any, Final

from aws_cdk import Annotations, Duration, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as event_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
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
from constructs_obs.private.names import register_rule_name
from constructs_obs.private.queues import dead_letter_queue
from constructs_obs.private.registry import DetectionRecord, registry_of
from constructs_obs.private.validate import Check
from constructs_obs.security.detection_settings import (
    DetectionSettings,
    check_settings,
    resolve_pattern,
)
from constructs_obs.security.detection_spec import DetectionSource, add_detection_metadata
from constructs_obs.security.security_detections import (
    ALL_SECURITY_DETECTIONS,
    SECURITY_DETECTIONS,
    SecurityDetection,
    SecurityDetectionSpec,
    check_chosen,
)
from constructs_obs.security.security_rule_targets import (
    SecurityTarget,
    Targets,
    TopicTarget,
    readable_object,
    readable_text,
    sort_targets,
)

__all__ = [
    "DEFAULT_RULE_NAME_PREFIX",
    "GLOBAL_REGION_WARNING_ID",
    "SKIPPED_DETECTION_INFO_ID",
    "SecurityEventRules",
    "SecurityTarget",
]

GLOBAL_REGION_WARNING_ID = "constructs-obs:global-service-events-region"
SKIPPED_DETECTION_INFO_ID = "constructs-obs:detection-needs-a-setting"
DEFAULT_RULE_NAME_PREFIX = "security"
MAX_RETRY_ATTEMPTS = 185
MAX_RULE_NAME_LENGTH: Final = 64
MAX_PATTERN_LENGTH: Final = 2048
READ_ONLY_EVENTS_STATE = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
_RULE_NAME: Final = re.compile(r"^[.\-_A-Za-z0-9]+$")


class SecurityEventRules(Construct):
    """EventBridge rules for the security detections of the catalogue on CloudTrail events.

    Parameters
    ----------
    targets:
        Where each detection goes: AlarmTopic or SNS topics (a readable text message), Lambda
        responders (a readable JSON object with the original ``detail``), and an event bus,
        typically a central one in a security account (the event as is). At least one.
    detections:
        Which detections (rule detections of the catalogue; ``select_detections`` picks them
        by ATT&CK tactic or severity). Default: every rule detection
        (``ALL_SECURITY_DETECTIONS``); those that need a setting the user has not given in
        ``settings`` are left out, with a note at synthesis.
    event_bus:
        The bus the rules listen on. Default: the account's default bus, where CloudTrail
        events arrive. There, rules that must see read-only calls (root use, secret and
        password reads, user-data reads ...) are in the state
        ``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`` (EventBridge charges for the
        read-only events such a rule receives); on another bus they see what the forwarding
        rule sends.
    monitor_topic:
        Where the rules' own failures (dead letters, events lost before the DLQ) go. The
        lost-events alarm watches every rule of the account and region (one Metrics Insights
        query), not only these.
        Default: the first topic among ``targets``; required when there is none.
    retry_attempts / max_event_age:
        Retry policy of the topic and Lambda targets. Default: 185 attempts within 24 hours.
    settings:
        The values some detections need (allowed Bedrock principals, the instances' egress
        addresses, unusual instance types). Default: ``DetectionSettings()``: the detections
        that need a value are left out, unusual instance types are the GPU, accelerator and
        large-memory families.
    rule_name_prefix:
        Each rule is named ``<prefix>-<detection id>``; rule names are unique per bus in an
        account and region (a second construct on the same bus needs another prefix: checked
        at construct time). Default: ``"security"``.

    Attributes
    ----------
    rules:
        Keyed by ``SecurityDetection``.
    skipped:
        The chosen detections left out for want of a setting.
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
        settings: DetectionSettings | None = None,
        rule_name_prefix: str = DEFAULT_RULE_NAME_PREFIX,
    ) -> None:
        super().__init__(scope, id)
        check = self._check = Check("SecurityEventRules", id)
        chosen = check_chosen(
            check,
            detections,
            source=DetectionSource.EVENT_RULE,
            example=SecurityDetection.ROOT_ACCOUNT_USAGE,
            elsewhere="a metric-filter detection (a count over the trail's log group): pass it "
            "to SecurityVolumeAlarms",
        )
        self._settings = check_settings(check, settings)
        chosen, self.skipped = _split_by_settings(chosen, self._settings)
        _check_prefix(check, rule_name_prefix, chosen)
        self._prefix = rule_name_prefix
        by_kind = sort_targets(check, targets)
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
        self._note_skipped()
        self._warn_about_region(chosen)
        self.monitor_alarms = self._monitors(monitor)

    def _create_rules(
        self,
        chosen: list[SecurityDetection],
        event_bus: events.IEventBus | None,
        targets: Targets,
        retries: tuple[int, Duration],
    ) -> dict[SecurityDetection, events.Rule]:
        bus_role = self._bus_role(targets.buses) if targets.buses else None
        rules: dict[SecurityDetection, events.Rule] = {}
        for detection in chosen:
            spec = SECURITY_DETECTIONS[detection]
            rule = self._rule(spec, event_bus)
            self._add_targets(rule, spec, targets, bus_role, retries)
            rules[detection] = rule
        return rules

    def _rule(self, spec: SecurityDetectionSpec, event_bus: events.IEventBus | None) -> events.Rule:
        pattern = resolve_pattern(spec.event_pattern, self._settings, self._check)
        _compile_pattern(self._check, spec, pattern)
        name = f"{self._prefix}-{spec.detection.value}"
        register_rule_name(self, self._check, name, bus=_bus_key(event_bus))
        rule = events.Rule(
            self,
            _pascal(spec.detection.value),
            rule_name=name,
            description=f"constructs-obs security detection: {spec.title}",
            event_bus=event_bus,
            event_pattern=events.EventPattern(
                source=pattern.get("source"),
                detail_type=pattern.get("detail-type"),
                detail=pattern.get("detail"),
            ),
        )
        cfn_rule = rule.node.default_child
        assert isinstance(cfn_rule, events.CfnRule)
        add_detection_metadata(
            cfn_rule,
            detection_id=spec.detection.value,
            title=spec.title,
            severity=spec.severity,
            attack=spec.attack,
        )
        if spec.read_only_events and event_bus is None:
            # Read-only calls reach only rules in this state, and only on the default bus.
            cfn_rule.state = READ_ONLY_EVENTS_STATE
        self._register(rule, spec, name)
        return rule

    def _add_targets(
        self,
        rule: events.Rule,
        spec: SecurityDetectionSpec,
        targets: Targets,
        bus_role: iam.Role | None,
        retries: tuple[int, Duration],
    ) -> None:
        """Every target, each with the dead-letter queue (and ``retries``, attempts and
        maximum event age, where EventBridge takes them)."""
        retry_attempts, age = retries
        text = events.RuleTargetInput.from_text(readable_text(spec))
        for topic in targets.topics:
            rule.add_target(TopicTarget(topic, text, self.dead_letter_queue, retry_attempts, age))
        for function in targets.functions:
            rule.add_target(
                event_targets.LambdaFunction(
                    function,
                    event=readable_object(spec),
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

    def _register(self, rule: events.Rule, spec: SecurityDetectionSpec, name: str) -> None:
        """Record the rule for the dashboard, with the metric of how often it fired, by the
        rule's literal name (a dashboard in another stack needs no import for it)."""
        registry_of(self).detections.append(
            DetectionRecord(
                path=rule.node.path,
                label=spec.title,
                kind="rule",
                metric=cloudwatch.Metric(
                    namespace="AWS/Events",
                    metric_name="TriggeredRules",
                    dimensions_map={"RuleName": name},
                    statistic="Sum",
                ),
            )
        )

    def _note_skipped(self) -> None:
        for detection in self.skipped:
            setting = SECURITY_DETECTIONS[detection].required_setting
            Annotations.of(self).add_info(
                f"[{SKIPPED_DETECTION_INFO_ID}] {detection.value} is left out: it needs "
                f"settings=DetectionSettings({setting}=[...])."
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
                f"{', '.join(global_ones)}: events of IAM and Organizations arrive in "
                f"us-east-1, not {region}; deploy these rules in us-east-1 too.",
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


def _compile_pattern(check: Check, spec: SecurityDetectionSpec, pattern: dict[str, Any]) -> None:
    """Compile the detection's event pattern with the library's own parser: a pattern
    EventBridge would refuse fails here, at construct time, naming the bad part."""
    try:
        compiled = compile_event_pattern(pattern)
    except EventPatternSyntaxError as error:
        check.fail("detections", f"{spec.detection.value}: {error}")
    if len(compiled.text) > MAX_PATTERN_LENGTH:
        check.fail(
            "settings",
            f"{spec.detection.value}: the event pattern is {len(compiled.text)} characters; "
            f"EventBridge allows {MAX_PATTERN_LENGTH} (list fewer values)",
        )


def _bus_key(event_bus: events.IEventBus | None) -> str:
    """What stands for the bus in the rule-name registry: its name, or its path."""
    if event_bus is None:
        return "default"
    name = event_bus.event_bus_name
    return event_bus.node.path if Token.is_unresolved(name) else name


def _check_prefix(check: Check, prefix: object, chosen: list[SecurityDetection]) -> None:
    if not isinstance(prefix, str) or not _RULE_NAME.match(prefix):
        check.fail(
            "rule_name_prefix",
            f"expected letters, digits, '.', '-' or '_', got {prefix!r}",
        )
    longest = max((len(d.value) for d in chosen), default=0)
    if len(prefix) + 1 + longest > MAX_RULE_NAME_LENGTH:
        check.fail(
            "rule_name_prefix",
            f"{prefix!r} makes rule names of up to {len(prefix) + 1 + longest} characters; "
            f"EventBridge allows {MAX_RULE_NAME_LENGTH} (at most "
            f"{MAX_RULE_NAME_LENGTH - 1 - longest} for these detections)",
        )


def _split_by_settings(
    chosen: list[SecurityDetection], settings: DetectionSettings
) -> tuple[list[SecurityDetection], list[SecurityDetection]]:
    """The detections that can be built, and those that need a setting not given."""
    built: list[SecurityDetection] = []
    skipped: list[SecurityDetection] = []
    for detection in chosen:
        needed = SECURITY_DETECTIONS[detection].required_setting
        (built if needed is None or settings.has(needed) else skipped).append(detection)
    return built, skipped


def _check_event_bus(check: Check, event_bus: object) -> None:
    if event_bus is not None and not hasattr(event_bus, "event_bus_arn"):
        check.fail(
            "event_bus",
            f"expected an events.IEventBus (or None for the default bus), got {event_bus!r}; "
            "for a bus of another app, pass events.EventBus.from_event_bus_name(scope, id, name)",
        )


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
