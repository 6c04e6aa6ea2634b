"""A cache of log folders read once into Parquet, so that the next query reads columns.

Parsing JSON is most of a query's time (a log file's records are read whole to find the few
fields a query uses). With a cache folder, :class:`~.engine.LocalAuditEngine` reads each log
folder (one account, region and day of a trail) once into Parquet with every column of the
table (Athena's names and types, the partition values included), and every later query over
that folder reads the Parquet: only the columns it uses, compressed, typed. The folders a
query finds missing are read together, in one pass, before it runs.

An entry is keyed by the folder and by the name, size, modification and change times, device
and inode of each of its log files: a new, removed or rewritten file (CloudTrail adds files
to the current day all day) makes a new entry, which replaces the folder's old one. An entry
is a folder of Parquet files and a manifest, written last, that lists them and the log files
that could not be read with every column: a query over such a folder reads the JSON instead
(a field of the wrong shape in a column it does not use does not stop it, as without the
cache). Entries of another format version or table schema are never read.

The cache holds audit records: a folder it creates is readable by its owner only (mode 0700,
files 0600) and tagged with a ``CACHEDIR.TAG``; it refuses a folder that holds other files.
Entries of folders no longer queried stay: delete the cache folder to clear it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from constructs_obs.audit.local.log_files import LogFile
from constructs_obs.audit.local.query_result import SkippedFile
from constructs_obs.audit.local.source_view import SourceView

__all__ = ["CACHE_FORMAT", "MARKER", "CacheEntry", "ParquetCache", "StoredEntry"]

#: Bumped whenever what an entry stores changes meaning.
CACHE_FORMAT: Final = 2
#: The file that marks a folder as a cache (https://bford.info/cachedir/).
MARKER: Final = "CACHEDIR.TAG"
_MARKER_TEXT: Final = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# A cache of CloudTrail log folders read into Parquet by constructs-obs-audit.\n"
)
_FOLDER_MODE: Final = 0o700
_FILE_MODE: Final = 0o600
_MANIFEST_SUFFIX: Final = ".json"
_STAGING_PREFIX: Final = ".staging-"
# Staging folders older than this were left by a process that was stopped: removed.
_STALE_STAGING_SECONDS: Final = 3600


def _schema_tag() -> str:
    """What an entry's content depends on: the format version and the whole view's SQL."""
    view = SourceView.for_paths(None).view_sql([], 0, tagged=True)
    return hashlib.sha256(f"{CACHE_FORMAT}|{view}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class StoredEntry:
    """What a complete entry holds: its Parquet files, and the log files it could not read."""

    parquet_files: tuple[Path, ...]
    skipped: tuple[SkippedFile, ...]


@dataclass(frozen=True)
class CacheEntry:
    """The cache entry of one log folder's files (see the module)."""

    key: str
    folder: Path
    files: tuple[LogFile, ...]
    directory: Path

    @property
    def manifest(self) -> Path:
        """The entry's manifest, written last."""
        return self.directory.with_name(self.directory.name + _MANIFEST_SUFFIX)

    def load(self) -> StoredEntry | None:
        """The entry, or ``None`` when it is not complete (not filled, half-written, or its
        files removed meanwhile)."""
        try:
            stored = json.loads(self.manifest.read_text(encoding="utf-8"))
            names = [str(name) for name in stored["parquet"]]
            skipped = [
                SkippedFile(self.folder / str(name), str(reason))
                for name, reason in stored["skipped"]
            ]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        parquet_files = tuple(self.directory / name for name in names)
        if not all(path.is_file() for path in parquet_files):
            return None
        return StoredEntry(parquet_files, tuple(skipped))

    def commit(self, staged: Path, skipped: Sequence[SkippedFile]) -> None:
        """Move the Parquet files DuckDB wrote to ``staged`` into place, write the manifest,
        then drop the folder's other entries."""
        if staged.is_dir():
            for written in staged.iterdir():
                written.chmod(_FILE_MODE)
            staged.chmod(_FOLDER_MODE)
            try:
                os.replace(staged, self.directory)
            except OSError:
                # Another process filled the same entry (the same files) first: keep its.
                if not self.directory.is_dir():
                    raise
        names = sorted(path.name for path in self.directory.glob("*.parquet"))
        skipped_names = [[item.path.name, item.reason] for item in skipped]
        manifest = json.dumps({"parquet": names, "skipped": skipped_names})
        _write_private(self.manifest, manifest.encode("utf-8"))
        folder_prefix = self.key.split("-", 1)[0] + "-"
        for old in self.directory.parent.glob(folder_prefix + "*"):
            if old.name.startswith(self.key) or old.name.endswith(".part"):
                continue
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)


class ParquetCache:
    """A cache folder of Parquet entries, one per log folder (see the module).

    Raises
    ------
    ValueError
        If ``folder`` is not a folder, or holds files and is not a cache.
    OSError
        If the folder cannot be created or written.
    """

    def __init__(self, folder: Path) -> None:
        if folder.exists() and not folder.is_dir():
            raise ValueError("is not a folder")
        if not folder.exists():
            folder.mkdir(mode=_FOLDER_MODE, parents=True)
        elif not (folder / MARKER).is_file() and any(folder.iterdir()):
            raise ValueError(f"holds other files and is not a cache (no {MARKER})")
        folder.chmod(_FOLDER_MODE)
        if not (folder / MARKER).is_file():
            _write_private(folder / MARKER, _MARKER_TEXT.encode("utf-8"))
        self.folder: Final = folder.resolve()
        self._schema: Final = _schema_tag()
        self._remove_stale_staging()

    def entries(self, files: Sequence[LogFile]) -> list[CacheEntry]:
        """The entries of ``files``, one per log folder, in folder order."""
        by_folder: dict[Path, list[LogFile]] = defaultdict(list)
        for log_file in files:
            by_folder[log_file.path.parent].append(log_file)
        return [self._entry(folder, by_folder[folder]) for folder in sorted(by_folder)]

    def staging(self) -> Path:
        """A new folder in the cache for DuckDB to write into (removed by the caller)."""
        return Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=self.folder))

    def _entry(self, folder: Path, files: list[LogFile]) -> CacheEntry:
        folder_key = hashlib.sha256(str(folder).encode()).hexdigest()[:24]
        content = hashlib.sha256(self._schema.encode())
        for log_file in sorted(files, key=lambda item: item.path.name):
            try:
                found = log_file.path.stat()
                facts = (
                    f"{log_file.path.name}|{found.st_size}|{found.st_mtime_ns}|"
                    f"{found.st_ctime_ns}|{found.st_dev}|{found.st_ino}"
                )
            except OSError:
                facts = f"{log_file.path.name}|missing"
            content.update(facts.encode() + b"\n")
        key = f"{folder_key}-{content.hexdigest()[:24]}"
        return CacheEntry(key, folder, tuple(files), self.folder / key)

    def _remove_stale_staging(self) -> None:
        oldest = time.time() - _STALE_STAGING_SECONDS
        for staging in self.folder.glob(_STAGING_PREFIX + "*"):
            try:
                if staging.stat().st_mtime < oldest:
                    shutil.rmtree(staging, ignore_errors=True)
            except OSError:
                continue


def _write_private(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + f".{os.getpid()}.part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(partial, path)
