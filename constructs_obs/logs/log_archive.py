"""Archive a log group's events to S3: subscription filter -> encrypted Firehose stream -> S3.

CloudWatch Logs keeps events at most 10 years and costs more per GB stored than S3; an archive
keeps them (decompressed, one JSON event per line, gzipped by Firehose) in a hardened bucket
with lifecycle transitions, for as long as the bucket's lifecycle says.

What AWS would accept only to fail later is refused at construct time: a filter pattern
CloudWatch Logs cannot parse (compiled by :func:`constructs_obs.detections.compile_filter_pattern`,
the error shows a caret), an archive prefix under ``errors/`` (where Firehose writes the records
it could not deliver), buffering outside Firehose's S3 limits (0-900 whole seconds, 1-128
whole MiB).

Trust and grants, in the forms AWS documents: CloudWatch Logs may assume the subscription role
only for log groups of this account and region (``aws:SourceArn`` ``arn:<partition>:logs:
<region>:<account>:*``, "Subscription filters with Amazon Data Firehose"); Firehose may assume
the delivery role only for streams of this account (``sts:ExternalId`` = the account id, "Allow
Firehose to assume an IAM role"); the delivery role may use the key only through S3 in this
region (``kms:ViaService`` ``s3.<region>.amazonaws.com``) for objects of this bucket
(``kms:EncryptionContext:aws:s3:arn``: the bucket's ARN, which S3 Bucket Keys use, or an
object under the archive or error prefix), as "Grant Firehose access to an Amazon S3
destination" shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import jsii
from aws_cdk import Duration, RemovalPolicy, Size, SizeRoundingBehavior, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.interfaces.aws_logs import ILogGroupRef
from constructs import Construct

from constructs_obs.acknowledge import acknowledge_nag, nag_ref
from constructs_obs.alarms.alarm_topic import AlarmTopic, topic_of
from constructs_obs.logs.pattern_metric import compile_pattern
from constructs_obs.private.bucket import HardenedBucket
from constructs_obs.private.keys import allow_cloudwatch_logs
from constructs_obs.private.monitors import add_monitor_alarm
from constructs_obs.private.stack_limits import watch_stack_limits
from constructs_obs.private.validate import Check

__all__ = ["LogArchive", "LogArchiveOptions"]

_PREFIX_PATTERN = r"(?:[A-Za-z0-9!_.*'()-]+/)+"
# Where Firehose writes what it could not deliver (ErrorOutputPrefix): archived objects must
# not land there.
ERROR_PREFIX = "errors/"
# (storage class, days after creation, minimum storage duration in days) of the created bucket.
_TIERS = (
    (s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, 90, 90),
    (s3.StorageClass.DEEP_ARCHIVE, 365, 180),
)


@dataclass(frozen=True)
class LogArchiveOptions:
    """Options for archiving a log group's events to S3.

    Attributes
    ----------
    bucket:
        Where the archive goes. Default: a hardened bucket (KMS, TLS only, versioned, access
        logs, RETAIN) with transitions to Glacier Instant Retrieval after 90 days and Deep
        Archive after 365 days, created by the archive.
    prefix:
        Key prefix of the archived objects, ending with ``/``, not under ``errors/`` (where
        Firehose writes failed records). Default: ``"logs/"``.
    filter_pattern:
        Which events to archive, as a CloudWatch Logs filter pattern (kept verbatim).
        Default: all events.
    buffering_interval / buffering_size:
        How long / how much Firehose buffers before writing an object: a ``Duration`` of 0 to
        900 whole seconds, a ``Size`` of 1 to 128 whole MiB. Default: 300 s and 5 MiB.
    expiration:
        When the created bucket deletes archived objects (whole days). A storage-class
        transition is kept only when objects then stay in that class for its minimum storage
        duration (Glacier Instant Retrieval 90 days, Deep Archive 180 days), so expiring never
        costs an early-deletion fee. Only for the bucket the archive creates: set the lifecycle
        of your own ``bucket`` yourself. Default: never (keep forever).
    monitor_topic:
        Who hears when archiving fails: critical alarms on the subscription filter's delivery
        errors and on Firehose deliveries to S3 that did not all succeed notify this topic.
        Default: no alarms (the failures still land in the ``DeliveryErrors`` log group and
        the bucket's ``errors/`` prefix).

    ``prefix`` must not start with ``errors/``, and ``filter_pattern`` must be a pattern
    CloudWatch Logs can parse: both are refused at construct time.
    """

    bucket: s3.IBucket | None = None
    prefix: str = "logs/"
    filter_pattern: str = ""
    buffering_interval: Duration = field(default_factory=lambda: Duration.seconds(300))
    buffering_size: Size = field(default_factory=lambda: Size.mebibytes(5))
    expiration: Duration | None = None
    monitor_topic: AlarmTopic | sns.ITopic | None = None


ARCHIVE_FILTER_NAME = "constructs-obs-archive"


class LogArchive(Construct):
    """The subscription filter, Firehose stream and bucket that archive one log group.

    Usually created by ``EncryptedLogGroup(..., archive=LogArchiveOptions())``.

    Parameters
    ----------
    log_group:
        The log group to archive: a ``logs.ILogGroup``, or an ``EncryptedLogGroup`` (its
        ``log_group`` is archived).
    encryption_key:
        Encrypts the stream, the bucket the archive creates, and its delivery-error log group.
    options:
        What to archive and where (``LogArchiveOptions``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        log_group: logs.ILogGroup | _HasLogGroup,
        encryption_key: kms.IKey,
        options: LogArchiveOptions,
    ) -> None:
        super().__init__(scope, construct_id)
        watch_stack_limits(self)
        check = Check("LogArchive", construct_id)
        log_group = _log_group_of(check, log_group)
        if not hasattr(encryption_key, "key_arn"):
            check.fail(
                "encryption_key", f"expected a kms.IKey, got {type(encryption_key).__name__}"
            )
        settings = _checked(check, options)
        # The archive's own log group (delivery errors) is encrypted with the key too.
        self.key_policy_updated = allow_cloudwatch_logs(self, encryption_key)
        self.bucket = self._archive_bucket(options, encryption_key, settings.expire_days)
        self.delivery_errors = logs.LogGroup(
            self,
            "DeliveryErrors",
            encryption_key=encryption_key,
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=RemovalPolicy.RETAIN,
        )
        error_stream = self.delivery_errors.add_stream("S3Delivery")
        self.role = self._create_delivery_role()
        policy = self._create_delivery_policy(settings.prefix, encryption_key)
        self.delivery_stream = self._create_delivery_stream(settings, encryption_key, error_stream)
        self.delivery_stream.node.add_dependency(policy)
        self.subscription_filter = self._subscribe(log_group, options.filter_pattern)
        self.monitor_alarms: list[cloudwatch.Alarm] = []
        if options.monitor_topic is not None:
            self._add_monitors(options.monitor_topic, log_group)

    def _archive_bucket(
        self, options: LogArchiveOptions, encryption_key: kms.IKey, expire_days: int | None
    ) -> s3.IBucket:
        """The user's bucket, or a hardened one whose storage-class transitions never cost an
        early-deletion fee."""
        if options.bucket is not None:
            return options.bucket
        transitions = [
            s3.Transition(storage_class=storage_class, transition_after=Duration.days(after))
            for storage_class, after, minimum in _TIERS
            if expire_days is None or after + minimum <= expire_days
        ]
        hardened = HardenedBucket(
            self,
            "Bucket",
            encryption_key=encryption_key,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ArchiveTiers",
                    transitions=transitions or None,
                    expiration=options.expiration,
                )
            ],
        )
        return hardened.bucket

    def _create_delivery_role(self) -> iam.Role:
        # Firehose passes the stream's account as the external id (AWS's documented trust).
        return iam.Role(
            self,
            "DeliveryRole",
            assumed_by=iam.ServicePrincipal(
                "firehose.amazonaws.com",
                conditions={"StringEquals": {"sts:ExternalId": Stack.of(self).account}},
            ),
            description="Lets Firehose write the archived log events to S3",
        )

    def _create_delivery_policy(self, prefix: str, encryption_key: kms.IKey) -> iam.ManagedPolicy:
        policy = iam.ManagedPolicy(
            self,
            "DeliveryPolicy",
            description="Least privilege for the Firehose stream that archives log events",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    actions=[
                        "s3:GetBucketLocation",
                        "s3:ListBucket",
                        "s3:ListBucketMultipartUploads",
                    ],
                    resources=[self.bucket.bucket_arn],
                ),
                iam.PolicyStatement(
                    actions=["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
                    resources=[
                        self.bucket.arn_for_objects(f"{prefix}*"),
                        self.bucket.arn_for_objects(f"{ERROR_PREFIX}*"),
                    ],
                ),
                self._s3_key_statement(prefix, encryption_key),
                iam.PolicyStatement(
                    actions=["logs:PutLogEvents"],
                    resources=[self.delivery_errors.log_group_arn],
                ),
            ],
        )
        for object_prefix in (prefix, ERROR_PREFIX):
            objects = nag_ref(self, self.bucket.arn_for_objects(f"{object_prefix}*"))
            acknowledge_nag(
                policy,
                f"AwsSolutions-IAM5[Resource::{objects}]",
                "Firehose names each object itself (date path and random suffix); object "
                "permissions are scoped to the archive and error prefixes of this bucket.",
            )
        return policy

    def _s3_key_statement(self, prefix: str, encryption_key: kms.IKey) -> iam.PolicyStatement:
        """The key, only as S3 uses it in this region for this bucket's archive and error
        objects (or for the bucket itself: S3 Bucket Keys use the bucket's ARN as context)."""
        return iam.PolicyStatement(
            actions=["kms:GenerateDataKey", "kms:Decrypt"],
            resources=[encryption_key.key_arn],
            conditions={
                "StringEquals": {"kms:ViaService": f"s3.{Stack.of(self).region}.amazonaws.com"},
                "StringLike": {
                    "kms:EncryptionContext:aws:s3:arn": [
                        self.bucket.bucket_arn,
                        self.bucket.arn_for_objects(f"{prefix}*"),
                        self.bucket.arn_for_objects(f"{ERROR_PREFIX}*"),
                    ]
                },
            },
        )

    def _create_delivery_stream(
        self, settings: _Settings, encryption_key: kms.IKey, error_stream: logs.LogStream
    ) -> firehose.CfnDeliveryStream:
        stream = firehose.CfnDeliveryStream
        return stream(
            self,
            "Resource",
            delivery_stream_type="DirectPut",
            delivery_stream_encryption_configuration_input=stream.DeliveryStreamEncryptionConfigurationInputProperty(
                key_type="CUSTOMER_MANAGED_CMK", key_arn=encryption_key.key_arn
            ),
            extended_s3_destination_configuration=stream.ExtendedS3DestinationConfigurationProperty(
                bucket_arn=self.bucket.bucket_arn,
                role_arn=self.role.role_arn,
                prefix=settings.prefix,
                error_output_prefix=f"{ERROR_PREFIX}!{{firehose:error-output-type}}/",
                compression_format="GZIP",
                buffering_hints=stream.BufferingHintsProperty(
                    interval_in_seconds=settings.interval, size_in_m_bs=settings.size_mib
                ),
                encryption_configuration=stream.EncryptionConfigurationProperty(
                    kms_encryption_config=stream.KMSEncryptionConfigProperty(
                        awskms_key_arn=encryption_key.key_arn
                    )
                ),
                cloud_watch_logging_options=stream.CloudWatchLoggingOptionsProperty(
                    enabled=True,
                    log_group_name=self.delivery_errors.log_group_name,
                    log_stream_name=error_stream.log_stream_name,
                ),
                processing_configuration=_unpack_subscription_envelopes(),
            ),
        )

    def _subscribe(self, log_group: logs.ILogGroup, filter_pattern: str) -> logs.SubscriptionFilter:
        destination = _FirehoseArnDestination(self.delivery_stream.attr_arn)
        subscription_filter = logs.SubscriptionFilter(
            self,
            "Subscription",
            log_group=log_group,
            destination=destination,
            # Named, so that the delivery-error metric (dimension FilterName) can be watched.
            filter_name=ARCHIVE_FILTER_NAME,
            filter_pattern=logs.FilterPattern.literal(filter_pattern)
            if filter_pattern
            else logs.FilterPattern.all_events(),
        )
        # CloudWatch Logs test-delivers to the stream when it creates the filter: the role
        # must already hold its permission by then.
        assert destination.policy is not None
        filter_resource = subscription_filter.node.default_child
        assert filter_resource is not None
        filter_resource.node.add_dependency(destination.policy)
        return subscription_filter

    def _add_monitors(
        self, monitor_topic: AlarmTopic | sns.ITopic, log_group: logs.ILogGroup
    ) -> None:
        notify = [topic_of(monitor_topic)]
        five_minutes = Duration.minutes(5)
        filter_errors = cloudwatch.Metric(
            namespace="AWS/Logs",
            metric_name="DeliveryErrors",
            dimensions_map={
                "LogGroupName": log_group.log_group_name,
                "DestinationType": "Firehose",
                "FilterName": ARCHIVE_FILTER_NAME,
            },
            statistic="Sum",
            period=five_minutes,
        )
        # DeliveryToS3.Success is the share of records delivered (0-1) in each period: the
        # expression is 1 when any failed, and empty (not breaching) when nothing was sent.
        success = cloudwatch.Metric(
            namespace="AWS/Firehose",
            metric_name="DeliveryToS3.Success",
            dimensions_map={"DeliveryStreamName": self.delivery_stream.ref},
            statistic="Minimum",
            period=five_minutes,
        )
        failed = cloudwatch.MathExpression(
            expression="IF(success < 1, 1, 0)",
            using_metrics={"success": success},
            label="Deliveries to S3 that did not all succeed",
            period=five_minutes,
        )
        for id, metric, summary, signal in (
            (
                "FilterErrorsAlarm",
                filter_errors,
                "CloudWatch Logs could not hand archived log events to the Firehose stream",
                "filter-delivery-errors",
            ),
            (
                "S3DeliveryAlarm",
                failed,
                "the archive's Firehose stream failed to write records to S3 (see its "
                "DeliveryErrors log group and the bucket's errors/ prefix)",
                "s3-delivery-failures",
            ),
        ):
            self.monitor_alarms.append(
                add_monitor_alarm(
                    self,
                    id,
                    metric=metric,
                    summary=summary,
                    notify=notify,
                    resource=self.node.path,
                    signal=signal,
                )
            )


