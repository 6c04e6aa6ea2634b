"""XRayEncryption: X-Ray encrypts the account's traces with a customer managed KMS key.

X-Ray's encryption configuration is one setting per account and region, with no CloudFormation
resource. A small custom resource (``lambdas/xray_encryption``) calls ``PutEncryptionConfig``
on create and update and, by default, returns X-Ray to its default encryption on delete. The
function may only change X-Ray's encryption configuration and let X-Ray use this one key
(``kms:CreateGrant`` only when X-Ray asks on its behalf, ``kms:DescribeKey``); it logs to an
encrypted log group, runs one at a time, and parks failed events in an encrypted dead-letter
queue. The role, policy, queue, function and monitors are the scaffolding every library function
shares (``private/functions.py``).

Who reads traces encrypted with the key needs ``kms:Decrypt`` on it: ``grant_decrypt``.
"""

from __future__ import annotations

from typing import Final

from aws_cdk import Annotations, CustomResource, Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_obs.alarms.alarm_topic import AlarmTopic, topic_of
from constructs_obs.logs.encrypted_log_group import EncryptedLogGroup
from constructs_obs.private.functions import (
    FunctionNetwork,
    FunctionPermissions,
    FunctionSettings,
    add_function_errors_alarm,
    function_dead_letter_queue,
    library_function,
)
from constructs_obs.private.keys import key_props_values, resolve_key
from constructs_obs.private.monitors import add_dead_letter_alarm
from constructs_obs.private.names import register_name
from constructs_obs.private.stack_limits import watch_stack_limits
from constructs_obs.private.validate import Check

__all__ = ["IMPORTED_KEY_WARNING_ID", "RESOURCE_TYPE", "RUNTIME", "XRayEncryption"]

RUNTIME: Final = lambda_.Runtime.PYTHON_3_14
RESOURCE_TYPE: Final = "Custom::XRayEncryptionConfig"
IMPORTED_KEY_WARNING_ID: Final = "constructs-obs:xray-key-policy"

XRAY_STAR_REASON: Final = (
    "xray:PutEncryptionConfig and xray:GetEncryptionConfig act on the account's single "
    "encryption setting and support no resource-level permissions, so Resource must be '*'."
)
NO_VPC_REASON: Final = (
    "The function calls only the X-Ray API and CloudFormation's pre-signed S3 response URL; "
    "pass vpc= to run it in a VPC that has endpoints (or NAT) for both."
)


