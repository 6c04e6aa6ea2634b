"""AlarmRemediation: a Lambda function that acts when an alarm fires, and is watched itself.

The function (``lambdas/alarm_remediation``) is invoked by CloudWatch's native Lambda alarm
action (an ``AlarmRouting`` that lists it among a severity's targets) and runs the action
configured for the alarm: reboot an RDS instance, stop or reboot an EC2 instance, scale
an ECS service, cap a Lambda function's concurrency, or only notify. It starts in dry-run (it
logs what it would do), acts once per alarm state change (Powertools idempotency in DynamoDB),
writes one structured audit line per decision, and may touch only the resources named in its
actions (IAM scoped to their ARNs).
Failed asynchronous invocations land in an encrypted dead-letter queue; alarms on the
function's errors and on that queue's depth notify ``monitor_topic`` (the scaffolding every
library function shares: ``private/functions.py``).

Anyone who can invoke the function or create an alarm could hand it an event; so it acts only
for the alarms it was configured for, in its own account and region, after reading the alarm's
real state with ``cloudwatch:DescribeAlarms`` (granted on those alarms' ARNs only), and counts
every event it refuses (``Refused``, by ``Reason``): a critical alarm on those counts (but the
routine ones) notifies ``monitor_topic``. ``add_action`` accepts only the alarms of this app
whose actions invoke the function (checked at synthesis), unless told ``allow_external``.
The remediation grants (DescribeAlarms and each action's) live in a managed policy of their
own, ``ActionsPolicy``, that acknowledges no cdk-nag finding: a grant on ``*`` there fails the
checks, while the X-Ray ``*`` the function needs stays acknowledged in ``Policy``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, cast

import jsii
from aws_cdk import (
    ArnFormat,
    Duration,
    IStableStringProducer,
    Lazy,
    RemovalPolicy,
    Stack,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from constructs_obs.acknowledge import acknowledge_nag, nag_ref
from constructs_obs.alarms.alarm_topic import AlarmTopic, topic_key, topic_of
from constructs_obs.alarms.naming import name_part
from constructs_obs.logs.encrypted_log_group import ALLOWED_RETENTION_DAYS, EncryptedLogGroup
from constructs_obs.private.functions import (
    FunctionNetwork,
    FunctionPermissions,
    FunctionSettings,
    add_function_errors_alarm,
    function_dead_letter_queue,
    library_function,
)
from constructs_obs.private.keys import resolve_key
from constructs_obs.private.monitors import add_dead_letter_alarm, add_monitor_alarm
from constructs_obs.private.stack_limits import watch_stack_limits
from constructs_obs.private.validate import Check, is_token
from constructs_obs.remediation._configured_alarms import ConfiguredAlarms, literal_alarm_name
from constructs_obs.remediation.remediation_action import RemediationAction

__all__ = ["POWERTOOLS_VERSION", "REFUSAL_REASONS", "ROUTINE_REFUSALS", "AlarmRemediation"]

POWERTOOLS_VERSION: Final = "3.37.0"
SERVICE_NAME: Final = "alarm-remediation"
METRICS_NAMESPACE: Final = "ConstructsObs/Remediation"
RUNTIME: Final = lambda_.Runtime.PYTHON_3_13
_POWERTOOLS_LAYER_PARAMETER: Final = (
    f"/aws/service/powertools/python/arm64/python3.13/{POWERTOOLS_VERSION}"
)
# Why the handler refuses an event: the ``Reason`` dimension (its only one) of its ``Refused``
# metric, in the order its checks run (``remediation_handler/refusal.py``).
REFUSAL_REASONS: Final = (
    "unsupported_source",
    "malformed_event",
    "malformed_alarm_arn",
    "foreign_partition",
    "foreign_account",
    "foreign_region",
    "alarm_name_mismatch",
    "no_action_configured",
    "unknown_alarm",
    "not_in_alarm",
    "replay",
    "in_progress",
)
# Refusals in normal operation, left out of the refusals alarm: a routing sends every alarm of
# a severity to the function, most of them without an action of their own, and Lambda may
# deliver one invocation twice (the idempotency record then refuses the second).
ROUTINE_REFUSALS: Final = ("no_action_configured", "replay", "in_progress")
# CloudWatch allows at most 10 metrics in the metric math of one alarm.
MAX_ALARM_METRICS: Final = 10
# IAM's wildcards: an alarm name with one would widen the DescribeAlarms grant.
_WILDCARDS: Final = ("*", "?")
_NO_VPC_REASON: Final = (
    "The function calls only AWS APIs and reaches no VPC resource; pass vpc= to run it in a "
    "VPC with endpoints."
)


@jsii.implements(IStableStringProducer)
class _ActionsJson:
    def __init__(self, scope: Construct, actions: dict[str, Mapping[str, Any]]) -> None:
        self._scope = scope
        self._actions = actions

    def produce(self) -> str | None:
        return Stack.of(self._scope).to_json_string(self._actions)


class AlarmRemediation(Construct):
    """The remediation function, its audit log group, DLQ, idempotency table and monitors.

    ``policy`` holds what the function itself needs (logs, idempotency table, DLQ, keys, X-Ray,
    the notify topic); ``actions_policy`` (``None`` until the first action) holds what its
    actions need: ``cloudwatch:DescribeAlarms`` on the configured alarms and each action's
    permissions on its one resource.

    Parameters
    ----------
    monitor_topic:
        Where the function's own alarms (errors, rejected and refused events, dead letters)
        go. Required: the monitors must reach someone, and routing them through the
        remediation itself would loop.
    actions:
        Alarm name (or alarm) -> action, each as ``add_action`` takes it (alarms of this app
        whose actions invoke the function). More can be added with ``add_action``.
        Default: none yet (the function then refuses every event, and is granted nothing).
    dry_run:
        Log and count what would be done without doing it. Default: True (turn it off once the
        audit log shows the decisions you expect).
    notify_topic:
        Where the ``notify`` action publishes. Default: ``monitor_topic``.
    reserved_concurrency:
        Caps parallel remediations. Default: 5.
    vpc / vpc_subnets:
        Run in a VPC (it calls only AWS APIs, so it needs VPC endpoints or NAT there); the
        role then gets the network interface permissions Lambda needs. Default: no VPC.
    powertools_layer:
        The Powertools for AWS Lambda (Python) layer, for partitions or regions without AWS's
        public SSM parameter, or to pin a layer you host. It must be built for
        ``python3.13`` on ``arm64``. Default: AWS's layer ``POWERTOOLS_VERSION``, looked up
        through its public SSM parameter at deploy time.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        monitor_topic: AlarmTopic | sns.ITopic,
        actions: Mapping[str | cloudwatch.IAlarm, RemediationAction] | None = None,
        dry_run: bool = True,
        notify_topic: AlarmTopic | sns.ITopic | None = None,
        reserved_concurrency: int = 5,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        encryption_key: kms.IKey | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        powertools_layer: lambda_.ILayerVersion | None = None,
    ) -> None:
        super().__init__(scope, id)
        watch_stack_limits(self)
        self._check = Check("AlarmRemediation", id)
        self._validate(dry_run, reserved_concurrency, vpc, vpc_subnets, actions)
        _check_kinds(
            self._check,
            topics={"monitor_topic": monitor_topic, "notify_topic": notify_topic},
            log_retention=log_retention,
            powertools_layer=powertools_layer,
            vpc=vpc,
        )
        monitor = topic_of(monitor_topic)
        notify_source = notify_topic if notify_topic is not None else monitor_topic
        notify = topic_of(notify_source)
        self._create_storage(encryption_key, log_retention)
        self._actions: dict[str, Mapping[str, Any]] = {}
        self._create_function(
            self._settings(dry_run, reserved_concurrency, notify, powertools_layer),
            self._statements(notify, topic_key(notify_source)),
            FunctionNetwork(_NO_VPC_REASON, vpc, vpc_subnets),
        )
        self._create_action_checks()
        for alarm, action in (actions or {}).items():
            self.add_action(alarm, action)
        self._create_monitors(monitor)

    def _validate(
        self,
        dry_run: bool,
        reserved_concurrency: int,
        vpc: ec2.IVpc | None,
        vpc_subnets: ec2.SubnetSelection | None,
        actions: object,
    ) -> None:
        if actions is not None and not isinstance(actions, Mapping):
            self._check.fail(
                "actions", f"expected a mapping of alarm -> action, got {type(actions).__name__}"
            )
        if vpc is None and vpc_subnets is not None:
            self._check.fail("vpc_subnets", "only allowed together with vpc")
        self._check.integer("reserved_concurrency", reserved_concurrency, minimum=1, maximum=1000)
        if not isinstance(dry_run, bool):
            self._check.fail("dry_run", f"expected True or False, got {dry_run!r}")

    def _create_storage(
        self, encryption_key: kms.IKey | None, log_retention: logs.RetentionDays
    ) -> None:
        """The key, the audit log group, the dead-letter queue and the idempotency table."""
        self.encryption_key = resolve_key(
            self,
            "Key",
            check=self._check,
            encryption_key=encryption_key,
            encryption_key_props=None,
            description=f"Encrypts the remediation function {self.node.path}: logs, "
            "dead letters, idempotency records, environment",
        )
        self.log_group = EncryptedLogGroup(
            self, "Logs", encryption_key=self.encryption_key, retention=log_retention
        )
        self.dead_letter_queue = function_dead_letter_queue(
            self, encryption_key=self.encryption_key
        )
        self.idempotency_table = dynamodb.Table(
            self,
            "Idempotency",
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.encryption_key,
            time_to_live_attribute="expiration",
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=RemovalPolicy.DESTROY,
        )
        transient = (
            "Idempotency records expire after 24 hours (TTL); they are not audit data and need "
            "no backup plan (the audit trail is the function's log group)."
        )
        acknowledge_nag(self.idempotency_table, "NIST.800.53.R5-DynamoDBInBackupPlan", transient)

    def _statements(
        self, notify: sns.ITopic, notify_key: kms.IKey | None
    ) -> list[iam.PolicyStatement]:
        """Everything but the remediations themselves (``add_action`` adds those)."""
        statements = [
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group.log_group_arn],
            ),
            iam.PolicyStatement(
                actions=[
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                ],
                resources=[self.idempotency_table.table_arn],
            ),
            iam.PolicyStatement(
                actions=["sqs:SendMessage"], resources=[self.dead_letter_queue.queue_arn]
            ),
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                resources=[self.encryption_key.key_arn],
            ),
            # X-Ray's trace APIs have no resource-level permissions: "*" is required.
            iam.PolicyStatement(
                actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                resources=["*"],
            ),
            iam.PolicyStatement(actions=["sns:Publish"], resources=[notify.topic_arn]),
        ]
        if notify_key is not None:
            statements.append(
                iam.PolicyStatement(
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=[notify_key.key_arn],
                )
            )
        return statements

    def _settings(
        self,
        dry_run: bool,
        reserved_concurrency: int,
        notify: sns.ITopic,
        powertools_layer: lambda_.ILayerVersion | None,
    ) -> FunctionSettings:
        powertools = powertools_layer or lambda_.LayerVersion.from_layer_version_arn(
            self,
            "Powertools",
            ssm.StringParameter.value_for_string_parameter(self, _POWERTOOLS_LAYER_PARAMETER),
        )
        return FunctionSettings(
            handler="alarm_remediation",
            description="Runs the remediation configured for a CloudWatch alarm",
            runtime=RUNTIME,
            timeout=Duration.seconds(60),
            memory_size=256,
            reserved_concurrency=reserved_concurrency,
            environment={
                "REMEDIATION_ACTIONS": Lazy.string(_ActionsJson(self, self._actions)),
                "DRY_RUN": "true" if dry_run else "false",
                "IDEMPOTENCY_TABLE": self.idempotency_table.table_name,
                "NOTIFY_TOPIC_ARN": notify.topic_arn,
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            },
            layers=[powertools],
            tracing=lambda_.Tracing.ACTIVE,
            environment_encryption=self.encryption_key,
            max_event_age=Duration.hours(6),
            acknowledgements={
                "AwsSolutions-L1": f"Runtime pinned to {RUNTIME.name} to match the pinned "
                f"Powertools layer {POWERTOOLS_VERSION} for that runtime; bump both together.",
            },
        )

    def _create_function(
        self,
        settings: FunctionSettings,
        statements: list[iam.PolicyStatement],
        network: FunctionNetwork,
    ) -> None:
        """The function, its role and its least-privilege managed policy."""
        created = library_function(
            self,
            "Resource",
            settings=settings,
            permissions=FunctionPermissions(
                role_description="Remediation function: only the actions on the resources it "
                "remediates",
                policy_description="Least privilege for the alarm remediation function",
                statements=statements,
                star_reason="X-Ray PutTraceSegments/PutTelemetryRecords support no "
                "resource-level permissions.",
            ),
            network=network,
            log_group=self.log_group.log_group,
            dead_letter_queue=self.dead_letter_queue,
        )
        self.role = created.role
        self.policy = created.policy
        self.function = created.function
        acknowledge_nag(
            self.policy,
            f"AwsSolutions-IAM5[Resource::{nag_ref(self, self.log_group.log_group.log_group_arn)}]",
            "The log group ARN ends with :* to cover its log streams (named by Lambda).",
        )

    def _create_monitors(self, monitor: sns.ITopic) -> None:
        """Alarms on the function's errors, rejected and refused events and dead letters."""
        self.errors_alarm = add_function_errors_alarm(
            self,
            self.function,
            summary="The remediation function failed (the event was retried, then sent to its "
            f"DLQ). ({self.node.path})",
            notify=[monitor],
        )
        self.rejected_alarm = self._monitor(
            "RejectedAlarm",
            cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name="Rejected",
                dimensions_map={"service": SERVICE_NAME},
                statistic="Sum",
                period=Duration.minutes(5),
            ),
            "The remediation function rejected an event (malformed, or an invalid action "
            "configuration); its log group says why.",
            monitor,
        )
        self.refused_alarm = self._monitor(
            "RefusedAlarm",
            _refusals_metric(),
            "The remediation function refused an event it may not act on (not CloudWatch's "
            "alarm action, malformed, another account, region or partition, an alarm that does "
            "not exist or is not in ALARM): a forged or misrouted event. Its log group says "
            "which.",
            monitor,
        )
        self.dead_letters_alarm = add_dead_letter_alarm(
            self,
            "DeadLettersAlarm",
            queue=self.dead_letter_queue,
            summary="Alarm events the remediation function could not process wait in its DLQ "
            f"({self.node.path}).",
            notify=[monitor],
            resource=self.node.id,
        )

    def alarm_action_target(self) -> lambda_.IFunction:
        """What an alarm routed to this remediation invokes."""
        return self.function

    def add_action(
        self,
        alarm: str | cloudwatch.IAlarm,
        action: RemediationAction,
        *,
        allow_external: bool = False,
    ) -> None:
        """Run ``action`` when ``alarm`` (a name or an alarm) goes into ALARM.

        The alarm must be an alarm of this app: one the library created (by its name) or an
        alarm construct given here, in the function's account and region, whose actions invoke
        the function (route its severity to this AlarmRemediation). This is checked when the
        app is synthesized, since the alarm may be created after this call.

        allow_external:
            The alarm is made elsewhere (another app, the console, an imported alarm): skip
            the check. Default: False.
        """
        if not isinstance(allow_external, bool):
            self._check.fail("allow_external", f"expected True or False, got {allow_external!r}")
        if not isinstance(action, RemediationAction):
            self._check.fail(
                "actions",
                f"expected a RemediationAction (built with its class methods), got "
                f"{type(action).__name__}",
            )
        name, construct = self._alarm_name(alarm, allow_external)
        if not is_token(name) and name in self._actions:
            self._check.fail("actions", f"alarm {name!r} already has an action")
        resource = action.resource(Stack.of(self))
        self._actions[name] = dict(action.config)
        if not allow_external:
            self._configured.expect(name, construct)
        self._grant(name, action.iam_actions, resource)

    def _alarm_name(
        self, alarm: object, allow_external: bool
    ) -> tuple[str, cloudwatch.IAlarm | None]:
        """The alarm's literal name, and the alarm when it is a construct of this app."""
        if isinstance(alarm, str):
            if is_token(alarm) and not allow_external:
                self._check.fail(
                    "actions",
                    "an alarm name that is a token cannot be matched with this app's alarms: "
                    "pass the name as written, the alarm itself, or add_action(..., "
                    "allow_external=True) for an alarm made elsewhere",
                )
            return self._check_name(alarm), None
        if not (hasattr(alarm, "alarm_arn") and hasattr(alarm, "node")):
            self._check.fail(
                "actions",
                f"expected an alarm name or a cloudwatch.IAlarm, got {type(alarm).__name__}",
            )
        construct = cast("cloudwatch.IAlarm", alarm)
        name = self._check_name(_literal_name(construct, self._check))
        if construct.node.default_child is not None:
            return name, construct
        if not allow_external:
            self._check.fail(
                "actions",
                f"alarm {name!r} ({construct.node.path}) is imported, made outside this app: "
                "nothing here makes it invoke the function. If it does (its actions set up "
                "elsewhere), say so with add_action(..., allow_external=True)",
            )
        return name, None

    def _check_name(self, name: str) -> str:
        self._check.text("actions", name, max_length=255)
        wildcards = [w for w in _WILDCARDS if not is_token(name) and w in name]
        if wildcards:
            self._check.fail(
                "actions",
                f"alarm name {name!r} contains {' and '.join(map(repr, wildcards))}: the "
                "function's cloudwatch:DescribeAlarms is granted on the alarms' ARNs, where "
                "IAM reads it as a wildcard",
            )
        return name

    def _create_action_checks(self) -> None:
        """The synth-time check of the configured alarms; their grants come with the first."""
        self._configured = ConfiguredAlarms(self, self.function, self._check.owner)
        self.node.add_validation(self._configured)
        self.actions_policy: iam.ManagedPolicy | None = None
        self._describe_alarms: iam.PolicyStatement | None = None

    def _grant(self, name: str, iam_actions: tuple[str, ...], resource: str | None) -> None:
        """DescribeAlarms on the alarm, and the action's permissions on its resource, in
        ``ActionsPolicy`` (created with the first action; nothing is acknowledged there)."""
        alarm_arn = Stack.of(self).format_arn(
            service="cloudwatch",
            resource="alarm",
            resource_name=name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        if self.actions_policy is None or self._describe_alarms is None:
            self._describe_alarms = iam.PolicyStatement(
                sid="DescribeConfiguredAlarms",
                actions=["cloudwatch:DescribeAlarms"],
                resources=[alarm_arn],
            )
            self.actions_policy = iam.ManagedPolicy(
                self,
                "ActionsPolicy",
                description="What the alarm remediation function may do for its alarms",
                roles=[self.role],
                statements=[self._describe_alarms],
            )
            # Acting needs these permissions as soon as an alarm can invoke the function.
            self.function.node.add_dependency(self.actions_policy)
        else:
            self._describe_alarms.add_resources(alarm_arn)
        if resource is not None:
            self.actions_policy.add_statements(
                iam.PolicyStatement(actions=list(iam_actions), resources=[resource])
            )

    def _monitor(
        self, id: str, metric: cloudwatch.IMetric, summary: str, topic: sns.ITopic
    ) -> cloudwatch.Alarm:
        signal = name_part(id.removesuffix("Alarm"))
        return add_monitor_alarm(
            self,
            id,
            metric=metric,
            summary=f"{summary} ({self.node.path})",
            notify=[topic],
            resource=self.node.id,
            signal=signal,
        )


def _check_kinds(
    check: Check, *, topics: Mapping[str, object], log_retention: object, **others: object
) -> None:
    """Topics, retention, layer and VPC of the kinds they must be, before jsii sees them."""
    for parameter, topic in topics.items():
        if (topic is not None or parameter == "monitor_topic") and not (
            isinstance(topic, AlarmTopic) or hasattr(topic, "topic_arn")
        ):
            check.fail(parameter, f"expected an AlarmTopic or sns.ITopic, got {topic!r}")
    if not isinstance(log_retention, logs.RetentionDays) and (
        isinstance(log_retention, bool) or log_retention not in ALLOWED_RETENTION_DAYS
    ):
        check.fail("log_retention", f"expected logs.RetentionDays or days, got {log_retention!r}")
    for parameter, attribute, kind in _KINDS:
        if others[parameter] is not None and not hasattr(others[parameter], attribute):
            check.fail(parameter, f"expected {kind}, got {type(others[parameter]).__name__}")


#: (parameter, attribute its kind has, the kind) of the constructs the function takes.
_KINDS: Final = (
    ("powertools_layer", "layer_version_arn", "a lambda_.ILayerVersion (from_layer_version_arn)"),
    ("vpc", "vpc_id", "an ec2.IVpc"),
)


def _refusals_metric() -> cloudwatch.MathExpression:
    """The function's refusals over 5 minutes, summed over every reason but the routine ones.

    Alarms cannot use SEARCH, so each reason is one metric of the sum (CloudWatch allows 10 in
    an alarm). The handler writes ``Refused`` with the ``Reason`` dimension only.
    """
    watched = [reason for reason in REFUSAL_REASONS if reason not in ROUTINE_REFUSALS]
    return cloudwatch.MathExpression(
        expression=f"SUM([{', '.join(watched)}])",
        using_metrics={
            reason: cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name="Refused",
                dimensions_map={"Reason": reason},
                statistic="Sum",
                period=Duration.minutes(5),
            )
            for reason in watched
        },
        label="Refused events",
        period=Duration.minutes(5),
    )


def _literal_name(alarm: cloudwatch.IAlarm, check: Check) -> str:
    """The alarm's name as written in its template (or its imported ARN), not a Ref to it:
    the function's configuration must not depend on an alarm whose action is the function."""
    name = literal_alarm_name(alarm)
    if name is None:
        check.fail(
            "actions",
            f"alarm {alarm.node.path} has no literal alarm_name; the function matches alarms "
            "by name, and a generated name would make the function depend on the alarm that "
            "invokes it (a cycle). Give the alarm an alarm_name, or pass the name as a string",
        )
    return name
