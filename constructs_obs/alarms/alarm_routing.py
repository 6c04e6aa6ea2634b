"""AlarmRouting: where alarms go, by severity, written once for every alarm of the library.

Targets per severity can be an :class:`AlarmTopic` (or any SNS topic), a Lambda function
(CloudWatch's native Lambda alarm action, with one permission per function that covers every
alarm of the routing, so one function can serve many alarms), an ``AlarmRemediation``, EC2 or
Auto Scaling alarm actions, and incident targets. Incident targets are reached through one
EventBridge rule per severity on "CloudWatch Alarm State Change" for this routing's alarms
(matched by their name prefix, or by their ARNs), which sends a readable event to a custom
event bus (same or another account), an API destination, or creates an OpsItem; every rule
target has a retry policy (where EventBridge allows one) and a dead-letter queue, and the
dead-letter queue and the rules' failed invocations have alarms of their own.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Collection, Sequence
from typing import Any, Protocol, runtime_checkable

import jsii
from aws_cdk import Annotations, Aspects, Duration, IAspect, IStableListProducer, Lazy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct, IValidation, Node

from constructs_obs.alarms.incident_target import (
    OPS_ITEM_CATEGORIES,
    IncidentKind,
    IncidentMatch,
    IncidentTarget,
    RuleDelivery,
    add_incident_targets,
    readable_event,
)
from constructs_obs.alarms.naming import name_part
from constructs_obs.alarms.severity import Severity
from constructs_obs.detections import EventPatternSyntaxError, compile_event_pattern
from constructs_obs.private.alarm_checks import check_list
from constructs_obs.private.keys import resolve_key
from constructs_obs.private.monitors import add_dead_letter_alarm, add_monitor_alarm
from constructs_obs.private.names import register_routing_prefix
from constructs_obs.private.queues import dead_letter_queue
from constructs_obs.private.validate import Check

__all__ = ["AlarmActionSource", "AlarmRouting"]

_PREFIX_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
MAX_RETRY_ATTEMPTS = 185
MAX_EVENT_AGE = Duration.hours(24)
MAX_ACTIONS_PER_STATE = 5
MAX_RULE_NAME = 64
SILENT_TOPIC_WARNING_ID = "constructs-obs:alarm-topic-without-subscribers"
_TARGETS = "targets (AlarmTopic, sns.ITopic, Lambda function, alarm action, IncidentTarget)"
# The routing's own monitors end with this instead of a severity, so that the incident rules
# (``<prefix>-*-<severity>``) do not route a failure of the incident path into itself.
MONITOR_SUFFIX = "monitor"


@runtime_checkable
class AlarmActionSource(Protocol):
    """Anything that can be routed to: it names the topic or function alarms should notify."""

    def alarm_action_target(self) -> sns.ITopic | lambda_.IFunction: ...


RouteTarget = (
    AlarmActionSource | sns.ITopic | lambda_.IFunction | cloudwatch.IAlarmAction | IncidentTarget
)


@jsii.implements(cloudwatch.IAlarmAction)
class _FunctionAlarmAction:
    """CloudWatch's native Lambda alarm action; the permission is granted once by the routing."""

    def __init__(self, function: lambda_.IFunction) -> None:
        self._function = function

    def bind(self, _scope: Construct, _alarm: cloudwatch.IAlarm) -> cloudwatch.AlarmActionConfig:
        return cloudwatch.AlarmActionConfig(alarm_action_arn=self._function.function_arn)


