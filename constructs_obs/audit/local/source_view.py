"""The ``cloudtrail_logs`` view DuckDB queries: log files read as Athena's table shows them.

CloudTrail writes each log file as one JSON object, ``{"Records": [...]}``, with camel-case
keys (``userIdentity``, ``eventName``, ``resources[].ARN``). Athena's table
(:data:`~constructs_obs.audit.schema.COLUMNS`) names the same fields in lower case, as structs
for the nested parts and JSON text for the free-form ones, plus the ``account``, ``region``
and ``day`` partition columns taken from the folders. The view reads the files with DuckDB's
``read_json`` under an explicit type (no sampling: every file reads the same way), converts
only the fields a query uses, renames them, and joins the partition values by file name.

DuckDB reads a whole log file as one JSON value and must be told the largest size it may be:
the uncompressed size, which the gzip trailer of each file gives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from constructs_obs.audit.hive_types import (
    ArrayType,
    HiveType,
    MapType,
    PrimitiveType,
    StructType,
)
from constructs_obs.audit.local.log_files import LogFile, uncompressed_size
from constructs_obs.audit.schema import COLUMNS, PARTITION_KEYS, TABLE_NAME, json_key

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

__all__ = [
    "DECODED_TABLE",
    "TAG_COLUMN",
    "SourceView",
    "cached_view_sql",
    "copy_to_parquet_sql",
    "larger_object_size",
    "object_size_for",
]

_MIN_OBJECT_SIZE: Final = 16 * 1024 * 1024
_MAX_OBJECT_SIZE: Final = 4 * 1024 * 1024 * 1024 - 1
_DUCKDB_TYPES: Final = {
    "string": "VARCHAR",
    "char": "VARCHAR",
    "varchar": "VARCHAR",
    "boolean": "BOOLEAN",
    "tinyint": "TINYINT",
    "smallint": "SMALLINT",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "float": "FLOAT",
    "double": "DOUBLE",
    "binary": "BLOB",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}
_COLUMN_TYPES: Final[Mapping[str, HiveType]] = {
    column.name: column.parsed_type for column in COLUMNS
}
_PARTITION_NAMES: Final = tuple(column.name for column in PARTITION_KEYS)
#: The column of a file's tag in a view made with tags (it names a cache entry).
TAG_COLUMN: Final = "_tag"
#: The table of records decoded by :mod:`~constructs_obs.audit.local.record_decoder`, with
#: the view's columns and partition values.
DECODED_TABLE: Final = "_ct_decoded"


@dataclass(frozen=True)
class SourceView:
    """How to read the fields a query needs from the log files, and name them as Athena does."""

    columns: tuple[tuple[str, HiveType], ...]

    @classmethod
    def for_paths(cls, paths: frozenset[tuple[str, ...]] | None) -> SourceView:
        """The columns, pruned to the field ``paths`` a query reads (``None``: every field)."""
        if paths is None:
            return cls(tuple(_COLUMN_TYPES.items()))
        columns = []
        for name, hive_type in _COLUMN_TYPES.items():
            below = [path[1:] for path in paths if path[0] == name]
            if below:
                columns.append((name, _prune(hive_type, below)))
        if not columns:
            # Counting rows still needs one field to read.
            columns.append(("eventid", _COLUMN_TYPES["eventid"]))
        return cls(tuple(columns))

    def create(
        self,
        connection: duckdb.DuckDBPyConnection,
        files: Sequence[LogFile],
        object_size: int,
        tags: Mapping[Path, str] | None = None,
        decoded: pa.Table | None = None,
    ) -> None:
        """Create the view over ``files`` (and the table of their partition values); with
        ``tags``, each row also has its file's tag in a column named :data:`TAG_COLUMN`.
        ``decoded``: records read already, with the view's columns and partition values
        (:data:`DECODED_TABLE`), added to those of ``files``."""
        if files:
            columns = {
                "filename": [str(log_file.path) for log_file in files],
                "account": [log_file.account for log_file in files],
                "region": [log_file.region for log_file in files],
                "day": [log_file.day for log_file in files],
            }
            if tags is not None:
                columns[TAG_COLUMN] = [tags[log_file.path] for log_file in files]
            select = ", ".join(f"unnest(?) AS {_quote(name)}" for name in columns)
            connection.execute(
                f"CREATE TEMP TABLE _ct_files AS SELECT {select}",
                list(columns.values()),
            )
        if decoded is not None:
            connection.register(DECODED_TABLE, decoded)
        connection.execute(
            self.view_sql(files, object_size, tagged=tags is not None, decoded=decoded is not None)
        )

    def record_type(self) -> str:
        """DuckDB type of one record, with CloudTrail's JSON keys."""
        fields = (
            f"{_quote(json_key((name,)))} {_duckdb_type(hive_type, (name,))}"
            for name, hive_type in self.columns
        )
        return f"STRUCT({', '.join(fields)})"

    def read_json(self, paths: Sequence[str], object_size: int, *, filename: bool = True) -> str:
        """A ``read_json`` call reading ``paths`` under the record type."""
        records_type = _literal(self.record_type() + "[]")
        file_list = "[" + ", ".join(_literal(path) for path in paths) + "]"
        return (
            f"read_json({file_list}, columns = {{'Records': {records_type}}}, "
            "auto_detect = false, format = 'unstructured', records = true, "
            f"filename = {'true' if filename else 'false'}, maximum_object_size = {object_size})"
        )

    # The SQL below is assembled from the schema and from file paths quoted by _literal: no
    # user text reaches it (ruff's S608 cannot tell).
    def view_sql(
        self,
        files: Sequence[LogFile],
        object_size: int,
        *,
        tagged: bool = False,
        decoded: bool = False,
    ) -> str:
        """``CREATE TEMP VIEW cloudtrail_logs``: one row per record, Athena's column names
        (and the files' tags, see :meth:`create`); with ``decoded``, the rows of
        :data:`DECODED_TABLE` too."""
        partitions = [*_PARTITION_NAMES, *([TAG_COLUMN] if tagged else [])]
        projections = [
            f"{_rename('r.' + _quote(json_key((name,))), hive_type, (name,))} AS {_quote(name)}"
            for name, hive_type in self.columns
        ]
        projections.extend(_quote(name) for name in partitions)
        if files:
            scan = self.read_json([str(log_file.path) for log_file in files], object_size)
            from_files = ", ".join(f"f.{_quote(name)}" for name in partitions)
            source = f'SELECT {from_files}, unnest(j."Records") AS r FROM {scan} AS j'  # noqa: S608
            source += " JOIN _ct_files AS f ON j.filename = f.filename"
        else:
            nothing = ", ".join(f"NULL::VARCHAR AS {_quote(name)}" for name in partitions)
            source = f"SELECT {nothing}, NULL::{self.record_type()} AS r WHERE false"
        select = ", ".join(projections)
        parts = [] if decoded and not files else [f"SELECT {select} FROM ({source}) AS s"]  # noqa: S608
        if decoded:
            names = [*(name for name, _ in self.columns), *partitions]
            parts.append(f"SELECT {', '.join(map(_quote, names))} FROM {DECODED_TABLE}")  # noqa: S608
        return f"CREATE TEMP VIEW {TABLE_NAME} AS {' UNION ALL '.join(parts)}"

    def check_sql(self, log_file: LogFile, object_size: int) -> str:
        """A query that reads ``log_file`` alone, to find out whether DuckDB can."""
        scan = self.read_json([str(log_file.path)], object_size, filename=False)
        return f'SELECT sum(len("Records")) FROM {scan}'  # noqa: S608


