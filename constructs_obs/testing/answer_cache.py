"""What cfn-lint and checkov answered about a template, kept on disk by what decides the answer.

A checker's answer is a function of the template's bytes (and, for checkov, the file's suffix),
the region and settings (cfn-lint), the checker's version and the code that calls it and turns
its output into findings. ``verify`` keys each answer by those, so a template checked in an
earlier run (a test session, a CI job with a cached folder) is not linted or scanned again, and
a change to one of them checks afresh. Not keyed, so empty the folder after changing them:
checkov's ``CKV_*``/``CHECKOV_*`` environment variables, cfn-lint's data edited in place
(``--update-specs``) and the packages the checkers depend on.
What is built from the answers each time (the IAM check, acknowledgements and their reasons)
is not kept: it is cheap and its code changes more often.

One JSON file per answer, written atomically (processes may share the folder); a file that
cannot be read is a miss. Answers not used for ``max_age`` are removed when a cache is opened.

``verify_assembly`` and ``verify_template`` given no cache use the folder named by the
``CONSTRUCTS_OBS_VERIFY_CACHE`` environment variable (unset or empty: none), so a test suite
or a CI job can turn the cache on without changing its code.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "ENVIRONMENT_VARIABLE",
    "AnswerCache",
    "checker_version",
    "code_version",
    "from_environment",
]

_CODE = ("verify.py", "_checkov_worker.py", "answer_cache.py")
_ANSWER = re.compile(r"[0-9a-f]{64}\.json")  # the folder's two hex digits, then the file's 62
_PART = "answer-"
# The Cache Directory Tagging Specification's tag: backup tools skip the folder, and pruning
# happens only in a folder that has it.
_TAG = "CACHEDIR.TAG"
_TAG_TEXT = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# constructs-obs: what cfn-lint and checkov answered (constructs_obs.testing.AnswerCache)\n"
)
ENVIRONMENT_VARIABLE = "CONSTRUCTS_OBS_VERIFY_CACHE"


class AnswerCache:
    """Answers of the checkers under ``directory`` (created on first write)."""

    def __init__(
        self, directory: str | os.PathLike[str], *, max_age: timedelta = timedelta(days=30)
    ) -> None:
        self.directory = Path(directory)
        self.hits = 0
        self.misses = 0
        self._prune(time.time() - max_age.total_seconds())

    def __repr__(self) -> str:
        return f"AnswerCache({str(self.directory)!r}: {self.hits} hits, {self.misses} misses)"

    def get(self, *key: str) -> Any:
        """The answer stored under ``key``, or None."""
        path = self._path(key)
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError):
            self.misses += 1
            return None
        if not isinstance(stored, dict) or stored.get("key") != list(key):
            self.misses += 1  # a hash collision or a foreign file: never someone else's answer
            return None
        with contextlib.suppress(OSError):  # a folder others own may be read-only
            os.utime(path)  # used: kept from pruning
        self.hits += 1
        return stored["answer"]

    def put(self, answer: Any, *key: str) -> None:
        """Store ``answer`` (JSON-serializable) under ``key``, readable by whoever may read the
        folder. A folder that cannot be written to leaves the answer uncached, as the check
        itself succeeded."""
        path = self._path(key)
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            if not (self.directory / _TAG).exists():
                (self.directory / _TAG).write_text(_TAG_TEXT)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=_PART, suffix=".part")
            try:
                if hasattr(os, "fchmod"):  # mkstemp's 0600 would hide the answer from others
                    os.fchmod(handle, 0o666 & ~_UMASK)
                with os.fdopen(handle, "w") as out:
                    json.dump({"key": list(key), "answer": answer}, out)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise

    def _path(self, key: tuple[str, ...]) -> Path:
        digest = hashlib.sha256(json.dumps([*key, code_version()]).encode()).hexdigest()
        return self.directory / digest[:2] / f"{digest[2:]}.json"

    def _prune(self, unused_since: float) -> None:
        """Remove this cache's own files unused since then: only in a folder it tagged, and
        only names it writes (answers, and parts a killed process left)."""
        if not (self.directory / _TAG).is_file():
            return
        for path in self._entries():
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < unused_since:
                    path.unlink()

    def _entries(self) -> Iterator[Path]:
        for path in self.directory.glob("??/*"):
            if _ANSWER.fullmatch(path.parent.name + path.name) or (
                path.name.startswith(_PART) and path.name.endswith(".part")
            ):
                yield path


def from_environment(default: str | os.PathLike[str] | None = None) -> AnswerCache | None:
    """The cache in the folder ``CONSTRUCTS_OBS_VERIFY_CACHE`` names, else in ``default``
    (one cache object per folder and process); None when the variable is empty, or unset
    without a default."""
    folder = os.environ.get(ENVIRONMENT_VARIABLE, "" if default is None else os.fspath(default))
    return _opened(str(Path(folder).absolute())) if folder else None


@functools.cache
def _opened(folder: str) -> AnswerCache:
    return AnswerCache(Path(folder))


def code_version() -> str:
    """A digest of the code that runs the checkers and reads their answers (this package's
    ``verify``, its checkov worker and this module): a change to it checks every template
    afresh."""
    global _CODE_VERSION  # noqa: PLW0603 -- computed once per process
    if _CODE_VERSION is None:
        digest = hashlib.sha256()
        for name in _CODE:
            digest.update(Path(__file__).with_name(name).read_bytes())
        _CODE_VERSION = digest.hexdigest()
    return _CODE_VERSION


_CODE_VERSION: str | None = None


@functools.cache
def checker_version(distribution: str, python: str | os.PathLike[str] | None = None) -> str | None:
    """The installed version of ``distribution``: in this interpreter, or (``python`` given) in
    the virtual environment of that interpreter, read from its ``*.dist-info`` folder without
    starting it. None when it cannot be found (its answers are then not kept)."""
    if python is None:
        try:
            return metadata.version(distribution)
        except metadata.PackageNotFoundError:
            return None
    environment = Path(python).parent.parent
    name = distribution.replace("-", "_")
    found = [
        *environment.glob(f"lib/python*/site-packages/{name}-*.dist-info"),  # POSIX
        *environment.glob(f"Lib/site-packages/{name}-*.dist-info"),  # Windows
    ]
    if len(found) != 1:  # none, or several (which one would import is not known here)
        return None
    return found[0].name.removesuffix(".dist-info").split("-", 1)[1]


def _process_umask() -> int:
    mask = os.umask(0)  # reading the umask sets it: set it back at once (done once, at import)
    os.umask(mask)
    return mask


_UMASK = _process_umask()