class AlarmRouting(Construct):
    r"""Targets per severity, applied to every alarm created with ``routing=...``.

    Parameters
    ----------
    name_prefix:
        Starts the name of every alarm routed here (``<prefix>-<resource>-<signal>-<severity>``)
        and is how the Lambda permission and the incident rules recognise them. Refused when
        it overlaps another routing's prefix in the same account and region (``shop`` and
        ``shop-eu``); an alarm's own ``alarm_name`` must keep the ``<prefix>-...-<severity>``
        shape. The routing's own monitors end with ``-monitor``, outside its incident rules.
    critical / warning:
        Targets for each severity, a list (``critical=[topic]``). A severity whose only
        targets are ``AlarmTopic``\ s without a subscriber in this app gets a synth-time
        warning naming them (a warning: AWS Chatbot or another app may subscribe them).
    ok_actions / insufficient_data_actions:
        Severities whose topics (and incident targets) also hear when an alarm returns to OK
        / lacks data. Default: OK for both severities, INSUFFICIENT_DATA for none.
    incident_match:
        How the incident rules match this routing's alarms. Default: by name prefix.
    incident_retry_attempts / incident_max_event_age:
        Retry policy of every incident rule target, event buses included (set on the rule's
        L1 where aws-cdk-lib's helper has no retry policy). Default: 185 attempts within 24
        hours (EventBridge's maximum). The incident rules are named
        ``<prefix>-<severity>-incidents``, so that their targets' roles can trust EventBridge
        for that rule only.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name_prefix: str,
        critical: Sequence[RouteTarget] = (),
        warning: Sequence[RouteTarget] = (),
        ok_actions: Collection[Severity] = (Severity.CRITICAL, Severity.WARNING),
        insufficient_data_actions: Collection[Severity] = (),
        incident_match: IncidentMatch = IncidentMatch.NAME_PREFIX,
        incident_retry_attempts: int = MAX_RETRY_ATTEMPTS,
        incident_max_event_age: Duration = MAX_EVENT_AGE,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id)
        self._check = Check("AlarmRouting", id)
        self.name_prefix = self._register_prefix(name_prefix)
        self._check_retry_policy(incident_retry_attempts, incident_max_event_age)
        self._targets: dict[Severity, tuple[RouteTarget, ...]] = {
            Severity.CRITICAL: check_list(self._check, "critical", critical, _TARGETS),
            Severity.WARNING: check_list(self._check, "warning", warning, _TARGETS),
        }
        self._check_targets()
        _check_severities(self._check, "ok_actions", ok_actions)
        _check_severities(self._check, "insufficient_data_actions", insufficient_data_actions)
        self._check.choice(
            "incident_match",
            incident_match,
            tuple(IncidentMatch),
            "IncidentMatch.NAME_PREFIX or IncidentMatch.ALARM_ARNS",
        )

        self._retry_attempts = incident_retry_attempts
        self._max_event_age = incident_max_event_age
        self._ok = frozenset(ok_actions)
        self._insufficient = frozenset(insufficient_data_actions)
        self._incident_match = incident_match
        self._routed_alarm_arns: dict[Severity, list[str]] = {s: [] for s in Severity}
        self._permitted: dict[str, lambda_.CfnPermission] = {}
        self._resolved: dict[Severity, list[tuple[str, cloudwatch.IAlarmAction]]] = {}
        self._encryption_key_given = encryption_key
        self._encryption_key: kms.IKey | None = None
        self.dead_letter_queue: sqs.Queue | None = None
        self.incident_rules: dict[Severity, events.Rule] = {}
        self.monitor_alarms: list[cloudwatch.Alarm] = []
        self._create_incident_rules()
        Aspects.of(self).add(_SilentTopicWarning(self))

    # -- validation --------------------------------------------------------------------------

    def _register_prefix(self, name_prefix: str) -> str:
        """The prefix, lower-cased, once no other routing of the account and region overlaps
        it."""
        self._check.text(
            "name_prefix",
            name_prefix,
            max_length=64,
            pattern=_PREFIX_PATTERN,
            pattern_doc="must start with a letter or digit and contain only letters, digits, "
            "'_', '.', '-' (at most 64 characters)",
        )
        return register_routing_prefix(self, self._check, name_part(name_prefix))

    def _check_retry_policy(self, retry_attempts: int, max_event_age: Duration) -> None:
        """EventBridge's retry policy limits: 0 to 185 attempts within 1 minute to 24 hours."""
        self._check.integer(
            "incident_retry_attempts", retry_attempts, minimum=0, maximum=MAX_RETRY_ATTEMPTS
        )
        self._check.seconds("incident_max_event_age", max_event_age, minimum=60, maximum=86_400)

    # -- targets -----------------------------------------------------------------------------

    def _check_targets(self) -> None:
        for severity, chosen in self._targets.items():
            for target in chosen:
                self._check_target(severity, target)

    def _check_target(self, severity: Severity, target: object) -> None:
        if isinstance(target, str):
            self._check.fail(
                severity.value,
                f"{target!r} is a string; pass the target itself (an AlarmTopic, sns.ITopic, "
                "Lambda function, AlarmRemediation, alarm action or IncidentTarget), not a name",
            )
        allowed = (
            isinstance(target, IncidentTarget | AlarmActionSource)
            or _is_topic(target)
            or _is_function(target)
            or _is_alarm_action(target)
        )
        if not allowed:
            self._check.fail(
                severity.value,
                f"{target!r} is not a target; use an AlarmTopic or sns.ITopic, a Lambda "
                "function or AlarmRemediation, an EC2/Auto Scaling alarm action, or an "
                "IncidentTarget",
            )
        if isinstance(target, IncidentTarget) and target.kind is IncidentKind.OPS_ITEM:
            self._check.choice(
                severity.value,
                target.ops_item_category,
                OPS_ITEM_CATEGORIES,
                ", ".join(OPS_ITEM_CATEGORIES),
            )
            self._check.choice(
                severity.value, target.ops_item_severity, ("1", "2", "3", "4"), "'1' to '4'"
            )

    def targets(self, severity: Severity) -> tuple[RouteTarget, ...]:
        return self._targets[severity]

    def topics(self, severity: Severity) -> list[sns.ITopic]:
        found: list[sns.ITopic] = []
        for target in self._targets[severity]:
            resolved = (
                target.alarm_action_target() if isinstance(target, AlarmActionSource) else target
            )
            if _is_topic(resolved):
                found.append(resolved)  # type: ignore[arg-type]
        return found

    # -- applying to alarms ------------------------------------------------------------------

    def route(
        self,
        alarm: cloudwatch.Alarm | cloudwatch.CompositeAlarm,
        severity: Severity,
        extra_actions: Sequence[cloudwatch.IAlarmAction] = (),
    ) -> None:
        """Add this routing's actions for ``severity`` (and ``extra_actions``) to ``alarm``;
        called by the library's alarm factories, users rarely call it themselves. CloudWatch
        allows 5 actions per alarm state: more is refused here."""
        if not self._targets[severity]:
            self._check.fail(
                severity.value,
                f"no {severity.value} targets, so alarm {alarm.node.path} would notify nobody; "
                f"add {severity.value} targets or create the alarm with another severity",
            )
        on_alarm, on_ok, on_insufficient = self._actions_for(alarm, severity)
        has_incidents = any(isinstance(t, IncidentTarget) for t in self._targets[severity])
        if not on_alarm and not extra_actions and not has_incidents:
            self._check.fail(
                severity.value,
                f"alarm {alarm.node.path} would notify nobody: the {severity.value} targets are "
                "EC2 actions, which apply only to a metric alarm on one instance (an InstanceId "
                "dimension); add a topic, function or incident target to this severity",
            )
        for state, actions in (
            ("alarm", [*on_alarm, *extra_actions]),
            ("OK", on_ok),
            ("INSUFFICIENT_DATA", on_insufficient),
        ):
            if len(actions) > MAX_ACTIONS_PER_STATE:
                self._check.fail(
                    severity.value,
                    f"alarm {alarm.node.path} would get {len(actions)} {state} actions; "
                    f"CloudWatch allows {MAX_ACTIONS_PER_STATE} per state: route fewer targets to "
                    "one severity (an AlarmTopic fans out to any number of subscribers)",
                )
        alarm.add_alarm_action(*on_alarm, *extra_actions)
        if on_ok:
            alarm.add_ok_action(*on_ok)
        if on_insufficient:
            alarm.add_insufficient_data_action(*on_insufficient)
        if self._incident_match is IncidentMatch.ALARM_ARNS:
            self._routed_alarm_arns[severity].append(alarm.alarm_arn)

    def _actions_for(
        self, alarm: cloudwatch.Alarm | cloudwatch.CompositeAlarm, severity: Severity
    ) -> tuple[
        list[cloudwatch.IAlarmAction], list[cloudwatch.IAlarmAction], list[cloudwatch.IAlarmAction]
    ]:
        """The ALARM, OK and INSUFFICIENT_DATA actions this routing gives ``alarm``."""
        composite = isinstance(alarm, cloudwatch.CompositeAlarm)
        on_alarm: list[cloudwatch.IAlarmAction] = []
        on_ok: list[cloudwatch.IAlarmAction] = []
        on_insufficient: list[cloudwatch.IAlarmAction] = []
        for kind, action in self._resolved_targets(severity):
            if kind == "topic":
                on_alarm.append(action)
                if severity in self._ok:
                    on_ok.append(action)
                if severity in self._insufficient:
                    on_insufficient.append(action)
            elif kind == "function":
                # Metric and composite alarms both invoke Lambda functions natively.
                on_alarm.append(action)
            elif not composite and _applies(action, alarm):
                # EC2 actions go to the alarms of one instance's metric only (documented);
                # composite alarms take no EC2 or Auto Scaling action.
                on_alarm.append(action)
        return on_alarm, on_ok, on_insufficient

    def _resolved_targets(self, severity: Severity) -> list[tuple[str, cloudwatch.IAlarmAction]]:
        """The severity's alarm actions (incident targets aside), resolved once and shared by
        every alarm routed here: a topic's SnsAction, a function's native action, or others."""
        if severity in self._resolved:
            return self._resolved[severity]
        found: list[tuple[str, Any]] = []
        for target in self._targets[severity]:
            if isinstance(target, IncidentTarget):
                continue
            resolved: Any = (
                target.alarm_action_target() if isinstance(target, AlarmActionSource) else target
            )
            if _is_topic(resolved):
                found.append(("topic", cw_actions.SnsAction(resolved)))
            elif _is_function(resolved):
                found.append(("function", self._function_action(resolved)))
            else:
                found.append(("other", resolved))
        self._resolved[severity] = found
        return found

    def _function_action(self, function: lambda_.IFunction) -> _FunctionAlarmAction:
        key = function.node.addr
        if key not in self._permitted:
            stack = Stack.of(self)
            self._permitted[key] = lambda_.CfnPermission(
                self,
                f"AlarmsInvoke{len(self._permitted) + 1}",
                action="lambda:InvokeFunction",
                function_name=function.function_arn,
                principal="lambda.alarms.cloudwatch.amazonaws.com",
                source_account=stack.account,
                source_arn=f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:"
                f"alarm:{self.name_prefix}-*",
            )
        return _FunctionAlarmAction(function)

    # -- incident routing --------------------------------------------------------------------

    def _create_incident_rules(self) -> None:
        """One rule per severity that has incident targets."""
        for severity in Severity:
            incidents = [t for t in self._targets[severity] if isinstance(t, IncidentTarget)]
            if incidents:
                self._create_incident_rule(severity, incidents)

    def _key(self) -> kms.IKey:
        if self._encryption_key is None:
            self._encryption_key = resolve_key(
                self,
                "Key",
                check=self._check,
                encryption_key=self._encryption_key_given,
                encryption_key_props=None,
                description=f"Encrypts the incident dead-letter queue of {self.node.path}",
            )
        return self._encryption_key

    def _dead_letters(self) -> sqs.Queue:
        if self.dead_letter_queue is None:
            self.dead_letter_queue = dead_letter_queue(
                self,
                "IncidentDeadLetters",
                encryption_key=self._key(),
                producers=["events.amazonaws.com"],
            )
            self.monitor_alarms.append(
                add_dead_letter_alarm(
                    self,
                    "IncidentDeadLettersAlarm",
                    queue=self.dead_letter_queue,
                    summary="Incident events could not be delivered and wait in the "
                    f"dead-letter queue of {self.node.path}.",
                    notify=self._all_topics(),
                    resource=f"{self.name_prefix}-incident-routing",
                    alarm_name=f"{self.name_prefix}-incident-routing-dead-letters-{MONITOR_SUFFIX}",
                )
            )
        return self.dead_letter_queue

    def _all_topics(self) -> list[sns.ITopic]:
        """Every topic the routing knows, critical first: its own monitors notify them."""
        topics: dict[str, sns.ITopic] = {}
        for severity in (Severity.CRITICAL, Severity.WARNING):
            for topic in self.topics(severity):
                topics.setdefault(topic.node.addr, topic)
        return list(topics.values())

    def _state_values(self, severity: Severity) -> list[str]:
        states = ["ALARM"]
        if severity in self._ok:
            states.append("OK")
        if severity in self._insufficient:
            states.append("INSUFFICIENT_DATA")
        return states

    def _pattern(self, severity: Severity) -> events.EventPattern:
        detail: dict[str, object] = {"state": {"value": self._state_values(severity)}}
        resources: list[str] | None = None
        if self._incident_match is IncidentMatch.NAME_PREFIX:
            detail["alarmName"] = [{"wildcard": f"{self.name_prefix}-*-{severity.value}"}]
        else:
            routed = self._routed_alarm_arns[severity]
            resources = Lazy.list(_ListOf(routed))
            self.node.add_validation(_NonEmptyArns(routed, severity))
        self._self_check(detail)
        return events.EventPattern(
            source=["aws.cloudwatch"],
            detail_type=["CloudWatch Alarm State Change"],
            detail=detail,
            resources=resources,
        )

    def _self_check(self, detail: dict[str, object]) -> None:
        """Compile the incident pattern (its literal part: ARNs are known at synthesis) with
        the library's EventBridge parser: the library validates what it writes."""
        pattern = {
            "source": ["aws.cloudwatch"],
            "detail-type": ["CloudWatch Alarm State Change"],
            "detail": detail,
        }
        try:
            compile_event_pattern(pattern)
        except EventPatternSyntaxError as error:
            self._check.fail(
                "name_prefix", f"the incident rule's event pattern is invalid: {error}"
            )

    def _rule_name(self, severity: Severity) -> str:
        """``<prefix>-<severity>-incidents``, unique in the account and region as the prefix
        is; a prefix too long for EventBridge's 64 characters is shortened with a hash."""
        suffix = f"-{severity.value}-incidents"
        name = f"{self.name_prefix}{suffix}"
        if len(name) <= MAX_RULE_NAME:
            return name
        digest = hashlib.sha256(self.name_prefix.encode()).hexdigest()[:8]
        return f"{self.name_prefix[: MAX_RULE_NAME - len(suffix) - 9]}-{digest}{suffix}"

    def _create_incident_rule(self, severity: Severity, incidents: list[IncidentTarget]) -> None:
        stack = Stack.of(self)
        rule_name = self._rule_name(severity)
        rule = events.Rule(
            self,
            f"{severity.value.capitalize()}Incidents",
            rule_name=rule_name,
            description=f"{severity.value} alarms of '{self.name_prefix}' to incident targets",
            event_pattern=self._pattern(severity),
        )
        self.incident_rules[severity] = rule
        delivery = RuleDelivery(
            severity=severity,
            rule_arn=f"arn:{stack.partition}:events:{stack.region}:{stack.account}:rule/"
            f"{rule_name}",
            message=readable_event(severity),
            dead_letter_queue=self._dead_letters(),
            retry_attempts=self._retry_attempts,
            max_event_age=self._max_event_age,
        )
        add_incident_targets(self, rule, incidents, delivery)
        self._watch_incident_rule(severity, rule)

    def _watch_incident_rule(self, severity: Severity, rule: events.Rule) -> None:
        """An alarm on the rule's failed invocations (retries exhausted or refused)."""
        self.monitor_alarms.append(
            add_monitor_alarm(
                self,
                f"{severity.value.capitalize()}IncidentsFailedAlarm",
                metric=cloudwatch.Metric(
                    namespace="AWS/Events",
                    metric_name="FailedInvocations",
                    dimensions_map={"RuleName": rule.rule_name},
                    statistic="Sum",
                    period=Duration.minutes(5),
                ),
                summary=f"The incident rule failed to deliver events for {severity.value} "
                f"alarms of '{self.name_prefix}' (retries exhausted or refused).",
                notify=self._all_topics(),
                resource=f"{self.name_prefix}-incident-routing",
                signal=f"{severity.value}-failed",
                alarm_name=f"{self.name_prefix}-incident-routing-{severity.value}-failed-"
                f"{MONITOR_SUFFIX}",
            )
        )


