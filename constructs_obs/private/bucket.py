"""A bucket that holds logs or audit data, hardened the same way everywhere in the library.

Public access blocked, TLS-only (TLS 1.2 minimum), ACLs disabled, versioned, encrypted with a
customer key, RETAIN, server access logs to a second bucket (itself hardened the same way,
except where AWS does not allow it), lifecycle rules that expire old noncurrent versions.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_obs.acknowledge import acknowledge_nag, skip_checkov

_NO_REPLICA = (
    "Cross-region replication needs a destination bucket in another region that only the "
    "user can choose; "
)
_REPLICATION_REASON = (
    f"{_NO_REPLICA}versioning and RETAIN keep every deleted or overwritten object recoverable here."
)
_LOCKED_REPLICATION_REASON = (
    f"{_NO_REPLICA}versioning, RETAIN and the bucket's default object lock keep every object "
    "version from being deleted or overwritten for its retention period."
)


def replication_reason(*, object_lock: bool) -> str:
    """Why a hardened bucket has no replica: the reason cites object lock only when the
    bucket has it."""
    return _LOCKED_REPLICATION_REASON if object_lock else _REPLICATION_REASON


def _common_acknowledgements(bucket: s3.Bucket, *, object_lock: bool = False) -> None:
    acknowledge_nag(
        bucket,
        "NIST.800.53.R5-S3BucketReplicationEnabled",
        replication_reason(object_lock=object_lock),
    )


class HardenedBucket(Construct):
    """A log/audit bucket plus the bucket that receives its server access logs.

    Parameters
    ----------
    encryption_key:
        The customer key for SSE-KMS (with an S3 bucket key to cut KMS calls).
    lifecycle_rules:
        Rules for current objects (transitions, expiry). A rule expiring noncurrent versions
        after ``noncurrent_version_expiration`` (default 90 days) is added unless
        ``keep_noncurrent_versions``; it also aborts incomplete multipart uploads.
    keep_noncurrent_versions:
        Never expire noncurrent versions (audit data: a deleted or overwritten object stays
        recoverable as long as the data itself is kept).
    access_logs_bucket:
        Where server access logs go (a bucket of another stack is not used: its policy would
        have to name this bucket, a cross-stack cycle). Default: a new hardened bucket
        created here.
    access_logs_retention:
        How long the access logs are kept when this construct creates their bucket.
    object_lock:
        Default object-lock retention (governance or compliance). Default: no object lock.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        encryption_key: kms.IKey,
        lifecycle_rules: Sequence[s3.LifecycleRule] = (),
        noncurrent_version_expiration: Duration | None = None,
        keep_noncurrent_versions: bool = False,
        access_logs_bucket: s3.IBucket | None = None,
        access_logs_retention: Duration | None = None,
        access_logs_prefix: str = "s3-access-logs/",
        object_lock: s3.ObjectLockRetention | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        if access_logs_bucket is not None and Stack.of(access_logs_bucket) is not Stack.of(self):
            # Its bucket policy would have to name this bucket: the other stack would depend
            # on this one, which already depends on it (a cycle). Keep the access logs here.
            access_logs_bucket = None
        if access_logs_bucket is None:
            access_logs_bucket = self._create_access_logs_bucket(
                access_logs_retention or Duration.days(2557), removal_policy
            )
        self.access_logs_bucket: s3.IBucket = access_logs_bucket
        self.bucket = s3.Bucket(
            self,
            "Resource",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=encryption_key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            object_lock_enabled=True if object_lock is not None else None,
            object_lock_default_retention=object_lock,
            lifecycle_rules=[
                *lifecycle_rules,
                s3.LifecycleRule(
                    id="AbortIncompleteUploads"
                    if keep_noncurrent_versions
                    else "ExpireNoncurrentVersions",
                    noncurrent_version_expiration=None
                    if keep_noncurrent_versions
                    else noncurrent_version_expiration or Duration.days(90),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                ),
            ],
            removal_policy=removal_policy,
        )
        _common_acknowledgements(self.bucket, object_lock=object_lock is not None)
        self._log_access_to(access_logs_bucket, access_logs_prefix)

    def _log_access_to(self, target: s3.IBucket, prefix: str) -> None:
        """Server access logging through a bucket policy for logging.s3.amazonaws.com.

        Written out rather than through ``server_access_logs_bucket`` so that it does not
        depend on the app's feature flags (without ``@aws-cdk/aws-s3:
        serverAccessLogsUseBucketPolicy`` CDK falls back to the log-delivery ACL, which
        conflicts with disabled ACLs).
        """
        cfn = self.bucket.node.default_child
        assert isinstance(cfn, s3.CfnBucket)
        cfn.logging_configuration = s3.CfnBucket.LoggingConfigurationProperty(
            destination_bucket_name=target.bucket_name, log_file_prefix=prefix
        )
        target.add_to_resource_policy(
            iam.PolicyStatement(
                sid="S3ServerAccessLogsDelivery",
                principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
                actions=["s3:PutObject"],
                resources=[target.arn_for_objects(f"{prefix}*")],
                conditions={
                    "ArnLike": {"aws:SourceArn": self.bucket.bucket_arn},
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                },
            )
        )

    def _create_access_logs_bucket(
        self, retention: Duration, removal_policy: RemovalPolicy
    ) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "AccessLogs",
            # S3 delivers server access logs only to buckets encrypted with SSE-S3.
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireAccessLogs",
                    expiration=retention,
                    noncurrent_version_expiration=Duration.days(30),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
            removal_policy=removal_policy,
        )
        _common_acknowledgements(bucket)
        sse_s3 = (
            "S3 server access logging delivers only to a target bucket encrypted with SSE-S3 "
            "(SSE-KMS is not supported for the log target)."
        )
        self_logging = (
            "This bucket is the server access log target; logging it into itself would loop "
            "and another log bucket would need one too."
        )
        acknowledge_nag(bucket, "AwsSolutions-S1", self_logging)
        acknowledge_nag(bucket, "NIST.800.53.R5-S3BucketLoggingEnabled", self_logging)
        acknowledge_nag(bucket, "NIST.800.53.R5-S3DefaultEncryptionKMS", sse_s3)
        cfn = bucket.node.default_child
        assert isinstance(cfn, s3.CfnBucket)
        skip_checkov(cfn, "CKV_AWS_18", self_logging)
        return bucket