@dataclass(frozen=True)
class _Settings:
    """What ``LogArchiveOptions`` says, validated."""

    prefix: str
    interval: int
    size_mib: int
    expire_days: int | None


def _checked(check: Check, options: LogArchiveOptions) -> _Settings:
    if not isinstance(options, LogArchiveOptions):
        check.fail("options", f"expected a LogArchiveOptions, got {type(options).__name__}")
    prefix = check.text(
        "prefix",
        options.prefix,
        max_length=512,
        pattern=_PREFIX_PATTERN,
        pattern_doc="must be a relative S3 key prefix that ends with '/'",
    )
    if prefix.startswith(ERROR_PREFIX):
        check.fail(
            "prefix",
            f"{prefix!r} is under {ERROR_PREFIX!r}, where Firehose writes the records it could "
            "not deliver (its error output prefix); choose a prefix outside it, such as 'logs/'",
        )
    if not isinstance(options.filter_pattern, str):
        check.fail(
            "filter_pattern",
            f"expected a filter pattern (str), got {type(options.filter_pattern).__name__}",
        )
    compile_pattern(check, "filter_pattern", options.filter_pattern)
    interval = check.seconds(
        "buffering_interval", options.buffering_interval, minimum=0, maximum=900
    )
    size_mib = _whole_mebibytes(check, options.buffering_size)
    _check_references(check, options)
    return _Settings(prefix, interval, size_mib, _expiration_days(check, options))