@runtime_checkable
class _Subscribable(Protocol):
    """A topic that knows whether this app subscribes anything to it (``AlarmTopic``)."""

    @property
    def node(self) -> Node: ...

    def has_subscribers(self) -> bool: ...


@jsii.implements(IAspect)
class _SilentTopicWarning:
    """Synth-time warning: a severity whose only targets are topics nobody subscribes to.

    A warning, not an error: a topic can be subscribed outside SNS subscriptions this app
    defines (an AWS Chatbot channel, another app), which the library cannot see."""

    def __init__(self, routing: AlarmRouting) -> None:
        self._routing = routing

    def visit(self, node: IConstruct) -> None:
        if node is not self._routing:
            return
        heard = functools.cache(lambda topic: topic.has_subscribers())  # once: reads the app
        for severity in Severity:
            chosen = self._routing.targets(severity)
            silent = [t for t in chosen if isinstance(t, _Subscribable)]
            if not chosen or len(silent) < len(chosen):
                continue
            if any(heard(t) for t in silent):
                continue
            paths = ", ".join(t.node.path for t in silent)
            Annotations.of(self._routing).add_warning_v2(
                SILENT_TOPIC_WARNING_ID,
                f"The {severity.value} alarms of '{self._routing.name_prefix}' notify only "
                f"{paths}, which has no subscriber in this app: they reach nobody. Add "
                "email_addresses, https_endpoints, sqs_queues or lambda_functions (or ignore "
                "this if the topic is subscribed elsewhere, e.g. by AWS Chatbot).",
            )