def cached_view_sql(parquet_files: Sequence[Path]) -> str:
    """``CREATE TEMP VIEW cloudtrail_logs`` over cache entries
    (:mod:`~constructs_obs.audit.local.parquet_cache`), which hold the view's every column."""
    paths = "[" + ", ".join(_literal(str(path)) for path in parquet_files) + "]"
    scan = f"read_parquet({paths}, hive_partitioning = false, union_by_name = false)"
    return f"CREATE TEMP VIEW {TABLE_NAME} AS SELECT * FROM {scan}"  # noqa: S608


def copy_to_parquet_sql(folder: Path) -> str:
    """``COPY`` the view made with tags into Parquet under ``folder``, one sub-folder
    ``<TAG_COLUMN>=<tag>`` per tag (the tag column itself not stored)."""
    return (
        f"COPY (SELECT * FROM {TABLE_NAME}) TO {_literal(str(folder))} (FORMAT parquet, "  # noqa: S608
        f"COMPRESSION zstd, PARTITION_BY ({_quote(TAG_COLUMN)}), OVERWRITE true)"
    )


def object_size_for(files: Sequence[LogFile]) -> int:
    """A ``maximum_object_size`` that fits the largest file, from the gzip size trailers."""
    # A file too short to be gzip counts 0: DuckDB reports it.
    largest = max((uncompressed_size(log_file.path) or 0 for log_file in files), default=0)
    size = _MIN_OBJECT_SIZE
    while size <= largest and size < _MAX_OBJECT_SIZE:
        size *= 2
    return min(size, _MAX_OBJECT_SIZE)