class XRayEncryption(Construct):
    """X-Ray encrypts traces with a customer managed (symmetric) KMS key.

    One per account and region: a second one in the same app and environment is refused.

    Parameters
    ----------
    monitor_topic:
        Where the alarms on the function's errors and on its dead-letter queue go. Required:
        a request stuck in the dead-letter queue leaves a deployment waiting for an answer.
    encryption_key:
        The key for traces. X-Ray does not support asymmetric keys. An imported key's policy
        must let IAM policies of this account grant its use (the default key policy does);
        a synth-time warning says so. Default: a new key, rotation on, RETAIN.
    encryption_key_props:
        Overrides for the key created here (cannot be combined with ``encryption_key``).
    reset_on_delete:
        When the stack deletes this resource, X-Ray goes back to its default encryption (if it
        still uses this key). Default: True.
    log_retention:
        Retention of the function's log group. Default: one year.
    vpc / vpc_subnets:
        Run the function in a VPC (it needs X-Ray and S3 endpoints or NAT); the role then gets
        the network interface permissions Lambda needs. Default: no VPC.

    Attributes
    ----------
    encryption_key:
        The key X-Ray encrypts traces with.
    function / role / policy:
        The custom resource's function, its role and managed policy.
    handler_key:
        The key of the function's log group and dead-letter queue.
    custom_resource:
        The ``Custom::XRayEncryptionConfig`` resource.
    errors_alarm / dead_letters_alarm:
        The alarms on the function's own failures.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        monitor_topic: AlarmTopic | sns.ITopic,
        encryption_key: kms.IKey | None = None,
        encryption_key_props: kms.KeyProps | None = None,
        reset_on_delete: bool = True,
        log_retention: logs.RetentionDays | int = logs.RetentionDays.ONE_YEAR,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
    ) -> None:
        super().__init__(scope, id)
        watch_stack_limits(self)
        check = Check("XRayEncryption", id)
        self._validate(check, reset_on_delete, encryption_key_props, vpc, vpc_subnets)
        self._create_keys(check, encryption_key, encryption_key_props)
        self.log_group = EncryptedLogGroup(
            self, "HandlerLogs", encryption_key=self.handler_key, retention=log_retention
        )
        self.dead_letter_queue = function_dead_letter_queue(self, encryption_key=self.handler_key)
        self._create_function(FunctionNetwork(NO_VPC_REASON, vpc, vpc_subnets))
        self._create_custom_resource(reset_on_delete)
        self._create_monitors(topic_of(monitor_topic))
        if encryption_key is not None and not isinstance(encryption_key, kms.Key):
            self._warn_imported_key()

    def _validate(
        self,
        check: Check,
        reset_on_delete: bool,
        encryption_key_props: kms.KeyProps | None,
        vpc: ec2.IVpc | None,
        vpc_subnets: ec2.SubnetSelection | None,
    ) -> None:
        if vpc is None and vpc_subnets is not None:
            check.fail("vpc_subnets", "only allowed together with vpc")
        if not isinstance(reset_on_delete, bool):
            check.fail("reset_on_delete", f"expected True or False, got {reset_on_delete!r}")
        self._check_symmetric(check, encryption_key_props)
        register_name(
            self,
            check,
            kind="encryption configuration",
            parameter="scope",
            name="(account setting)",
            problem="X-Ray has one encryption configuration per account and region, and "
            "another XRayEncryption in this app already manages it for this environment",
        )

    def _create_keys(
        self,
        check: Check,
        encryption_key: kms.IKey | None,
        encryption_key_props: kms.KeyProps | None,
    ) -> None:
        """The trace key (``Key``) and the key of the function's logs and dead letters."""
        self.encryption_key: kms.IKey = resolve_key(
            self,
            "Key",
            check=check,
            encryption_key=encryption_key,
            encryption_key_props=encryption_key_props,
            description=f"Encrypts the X-Ray traces of this account and region ({self.node.path})",
        )
        self.handler_key: kms.IKey = resolve_key(
            self,
            "HandlerKey",
            check=check,
            encryption_key=None,
            encryption_key_props=None,
            description=f"Encrypts the logs and dead letters of {self.node.path}",
        )

    def _create_function(self, network: FunctionNetwork) -> None:
        """The custom resource's function, its role and least-privilege managed policy."""
        created = library_function(
            self,
            "Handler",
            settings=FunctionSettings(
                handler="xray_encryption",
                description="Sets X-Ray's encryption configuration (CloudFormation custom "
                "resource)",
                runtime=RUNTIME,
                timeout=Duration.minutes(2),
                memory_size=128,
                reserved_concurrency=1,
            ),
            permissions=FunctionPermissions(
                role_description="X-Ray encryption custom resource: X-Ray's setting and this "
                "key only",
                policy_description="Least privilege for the X-Ray encryption custom resource",
                statements=self._statements(),
                star_reason=XRAY_STAR_REASON,
            ),
            network=network,
            log_group=self.log_group.log_group,
            dead_letter_queue=self.dead_letter_queue,
        )
        self.role = created.role
        self.policy = created.policy
        self.function = created.function

    def _statements(self) -> list[iam.PolicyStatement]:
        return [
            iam.PolicyStatement(
                sid="WriteOwnLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group.log_group_arn],
            ),
            iam.PolicyStatement(
                sid="DeadLetters",
                actions=["sqs:SendMessage"],
                resources=[self.dead_letter_queue.queue_arn],
            ),
            iam.PolicyStatement(
                sid="DeadLettersKey",
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[self.handler_key.key_arn],
            ),
            iam.PolicyStatement(
                sid="XRayEncryptionConfig",
                actions=["xray:PutEncryptionConfig", "xray:GetEncryptionConfig"],
                resources=["*"],
            ),
            # X-Ray's documented requirement for whoever configures a customer managed key.
            iam.PolicyStatement(
                sid="DescribeTraceKey",
                actions=["kms:DescribeKey"],
                resources=[self.encryption_key.key_arn],
            ),
            iam.PolicyStatement(
                sid="GrantTraceKeyToXRay",
                actions=["kms:CreateGrant"],
                resources=[self.encryption_key.key_arn],
                conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
            ),
        ]

    def _create_custom_resource(self, reset_on_delete: bool) -> None:
        self.custom_resource = CustomResource(
            self,
            "Resource",
            service_token=self.function.function_arn,
            resource_type=RESOURCE_TYPE,
            properties={
                "KeyId": self.encryption_key.key_arn,
                "ResetOnDelete": "true" if reset_on_delete else "false",
            },
        )
        self.custom_resource.node.add_dependency(self.policy)

    def _create_monitors(self, topic: sns.ITopic) -> None:
        self.errors_alarm = add_function_errors_alarm(
            self,
            self.function,
            summary=f"The X-Ray encryption custom resource failed ({self.node.path}).",
            notify=[topic],
        )
        self.dead_letters_alarm = add_dead_letter_alarm(
            self,
            "DeadLettersAlarm",
            queue=self.dead_letter_queue,
            summary="A CloudFormation request to the X-Ray encryption custom resource could "
            f"not be processed and waits in its dead-letter queue ({self.node.path}).",
            notify=[topic],
            resource=self.node.id,
        )

    def _warn_imported_key(self) -> None:
        Annotations.of(self).add_warning_v2(
            IMPORTED_KEY_WARNING_ID,
            "The trace key was imported, so this app cannot see its key policy. It must let "
            "IAM policies of this account grant its use (the default key policy does); "
            f"otherwise allow the role of {self.node.path} kms:CreateGrant (when "
            "kms:GrantIsForAWSResource is true) and kms:DescribeKey in the key policy.",
        )

    @staticmethod
    def _check_symmetric(check: Check, props: kms.KeyProps | None) -> None:
        values = key_props_values(props)
        spec = values.get("key_spec")
        usage = values.get("key_usage")
        if spec not in (None, kms.KeySpec.SYMMETRIC_DEFAULT) or usage not in (
            None,
            kms.KeyUsage.ENCRYPT_DECRYPT,
        ):
            check.fail(
                "encryption_key_props",
                "X-Ray supports only symmetric encryption keys (KeySpec.SYMMETRIC_DEFAULT, "
                "KeyUsage.ENCRYPT_DECRYPT)",
            )

    def grant_decrypt(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read traces encrypted with the key (``kms:Decrypt``)."""
        return self.encryption_key.grant_decrypt(grantee)

    @property
    def key_arn(self) -> str:
        """The ARN of the key X-Ray encrypts traces with."""
        return self.encryption_key.key_arn