def _whole_mebibytes(check: Check, size: object) -> int:
    """A literal ``Size`` of 1 to 128 whole MiB (Firehose's S3 buffering hint)."""
    if not isinstance(size, Size):
        check.fail("buffering_size", f"expected a Size, got {size!r}")
    if size.is_unresolved():
        check.fail("buffering_size", "must be a literal Size, not a token")
    mebibytes = size.to_mebibytes(rounding=SizeRoundingBehavior.NONE)
    if mebibytes != int(mebibytes):
        check.fail(
            "buffering_size",
            f"must be a whole number of MiB (Firehose buffers 1 to 128 MiB), got {mebibytes:g} MiB",
        )
    return check.integer("buffering_size", int(mebibytes), minimum=1, maximum=128)


def _check_references(check: Check, options: LogArchiveOptions) -> None:
    """The bucket and topic are constructs (or imported ones), not their names or ARNs."""
    bucket = options.bucket
    if bucket is not None and not hasattr(bucket, "bucket_arn"):
        check.fail(
            "bucket",
            f"expected an s3.IBucket, got {type(bucket).__name__} (for a bucket name, use "
            "s3.Bucket.from_bucket_name)",
        )
    topic = options.monitor_topic
    if topic is not None and not (isinstance(topic, AlarmTopic) or hasattr(topic, "topic_arn")):
        check.fail(
            "monitor_topic",
            f"expected an AlarmTopic or an sns.ITopic, got {type(topic).__name__} (for a "
            "topic ARN, use sns.Topic.from_topic_arn)",
        )