def larger_object_size(message: str, object_size: int) -> int | None:
    """The size to retry with when DuckDB's ``message`` says a file needs a larger
    ``maximum_object_size`` than the gzip trailers gave; ``None``: no larger size to try."""
    if "maximum_object_size" in message and object_size < _MAX_OBJECT_SIZE:
        return min(_MAX_OBJECT_SIZE, object_size * 4)
    return None


def _prune(hive_type: HiveType, paths: Sequence[tuple[str, ...]]) -> HiveType:
    """Keep the parts of ``hive_type`` that ``paths`` (relative to it) reach."""
    if any(not path for path in paths):
        return hive_type
    match hive_type:
        case StructType(fields):
            kept = []
            for name, field_type in fields:
                below = [path[1:] for path in paths if path[0] == name]
                if below:
                    kept.append((name, _prune(field_type, below)))
            # A path to a field that does not exist: keep everything, DuckDB names the error.
            return StructType(tuple(kept)) if kept else hive_type
        case ArrayType(element):
            return ArrayType(_prune(element, paths))
        case _:
            return hive_type


def _duckdb_type(hive_type: HiveType, path: tuple[str, ...]) -> str:
    match hive_type:
        case PrimitiveType("decimal", arguments) if arguments:
            return f"DECIMAL({', '.join(str(argument) for argument in arguments)})"
        case PrimitiveType(name):
            return _DUCKDB_TYPES.get(name, "VARCHAR")
        case StructType(fields):
            inner = ", ".join(
                f"{_quote(json_key((*path, name)))} {_duckdb_type(field_type, (*path, name))}"
                for name, field_type in fields
            )
            return f"STRUCT({inner})"
        case ArrayType(element):
            return f"{_duckdb_type(element, path)}[]"
        case MapType(key, value):
            return f"MAP({_duckdb_type(key, path)}, {_duckdb_type(value, path)})"


def _rename(expression: str, hive_type: HiveType, path: tuple[str, ...]) -> str:
    """A DuckDB expression turning CloudTrail's field names into the table's lower-case ones."""
    match hive_type:
        case StructType(fields):
            packed = ", ".join(
                f"{_quote(name)} := "
                + _rename(
                    f"{expression}.{_quote(json_key((*path, name)))}", field_type, (*path, name)
                )
                for name, field_type in fields
            )
            return f"CASE WHEN {expression} IS NULL THEN NULL ELSE struct_pack({packed}) END"
        case ArrayType(StructType() as element):
            variable = f"e{len(path)}"
            return (
                f"list_transform({expression}, lambda {variable}: "
                f"{_rename(variable, element, path)})"
            )
        case _:
            return expression


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
