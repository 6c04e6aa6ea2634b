"""AuditTrail: CloudTrail to a hardened bucket and a log group, queryable with Athena.

A multi-region trail with global service events, log-file validation, read and write
management events and (optionally) S3/Lambda data events through advanced event selectors
(:mod:`~constructs_obs.audit.data_event_selector`), CloudTrail Insights, encrypted with a
customer key whose policy lets CloudTrail use it only for this trail (``aws:SourceArn`` and
encryption-context conditions). It delivers to an S3 bucket (public access blocked, TLS only,
versioned, server access logs, lifecycle from :mod:`~constructs_obs.audit.audit_lifecycle`,
object lock on by default (GOVERNANCE, one year; ``object_lock=None`` opts out), RETAIN) and
to an ``EncryptedLogGroup`` that CIS alarms can attach to, through a role only CloudTrail may
assume, and only for this trail (``aws:SourceArn`` = the trail's ARN, ``aws:SourceAccount`` =
its owner, the conditions AWS documents against the confused deputy). Security Hub's
CloudTrail.1, .2, .4, .5, .6 and .7 hold on the synthesized template.

A trail without ``organization_id`` writes only its own account's folder
(``AWSLogs/<account>/``): the Athena table then projects that account alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import Names, Stack, Token
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_obs.acknowledge import acknowledge_nag, nag_ref
from constructs_obs.audit.audit_lifecycle import (
    DEFAULT_OBJECT_LOCK,
    AuditLifecycle,
    ObjectLockOptions,
    check_lifecycle,
    lifecycle_rule,
    object_lock_retention,
)
from constructs_obs.audit.audit_queries import AuditQueries
from constructs_obs.audit.data_event_selector import DataEventSelector
from constructs_obs.audit.trail_log_location import (
    TrailLogLocation,
    check_accounts,
    check_log_path,
    check_regions,
)
from constructs_obs.logs.encrypted_log_group import ALLOWED_RETENTION_DAYS, EncryptedLogGroup
from constructs_obs.private.bucket import HardenedBucket
from constructs_obs.private.grants import grant_with_policy
from constructs_obs.private.keys import add_service_statement, resolve_key
from constructs_obs.private.stack_limits import watch_stack_limits
from constructs_obs.private.validate import Check

__all__ = ["AuditTrail"]

# CloudTrail's rules: 3-128 characters, letters, digits, '.', '_' and '-', starting and ending
# with a letter or digit, no two of '.', '_', '-' side by side, and not an IP address.
_TRAIL_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9]|[._-](?=[A-Za-z0-9])){2,127}"
_IP_ADDRESS = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


class AuditTrail(Construct):
    """CloudTrail to a hardened bucket and an encrypted log group, with Athena on top.

    Parameters
    ----------
    trail_name:
        Default: derived from the construct path (the key policy needs the name up front).
    organization_id:
        Makes it an organization trail (create it in the management or delegated admin
        account); the bucket and key policies then cover ``AWSLogs/<org-id>/...``.
    management_account_id:
        For an organization trail created from a delegated administrator account: the
        organization's management account, which owns the trail (its ARN, the encryption
        context and the ``AWSLogs/<account>/`` folder carry that account). Default: this
        stack's account (the trail is created in the management account).
    cloudwatch_logs_retention:
        Retention of the CloudWatch copy (the bucket keeps the files per ``lifecycle``): a
        ``logs.RetentionDays`` or a number of days CloudWatch accepts
        (``ALLOWED_RETENTION_DAYS``). Default: one year.
    data_events:
        S3/Lambda data events (``DataEventSelector.s3()``, ``DataEventSelector.lambda_()``).
        Default: none (they are billed per event).
    insights:
        CloudTrail Insights on API call rate and error rate. Default: True.
    object_lock:
        Object lock on the log bucket: every log file is kept from deletion for its retention
        (it must not outlive ``lifecycle.expire_after``). ``None`` turns it off (it cannot be
        turned off later on a bucket that has it). Default: GOVERNANCE for one year
        (``DEFAULT_OBJECT_LOCK``): only principals with ``s3:BypassGovernanceRetention`` can
        delete a log file younger than a year.
    lifecycle:
        Default: ``AuditLifecycle()`` (IA 90 d, Glacier 365 d, expiry 7 years).
    s3_key_prefix:
        Prefix of the log files in the bucket. Default: none.
    encryption_key:
        A key you manage (its policy must carry the CloudTrail statements). Default: a new key.
    athena:
        Create ``AuditQueries`` (Glue table with partition projection, workgroup, queries).
        Default: True.
    athena_regions / athena_accounts:
        What the table's partition projection enumerates (only with ``athena``). Default: every
        commercial region; this account (required for an organization trail: name its member
        accounts). Without ``organization_id`` the trail writes only this account's folder, so
        no other account may be named.

    Attributes
    ----------
    trail, bucket, access_logs_bucket, encryption_key, log_group (the EncryptedLogGroup),
    queries (AuditQueries or None).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        trail_name: str | None = None,
        organization_id: str | None = None,
        management_account_id: str | None = None,
        cloudwatch_logs_retention: logs.RetentionDays | int = logs.RetentionDays.ONE_YEAR,
        data_events: Sequence[DataEventSelector] = (),
        insights: bool = True,
        object_lock: ObjectLockOptions | None = DEFAULT_OBJECT_LOCK,
        lifecycle: AuditLifecycle | None = None,
        s3_key_prefix: str | None = None,
        encryption_key: kms.IKey | None = None,
        athena: bool = True,
        athena_regions: Sequence[str] | None = None,
        athena_accounts: Sequence[str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        watch_stack_limits(self)
        check = Check("AuditTrail", id)
        self.trail_name = trail_name or Names.unique_resource_name(self, max_length=128)
        _check_trail_name(check, self.trail_name)
        _check_owner(check, organization_id, management_account_id, s3_key_prefix)
        _check_retention(check, "cloudwatch_logs_retention", cloudwatch_logs_retention)
        _check_data_events(check, data_events)
        _check_flag(check, "insights", insights)
        _check_flag(check, "athena", athena)
        _check_athena(
            check, Stack.of(self), athena, athena_regions, athena_accounts, organization_id
        )
        lifecycle = lifecycle or AuditLifecycle()
        check_lifecycle(check, lifecycle, object_lock)

        self._locate(organization_id, management_account_id, s3_key_prefix)
        self._auditors = 0
        self._add_key(check, encryption_key)
        self._add_bucket(lifecycle, object_lock)
        self._add_log_group(cloudwatch_logs_retention)
        self._add_trail(data_events, insights)
        self.queries: AuditQueries | None = None
        if athena:
            self.queries = AuditQueries(
                self, "Queries", trail=self, regions=athena_regions, accounts=athena_accounts
            )

    # -- resources ---------------------------------------------------------------------------

    def _locate(
        self,
        organization_id: str | None,
        management_account_id: str | None,
        s3_key_prefix: str | None,
    ) -> None:
        """Who owns the trail, its ARN, and where it writes."""
        stack = Stack.of(self)
        self.organization_id = organization_id
        self.s3_key_prefix = s3_key_prefix
        self.trail_account = management_account_id or stack.account
        """The account that owns the trail (the management account for a trail created by a
        delegated administrator)."""
        self.trail_arn = stack.format_arn(
            service="cloudtrail",
            resource="trail",
            resource_name=self.trail_name,
            account=self.trail_account,
        )

    def _add_key(self, check: Check, encryption_key: kms.IKey | None) -> None:
        """The key of the log files, which CloudTrail may use for this trail only."""
        self.encryption_key = resolve_key(
            self,
            "Key",
            check=check,
            encryption_key=encryption_key,
            encryption_key_props=None,
            description=f"Encrypts the CloudTrail logs of {self.node.path}",
        )
        self._allow_cloudtrail_to_use_key()

    def _add_bucket(self, lifecycle: AuditLifecycle, object_lock: ObjectLockOptions | None) -> None:
        """The hardened log bucket (and its access-log bucket), which only this trail writes."""
        hardened = HardenedBucket(
            self,
            "Bucket",
            encryption_key=self.encryption_key,
            lifecycle_rules=[lifecycle_rule(lifecycle)],
            # A deleted or overwritten log file stays recoverable as long as log files are
            # kept: noncurrent versions expire with the same delay as current ones (or never).
            noncurrent_version_expiration=lifecycle.expire_after,
            keep_noncurrent_versions=lifecycle.expire_after is None,
            object_lock=object_lock_retention(object_lock),
        )
        self.bucket: s3.Bucket = hardened.bucket
        self.access_logs_bucket: s3.IBucket = hardened.access_logs_bucket
        self._allow_cloudtrail_to_write()

    def _add_log_group(self, retention: logs.RetentionDays | int) -> None:
        """The CloudWatch copy of the events, which CIS alarms attach to."""
        self.log_group = EncryptedLogGroup(
            self,
            "Logs",
            retention=retention,
            encryption_key=self.encryption_key,
        )

    def _add_trail(self, data_events: Sequence[DataEventSelector], insights: bool) -> None:
        """The trail, with its role to deliver to the log group."""
        logs_role, logs_policy = self._logs_role()
        selectors = [
            cloudtrail.CfnTrail.AdvancedEventSelectorProperty(
                name="Management events (read and write)",
                field_selectors=[
                    cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(
                        field="eventCategory", equal_to=["Management"]
                    )
                ],
            ),
            *(selector.render(self._own_objects(selector)) for selector in data_events),
        ]
        self.trail = cloudtrail.CfnTrail(
            self,
            "Resource",
            trail_name=self.trail_name,
            is_logging=True,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            is_organization_trail=self.organization_id is not None,
            s3_bucket_name=self.bucket.bucket_name,
            s3_key_prefix=self.s3_key_prefix,
            kms_key_id=self.encryption_key.key_arn,
            cloud_watch_logs_log_group_arn=self.log_group.log_group.log_group_arn,
            cloud_watch_logs_role_arn=logs_role.role_arn,
            advanced_event_selectors=selectors,
            insight_selectors=[
                cloudtrail.CfnTrail.InsightSelectorProperty(insight_type="ApiCallRateInsight"),
                cloudtrail.CfnTrail.InsightSelectorProperty(insight_type="ApiErrorRateInsight"),
            ]
            if insights
            else None,
        )
        # CloudTrail checks the bucket policy and the role's permissions when it creates the
        # trail (the role itself is already a dependency through its ARN).
        self.trail.node.add_dependency(self.bucket.policy or self.bucket, logs_policy)

    @property
    def log_location(self) -> TrailLogLocation:
        """Where this trail writes its log files (what ``AuditQueries`` reads)."""
        return TrailLogLocation(
            bucket=self.bucket,
            encryption_key=self.encryption_key,
            s3_key_prefix=self.s3_key_prefix,
            organization_id=self.organization_id,
            access_logs_bucket=self.access_logs_bucket,
        )

    def _own_objects(self, selector: DataEventSelector) -> list[str]:
        """The trail's own buckets, left out of an every-bucket S3 selector: each log file
        and access log written there would be a data event, logged in turn (a loop)."""
        if selector.resource_type != "AWS::S3::Object":
            return []
        return [
            self.bucket.arn_for_objects(""),
            self.access_logs_bucket.arn_for_objects(""),
        ]

    # -- policies ----------------------------------------------------------------------------

    def _log_file_arns(self) -> list[str]:
        base = f"{self.s3_key_prefix}/AWSLogs" if self.s3_key_prefix else "AWSLogs"
        arns = [self.bucket.arn_for_objects(f"{base}/{self.trail_account}/*")]
        if self.organization_id is not None:
            arns.append(self.bucket.arn_for_objects(f"{base}/{self.organization_id}/*"))
        return arns

    def _allow_cloudtrail_to_write(self) -> None:
        principal = iam.ServicePrincipal("cloudtrail.amazonaws.com")
        source = {"aws:SourceArn": self.trail_arn}
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AWSCloudTrailAclCheck",
                principals=[principal],
                actions=["s3:GetBucketAcl"],
                resources=[self.bucket.bucket_arn],
                conditions={"StringEquals": source},
            )
        )
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AWSCloudTrailWrite",
                principals=[principal],
                actions=["s3:PutObject"],
                resources=self._log_file_arns(),
                conditions={
                    "StringEquals": {**source, "s3:x-amz-acl": "bucket-owner-full-control"}
                },
            )
        )

    def _allow_cloudtrail_to_use_key(self) -> None:
        stack = Stack.of(self)
        trails_of_account = f"arn:{stack.partition}:cloudtrail:*:{self.trail_account}:trail/*"
        add_service_statement(
            self,
            self.encryption_key,
            service="cloudtrail.amazonaws.com",
            actions=("kms:GenerateDataKey*",),
            conditions={
                "StringEquals": {"aws:SourceArn": self.trail_arn},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trails_of_account},
            },
            sid="AllowCloudTrailToEncryptLogs",
        )
        add_service_statement(
            self,
            self.encryption_key,
            service="cloudtrail.amazonaws.com",
            actions=("kms:DescribeKey",),
            conditions={"StringEquals": {"aws:SourceArn": self.trail_arn}},
            sid="AllowCloudTrailToDescribeKey",
        )

    def _logs_role(self) -> tuple[iam.Role, iam.ManagedPolicy]:
        # Confused-deputy conditions as AWS documents them for CloudTrail: aws:SourceArn is
        # the ARN of the trail using the role, aws:SourceAccount its owner (both the same
        # account). The policy limits the role to this trail's log group.
        role = iam.Role(
            self,
            "LogsRole",
            assumed_by=iam.ServicePrincipal(
                "cloudtrail.amazonaws.com",
                conditions={
                    "StringEquals": {
                        "aws:SourceArn": self.trail_arn,
                        "aws:SourceAccount": self.trail_account,
                    }
                },
            ),
            description="Lets CloudTrail deliver events to its CloudWatch log group",
        )
        policy = iam.ManagedPolicy(
            self,
            "LogsPolicy",
            description="CloudTrail delivery to this trail's log group only",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[self.log_group.log_group.log_group_arn],
                )
            ],
        )
        acknowledge_nag(
            policy,
            f"AwsSolutions-IAM5[Resource::{nag_ref(self, self.log_group.log_group.log_group_arn)}]",
            "The log group ARN ends with :* to cover the log streams CloudTrail creates.",
        )
        return role, policy

    # -- grants ------------------------------------------------------------------------------

    def _next_auditor(self) -> int:
        self._auditors += 1
        return self._auditors

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let an auditors' role read the log files: list and get objects, and decrypt them
        (only with this account's trails' encryption context).

        The permissions go into a managed policy next to the role (in the role's own stack),
        so a role defined elsewhere depends on the audit stack, not the other way round. The
        key policy is left alone: the key this construct creates lets IAM policies of the
        account grant its use (an imported key must do the same).
        """
        stack = Stack.of(self)
        trail_context = {
            "StringLike": {
                "kms:EncryptionContext:aws:cloudtrail:arn": (
                    f"arn:{stack.partition}:cloudtrail:*:{self.trail_account}:trail/*"
                )
            }
        }
        objects = self.bucket.arn_for_objects("*")
        return grant_with_policy(
            self,
            f"Readers{self._next_auditor()}",
            grantee,
            [
                iam.PolicyStatement(
                    actions=["s3:ListBucket", "s3:GetBucketLocation"],
                    resources=[self.bucket.bucket_arn],
                ),
                iam.PolicyStatement(actions=["s3:GetObject"], resources=[objects]),
                iam.PolicyStatement(
                    actions=["kms:Decrypt"],
                    resources=[self.encryption_key.key_arn],
                    conditions=trail_context,
                ),
            ],
            description=f"Read the log files of the trail {self.trail_name}",
            wildcard_resources=[objects],
            wildcard_reason="Auditors read any log file of this trail's bucket; CloudTrail names "
            "the files by account, region and date.",
        )


def _check_trail_name(check: Check, trail_name: str) -> None:
    check.text(
        "trail_name",
        trail_name,
        max_length=128,
        pattern=_TRAIL_NAME,
        pattern_doc="must be 3-128 letters, digits, '.', '_' or '-', starting and ending "
        "with a letter or digit, without two of '.', '_', '-' side by side",
    )
    if _IP_ADDRESS.fullmatch(trail_name):
        check.fail("trail_name", f"{trail_name!r} looks like an IP address")


def _check_owner(
    check: Check,
    organization_id: str | None,
    management_account_id: str | None,
    s3_key_prefix: str | None,
) -> None:
    """Where the trail writes, and the management account that owns an organization trail."""
    check_log_path(check, organization_id=organization_id, s3_key_prefix=s3_key_prefix)
    if management_account_id is None:
        return
    if organization_id is None:
        check.fail(
            "management_account_id",
            "only an organization trail (organization_id) is owned by the management account",
        )
    check.text(
        "management_account_id",
        management_account_id,
        max_length=12,
        pattern=r"[0-9]{12}",
        pattern_doc="must be a 12-digit account id",
    )


def _check_athena(
    check: Check,
    stack: Stack,
    athena: bool,
    regions: Sequence[str] | None,
    accounts: Sequence[str] | None,
    organization_id: str | None,
) -> None:
    """What the table projects, only with ``athena``; checked here too, under the names the
    caller used (``AuditQueries`` checks them again)."""
    if not athena:
        for name, value in (("athena_regions", regions), ("athena_accounts", accounts)):
            if value is not None:
                check.fail(name, "applies only with athena=True (the table it projects)")
        return
    check_regions(check, "athena_regions", regions)
    names = check_accounts(
        check,
        "athena_accounts",
        accounts,
        organization_trail=organization_id is not None,
        stack=stack,
    )
    if organization_id is None and not Token.is_unresolved(stack.account):
        others = [account for account in names if account != stack.account]
        if others:
            check.fail(
                "athena_accounts",
                f"{', '.join(others)}: a trail without organization_id writes only its own "
                f"account's folder (AWSLogs/{stack.account}/), so the table would project "
                "folders that never hold a log file; name only this account, leave "
                "athena_accounts out, or pass organization_id for an organization trail",
            )


def _check_retention(check: Check, parameter: str, retention: object) -> None:
    """The retention values ``EncryptedLogGroup`` accepts, checked under the caller's name."""
    if isinstance(retention, logs.RetentionDays):
        return
    if isinstance(retention, bool) or not isinstance(retention, int):
        check.fail(parameter, f"expected logs.RetentionDays or a number of days, got {retention!r}")
    if retention not in ALLOWED_RETENTION_DAYS:
        check.fail(
            parameter,
            f"{retention} days is not a retention CloudWatch Logs accepts; allowed days: "
            f"{', '.join(map(str, ALLOWED_RETENTION_DAYS))} "
            "(or logs.RetentionDays.INFINITE to never expire)",
        )


def _check_data_events(check: Check, data_events: object) -> None:
    allowed = "DataEventSelector.s3(...) or DataEventSelector.lambda_(...)"
    if isinstance(data_events, str) or not isinstance(data_events, Sequence):
        check.fail("data_events", f"expected a list of {allowed}, got {data_events!r}")
    for index, selector in enumerate(data_events):
        if not isinstance(selector, DataEventSelector):
            check.fail(f"data_events[{index}]", f"expected {allowed}, got {selector!r}")


def _check_flag(check: Check, parameter: str, value: object) -> None:
    if not isinstance(value, bool):
        check.fail(parameter, f"expected True or False, got {value!r}")
