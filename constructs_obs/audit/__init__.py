"""Audit trail queries: the same SQL in Athena and, locally, in DuckDB.

- :mod:`~constructs_obs.audit.schema`: the CloudTrail table (columns, partition keys, SerDe)
  that the Glue table is built from.
- :mod:`~constructs_obs.audit.catalog`: the named forensic queries, ``.sql`` files in Athena's
  dialect with ``?`` parameters, deployed as Athena named queries and prepared statements.
- :class:`LocalAuditEngine`: runs those queries (or ad-hoc SQL) on CloudTrail log files on
  disk with DuckDB, transpiled by sqlglot. It needs the ``audit`` extra
  (``pip install 'constructs-obs[audit]'``), imported only when a query runs.
- ``constructs-obs-audit``: the command line over both (:mod:`~constructs_obs.audit.cli`).
"""

from __future__ import annotations

from constructs_obs.audit.catalog import AuditQuery, get_query, load_queries
from constructs_obs.audit.errors import (
    AuditError,
    HiveTypeError,
    LogFolderError,
    MissingAuditExtraError,
    QueryDefinitionError,
    QueryExecutionError,
    QueryParameterError,
    UnknownQueryError,
)
from constructs_obs.audit.local import LocalAuditEngine, LogFile, QueryResult, SkippedFile
from constructs_obs.audit.schema import (
    COLUMNS,
    DAY_FORMAT,
    INPUT_FORMAT,
    JSON_TEXT_COLUMNS,
    OUTPUT_FORMAT,
    PARTITION_KEYS,
    SERDE,
    TABLE_NAME,
    Column,
    storage_location_template,
)

__all__ = [
    "COLUMNS",
    "DAY_FORMAT",
    "INPUT_FORMAT",
    "JSON_TEXT_COLUMNS",
    "OUTPUT_FORMAT",
    "PARTITION_KEYS",
    "SERDE",
    "TABLE_NAME",
    "AuditError",
    "AuditQuery",
    "Column",
    "HiveTypeError",
    "LocalAuditEngine",
    "LogFile",
    "LogFolderError",
    "MissingAuditExtraError",
    "QueryDefinitionError",
    "QueryExecutionError",
    "QueryParameterError",
    "QueryResult",
    "SkippedFile",
    "UnknownQueryError",
    "get_query",
    "load_queries",
    "storage_location_template",
]
