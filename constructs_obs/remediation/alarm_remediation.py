"""AlarmRemediation: a Lambda function that acts when an alarm fires, and is watched itself.

The function (``lambdas/alarm_remediation``) receives CloudWatch's native Lambda alarm action,
EventBridge "CloudWatch Alarm State Change" events or SNS alarm notifications, and runs the
action configured for the alarm: reboot an RDS instance, stop or reboot an EC2 instance, scale
an ECS service, cap a Lambda function's concurrency, or only notify. It starts in dry-run (it
logs what it would do), acts once per alarm state change (Powertools idempotency in DynamoDB),
writes one structured audit line per decision, and may touch only the resources named in its
actions (IAM scoped to their ARNs).
Failed asynchronous invocations land in an encrypted dead-letter queue; alarms on the
function's errors and on that queue's depth notify ``monitor_topic`` (the scaffolding every
library function shares: ``private/functions.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import jsii
from aws_cdk import (
    Duration,
    IStableStringProducer,
    Lazy,
    RemovalPolicy,
    Stack,
    Token,
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
from constructs_obs.logs.encrypted_log_group import EncryptedLogGroup
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
from constructs_obs.private.validate import Check
from constructs_obs.remediation.remediation_action import RemediationAction

__all__ = ["POWERTOOLS_VERSION", "AlarmRemediation"]

POWERTOOLS_VERSION: Final = "3.37.0"
SERVICE_NAME: Final = "alarm-remediation"
METRICS_NAMESPACE: Final = "ConstructsObs/Remediation"
RUNTIME: Final = lambda_.Runtime.PYTHON_3_13
_POWERTOOLS_LAYER_PARAMETER: Final = (
    f"/aws/service/powertools/python/arm64/python3.13/{POWERTOOLS_VERSION}"
)
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

    Parameters
    ----------
    monitor_topic:
        Where the function's own alarms (errors, dead letters) go. Required: the monitors must
        reach someone, and routing them through the remediation itself would loop.
    actions:
        Alarm name (or alarm) -> action. More can be added with ``add_action``.
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
        self._validate(dry_run, reserved_concurrency, vpc, vpc_subnets)
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
        for alarm, action in (actions or {}).items():
            self.add_action(alarm, action)
        self._create_monitors(monitor)

    def _validate(
        self,
        dry_run: bool,
        reserved_concurrency: int,
        vpc: ec2.IVpc | None,
        vpc_subnets: ec2.SubnetSelection | None,
    ) -> None:
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
        """Alarms on the function's errors, rejected events and dead letters."""
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

    def add_action(self, alarm: str | cloudwatch.IAlarm, action: RemediationAction) -> None:
        """Run ``action`` when ``alarm`` (a name or an alarm) goes into ALARM."""
        name = alarm if isinstance(alarm, str) else _literal_name(alarm, self._check)
        if not Token.is_unresolved(name) and name in self._actions:
            self._check.fail("actions", f"alarm {name!r} already has an action")
        self._actions[name] = dict(action.config)
        if action.resource_arn is not None:
            self.policy.add_statements(
                iam.PolicyStatement(
                    actions=list(action.iam_actions),
                    resources=[action.resource_arn(Stack.of(self))],
                )
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


def _literal_name(alarm: cloudwatch.IAlarm, check: Check) -> str:
    """The alarm's name as written in its template (or its imported ARN), not a Ref to it:
    the function's configuration must not depend on an alarm whose action is the function."""
    cfn = alarm.node.default_child
    name = getattr(cfn, "alarm_name", None) if cfn is not None else alarm.alarm_name
    if not isinstance(name, str) or Token.is_unresolved(name):
        check.fail(
            "actions",
            f"alarm {alarm.node.path} has no literal alarm_name; the function matches alarms "
            "by name, and a generated name would make the function depend on the alarm that "
            "invokes it (a cycle). Give the alarm an alarm_name, or pass the name as a string",
        )
    return name
