"""The committed fixture log tree is exactly what ``fixture_logs.py`` generates."""

from __future__ import annotations

import gzip
from pathlib import Path

from tests.audit.fixture_logs import LOG_ROOT, NOT_GZIP_FILE, tree_files, write_tree


def _content(path: Path) -> bytes:
    # Compare what is inside the gzip members: compressed bytes may differ between zlib builds.
    raw = path.read_bytes()
    return raw if path.name == NOT_GZIP_FILE else gzip.decompress(raw)


def _tree(root: Path) -> dict[Path, bytes]:
    return {path.relative_to(root): _content(path) for path in root.rglob("*") if path.is_file()}


def test_fixture_tree_is_up_to_date(tmp_path: Path) -> None:
    write_tree(tmp_path)
    generated = _tree(tmp_path)
    committed = _tree(LOG_ROOT)
    assert sorted(committed) == sorted(generated), (
        "run: .venv/bin/python -m tests.audit.fixture_logs"
    )
    for relative, content in generated.items():
        assert committed[relative] == content, f"{relative} differs from the generator"


def test_the_generator_is_deterministic() -> None:
    first = dict(tree_files())
    second = dict(tree_files())
    assert first == second
    assert len(first) == 19
