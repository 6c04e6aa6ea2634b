"""AuditQueries: a Glue table over a trail's log files, an Athena workgroup and forensic queries.

The table follows AWS's documented CloudTrail DDL (``constructs_obs.audit.schema``) with
partition projection over the day, the region and the account, so there is no crawler and no
``MSCK REPAIR``. The workgroup enforces its configuration: results encrypted with KMS in a
hardened bucket that expires them, and a cap on the bytes one query may scan. The named
queries and prepared statements are the ``.sql`` files of ``constructs_obs/audit/queries``,
deployed verbatim; the same files run locally with ``constructs-obs-audit``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from aws_cdk import Duration, Names, Size, Stack, Token
from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_obs.audit.catalog import AuditQuery, load_queries
from constructs_obs.audit.schema import (
    COLUMNS,
    DAY_FORMAT,
    INPUT_FORMAT,
    OUTPUT_FORMAT,
    PARTITION_KEYS,
    SERDE,
    TABLE_NAME,
    storage_location_template,
)
from constructs_obs.private.bucket import HardenedBucket
from constructs_obs.private.grants import grant_with_policy
from constructs_obs.private.keys import resolve_key
from constructs_obs.private.stack_limits import watch_stack_limits
from constructs_obs.private.validate import Check

if TYPE_CHECKING:
    from constructs_obs.audit_trail import AuditTrail

__all__ = ["COMMERCIAL_REGIONS", "AuditQueries", "TrailLogLocation"]

#: The regions the table projects by default: every commercial region.
COMMERCIAL_REGIONS: Final = (
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
)
_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d")
_ACCOUNT = re.compile(r"\d{12}")
_DAY = re.compile(r"\d{4}/\d{2}/\d{2}")


@dataclass(frozen=True)
class TrailLogLocation:
    """Where a trail created elsewhere writes its log files."""

    bucket: s3.IBucket
    encryption_key: kms.IKey | None = None
    s3_key_prefix: str | None = None
    organization_id: str | None = None
    access_logs_bucket: s3.IBucket | None = None


class AuditQueries(Construct):
    """The Glue table, Athena workgroup, named queries and prepared statements for a trail.

    Parameters
    ----------
    trail:
        An ``AuditTrail`` or the ``TrailLogLocation`` of a trail created elsewhere.
    regions / accounts:
        What partition projection enumerates. Default: every commercial region; the stack's
        account (an organization trail must name its accounts).
    projection_start:
        First day the table covers (``yyyy/MM/dd``). Default: ``"2024/01/01"``.
    bytes_scanned_cutoff:
        Largest scan one query may do before Athena cancels it. Default: 10 GiB.
    results_expiration:
        When query results are deleted from the results bucket. Default: 30 days.
    database_name / workgroup_name:
        Default: derived from the construct path.

    Attributes
    ----------
    database, table, workgroup, results_bucket, named_queries, prepared_statements
    (the last two keyed by query name).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        trail: AuditTrail | TrailLogLocation,
        regions: Sequence[str] | None = None,
        accounts: Sequence[str] | None = None,
        projection_start: str = "2024/01/01",
        bytes_scanned_cutoff: Size | None = None,
        results_expiration: Duration | None = None,
        database_name: str | None = None,
        workgroup_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        watch_stack_limits(self)
        check = Check("AuditQueries", id)
        stack = Stack.of(self)
        location = _location_of(trail)
        regions = list(regions or COMMERCIAL_REGIONS)
        for region in regions:
            if _REGION.fullmatch(region) is None:
                check.fail("regions", f"{region!r} is not a region name such as eu-west-1")
        check.unique("regions", regions)
        if accounts is None:
            if location.organization_id is not None:
                check.fail(
                    "accounts",
                    "an organization trail writes one folder per member account: name the "
                    "accounts the table should project",
                )
            if Token.is_unresolved(stack.account):
                check.fail(
                    "accounts",
                    "the stack has no account (environment-agnostic): name the accounts",
                )
            accounts = [stack.account]
        for account in accounts:
            if _ACCOUNT.fullmatch(account) is None:
                check.fail("accounts", f"{account!r} is not a 12-digit account id")
        if _DAY.fullmatch(projection_start) is None:
            check.fail("projection_start", f"{projection_start!r} must be a day as yyyy/MM/dd")
        cutoff = bytes_scanned_cutoff or Size.gibibytes(10)
        cutoff_bytes = int(cutoff.to_bytes())
        check.integer("bytes_scanned_cutoff", cutoff_bytes, minimum=10_000_000)

        self.encryption_key = location.encryption_key or resolve_key(
            self,
            "Key",
            check=check,
            encryption_key=None,
            encryption_key_props=None,
            description=f"Encrypts the Athena results of {self.node.path}",
        )
        self.results_bucket = HardenedBucket(
            self,
            "Results",
            encryption_key=self.encryption_key,
            access_logs_bucket=location.access_logs_bucket,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireResults", expiration=results_expiration or Duration.days(30)
                )
            ],
            noncurrent_version_expiration=Duration.days(1),
        ).bucket

        self.database_name = database_name or _identifier(self, "_").lower()
        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=stack.account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=self.database_name,
                description="CloudTrail logs, queried with Athena (constructs-obs)",
            ),
        )
        prefix = location.s3_key_prefix
        table_root = "/".join(
            part
            for part in (
                "s3:/",
                location.bucket.bucket_name,
                prefix,
                "AWSLogs",
                location.organization_id,
            )
            if part
        )
        self.table = glue.CfnTable(
            self,
            "Table",
            catalog_id=stack.account,
            database_name=self.database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name=TABLE_NAME,
                description="CloudTrail log files with partition projection (no crawler)",
                table_type="EXTERNAL_TABLE",
                partition_keys=[
                    glue.CfnTable.ColumnProperty(name=c.name, type=c.hive_type, comment=c.comment)
                    for c in PARTITION_KEYS
                ],
                parameters={
                    "classification": "cloudtrail",
                    "EXTERNAL": "TRUE",
                    "projection.enabled": "true",
                    "projection.day.type": "date",
                    "projection.day.format": DAY_FORMAT,
                    "projection.day.range": f"{projection_start},NOW",
                    "projection.day.interval": "1",
                    "projection.day.interval.unit": "DAYS",
                    "projection.region.type": "enum",
                    "projection.region.values": ",".join(regions),
                    "projection.account.type": "enum",
                    "projection.account.values": ",".join(accounts),
                    "storage.location.template": storage_location_template(
                        location.bucket.bucket_name,
                        prefix=prefix or "",
                        organization_id=location.organization_id,
                    ),
                },
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    columns=[
                        glue.CfnTable.ColumnProperty(
                            name=c.name, type=c.hive_type, comment=c.comment
                        )
                        for c in COLUMNS
                    ],
                    location=f"{table_root}/",
                    input_format=INPUT_FORMAT,
                    output_format=OUTPUT_FORMAT,
                    serde_info=glue.CfnTable.SerdeInfoProperty(serialization_library=SERDE),
                ),
            ),
        )
        self.table.node.add_dependency(self.database)

        self.workgroup_name = workgroup_name or _identifier(self, "-")
        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=self.workgroup_name,
            description="Forensic queries over the CloudTrail logs",
            state="ENABLED",
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=cutoff_bytes,
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{self.results_bucket.bucket_name}/results/",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=self.encryption_key.key_arn
                    ),
                    expected_bucket_owner=stack.account,
                ),
            ),
        )

        self.queries: dict[str, AuditQuery] = load_queries()
        self.named_queries: dict[str, athena.CfnNamedQuery] = {}
        self.prepared_statements: dict[str, athena.CfnPreparedStatement] = {}
        for name, query in sorted(self.queries.items()):
            construct_id = "".join(part.capitalize() for part in name.split("_"))
            named = athena.CfnNamedQuery(
                self,
                f"{construct_id}Query",
                name=name,
                description=query.description,
                database=self.database_name,
                work_group=self.workgroup_name,
                query_string=query.sql,
            )
            named.node.add_dependency(self.workgroup, self.table)
            prepared = athena.CfnPreparedStatement(
                self,
                f"{construct_id}Statement",
                statement_name=name,
                description=f"{query.description} (parameters: {', '.join(query.params)})",
                work_group=self.workgroup_name,
                # The statement without its comment header: PREPARE takes one statement.
                query_statement=query.body,
            )
            prepared.node.add_dependency(self.workgroup)
            self.named_queries[name] = named
            self.prepared_statements[name] = prepared
        self._location = location
        self._readers = 0

    def grant_query(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` run the workgroup's queries: Athena in this workgroup, the Glue
        table, reading the logs, writing and reading results, and the key."""
        stack = Stack.of(self)
        workgroup_arn = stack.format_arn(
            service="athena", resource="workgroup", resource_name=self.workgroup_name
        )
        glue_arns = [
            stack.format_arn(service="glue", resource="catalog"),
            stack.format_arn(service="glue", resource="database", resource_name=self.database_name),
            stack.format_arn(
                service="glue", resource="table", resource_name=f"{self.database_name}/{TABLE_NAME}"
            ),
        ]
        results = self.results_bucket.arn_for_objects("*")
        logs = self._location.bucket.arn_for_objects("*")
        self._readers += 1
        return grant_with_policy(
            self,
            f"Queriers{self._readers}",
            grantee,
            [
                iam.PolicyStatement(
                    actions=[
                        "athena:StartQueryExecution",
                        "athena:StopQueryExecution",
                        "athena:GetQueryExecution",
                        "athena:GetQueryResults",
                        "athena:GetWorkGroup",
                        "athena:GetNamedQuery",
                        "athena:ListNamedQueries",
                        "athena:GetPreparedStatement",
                        "athena:ListPreparedStatements",
                    ],
                    resources=[workgroup_arn],
                ),
                iam.PolicyStatement(
                    actions=["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"],
                    resources=glue_arns,
                ),
                iam.PolicyStatement(
                    actions=["s3:ListBucket", "s3:GetBucketLocation"],
                    resources=[self._location.bucket.bucket_arn, self.results_bucket.bucket_arn],
                ),
                iam.PolicyStatement(actions=["s3:GetObject"], resources=[logs]),
                iam.PolicyStatement(
                    actions=[
                        "s3:GetObject",
                        "s3:PutObject",
                        "s3:AbortMultipartUpload",
                        "s3:ListMultipartUploadParts",
                    ],
                    resources=[results],
                ),
                iam.PolicyStatement(
                    actions=["kms:Decrypt", "kms:GenerateDataKey"],
                    resources=[self.encryption_key.key_arn],
                ),
            ],
            description=f"Run the audit queries of the workgroup {self.workgroup_name}",
            wildcard_resources=[logs, results],
            wildcard_reason="Athena reads any log file in the projected partitions and writes "
            "its results under names it chooses; both buckets belong to this trail.",
        )


def _location_of(trail: AuditTrail | TrailLogLocation) -> TrailLogLocation:
    if isinstance(trail, TrailLogLocation):
        return trail
    return TrailLogLocation(
        bucket=trail.bucket,
        encryption_key=trail.encryption_key,
        s3_key_prefix=trail.s3_key_prefix,
        organization_id=trail.organization_id,
        access_logs_bucket=trail.access_logs_bucket,
    )


def _identifier(scope: Construct, separator: str) -> str:
    """A name unique in the app for Glue (``_``) or Athena (``-``), from the construct path."""
    return Names.unique_resource_name(scope, max_length=100, separator=separator)
