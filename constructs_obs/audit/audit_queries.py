"""AuditQueries: a Glue table over a trail's log files, an Athena workgroup and forensic queries.

The table follows AWS's documented CloudTrail DDL (``constructs_obs.audit.schema``) with
partition projection over the day, the region and the account, so there is no crawler and no
``MSCK REPAIR``. The workgroup enforces its configuration: results encrypted with KMS in a
hardened bucket that expires them, and a cap on the bytes one query may scan. The named
queries and prepared statements are the ``.sql`` files of ``constructs_obs/audit/queries``,
deployed verbatim; the same files run locally with ``constructs-obs-audit``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from aws_cdk import Duration, Names, Size, Stack
from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_obs.audit.catalog import AuditQuery, load_queries
from constructs_obs.audit.projection import AccountProjection, TableProjection
from constructs_obs.audit.schema import (
    COLUMNS,
    DAY_FORMAT,
    INPUT_FORMAT,
    OUTPUT_FORMAT,
    PARTITION_KEYS,
    SERDE,
    TABLE_NAME,
    Column,
    storage_location_template,
)
from constructs_obs.audit.trail_log_location import (
    LogLocationSource,
    TrailLogLocation,
    check_accounts,
    check_log_path,
    check_regions,
)
from constructs_obs.private.bucket import HardenedBucket
from constructs_obs.private.grants import grant_with_policy
from constructs_obs.private.keys import resolve_key
from constructs_obs.private.stack_limits import watch_stack_limits
from constructs_obs.private.validate import Check

__all__ = ["AuditQueries"]

# Athena reads Glue databases named with lower-case letters, digits and '_' only (Glue itself
# allows 1-255 characters); workgroups: CreateWorkGroup's pattern.
_DATABASE_NAME = r"[a-z0-9_]+"
_WORKGROUP_NAME = r"[a-zA-Z0-9._-]+"
_DAY = r"\d{4}/\d{2}/\d{2}"
_ATHENA_ACTIONS = (
    "athena:StartQueryExecution",
    "athena:StopQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
    "athena:GetWorkGroup",
    "athena:GetNamedQuery",
    "athena:ListNamedQueries",
    "athena:GetPreparedStatement",
    "athena:ListPreparedStatements",
)


def _check_day(check: Check, parameter: str, day: str) -> None:
    check.text(
        parameter, day, max_length=10, pattern=_DAY, pattern_doc="must be a day as yyyy/MM/dd"
    )
    try:
        parsed = dt.datetime.strptime(day, "%Y/%m/%d").date()
    except ValueError:
        check.fail(parameter, f"{day!r} is not a day of the calendar (yyyy/MM/dd)")
    today = dt.datetime.now(dt.UTC).date()
    if parsed > today:
        check.fail(
            parameter,
            f"{day!r} is in the future: the table projects the days from it to NOW (UTC, "
            f"{today:%Y/%m/%d}), so it would find nothing",
        )


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
        First day the table covers (``yyyy/MM/dd``, a real day, not in the future).
        Default: ``"2024/01/01"``.
    bytes_scanned_cutoff:
        Largest scan one query may do before Athena cancels it (10 MB at least).
        Default: 10 GiB.
    results_expiration:
        When query results are deleted from the results bucket, in whole days (1 at least).
        Default: 30 days.
    account_projection:
        ``AccountProjection.ENUM`` lists ``accounts`` in the table, and a query may read them
        all; AWS advises keeping an enum to a few dozen values, and a query over every
        account makes Athena enumerate accounts x regions x days. ``AccountProjection.INJECTED``
        lists none (``accounts`` must then be left out) and scales to any organization, but
        Athena reads an injected partition only for the account a query names: the named
        queries and prepared statements then take ``account`` as their third parameter
        (``AND account = ?``). Default: ``AccountProjection.ENUM``.
    database_name / workgroup_name:
        The Glue database (1-255 lower-case letters, digits or ``_``: what Athena reads) and the
        Athena workgroup (1-128 letters, digits, ``.``, ``_`` or ``-``). Default: derived from
        the construct path.

    Attributes
    ----------
    database, table, workgroup, results_bucket, named_queries, prepared_statements
    (the last two keyed by query name), projection (a ``TableProjection``: what Athena reads,
    for ``LocalAuditEngine(projection=...)``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        trail: LogLocationSource | TrailLogLocation,
        regions: Sequence[str] | None = None,
        accounts: Sequence[str] | None = None,
        projection_start: str = "2024/01/01",
        bytes_scanned_cutoff: Size | None = None,
        results_expiration: Duration | None = None,
        database_name: str | None = None,
        workgroup_name: str | None = None,
        account_projection: AccountProjection = AccountProjection.ENUM,
    ) -> None:
        super().__init__(scope, id)
        watch_stack_limits(self)
        check = Check("AuditQueries", id)
        location = _checked_location(check, trail)
        regions = check_regions(check, "regions", regions)
        injected = _injected(check, account_projection, accounts)
        if not injected:
            accounts = check_accounts(
                check,
                "accounts",
                accounts,
                organization_trail=location.organization_id is not None,
                stack=Stack.of(self),
            )
        _check_day(check, "projection_start", projection_start)
        cutoff_bytes = _cutoff_bytes(check, bytes_scanned_cutoff or Size.gibibytes(10))
        expiration_days = check.whole_days(
            "results_expiration", results_expiration or Duration.days(30), minimum=1
        )
        _check_names(check, database_name, workgroup_name)

        self._location = location
        self._readers = 0
        #: What the table's projection covers, for ``LocalAuditEngine(projection=...)``.
        self.projection = TableProjection(
            start_day=projection_start,
            regions=tuple(regions),
            accounts=None if injected or accounts is None else tuple(accounts),
            account_projection=account_projection,
        )
        self._add_results(check, expiration_days)
        self._add_database(database_name)
        self._add_table(regions, None if injected else list(accounts or ()), projection_start)
        self._add_workgroup(workgroup_name, cutoff_bytes)
        self._add_queries()

    def grant_query(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` run the workgroup's queries: Athena in this workgroup, the Glue
        table, reading the logs, writing and reading results, and the key."""
        results = self.results_bucket.arn_for_objects("*")
        logs = self._location.bucket.arn_for_objects("*")
        self._readers += 1
        return grant_with_policy(
            self,
            f"Queriers{self._readers}",
            grantee,
            self._query_statements(logs=logs, results=results),
            description=f"Run the audit queries of the workgroup {self.workgroup_name}",
            wildcard_resources=[logs, results],
            wildcard_reason="Athena reads any log file in the projected partitions and writes "
            "its results under names it chooses; both buckets belong to this trail.",
        )

    # -- resources ---------------------------------------------------------------------------

    def _add_results(self, check: Check, expiration_days: int) -> None:
        """The key (the trail's, if it has one) and the bucket of the query results."""
        location = self._location
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
                s3.LifecycleRule(id="ExpireResults", expiration=Duration.days(expiration_days))
            ],
            noncurrent_version_expiration=Duration.days(1),
        ).bucket

    def _add_database(self, database_name: str | None) -> None:
        self.database_name = database_name or _identifier(self, "_").lower()
        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=Stack.of(self).account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=self.database_name,
                description="CloudTrail logs, queried with Athena (constructs-obs)",
            ),
        )

    def _add_table(
        self, regions: list[str], accounts: list[str] | None, projection_start: str
    ) -> None:
        """The table over the log files, its partitions projected (no crawler, no repair)."""
        self.table = glue.CfnTable(
            self,
            "Table",
            catalog_id=Stack.of(self).account,
            database_name=self.database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name=TABLE_NAME,
                description="CloudTrail log files with partition projection (no crawler)",
                table_type="EXTERNAL_TABLE",
                partition_keys=[_column(c) for c in PARTITION_KEYS],
                parameters=self._projection(regions, accounts, projection_start),
                storage_descriptor=self._storage_descriptor(),
            ),
        )
        self.table.node.add_dependency(self.database)

    def _projection(
        self, regions: list[str], accounts: list[str] | None, projection_start: str
    ) -> dict[str, str]:
        """The table parameters: partition projection over the day, region and account
        (``accounts`` None: an injected account)."""
        location = self._location
        account: dict[str, str] = (
            {"projection.account.type": "injected"}
            if accounts is None
            else {
                "projection.account.type": "enum",
                "projection.account.values": ",".join(accounts),
            }
        )
        return {
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
            **account,
            "storage.location.template": storage_location_template(
                location.bucket.bucket_name,
                prefix=location.s3_key_prefix or "",
                organization_id=location.organization_id,
            ),
        }

    def _storage_descriptor(self) -> glue.CfnTable.StorageDescriptorProperty:
        """The columns and the CloudTrail input format, rooted at the trail's ``AWSLogs``."""
        location = self._location
        table_root = "/".join(
            part
            for part in (
                "s3:/",
                location.bucket.bucket_name,
                location.s3_key_prefix,
                "AWSLogs",
                location.organization_id,
            )
            if part
        )
        return glue.CfnTable.StorageDescriptorProperty(
            columns=[_column(c) for c in COLUMNS],
            location=f"{table_root}/",
            input_format=INPUT_FORMAT,
            output_format=OUTPUT_FORMAT,
            serde_info=glue.CfnTable.SerdeInfoProperty(serialization_library=SERDE),
        )

    def _add_workgroup(self, workgroup_name: str | None, cutoff_bytes: int) -> None:
        """The workgroup, which enforces encrypted results and the scan cutoff."""
        stack = Stack.of(self)
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

    def _add_queries(self) -> None:
        """A named query and a prepared statement per ``.sql`` file of the catalog."""
        self.queries: dict[str, AuditQuery] = load_queries()
        self.named_queries: dict[str, athena.CfnNamedQuery] = {}
        self.prepared_statements: dict[str, athena.CfnPreparedStatement] = {}
        if self.projection.account_projection is AccountProjection.INJECTED:
            self.queries = {
                name: query.with_account_filter() for name, query in self.queries.items()
            }
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

    # -- grants ------------------------------------------------------------------------------

    def _query_statements(self, *, logs: str, results: str) -> list[iam.PolicyStatement]:
        """What running the workgroup's queries takes; ``logs`` and ``results``: the objects
        of the log bucket and of the results bucket."""
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
        return [
            iam.PolicyStatement(actions=list(_ATHENA_ACTIONS), resources=[workgroup_arn]),
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
        ]


