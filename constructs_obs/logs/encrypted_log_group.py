"""EncryptedLogGroup: a CloudWatch log group encrypted with a customer KMS key that works.

The key policy lets ``logs.<region>.amazonaws.com`` use the key only for log groups of this
account and region (``kms:EncryptionContext:aws:logs:arn``), retention is explicit, the log
group is retained on stack deletion, and ``add_pattern_alarm`` goes from a filter pattern to
an alarm in one call.

CloudWatch Logs encrypts only with symmetric encryption keys (``SYMMETRIC_DEFAULT``,
``ENCRYPT_DECRYPT``), so other key props are refused. A retained log group whose key is
deleted with the stack holds events nobody can ever read again: a key of this app with
``RemovalPolicy.DESTROY`` is refused unless the log group is destroyed too. Log group names are
unique per account and region: a second log group of the same name anywhere in the app is
refused where it is declared, not when its deployment fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_obs.acknowledge import acknowledge_nag, skip_checkov
from constructs_obs.alarms.alarm_kinds import AlarmIdentity, add_threshold_alarm, check_actions
from constructs_obs.alarms.alarm_routing import AlarmRouting
from constructs_obs.alarms.severity import Severity
from constructs_obs.logs.log_archive import LogArchive, LogArchiveOptions
from constructs_obs.logs.pattern_metric import (
    PatternMetricSpec,
    alarm_metric,
    check_statistic_for,
    create_metric_filter,
    pattern_metric_spec,
)
from constructs_obs.private.alarm_checks import check_evaluation, check_period
from constructs_obs.private.keys import (
    allow_cloudwatch_logs,
    check_key_inputs,
    check_key_outlives,
    resolve_key,
)
from constructs_obs.private.names import register_log_group_name
from constructs_obs.private.registry import LogPatternRecord, registry_of
from constructs_obs.private.scopes import adopt, path_of
from constructs_obs.private.validate import Check, is_token

__all__ = [
    "ALLOWED_RETENTION_DAYS",
    "DEFAULT_METRIC_NAMESPACE",
    "EncryptedLogGroup",
    "PatternAlarm",
    "PiiProtection",
]

DEFAULT_METRIC_NAMESPACE: Final = "ConstructsObs/LogPatterns"

# The retention values CloudWatch Logs accepts (PutRetentionPolicy), in days.
_RETENTION_BY_DAYS: Final[dict[int, logs.RetentionDays]] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}
ALLOWED_RETENTION_DAYS: Final = tuple(_RETENTION_BY_DAYS)

_LOG_GROUP_NAME = r"[.\-_/#A-Za-z0-9]{1,512}"
_SHOWN_PATTERN = 200


class _Unset(Enum):
    VALUE = "unset"


_UNSET: Final = _Unset.VALUE
_DEFAULT_PERIOD: Final = Duration.minutes(5)
_AT_LEAST_THRESHOLD: Final = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD


@dataclass(frozen=True)
class PiiProtection:
    """A data-protection policy that audits and masks sensitive data in the log events.

    Attributes
    ----------
    identifiers:
        Managed data identifiers to audit and mask, e.g.
        ``[logs.DataIdentifier.EMAILADDRESS, logs.DataIdentifier.AWSSECRETKEY]``.
    audit_log_group:
        Where audit findings go. Default: no findings destination (findings still count in
        the ``LogEventsWithFindings`` metric).
    audit_bucket:
        An S3 bucket for audit findings, as an alternative or in addition.
    """

    identifiers: Sequence[logs.DataIdentifier]
    audit_log_group: logs.ILogGroup | None = None
    audit_bucket: s3.IBucket | None = None


@dataclass(frozen=True)
class PatternAlarm:
    """What ``add_pattern_alarm`` created: the metric filter, its metric, and the alarm."""

    metric_filter: logs.MetricFilter
    metric: cloudwatch.IMetric
    alarm: cloudwatch.Alarm


@dataclass(frozen=True)
class PatternAlarmOptions:
    """What ``EncryptedLogGroup.add_pattern_alarm`` takes: a metric filter and its alarm.

    Attributes
    ----------
    pattern:
        A CloudWatch Logs filter pattern, kept verbatim (text, JSON or space-delimited).
    metric_name / metric_namespace:
        The metric the filter publishes. Default namespace: ``ConstructsObs/LogPatterns``.
    metric_value:
        What a matching event adds: a number, or a selector such as ``$.latency``.
        Default: ``"1"`` (count matches).
    default_value:
        Published when no event matches, so the metric has no gaps. Default: 0 without
        dimensions; none with dimensions (CloudWatch does not allow both).
    unit:
        The metric's unit. Default: none.
    dimensions:
        Up to 3 dimensions taken from the event (``{"Service": "$.service"}``). The alarm
        then aggregates every dimension value with a Metrics Insights query. Default: none.
    threshold, comparison_operator, statistic, period, evaluation_periods,
    datapoints_to_alarm, treat_missing_data:
        The alarm. Defaults: ``Sum >= 1`` over one 5-minute period, missing data not
        breaching.
    severity, routing:
        Where the alarm goes: the routing's targets for the severity. The alarm is named
        ``<routing prefix or stack name>-<log group>-<metric name>-<severity>``.
        Default: WARNING, no routing.
    summary, runbook_url:
        The alarm description: what it means, and the runbook link for whoever is paged.
        Default: a summary naming the pattern and the log group; no runbook.
    alarm_name:
        Overrides the generated name.
    actions:
        Extra alarm actions (any ``IAlarmAction``), besides the routing's. Default: none.
    """

    pattern: str
    metric_name: str
    metric_namespace: str = DEFAULT_METRIC_NAMESPACE
    metric_value: str = "1"
    default_value: float | _Unset | None = _UNSET
    unit: cloudwatch.Unit | None = None
    dimensions: Mapping[str, str] | None = None
    threshold: float = 1
    comparison_operator: cloudwatch.ComparisonOperator = _AT_LEAST_THRESHOLD
    statistic: str = "Sum"
    period: Duration | None = None
    evaluation_periods: int = 1
    datapoints_to_alarm: int | None = None
    treat_missing_data: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING
    severity: Severity = Severity.WARNING
    routing: AlarmRouting | None = None
    summary: str | None = None
    runbook_url: str | None = None
    alarm_name: str | None = None
    actions: Sequence[cloudwatch.IAlarmAction] = ()


class EncryptedLogGroup(Construct):
    """A log group encrypted with a customer KMS key whose key policy really lets Logs use it.

    Parameters
    ----------
    log_group_name:
        Default: a name CloudFormation generates.
    retention:
        How long events are kept: a ``logs.RetentionDays`` or a number of days CloudWatch
        accepts (see ``ALLOWED_RETENTION_DAYS``). Default: one year.
    encryption_key:
        A key you manage. If it is imported (its policy is not in this app), a synth-time
        warning prints the statement you must add to its key policy.
        Default: a new key, rotation on, RETAIN.
    encryption_key_props:
        Overrides for the key this construct creates (cannot be combined with
        ``encryption_key``).
    removal_policy:
        Default: RETAIN (the log group holds logs; deleting the stack keeps them).
    data_protection:
        Audit and mask PII in events. Default: none.
    log_group_class:
        STANDARD or INFREQUENT_ACCESS (cheaper ingestion, no metric filters, subscription
        filters or data protection). Default: STANDARD.
    archive:
        Archive events to S3 through a subscription filter and an encrypted Firehose stream,
        for retention beyond CloudWatch's. Default: no archive.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        log_group_name: str | None = None,
        retention: logs.RetentionDays | int = logs.RetentionDays.ONE_YEAR,
        encryption_key: kms.IKey | None = None,
        encryption_key_props: kms.KeyProps | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        data_protection: PiiProtection | None = None,
        log_group_class: logs.LogGroupClass = logs.LogGroupClass.STANDARD,
        archive: LogArchiveOptions | None = None,
    ) -> None:
        super().__init__(scope, id)
        self._id = id
        self._path = path_of(self)
        self._check = Check("EncryptedLogGroup", id)
        self._check_name(log_group_name)
        retention_days = self._retention(retention)
        self._check_removal_policy(removal_policy)
        self.log_group_class = self._check_class(log_group_class, data_protection, archive)
        check_key_inputs(
            self._check,
            encryption_key,
            encryption_key_props,
            cannot_encrypt="a log group: CloudWatch Logs uses",
        )

        self.encryption_key: kms.IKey = resolve_key(
            self,
            "Key",
            check=self._check,
            encryption_key=encryption_key,
            encryption_key_props=encryption_key_props,
            description=f"Encrypts the CloudWatch log group {self._path}",
        )
        check_key_outlives(
            self._check,
            "encryption_key" if encryption_key is not None else "encryption_key_props",
            self.encryption_key,
            data_removal=removal_policy,
            created_with=False if encryption_key is not None else encryption_key_props,
            data="log group",
        )
        if log_group_name is not None:
            register_log_group_name(self, self._check, log_group_name)
        self.key_policy_updated = allow_cloudwatch_logs(self, self.encryption_key)
        self._log_group_name = None if is_token(log_group_name) else log_group_name
        self.log_group = self._create_log_group(
            log_group_name, retention_days, removal_policy, data_protection
        )
        adopt(self.log_group, self, f"{self._path}/Resource")
        self._patterns = LogPatternRecord(
            log_group=self.log_group, path=self._path, name=self._resource_name
        )
        registry_of(self).log_groups.append(self._patterns)
        self.archive = self._create_archive(archive)

    # -- validation ----------------------------------------------------------------------------

    def _check_name(self, log_group_name: str | None) -> None:
        if log_group_name is None or is_token(log_group_name):
            return
        self._check.text(
            "log_group_name",
            log_group_name,
            max_length=512,
            pattern=_LOG_GROUP_NAME,
            pattern_doc="may contain only a-z, A-Z, 0-9, '_', '-', '/', '.' and '#'",
        )
        if log_group_name.startswith("aws/"):
            self._check.fail("log_group_name", "names starting with 'aws/' are reserved by AWS")

    def _retention(self, retention: logs.RetentionDays | int) -> logs.RetentionDays:
        if isinstance(retention, logs.RetentionDays):
            return retention
        if isinstance(retention, bool) or not isinstance(retention, int):
            self._check.fail(
                "retention",
                f"expected logs.RetentionDays or a number of days, got {retention!r}",
            )
        if retention not in _RETENTION_BY_DAYS:
            self._check.fail(
                "retention",
                f"{retention} days is not a retention CloudWatch Logs accepts; allowed days: "
                f"{', '.join(map(str, ALLOWED_RETENTION_DAYS))} "
                "(or logs.RetentionDays.INFINITE to never expire)",
            )
        return _RETENTION_BY_DAYS[retention]

    def _check_removal_policy(self, removal_policy: RemovalPolicy) -> None:
        self._check.choice(
            "removal_policy",
            removal_policy,
            (RemovalPolicy.RETAIN, RemovalPolicy.DESTROY, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE),
            "RemovalPolicy.RETAIN, RemovalPolicy.DESTROY, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE",
        )

    def _check_class(
        self,
        log_group_class: logs.LogGroupClass,
        data_protection: PiiProtection | None,
        archive: LogArchiveOptions | None,
    ) -> logs.LogGroupClass:
        """The class, if it is one with a customer key that supports what was asked for."""
        check = self._check
        for parameter, value, kind in (
            ("data_protection", data_protection, PiiProtection),
            ("archive", archive, LogArchiveOptions),
        ):
            if value is not None and not isinstance(value, kind):
                check.fail(parameter, f"expected a {kind.__name__}, got {type(value).__name__}")
        check.choice(
            "log_group_class",
            log_group_class,
            (logs.LogGroupClass.STANDARD, logs.LogGroupClass.INFREQUENT_ACCESS),
            "LogGroupClass.STANDARD, LogGroupClass.INFREQUENT_ACCESS (DELIVERY keeps events "
            "one day and supports no customer key)",
        )
        if log_group_class != logs.LogGroupClass.INFREQUENT_ACCESS:
            return log_group_class
        if data_protection is not None:
            check.fail(
                "data_protection",
                "log groups of the INFREQUENT_ACCESS class do not support data protection "
                "policies; use LogGroupClass.STANDARD",
            )
        if archive is not None:
            check.fail(
                "archive",
                "log groups of the INFREQUENT_ACCESS class do not support subscription "
                "filters; use LogGroupClass.STANDARD",
            )
        return log_group_class

    @property
    def _infrequent_access(self) -> bool:
        return self.log_group_class == logs.LogGroupClass.INFREQUENT_ACCESS

    # -- resources -----------------------------------------------------------------------------

    def _create_log_group(
        self,
        log_group_name: str | None,
        retention_days: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        data_protection: PiiProtection | None,
    ) -> logs.LogGroup:
        log_group = logs.LogGroup(
            self,
            "Resource",
            log_group_name=log_group_name,
            retention=retention_days,
            encryption_key=self.encryption_key,
            removal_policy=removal_policy,
            data_protection_policy=self._data_protection(data_protection),
            log_group_class=self.log_group_class,
        )
        if retention_days == logs.RetentionDays.INFINITE:
            never_expire = (
                "The caller chose RetentionDays.INFINITE explicitly: events never expire "
                "(CloudFormation expresses that by omitting RetentionInDays)."
            )
            acknowledge_nag(
                log_group, "NIST.800.53.R5-CloudWatchLogGroupRetentionPeriod", never_expire
            )
            skip_checkov(_cfn_log_group(log_group), "CKV_AWS_66", never_expire)
        return log_group

    def _data_protection(self, pii: PiiProtection | None) -> logs.DataProtectionPolicy | None:
        if pii is None:
            return None
        if not pii.identifiers:
            self._check.fail(
                "data_protection",
                "PiiProtection.identifiers is empty; name at least one logs.DataIdentifier",
            )
        return logs.DataProtectionPolicy(
            name=f"{self.node.id}-pii",
            description="Audits and masks the chosen sensitive data identifiers",
            identifiers=list(pii.identifiers),
            log_group_audit_destination=pii.audit_log_group,
            s3_bucket_audit_destination=pii.audit_bucket,
        )

    def _create_archive(self, archive: LogArchiveOptions | None) -> LogArchive | None:
        if archive is None:
            return None
        return LogArchive(
            self,
            "Archive",
            log_group=self.log_group,
            encryption_key=self.encryption_key,
            options=archive,
        )

    def grant_write(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` create log streams and put log events (no key permission needed:
        CloudWatch Logs encrypts with its own grant on the key)."""
        return self.log_group.grant_write(grantee)

    # -- pattern alarms ------------------------------------------------------------------------

    def add_pattern_alarm(
        self,
        id: str,
        *,
        pattern: str,
        metric_name: str,
        metric_namespace: str = DEFAULT_METRIC_NAMESPACE,
        metric_value: str = "1",
        default_value: float | _Unset | None = _UNSET,
        unit: cloudwatch.Unit | None = None,
        dimensions: Mapping[str, str] | None = None,
        threshold: float = 1,
        comparison_operator: cloudwatch.ComparisonOperator = _AT_LEAST_THRESHOLD,
        statistic: str = "Sum",
        period: Duration | None = None,
        evaluation_periods: int = 1,
        datapoints_to_alarm: int | None = None,
        treat_missing_data: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
        severity: Severity = Severity.WARNING,
        routing: AlarmRouting | None = None,
        summary: str | None = None,
        runbook_url: str | None = None,
        alarm_name: str | None = None,
        actions: Sequence[cloudwatch.IAlarmAction] = (),
    ) -> PatternAlarm:
        """A metric filter for ``pattern`` and an alarm on the metric it publishes.

        The parameters are the fields of ``PatternAlarmOptions``, described there with their
        defaults: the filter pattern and the metric it publishes, then the alarm and where it
        goes.
        """
        options = PatternAlarmOptions(
            pattern=pattern,
            metric_name=metric_name,
            metric_namespace=metric_namespace,
            metric_value=metric_value,
            default_value=default_value,
            unit=unit,
            dimensions=dimensions,
            threshold=threshold,
            comparison_operator=comparison_operator,
            statistic=statistic,
            period=period,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=treat_missing_data,
            severity=severity,
            routing=routing,
            summary=summary,
            runbook_url=runbook_url,
            alarm_name=alarm_name,
            actions=actions,
        )
        return self._add_pattern_alarm(id, options)

    def _add_pattern_alarm(self, id: str, options: PatternAlarmOptions) -> PatternAlarm:
        check = Check("EncryptedLogGroup.add_pattern_alarm", id)
        spec, threshold, period = self._check_pattern_alarm(check, options)
        metric_filter = create_metric_filter(self, id, self.log_group, spec)
        self._patterns.patterns.append((options.metric_name, options.pattern))
        metric = alarm_metric(spec, metric_filter, statistic=options.statistic, period=period)
        alarm = self._pattern_alarm(f"{id}Alarm", options, metric, threshold)
        return PatternAlarm(metric_filter=metric_filter, metric=metric, alarm=alarm)

    def _check_pattern_alarm(
        self, check: Check, options: PatternAlarmOptions
    ) -> tuple[PatternMetricSpec, float, Duration]:
        """The validated metric filter, threshold and period of a pattern alarm."""
        if self._infrequent_access:
            check.fail(
                "pattern",
                "log groups of the INFREQUENT_ACCESS class do not support metric filters; "
                "create the log group with LogGroupClass.STANDARD",
            )
        check_actions(check, options.actions)  # before tuple(): None or a string stays named
        default_value = options.default_value
        spec = pattern_metric_spec(
            check,
            pattern=options.pattern,
            metric_name=options.metric_name,
            metric_namespace=options.metric_namespace,
            metric_value=options.metric_value,
            default_value=None if isinstance(default_value, _Unset) else default_value,
            default_value_given=not isinstance(default_value, _Unset),
            unit=options.unit,
            dimensions=options.dimensions,
        )
        threshold = check.finite("threshold", options.threshold)
        check_statistic_for(check, spec, options.statistic)
        period = options.period or _DEFAULT_PERIOD
        # Metric filters publish standard-resolution (1-minute) metrics.
        period_seconds = check_period(check, period, high_resolution=False)
        check_evaluation(
            check,
            period_seconds=period_seconds,
            evaluation_periods=options.evaluation_periods,
            datapoints_to_alarm=options.datapoints_to_alarm,
        )
        return spec, threshold, period

    def _pattern_alarm(
        self,
        construct_id: str,
        options: PatternAlarmOptions,
        metric: cloudwatch.IMetric,
        threshold: float,
    ) -> cloudwatch.Alarm:
        pattern = options.pattern
        shown = pattern if len(pattern) <= _SHOWN_PATTERN else pattern[:_SHOWN_PATTERN] + "..."
        return add_threshold_alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            identity=AlarmIdentity(
                resource=self._resource_name,
                signal=options.metric_name,
                severity=options.severity,
                summary=options.summary or f"log events matching {shown!r} in {self._path}",
                runbook_url=options.runbook_url,
            ),
            routing=options.routing,
            comparison_operator=options.comparison_operator,
            evaluation_periods=options.evaluation_periods,
            datapoints_to_alarm=options.datapoints_to_alarm,
            treat_missing_data=options.treat_missing_data,
            alarm_name=options.alarm_name,
            actions=tuple(options.actions),
        )

    @property
    def _resource_name(self) -> str:
        """The log group name (or construct id) as the resource part of alarm names."""
        return self._log_group_name or self._id


def _cfn_log_group(log_group: logs.LogGroup) -> logs.CfnLogGroup:
    cfn = log_group.node.default_child
    assert isinstance(cfn, logs.CfnLogGroup)
    return cfn
