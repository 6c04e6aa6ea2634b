"""The Parquet cache of LocalAuditEngine: the same answers as reading the JSON, read once,
rebuilt when a folder changes, unreadable files still reported, private to its owner."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path
from typing import Final

import pytest

from constructs_obs.audit import LocalAuditEngine, QueryExecutionError, load_queries
from constructs_obs.audit.local import parquet_cache
from constructs_obs.audit.local.cli import main
from constructs_obs.audit.local.source_view import SourceView
from constructs_obs.errors import InvalidParameterError
from tests.audit.fixture_logs import (
    BAD_JSON_FILE,
    BUCKET,
    NOT_GZIP_FILE,
    event_id,
)
from tests.audit.local.local_logs import (
    COUNT_SQL,
    EVERY_DAY,
    MAY_1,
    answer,
    bad_file,
    catalog_params,
    good_file,
    gzip_json,
    record,
    run_in,
)

#: Every fixture day before the corrupt one.
READABLE_DAYS: Final = {"start_day": "2024/01/01", "end_day": "2024/03/19"}
EVERY_COLUMN_SQL: Final = (
    "SELECT * FROM cloudtrail_logs WHERE day BETWEEN ? AND ? ORDER BY eventid, account, region"
)


def _params(name: str, days: dict[str, str] = READABLE_DAYS) -> dict[str, str]:
    return catalog_params(name, days)


@pytest.fixture(scope="module")
def uncached() -> LocalAuditEngine:
    return LocalAuditEngine(BUCKET)


@pytest.fixture(scope="module")
def cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache") / "audit-cache"


@pytest.fixture(scope="module")
def cached(cache_folder: Path) -> LocalAuditEngine:
    return LocalAuditEngine(BUCKET, cache=cache_folder)


class _JsonReads:
    """Counts the views that read log files as JSON."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        read_json = SourceView.read_json

        def counted(view: SourceView, *args: object, **kwargs: object) -> str:
            self.count += 1
            return read_json(view, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(SourceView, "read_json", counted)


def _logs(tmp_path: Path) -> Path:
    return tmp_path / "logs" / "AWSLogs"


def _engine(tmp_path: Path) -> LocalAuditEngine:
    return LocalAuditEngine(tmp_path / "logs", cache=tmp_path / "cache")


@pytest.mark.parametrize("name", sorted(load_queries()))
def test_every_query_answers_the_same_filling_and_reading_the_cache(
    uncached: LocalAuditEngine, tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = LocalAuditEngine(BUCKET, cache=tmp_path / "cache")
    expected = uncached.run(name, _params(name))
    assert expected.rows, "the parameters should give rows"
    first = engine.run(name, _params(name))
    reads = _JsonReads(monkeypatch)
    again = engine.run(name, _params(name))
    assert reads.count == 0, "the second run reads the cache, not the JSON"
    assert answer(first) == answer(expected)
    assert answer(again) == answer(expected)


@pytest.mark.parametrize("name", sorted(load_queries()))
def test_a_range_with_unreadable_files_answers_as_without_the_cache(
    uncached: LocalAuditEngine, cached: LocalAuditEngine, name: str
) -> None:
    expected = uncached.run(name, _params(name, EVERY_DAY))
    assert expected.skipped_files
    for _ in range(2):
        assert answer(cached.run(name, _params(name, EVERY_DAY))) == answer(expected)


def test_every_column_reads_back_as_it_was(
    uncached: LocalAuditEngine, cached: LocalAuditEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = run_in(uncached, EVERY_COLUMN_SQL, READABLE_DAYS)
    run_in(cached, EVERY_COLUMN_SQL, READABLE_DAYS)
    reads = _JsonReads(monkeypatch)
    result = run_in(cached, EVERY_COLUMN_SQL, READABLE_DAYS)
    assert reads.count == 0
    assert len(expected.rows) > 25
    assert answer(result) == answer(expected)


def test_unreadable_files_are_still_reported(
    cached: LocalAuditEngine, caplog: pytest.LogCaptureFixture
) -> None:
    day = {"start_day": "2024/03/20", "end_day": "2024/03/20"}
    cached.run("root_activity", day)
    with caplog.at_level(logging.WARNING, logger="constructs_obs.audit"):
        result = cached.run("root_activity", day)
    assert [row[-1] for row in result.rows] == [event_id(33)]
    assert {item.path.name for item in result.skipped_files} == {NOT_GZIP_FILE, BAD_JSON_FILE}
    reasons = {item.path.name: item.reason for item in result.skipped_files}
    assert "Input is not a GZIP stream" in reasons[NOT_GZIP_FILE]
    assert "Malformed JSON" in reasons[BAD_JSON_FILE]
    warned = " ".join(record.getMessage() for record in caplog.records)
    assert NOT_GZIP_FILE in warned
    assert BAD_JSON_FILE in warned


def test_a_field_of_the_wrong_shape_in_an_unused_column_does_not_stop_a_query(
    tmp_path: Path,
) -> None:
    # GIVEN a file whose tlsDetails is text, not the struct of the table
    wrong = record(2)
    wrong["tlsDetails"] = "TLSv1.2"
    good_file(_logs(tmp_path), 1, "20240501T0900Z")
    bad_file(_logs(tmp_path), "20240501T0930Z", gzip_json(json.dumps({"Records": [wrong]})))
    expected = run_in(LocalAuditEngine(tmp_path / "logs"), COUNT_SQL, MAY_1)
    # WHEN a query that does not read tlsDetails runs with the cache, twice
    results = [run_in(_engine(tmp_path), COUNT_SQL, MAY_1) for _ in range(2)]
    # THEN it reads that file, as without the cache
    assert expected.rows == [(event_id(1),), (event_id(2),)]
    assert [answer(result) for result in results] == [answer(expected)] * 2


def test_the_cache_is_private_and_tagged(cached: LocalAuditEngine, cache_folder: Path) -> None:
    cached.run("root_activity", _params("root_activity"))
    assert stat.S_IMODE(cache_folder.stat().st_mode) == 0o700
    assert (cache_folder / parquet_cache.MARKER).read_text().startswith("Signature: 8a477f59")
    entries = list(cache_folder.rglob("*"))
    assert any(path.suffix == ".parquet" for path in entries)
    for path in entries:
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def test_a_new_file_in_a_folder_replaces_its_entry(tmp_path: Path) -> None:
    good_file(_logs(tmp_path), 1, "20240501T0900Z")
    assert run_in(_engine(tmp_path), COUNT_SQL, MAY_1).rows == [(event_id(1),)]
    good_file(_logs(tmp_path), 2, "20240501T1000Z")
    assert run_in(_engine(tmp_path), COUNT_SQL, MAY_1).rows == [(event_id(1),), (event_id(2),)]
    manifests = list((tmp_path / "cache").glob("*.json"))
    parquet_folders = [path for path in (tmp_path / "cache").iterdir() if path.is_dir()]
    assert len(manifests) == 1, "one entry per log folder"
    assert len(parquet_folders) == 1


def test_a_removed_file_is_left_out(tmp_path: Path) -> None:
    good_file(_logs(tmp_path), 1, "20240501T0900Z")
    second = good_file(_logs(tmp_path), 2, "20240501T1000Z")
    assert len(run_in(_engine(tmp_path), COUNT_SQL, MAY_1).rows) == 2
    second.unlink()
    assert run_in(_engine(tmp_path), COUNT_SQL, MAY_1).rows == [(event_id(1),)]


def test_a_file_rewritten_with_the_same_size_and_time_is_read_again(tmp_path: Path) -> None:
    path = good_file(_logs(tmp_path), 1, "20240501T0900Z")
    before = path.stat()
    assert run_in(_engine(tmp_path), COUNT_SQL, MAY_1).rows == [(event_id(1),)]
    replacement = good_file(tmp_path / "other" / "AWSLogs", 7, "20240501T0900Z")
    assert replacement.stat().st_size == before.st_size
    os.replace(replacement, path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert run_in(_engine(tmp_path), COUNT_SQL, MAY_1).rows == [(event_id(7),)]


def test_an_entry_whose_parquet_files_are_gone_is_filled_again(tmp_path: Path) -> None:
    good_file(_logs(tmp_path), 1, "20240501T0900Z")
    run_in(_engine(tmp_path), COUNT_SQL, MAY_1)
    for parquet in (tmp_path / "cache").rglob("*.parquet"):
        parquet.unlink()
    assert run_in(_engine(tmp_path), COUNT_SQL, MAY_1).rows == [(event_id(1),)]


def test_a_half_written_entry_is_filled_again(tmp_path: Path) -> None:
    good_file(_logs(tmp_path), 1, "20240501T0900Z")
    run_in(_engine(tmp_path), COUNT_SQL, MAY_1)
    for manifest in (tmp_path / "cache").glob("*.json"):
        manifest.unlink()  # as if the process stopped before the entry was complete
    assert run_in(_engine(tmp_path), COUNT_SQL, MAY_1).rows == [(event_id(1),)]
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1


def test_staging_folders_left_by_a_stopped_process_are_removed(tmp_path: Path) -> None:
    good_file(_logs(tmp_path), 1, "20240501T0900Z")
    _engine(tmp_path)
    stale = tmp_path / "cache" / ".staging-stopped"
    recent = tmp_path / "cache" / ".staging-running"
    stale.mkdir()
    recent.mkdir()
    os.utime(stale, (1, 1))
    _engine(tmp_path)
    assert not stale.exists()
    assert recent.exists(), "another process may be filling it"


def test_entries_of_another_format_are_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good_file(_logs(tmp_path), 1, "20240501T0900Z")
    run_in(_engine(tmp_path), COUNT_SQL, MAY_1)
    old = {path.name for path in (tmp_path / "cache").glob("*.json")}
    monkeypatch.setattr(parquet_cache, "CACHE_FORMAT", parquet_cache.CACHE_FORMAT + 1)
    reads = _JsonReads(monkeypatch)
    assert run_in(_engine(tmp_path), COUNT_SQL, MAY_1).rows == [(event_id(1),)]
    assert reads.count == 1, "filled again"
    new = {path.name for path in (tmp_path / "cache").glob("*.json")}
    assert len(new) == 1
    assert new.isdisjoint(old), "the old entry is dropped"


def test_a_folder_of_unreadable_files_only(tmp_path: Path) -> None:
    bad = bad_file(_logs(tmp_path), "20240501T0930Z", b"junk")
    for _ in range(2):
        result = run_in(_engine(tmp_path), COUNT_SQL, MAY_1)
        assert result.rows == []
        assert [item.path for item in result.skipped_files] == [bad]
        assert result.files_scanned == ()


def test_a_bad_query_is_one_error_with_the_cache(tmp_path: Path) -> None:
    good_file(_logs(tmp_path), 1, "20240501T0900Z")
    sql = "SELECT nosuchcolumn FROM cloudtrail_logs WHERE day BETWEEN ? AND ?"
    for _ in range(2):  # filling the cache, then reading it
        with pytest.raises(QueryExecutionError, match="nosuchcolumn"):
            run_in(_engine(tmp_path), sql, MAY_1)


def test_a_cache_folder_with_a_quote_in_its_name(tmp_path: Path) -> None:
    good_file(_logs(tmp_path), 1, "20240501T0900Z")
    engine = LocalAuditEngine(tmp_path / "logs", cache=tmp_path / "it's the cache")
    for _ in range(2):
        assert run_in(engine, COUNT_SQL, MAY_1).rows == [(event_id(1),)]


def test_an_empty_cache_name_means_no_cache() -> None:
    assert LocalAuditEngine(BUCKET, cache="").cache is None


@pytest.mark.parametrize("kind", ["a file", "a folder of other files"])
def test_a_cache_folder_that_is_not_a_cache_is_refused(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "target"
    if kind == "a file":
        target.write_text("not a folder")
    else:
        target.mkdir(mode=0o755)
        (target / "notes.txt").write_text("mine")
    with pytest.raises(InvalidParameterError, match=r"cache.*must be a folder"):
        LocalAuditEngine(BUCKET, cache=target)
    if kind != "a file":
        assert stat.S_IMODE(target.stat().st_mode) == 0o755, "left as it was"


def test_the_command_takes_a_cache_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["run", "root_activity", "--logs", str(BUCKET), "--format", "json"]
    argv += ["--param", "start_day=2024/03/01", "--param", "end_day=2024/03/05"]
    assert main([*argv, "--cache", str(tmp_path / "flag")]) == 0
    from_flag = json.loads(capsys.readouterr().out)
    monkeypatch.setenv("CONSTRUCTS_OBS_AUDIT_CACHE", str(tmp_path / "variable"))
    assert main(argv) == 0
    from_variable = json.loads(capsys.readouterr().out)
    assert from_flag == from_variable
    assert from_flag, "root activity in the fixture's first week"
    assert list((tmp_path / "flag").glob("*.json"))
    assert list((tmp_path / "variable").glob("*.json"))