def _injected(check: Check, account_projection: object, accounts: object) -> bool:
    """Whether the account is an injected projection (then no ``accounts`` are listed)."""
    if not isinstance(account_projection, AccountProjection):
        check.fail(
            "account_projection",
            f"expected AccountProjection.ENUM or AccountProjection.INJECTED, got "
            f"{account_projection!r}",
        )
    injected = account_projection is AccountProjection.INJECTED
    if injected and accounts is not None:
        check.fail(
            "accounts",
            "an injected account projection lists no accounts (each query names its "
            "account): leave accounts out, or use AccountProjection.ENUM",
        )
    return injected


def _check_names(check: Check, database_name: str | None, workgroup_name: str | None) -> None:
    if database_name is not None:
        check.text(
            "database_name",
            database_name,
            max_length=255,
            pattern=_DATABASE_NAME,
            pattern_doc="must be 1-255 lower-case letters, digits or '_' (the names Athena reads)",
        )
    if workgroup_name is not None:
        check.text(
            "workgroup_name",
            workgroup_name,
            max_length=128,
            pattern=_WORKGROUP_NAME,
            pattern_doc="must be 1-128 letters, digits, '.', '_' or '-'",
        )


def _cutoff_bytes(check: Check, cutoff: object) -> int:
    if not isinstance(cutoff, Size):
        check.fail(
            "bytes_scanned_cutoff", f"expected a Size (Size.gibibytes(10), say), got {cutoff!r}"
        )
    if cutoff.is_unresolved():
        check.fail("bytes_scanned_cutoff", "must be a literal Size, not a token")
    return check.integer("bytes_scanned_cutoff", int(cutoff.to_bytes()), minimum=10_000_000)


def _checked_location(check: Check, trail: object) -> TrailLogLocation:
    """The trail's log location (given, or its ``log_location``), its path checked."""
    location = (
        trail if isinstance(trail, TrailLogLocation) else getattr(trail, "log_location", None)
    )
    if not isinstance(location, TrailLogLocation):
        check.fail(
            "trail",
            "expected an AuditTrail or a TrailLogLocation (or anything with a log_location), "
            f"got {trail!r}",
        )
    check_log_path(
        check,
        organization_id=location.organization_id,
        s3_key_prefix=location.s3_key_prefix,
        parameter="trail.",
    )
    return location


def _column(column: Column) -> glue.CfnTable.ColumnProperty:
    return glue.CfnTable.ColumnProperty(
        name=column.name, type=column.hive_type, comment=column.comment
    )


def _identifier(scope: Construct, separator: str) -> str:
    """A name unique in the app for Glue (``_``) or Athena (``-``), from the construct path."""
    return Names.unique_resource_name(scope, max_length=100, separator=separator)
