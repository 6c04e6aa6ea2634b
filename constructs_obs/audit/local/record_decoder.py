"""A faster reader for queries that use only text fields: msgspec decodes the log files into
Arrow columns, which DuckDB scans in place of its own JSON reader.

DuckDB's ``read_json`` (:mod:`~constructs_obs.audit.local.source_view`) turns every file into
its own vectors. When every field a query reads is text (or structs, arrays and maps of text), and
none is one of :data:`~constructs_obs.audit.schema.JSON_TEXT_COLUMNS` (objects CloudTrail
writes, which DuckDB serializes back to text), this module reads the files instead:

- ISA-L (``isal``) inflates a file, and msgspec decodes its ``{"Records": [...]}`` into typed
  objects. msgspec skips the fields the query does not read. Records with a field NULL that
  the query's WHERE clause needs are left out (:mod:`~constructs_obs.audit.local.row_filter`:
  it would reject them); the fields of the others go into Arrow columns;
- with more than one thread and at least :data:`PARALLEL_FROM` files, worker processes
  (:mod:`~constructs_obs.audit.local.worker_pool`) decode parts of the file list. Each part
  comes back as an Arrow IPC file (in ``/dev/shm`` when it has room) that is memory-mapped,
  not copied.

msgspec is stricter than DuckDB's reader, and any file it refuses goes to that reader, with
DuckDB's semantics: a number or a boolean read as text, several JSON values in one file, a
byte-order mark, trailing commas, ``NaN``. A file DuckDB cannot read either is skipped with
DuckDB's reason. To pass here, a file must be one gzip member with nothing after it and no
header flag but FEXTRA and FNAME, valid UTF-8 throughout, and one JSON object whose
``Records`` is an array of objects. Each field a query reads must be a string, ``null`` or
absent; a struct and a map must be objects, and an array an array.

One difference is known and kept: a key written twice in one object (a record, a struct, a map,
the file's own ``Records``). DuckDB refuses the file; msgspec keeps the last value. Athena's
behaviour there is not checked (no AWS account here). CloudTrail does not write such files.

msgspec, pyarrow and isal are the ``audit`` extra, imported on use.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import time
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from constructs_obs.audit.hive_types import (
    ArrayType,
    HiveType,
    MapType,
    PrimitiveType,
    StructType,
)
from constructs_obs.audit.local.row_filter import Paths
from constructs_obs.audit.local.worker_pool import Call, Failed, run_calls
from constructs_obs.audit.schema import JSON_TEXT_COLUMNS, json_key

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["PARALLEL_FROM", "DecodedFiles", "decodable", "decode_files", "with_file_values"]

#: Fewer files than this are decoded in the calling process: starting workers costs more.
PARALLEL_FROM: Final = 64
# Parts per worker: small enough that the workers finish together; a part has at least
# _PART_FILES files, so that what a part costs to hand over (about 1.5 ms) stays small beside
# its decoding (about 0.7 ms a file of 300 records). One day of the benchmark (112 files) in 2
# parts: 0.082 s (median of 12), in 4: 0.085 s, in 8: 0.090 s.
_PARTS_PER_WORKER: Final = 16
_PART_FILES: Final = 48
_TEXT_TYPES: Final = frozenset({"string", "varchar", "char"})
# DEFLATE inflates at most about 1,032 times: a gzip trailer giving more is wrong.
_MAX_DEFLATE_RATIO: Final = 1_032
_GZIP_HEADER: Final = 10
# The gzip header flags DuckDB reads: FEXTRA and FNAME (it refuses FTEXT, FHCRC, FCOMMENT).
_GZIP_FLAGS_READ: Final = 0x04 | 0x08

Columns = tuple[tuple[str, HiveType], ...]


@dataclass(frozen=True)
class DecodedFiles:
    """What :func:`decode_files` read.

    Attributes
    ----------
    table:
        One row per record, one column per field of the view's ``columns`` (Athena's names,
        nested names included), and ``_file``: the index of the record's file in the list
        given. ``None`` when no file was decoded.
    refused:
        Indexes of the files msgspec did not read, for DuckDB's reader.
    worker_cpu_seconds:
        CPU time of the worker processes (0 when the files were decoded in this one).
    """

    table: pa.Table | None
    refused: tuple[int, ...]
    worker_cpu_seconds: float


def decodable(columns: Columns) -> bool:
    """Whether :func:`decode_files` can read ``columns``: text fields only (also inside
    structs, arrays and maps), none holding the JSON text of an object."""
    return bool(columns) and all(
        name not in JSON_TEXT_COLUMNS and _text_only(hive_type) for name, hive_type in columns
    )


def decode_files(
    columns: Columns,
    paths: Sequence[Path],
    workers: int,
    progress: Callable[[int], object] | None = None,
    required: Paths = frozenset(),
) -> DecodedFiles:
    """Decode ``paths`` into the fields of ``columns`` (:func:`decodable` ones), in up to
    ``workers`` processes (:mod:`~constructs_obs.audit.local.worker_pool`); ``progress`` is
    called with each number of files done. Records with any field of ``required`` NULL are
    left out (a path through anything but structs leaves nothing out). A part of the list
    whose worker fails is refused whole: DuckDB's reader reads it."""

    folders = [] if workers < 2 or len(paths) < PARALLEL_FROM else _part_folders()
    if not folders:  # few files, one worker, or no folder for the parts: in this process
        table, not_read = _decode(columns, [str(path) for path in paths], 0, required)
        if progress is not None:
            progress(len(paths))
        return DecodedFiles(table, tuple(not_read), 0.0)
    try:
        part_count = max(workers, min(workers * _PARTS_PER_WORKER, len(paths) // _PART_FILES))
        part_count += -part_count % workers  # as many parts for each worker
        size = -(-len(paths) // part_count)
        parts = [
            (start, [str(path) for path in paths[start : start + size]])
            for start in range(0, len(paths), size)
        ]
        calls: list[Call] = [
            (
                _decode_part,
                (
                    columns,
                    part,
                    start,
                    tuple(str(folder / f"part-{start}.arrow") for folder in folders),
                    required,
                ),
            )
            for start, part in parts
        ]
        answers = run_calls(
            calls,
            workers,
            None if progress is None else lambda index: progress(len(parts[index][1])),
        )
        return _read_parts(parts, answers)
    finally:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


def _read_parts(parts: list[tuple[int, list[str]]], answers: list[Any]) -> DecodedFiles:
    """What the workers decoded: the tables they wrote (memory-mapped), the files they refused
    and those of the parts that failed, their CPU time."""
    import pyarrow as pa  # noqa: PLC0415 - the audit extra, imported on use

    tables: list[pa.Table] = []
    refused: list[int] = []
    cpu_seconds = 0.0
    for (start, part), answer in zip(parts, answers, strict=True):
        if isinstance(answer, Failed):
            refused.extend(range(start, start + len(part)))
            continue
        written, part_refused, part_cpu = answer
        refused.extend(part_refused)
        cpu_seconds += part_cpu
        if written is not None:
            # Memory-mapped: the pages stay readable after the file's name is removed.
            with pa.memory_map(written) as source:
                tables.append(pa.ipc.open_file(source).read_all())
    table = pa.concat_tables(tables) if tables else None
    return DecodedFiles(table, tuple(sorted(refused)), cpu_seconds)


def with_file_values(table: pa.Table, per_file: Mapping[str, list[str]]) -> pa.Table:
    """``table`` (of :class:`DecodedFiles`) with a column per entry of ``per_file``: the value
    of each record's file (dictionary-encoded), in place of the ``_file`` index."""
    import pyarrow as pa  # noqa: PLC0415 - the audit extra, imported on use

    indexes = table.column("_file")
    for name, values in per_file.items():
        dictionary = pa.array(values, pa.string())
        column = pa.chunked_array(
            [pa.DictionaryArray.from_arrays(chunk, dictionary) for chunk in indexes.chunks],
            pa.dictionary(pa.int32(), pa.string()),
        )
        table = table.append_column(name, column)
    return table.drop_columns(["_file"])


def _text_only(hive_type: HiveType) -> bool:
    match hive_type:
        case PrimitiveType(name, arguments):
            return name in _TEXT_TYPES and not arguments
        case StructType(fields):
            return bool(fields) and all(_text_only(field_type) for _, field_type in fields)
        case ArrayType(element):
            return _text_only(element)
        case MapType(key, value):
            return _text_only(key) and _text_only(value)


def _part_folders() -> list[Path]:
    """Private folders for the workers' parts, in the order they are tried: one in
    ``/dev/shm`` (memory) when it can be made, and one in the temporary folder (see
    :func:`_write`); none when neither can be made."""
    memory = _memory_folder()
    folders: list[Path] = []
    for parent in (memory, None) if memory is not None else (None,):
        try:
            folders.append(Path(tempfile.mkdtemp(prefix="constructs-obs-decode-", dir=parent)))
        except OSError:  # full, or no temporary folder: the other one, or this process
            continue
    return folders


def _memory_folder() -> str | None:
    """Memory-backed ``/dev/shm`` when it can be written to (``None``: it cannot)."""
    shm = "/dev/shm"  # noqa: S108 - a private folder is made in it (mkdtemp: 0700)
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def _has_room(folder: str, size: int) -> bool:
    """Whether writing ``size`` bytes in ``folder`` leaves at least as much again (another
    worker may be writing there too), and at least a quarter of its file system, free
    (``/dev/shm`` is memory that other programs use); ``True`` where that cannot be told."""
    try:
        space = os.statvfs(folder)
    except (OSError, AttributeError):  # no statvfs (Windows)
        return True
    free = space.f_bavail * space.f_frsize
    return free - size >= max(size, space.f_blocks * space.f_frsize // 4)


def _write(table: pa.Table, outputs: tuple[str, ...]) -> str | None:
    """Write ``table`` as an Arrow IPC file to the first of ``outputs`` that takes it: each but
    the last only when its file system has room to spare (:func:`_has_room`); the file
    written, ``None`` when none could be."""
    import pyarrow as pa  # noqa: PLC0415 - the audit extra, imported on use

    for number, output in enumerate(outputs, start=1):
        if number < len(outputs) and not _has_room(os.path.dirname(output), table.nbytes):
            continue
        try:
            with pa.OSFile(output, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
        except OSError:  # no room left after all: the next one
            Path(output).unlink(missing_ok=True)
            continue
        return output
    return None


def _decode_part(
    columns: Columns, paths: list[str], start: int, outputs: tuple[str, ...], required: Paths
) -> tuple[str | None, list[int], float]:
    """In a worker: decode ``paths`` and write their table to one of ``outputs`` (Arrow IPC,
    see :func:`_write`); the file written (``None``: no record), the files refused, the CPU
    seconds taken."""
    started = time.process_time()
    # Millions of short-lived objects, none in a cycle: the collector would only slow this.
    # A worker's own process: no other thread to disturb.
    gc.disable()
    try:
        table, refused = _decode(columns, paths, start, required)
    finally:
        gc.enable()
    written = None
    if table is not None:
        written = _write(table, outputs)
        if written is None:  # DuckDB's reader reads the part
            return None, list(range(start, start + len(paths))), time.process_time() - started
    return written, refused, time.process_time() - started


def _decode(
    columns: Columns, paths: list[str], start: int, required: Paths
) -> tuple[pa.Table | None, list[int]]:
    """Decode ``paths`` (file ``start + i`` is ``paths[i]``): the table and refused files."""
    import pyarrow as pa  # noqa: PLC0415 - the audit extra, imported on use
    from isal import igzip_lib  # noqa: PLC0415 - the audit extra, imported on use

    decoder = _decoder(columns, required)
    records: list[Any] = []
    file_index: list[int] = []
    refused: list[int] = []
    for offset, path in enumerate(paths):
        try:
            with open(path, "rb") as handle:
                compressed = handle.read()
            if len(compressed) < _GZIP_HEADER or compressed[3] & ~_GZIP_FLAGS_READ:
                raise ValueError("a gzip header DuckDB does not read")
            # Told the text's size (the trailer's, modulo 4 GiB), ISA-L inflates into one
            # buffer (up to 16 MiB) instead of growing and copying it: 12 % less inflating
            # time. It checks the header, the CRC and the size (IsalError); a size 2 or more
            # too small stops the output early (eof False).
            size = int.from_bytes(compressed[-4:], "little")
            inflater = igzip_lib.IgzipDecompressor(igzip_lib.DECOMP_GZIP)
            data = inflater.decompress(
                compressed, min(size, _MAX_DEFLATE_RATIO * len(compressed)) + 1
            )
            if not inflater.eof or inflater.unused_data:
                raise ValueError("not exactly one complete gzip member")
            if not data.isascii():
                # msgspec skips the fields it does not read unchecked; DuckDB refuses
                # invalid UTF-8 anywhere in the file (encoded surrogates too, as Python).
                data.decode("utf-8")
            file_records = decoder(data)
        except Exception:  # any failure: DuckDB's reader decides
            refused.append(start + offset)
            continue
        records.extend(file_records)
        file_index.extend([start + offset] * len(file_records))
    if not file_index and refused:
        return None, refused
    arrays = [_array(records, attrgetter(name), hive_type) for name, hive_type in columns]
    arrays.append(pa.array(file_index, pa.int32()))
    names = [name for name, _ in columns] + ["_file"]
    return pa.Table.from_arrays(arrays, names=names), refused


_DECODERS: dict[tuple[Columns, Paths], Callable[[bytes], list[Any]]] = {}


def _decoder(columns: Columns, required: Paths) -> Callable[[bytes], list[Any]]:
    """A function decoding one log file's JSON into its records, typed for ``columns``, but
    those with a field of ``required`` NULL."""
    decoder = _DECODERS.get((columns, required))
    if decoder is None:
        import msgspec  # noqa: PLC0415 - the audit extra, imported on use

        record = _struct(msgspec, "Record", columns, ())
        envelope = msgspec.defstruct(
            "LogFile", [("Records", types.GenericAlias(list, (record,)))], gc=False
        )
        decode: Callable[[bytes], Any] = msgspec.json.Decoder(envelope).decode
        kept = _kept(columns, required)

        def decoder(data: bytes) -> list[Any]:
            records: list[Any] = decode(data).Records
            return records if kept is None else kept(records)

        _DECODERS[columns, required] = decoder
    return decoder


def _kept(columns: Columns, required: Paths) -> Callable[[list[Any]], list[Any]] | None:
    """A function keeping the records whose fields of ``required`` are all set (paths
    through structs only; others are ignored), or ``None``: nothing to leave out."""
    types_of = dict(columns)
    paths: list[tuple[str, ...]] = []
    for path in sorted(required):
        hive_type = types_of.get(path[0])
        for name in path[1:]:
            if not isinstance(hive_type, StructType):
                hive_type = None
                break
            hive_type = dict(hive_type.fields).get(name)
        if hive_type is not None:
            paths.append(path)
    if not paths:
        return None
    if all(len(path) == 1 for path in paths):
        if len(paths) == 1:
            (name,) = paths[0]
            get_one = attrgetter(name)
            return lambda records: [record for record in records if get_one(record) is not None]
        get_all = attrgetter(*(name for (name,) in paths))
        return lambda records: [record for record in records if None not in get_all(record)]

    def set_everywhere(record: Any) -> bool:
        for path in paths:
            value = record
            for name in path:
                value = getattr(value, name)
                if value is None:
                    return False
        return True

    return lambda records: [record for record in records if set_everywhere(record)]


def _struct(msgspec: Any, name: str, fields: Columns, path: tuple[str, ...]) -> Any:
    """A msgspec struct type with Athena's field names, read from CloudTrail's keys."""
    definitions = []
    rename = {}
    for field_name, field_type in fields:
        definitions.append((field_name, _python_type(msgspec, field_type, (*path, field_name))))
        rename[field_name] = json_key((*path, field_name))
    return msgspec.defstruct(
        name, [(field, kind, None) for field, kind in definitions], rename=rename, gc=False
    )


def _python_type(msgspec: Any, hive_type: HiveType, path: tuple[str, ...]) -> Any:
    match hive_type:
        case StructType(fields):
            return _struct(msgspec, "_".join(path), fields, path) | None
        case ArrayType(element):
            return list[_python_type(msgspec, element, path)] | None  # type: ignore[misc]
        case MapType():
            return dict[str, str | None] | None
        case _:
            return str | None


def _array(values: list[Any], get: Callable[[Any], Any], hive_type: HiveType) -> pa.Array:
    """The Arrow array of the field ``get`` reads from each of ``values`` (none ``None``)."""
    if isinstance(hive_type, PrimitiveType):
        import pyarrow as pa  # noqa: PLC0415 - the audit extra, imported on use

        # Text straight from the objects: no list in between.
        return pa.array(map(get, values), pa.string(), size=len(values))
    return _column(list(map(get, values)), hive_type)


def _column(values: list[Any], hive_type: HiveType) -> pa.Array:
    """The Arrow array of ``values`` (``None`` where null), typed as DuckDB's reader types
    ``hive_type``: VARCHAR, STRUCT and LIST."""
    import pyarrow as pa  # noqa: PLC0415 - the audit extra, imported on use

    match hive_type:
        case StructType(fields):
            missing = [value is None for value in values]
            present = values
            mask = None
            if any(missing):
                empty = _EmptyStruct()
                present = [empty if value is None else value for value in values]
                mask = pa.array(missing, pa.bool_())
            children = [
                _array(present, attrgetter(name), field_type) for name, field_type in fields
            ]
            return pa.StructArray.from_arrays(
                children, names=[name for name, _ in fields], mask=mask
            )
        case ArrayType(element):
            offsets = [0]
            flat: list[Any] = []
            nulls = []
            for value in values:
                if value is None:
                    nulls.append(True)
                else:
                    nulls.append(False)
                    flat.extend(value)
                offsets.append(len(flat))
            child = _column(flat, element)
            return pa.ListArray.from_arrays(
                pa.array(offsets, pa.int32()),
                child,
                mask=pa.array(nulls, pa.bool_()) if any(nulls) else None,
            )
        case MapType():
            offsets = [0]
            keys: list[str] = []
            items: list[str | None] = []
            nulls = []
            for value in values:
                nulls.append(value is None)
                if value is not None:
                    keys.extend(value)
                    items.extend(value.values())
                offsets.append(len(keys))
            return pa.MapArray.from_arrays(
                pa.array(offsets, pa.int32()),
                pa.array(keys, pa.string()),
                pa.array(items, pa.string()),
                mask=pa.array(nulls, pa.bool_()) if any(nulls) else None,
            )
        case _:
            return pa.array(values, pa.string())


class _EmptyStruct:
    """Stands in for a null struct while its fields are read (every field ``None``)."""

    def __getattr__(self, name: str) -> None:
        return None