class _HasLogGroup(Protocol):
    """What holds a log group, like ``EncryptedLogGroup``."""

    @property
    def log_group(self) -> logs.ILogGroup: ...


def _is_log_group(value: object) -> bool:
    """Whether ``value`` is an ``ILogGroup`` (jsii interfaces cannot be checked with
    ``isinstance``; imported log groups are proxies, not constructs of this process)."""
    return not isinstance(value, str) and all(
        hasattr(value, name) for name in ("log_group_name", "log_group_arn", "node")
    )


def _log_group_of(check: Check, given: object) -> logs.ILogGroup:
    """The log group: an ``ILogGroup`` itself, or the ``log_group`` of an ``EncryptedLogGroup``."""
    held = getattr(given, "log_group", None)
    if _is_log_group(held):
        return held  # type: ignore[return-value]
    if not _is_log_group(given):
        check.fail(
            "log_group",
            f"expected a logs.ILogGroup or an EncryptedLogGroup, got {type(given).__name__} "
            "(for a log group name, use logs.LogGroup.from_log_group_name)",
        )
    return given  # type: ignore[return-value]


def _expiration_days(check: Check, options: LogArchiveOptions) -> int | None:
    if options.expiration is None:
        return None
    if options.bucket is not None:
        check.fail(
            "expiration",
            "applies only to the bucket the archive creates; with your own bucket, expire "
            "objects through that bucket's lifecycle rules",
        )
    return check.whole_days("expiration", options.expiration, minimum=1)


