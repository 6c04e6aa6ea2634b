"""Audit: CloudTrail to a hardened bucket, and the same SQL in Athena and, locally, in DuckDB.

- :class:`AuditTrail`: the trail, its bucket, key and log group (and, by default, the queries).
- :class:`AuditQueries`: the Glue table with partition projection, the Athena workgroup and the
  named forensic queries over a trail's :class:`TrailLogLocation`.
- :mod:`~constructs_obs.audit.schema`: the CloudTrail table (columns, partition keys, SerDe).
- :mod:`~constructs_obs.audit.catalog`: the named forensic queries, ``.sql`` files in Athena's
  dialect with ``?`` parameters, deployed as Athena named queries and prepared statements.
- :class:`LocalAuditEngine`: runs those queries (or ad-hoc SQL) on CloudTrail log files on
  disk with DuckDB, transpiled by sqlglot. It needs the ``audit`` extra
  (``pip install 'constructs-obs[audit]'``), imported only when a query runs.
- ``constructs-obs-audit``: the command line over both (:mod:`~constructs_obs.audit.local.cli`).

Names are imported on first use: the local engine and its command never import aws-cdk-lib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from constructs_obs.private.exports import face

if TYPE_CHECKING:
    from constructs_obs.audit.audit_lifecycle import (
        AuditLifecycle as AuditLifecycle,
    )
    from constructs_obs.audit.audit_lifecycle import (
        ObjectLockMode as ObjectLockMode,
    )
    from constructs_obs.audit.audit_lifecycle import (
        ObjectLockOptions as ObjectLockOptions,
    )
    from constructs_obs.audit.audit_queries import (
        AuditQueries as AuditQueries,
    )
    from constructs_obs.audit.audit_trail import (
        AuditTrail as AuditTrail,
    )
    from constructs_obs.audit.catalog import (
        AuditQuery as AuditQuery,
    )
    from constructs_obs.audit.catalog import (
        get_query as get_query,
    )
    from constructs_obs.audit.catalog import (
        load_queries as load_queries,
    )
    from constructs_obs.audit.data_event_selector import (
        DataEventSelector as DataEventSelector,
    )
    from constructs_obs.audit.data_event_selector import (
        ReadWrite as ReadWrite,
    )
    from constructs_obs.audit.errors import (
        AuditError as AuditError,
    )
    from constructs_obs.audit.errors import (
        HiveTypeError as HiveTypeError,
    )
    from constructs_obs.audit.errors import (
        LogFolderError as LogFolderError,
    )
    from constructs_obs.audit.errors import (
        MissingAuditExtraError as MissingAuditExtraError,
    )
    from constructs_obs.audit.errors import (
        QueryDefinitionError as QueryDefinitionError,
    )
    from constructs_obs.audit.errors import (
        QueryExecutionError as QueryExecutionError,
    )
    from constructs_obs.audit.errors import (
        QueryParameterError as QueryParameterError,
    )
    from constructs_obs.audit.errors import (
        UnknownQueryError as UnknownQueryError,
    )
    from constructs_obs.audit.local.engine import (
        LocalAuditEngine as LocalAuditEngine,
    )
    from constructs_obs.audit.local.log_files import (
        LogFile as LogFile,
    )
    from constructs_obs.audit.local.query_result import (
        QueryResult as QueryResult,
    )
    from constructs_obs.audit.local.query_result import (
        SkippedFile as SkippedFile,
    )
    from constructs_obs.audit.projection import (
        COMMERCIAL_REGIONS as COMMERCIAL_REGIONS,
    )
    from constructs_obs.audit.projection import (
        AccountProjection as AccountProjection,
    )
    from constructs_obs.audit.projection import (
        TableProjection as TableProjection,
    )
    from constructs_obs.audit.schema import (
        COLUMNS as COLUMNS,
    )
    from constructs_obs.audit.schema import (
        DAY_FORMAT as DAY_FORMAT,
    )
    from constructs_obs.audit.schema import (
        INPUT_FORMAT as INPUT_FORMAT,
    )
    from constructs_obs.audit.schema import (
        JSON_TEXT_COLUMNS as JSON_TEXT_COLUMNS,
    )
    from constructs_obs.audit.schema import (
        OUTPUT_FORMAT as OUTPUT_FORMAT,
    )
    from constructs_obs.audit.schema import (
        PARTITION_KEYS as PARTITION_KEYS,
    )
    from constructs_obs.audit.schema import (
        SERDE as SERDE,
    )
    from constructs_obs.audit.schema import (
        TABLE_NAME as TABLE_NAME,
    )
    from constructs_obs.audit.schema import (
        Column as Column,
    )
    from constructs_obs.audit.schema import (
        storage_location_template as storage_location_template,
    )
    from constructs_obs.audit.trail_log_location import (
        LogLocationSource as LogLocationSource,
    )
    from constructs_obs.audit.trail_log_location import (
        TrailLogLocation as TrailLogLocation,
    )

_EXPORTS: Final = {
    "constructs_obs.audit.audit_queries": ("AuditQueries",),
    "constructs_obs.audit.audit_lifecycle": (
        "AuditLifecycle",
        "ObjectLockMode",
        "ObjectLockOptions",
    ),
    "constructs_obs.audit.audit_trail": ("AuditTrail",),
    "constructs_obs.audit.data_event_selector": ("DataEventSelector", "ReadWrite"),
    "constructs_obs.audit.catalog": (
        "AuditQuery",
        "get_query",
        "load_queries",
    ),
    "constructs_obs.audit.errors": (
        "AuditError",
        "HiveTypeError",
        "LogFolderError",
        "MissingAuditExtraError",
        "QueryDefinitionError",
        "QueryExecutionError",
        "QueryParameterError",
        "UnknownQueryError",
    ),
    "constructs_obs.audit.local.engine": ("LocalAuditEngine",),
    "constructs_obs.audit.local.log_files": ("LogFile",),
    "constructs_obs.audit.local.query_result": ("QueryResult", "SkippedFile"),
    "constructs_obs.audit.schema": (
        "COLUMNS",
        "DAY_FORMAT",
        "INPUT_FORMAT",
        "JSON_TEXT_COLUMNS",
        "OUTPUT_FORMAT",
        "PARTITION_KEYS",
        "SERDE",
        "TABLE_NAME",
        "Column",
        "storage_location_template",
    ),
    "constructs_obs.audit.projection": (
        "COMMERCIAL_REGIONS",
        "AccountProjection",
        "TableProjection",
    ),
    "constructs_obs.audit.trail_log_location": (
        "LogLocationSource",
        "TrailLogLocation",
    ),
}

__all__, __getattr__, __dir__ = face(__name__, _EXPORTS, globals())