@jsii.implements(IStableListProducer)
class _ListOf:
    """Produces the list as it is at synthesis (alarms are routed after the rule exists)."""

    def __init__(self, items: list[str]) -> None:
        self._items = items

    def produce(self) -> list[str] | None:
        return list(self._items)


@jsii.implements(IValidation)
class _NonEmptyArns:
    """Synth-time check: ARN matching with no routed alarm makes a rule that never fires."""

    def __init__(self, arns: list[str], severity: Severity) -> None:
        self._arns = arns
        self._severity = severity

    def validate(self) -> list[str]:
        if self._arns:
            return []
        return [
            f"AlarmRouting: incident_match=ALARM_ARNS but no {self._severity.value} alarm was "
            "routed here, so the incident rule would never fire"
        ]


def _check_severities(check: Check, parameter: str, severities: object) -> None:
    if not isinstance(severities, list | tuple | set | frozenset):
        check.fail(
            parameter,
            f"expected a collection of Severity values, e.g. [Severity.CRITICAL], "
            f"got {severities!r}",
        )
    for severity in severities:
        if not isinstance(severity, Severity):
            check.fail(
                parameter,
                f"expected Severity values (Severity.CRITICAL, Severity.WARNING), got {severity!r}",
            )


def _is_topic(target: object) -> bool:
    return hasattr(target, "topic_arn") and hasattr(target, "add_subscription")


def _is_function(target: object) -> bool:
    return hasattr(target, "function_arn") and hasattr(target, "grant_invoke")


def _is_alarm_action(target: object) -> bool:
    return callable(getattr(target, "bind", None)) and not _is_topic(target)


def _applies(action: object, alarm: cloudwatch.Alarm | cloudwatch.CompositeAlarm) -> bool:
    """EC2 actions need an alarm on one instance's metric (an InstanceId dimension)."""
    if not isinstance(action, cw_actions.Ec2Action):
        return True
    metric = getattr(alarm, "metric", None)
    if metric is None:
        return False
    config = metric.to_metric_config()
    dimensions = config.metric_stat.dimensions if config.metric_stat else None
    return any(d.name == "InstanceId" for d in dimensions or [])