def _unpack_subscription_envelopes() -> firehose.CfnDeliveryStream.ProcessingConfigurationProperty:
    """Subscription filters deliver gzipped CloudWatch Logs envelopes: unpack them so the
    archive holds the events themselves, one per line."""
    stream = firehose.CfnDeliveryStream
    return stream.ProcessingConfigurationProperty(
        enabled=True,
        processors=[
            stream.ProcessorProperty(
                type="Decompression",
                parameters=[
                    stream.ProcessorParameterProperty(
                        parameter_name="CompressionFormat", parameter_value="GZIP"
                    )
                ],
            ),
            stream.ProcessorProperty(
                type="CloudWatchLogProcessing",
                parameters=[
                    stream.ProcessorParameterProperty(
                        parameter_name="DataMessageExtraction", parameter_value="true"
                    )
                ],
            ),
        ],
    )


@jsii.implements(logs.ILogSubscriptionDestination)
class _FirehoseArnDestination:
    """Subscription destination for an L1 Firehose stream, with a role CloudWatch Logs assumes
    only on behalf of this account's log groups in this region (confused-deputy protection,
    in the form AWS documents for Firehose subscriptions)."""

    def __init__(self, stream_arn: str) -> None:
        self._stream_arn = stream_arn
        self.policy: iam.ManagedPolicy | None = None

    def bind(
        self, scope: Construct, source_log_group: ILogGroupRef
    ) -> logs.LogSubscriptionDestinationConfig:
        del source_log_group  # the trust covers the account's log groups in this region
        stack = Stack.of(scope)
        role = iam.Role(
            scope,
            "CloudWatchLogsCanPutRecords",
            assumed_by=iam.ServicePrincipal(
                "logs.amazonaws.com",
                conditions={
                    "StringLike": {
                        "aws:SourceArn": f"arn:{stack.partition}:logs:{stack.region}:"
                        f"{stack.account}:*"
                    }
                },
            ),
            description="Lets CloudWatch Logs put subscribed events into the archive stream",
        )
        self.policy = iam.ManagedPolicy(
            scope,
            "CloudWatchLogsPutRecordsPolicy",
            description="Lets CloudWatch Logs put subscribed events into the archive stream",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    actions=["firehose:PutRecord", "firehose:PutRecordBatch"],
                    resources=[self._stream_arn],
                )
            ],
        )
        return logs.LogSubscriptionDestinationConfig(arn=self._stream_arn, role=role)
