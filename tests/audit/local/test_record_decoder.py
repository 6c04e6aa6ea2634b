"""The msgspec reader of LocalAuditEngine (``fast_json``): the answers of DuckDB's reader, in this
process and in worker processes; every file it refuses read by DuckDB's reader, with DuckDB's
semantics; one known difference (a key written twice) pinned."""

from __future__ import annotations

import functools
import gzip
import json
import os
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pytest

from constructs_obs.audit import COLUMNS, LocalAuditEngine, load_queries
from constructs_obs.audit.local import record_decoder
from constructs_obs.audit.local.record_decoder import decodable, decode_files
from constructs_obs.audit.local.source_view import SourceView
from constructs_obs.audit.local.translation import translate
from constructs_obs.audit.local.worker_pool import Failed, run_calls
from constructs_obs.audit.schema import JSON_TEXT_COLUMNS
from tests.audit.fixture_logs import BUCKET
from tests.audit.local.local_logs import (
    EVERY_DAY,
    MAY_1,
    answer,
    bad_file,
    catalog_params,
    good_file,
    gzip_json,
    run_in,
    run_python,
)

#: Every column msgspec reads (all but the JSON text ones), nested structs and arrays included.
TEXT_COLUMNS: Final = tuple(
    column.name for column in COLUMNS if column.name not in JSON_TEXT_COLUMNS
)
AD_HOC_SQL: Final = (
    "SELECT eventid, useridentity, resources, day, account, region FROM cloudtrail_logs "
    "WHERE day BETWEEN ? AND ? ORDER BY eventid, account, region",
    f"SELECT {', '.join(TEXT_COLUMNS)} FROM cloudtrail_logs WHERE day BETWEEN ? AND ? "  # noqa: S608
    "ORDER BY eventid, account, region",
    "SELECT useridentity.sessioncontext.sessionissuer.arn AS issuer, count(*) AS calls "
    "FROM cloudtrail_logs WHERE day BETWEEN ? AND ? GROUP BY 1 ORDER BY 1 NULLS FIRST",
    "SELECT count(*) AS records, count(DISTINCT day) AS days FROM cloudtrail_logs "
    "WHERE day BETWEEN ? AND ?",
)
#: The fields the refusal cases read: a text column, a struct and an array of structs.
CASE_SQL: Final = (
    "SELECT eventid, eventname, useridentity, resources FROM cloudtrail_logs "
    "WHERE day BETWEEN ? AND ? ORDER BY eventid NULLS FIRST, eventname NULLS FIRST"
)


def _decodes(sql: str) -> bool:
    return decodable(SourceView.for_paths(translate(sql).paths).columns)


@pytest.fixture(scope="module")
def expected() -> Callable[[str], tuple[object, ...]]:
    """DuckDB's reader's answer (``fast_json=False``) to a catalog query (by name) or ad-hoc
    SQL over every fixture day, computed once per module."""
    engine = LocalAuditEngine(BUCKET, fast_json=False)

    @functools.cache
    def answer_of(query: str) -> tuple[object, ...]:
        if query in load_queries():
            return answer(engine.run(query, catalog_params(query, EVERY_DAY)))
        return answer(run_in(engine, query, EVERY_DAY))

    return answer_of


@pytest.fixture(scope="module")
def fast() -> LocalAuditEngine:
    return LocalAuditEngine(BUCKET)


@pytest.fixture(params=["in this process", "in workers"])
def where(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Decode in this process (few files), or in two worker processes (any number of files,
    on any number of CPUs)."""
    if request.param == "in workers":
        monkeypatch.setattr(record_decoder, "PARALLEL_FROM", 1)
        monkeypatch.setattr(os, "cpu_count", lambda: 2)
    return str(request.param)


@pytest.fixture
def decode_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, object]]:
    """The number of files of each decode_files call the engine makes, and the field paths a
    record needs that the engine passed."""
    calls: list[tuple[int, object]] = []
    real = record_decoder.decode_files

    def spy(columns: Any, paths: Any, workers: int, progress: Any, required: Any) -> Any:
        calls.append((len(paths), required))
        return real(columns, paths, workers, progress, required)

    monkeypatch.setattr("constructs_obs.audit.local.engine.decode_files", spy)
    return calls


@pytest.mark.parametrize("name", sorted(load_queries()))
def test_every_catalog_query_answers_as_duckdbs_reader(
    name: str,
    where: str,
    fast: LocalAuditEngine,
    expected: Callable[[str], tuple[object, ...]],
    decode_calls: list[tuple[int, object]],
) -> None:
    # GIVEN the fixture tree, its corrupt day included
    # WHEN a catalog query runs with and without the msgspec reader
    result = fast.run(name, catalog_params(name, EVERY_DAY))
    # THEN the answers, the files read and the files skipped are the same
    assert answer(result) == expected(name)
    # AND the msgspec reader read them when the query reads text fields only, in the
    # workers when asked
    sql = load_queries()[name].sql
    assert bool(decode_calls) == _decodes(sql)
    assert all(required == translate(sql).required for _, required in decode_calls)
    assert (result.worker_cpu_seconds > 0) == (bool(decode_calls) and where == "in workers")


@pytest.mark.parametrize("sql", AD_HOC_SQL)
def test_nested_fields_and_every_text_column_read_as_duckdbs_reader(
    sql: str,
    where: str,
    fast: LocalAuditEngine,
    expected: Callable[[str], tuple[object, ...]],
    decode_calls: list[tuple[int, object]],
) -> None:
    result = run_in(fast, sql, EVERY_DAY)
    assert answer(result) == expected(sql)
    assert decode_calls, "the msgspec reader was not used"
    assert (result.worker_cpu_seconds > 0) == (where == "in workers")
    assert result.rows


#: Ad-hoc queries whose WHERE clause needs a field (the reader leaves records out), or not.
FILTERED_SQL: Final = {
    "SELECT eventid, errorcode FROM cloudtrail_logs WHERE day BETWEEN ? AND ? "
    "AND errorcode IS NOT NULL ORDER BY eventid, account, region": {("errorcode",)},
    "SELECT eventid, errorcode, eventname FROM cloudtrail_logs WHERE day BETWEEN ? AND ? "
    "AND (errorcode LIKE 'Access%' OR eventname = 'GetObject') "
    "ORDER BY eventid, account, region": set(),
    "SELECT useridentity.type AS kind, count(*) AS n, count(errorcode) AS errors "
    "FROM cloudtrail_logs WHERE day BETWEEN ? AND ? AND useridentity.type IN ('Root', 'IAMUser') "
    "GROUP BY 1 ORDER BY 1": {("useridentity", "type")},
    "SELECT count(*) AS n, min(eventid) AS first FROM cloudtrail_logs "
    "WHERE day BETWEEN ? AND ? AND errorcode = 'NoSuchCode'": {("errorcode",)},
}


@pytest.mark.usefixtures("where")
@pytest.mark.parametrize("sql", sorted(FILTERED_SQL))
def test_records_left_out_change_no_answer(
    sql: str,
    fast: LocalAuditEngine,
    expected: Callable[[str], tuple[object, ...]],
    decode_calls: list[tuple[int, object]],
) -> None:
    # GIVEN a query whose WHERE clause needs (or does not need) a field
    assert translate(sql).required == FILTERED_SQL[sql]
    # WHEN it runs with the msgspec reader, which leaves out records without that field
    result = run_in(fast, sql, EVERY_DAY)
    # THEN the reader was told which field, and answers as DuckDB's reader, which reads every
    # record
    assert [required for _, required in decode_calls] == [FILTERED_SQL[sql]]
    assert answer(result) == expected(sql)
    assert result.rows


def test_the_shipped_full_scan_query_is_one_the_msgspec_reader_reads() -> None:
    # The benchmark's full scan (benchmarks/audit.py) measures this reader.
    assert _decodes(load_queries()["access_denied_by_principal"].sql)


@pytest.mark.parametrize(
    ("columns_sql", "expected"),
    [
        ("SELECT eventname, useridentity.arn, resources FROM cloudtrail_logs", True),
        ("SELECT count(*) FROM cloudtrail_logs", True),
        ("SELECT requestparameters FROM cloudtrail_logs", False),
        ("SELECT json_extract_scalar(additionaleventdata, '$.x') FROM cloudtrail_logs", False),
        ("SELECT * FROM cloudtrail_logs", False),
    ],
)
def test_decodable_queries_read_text_fields_only(columns_sql: str, expected: bool) -> None:
    assert _decodes(columns_sql) is expected


def _record(number: int, **fields: object) -> dict[str, object]:
    return {
        "eventID": f"00000000-0000-0000-0000-{number:012d}",
        "eventName": "GetObject",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/Alice"},
        "resources": [{"ARN": "arn:aws:s3:::b", "type": "AWS::S3::Bucket"}],
        **fields,
    }


def _log(*records: dict[str, object]) -> str:
    return json.dumps({"Records": list(records)})


def _with_header_flag(compressed: bytes, bit: int) -> bytes:
    """``compressed`` (no flag set) with the gzip header flag ``bit`` and what it adds."""
    header, rest = bytearray(compressed[:10]), compressed[10:]
    header[3] |= bit
    if bit == 0x02:  # FHCRC: the header's CRC-32, low 16 bits
        rest = (zlib.crc32(bytes(header)) & 0xFFFF).to_bytes(2, "little") + rest
    if bit == 0x10:  # FCOMMENT: a zero-terminated comment
        rest = b"a comment\x00" + rest
    return bytes(header) + rest


def _with_trailer(compressed: bytes, crc_change: int = 0, size_change: int = 0) -> bytes:
    """``compressed`` with its gzip trailer's CRC-32 or size changed by the given amounts."""
    crc = int.from_bytes(compressed[-8:-4], "little")
    size = int.from_bytes(compressed[-4:], "little")
    trailer = ((crc + crc_change) % 2**32).to_bytes(4, "little")
    return compressed[:-8] + trailer + ((size + size_change) % 2**32).to_bytes(4, "little")


#: Files msgspec refuses, each read (or skipped) by DuckDB's reader.
REFUSED: Final[dict[str, bytes]] = {
    "a number in a text field": gzip_json(_log(_record(1, eventName=12))),
    "a boolean in a struct's text field": gzip_json(
        _log(_record(1, userIdentity={"type": True, "arn": "a"}))
    ),
    "a byte-order mark": gzip_json("\ufeff" + _log(_record(1))),
    "two JSON values": gzip_json(_log(_record(1)) + "\n" + _log(_record(2))),
    "a trailing comma": gzip_json(_log(_record(1))[:-2] + ",]}"),
    "NaN in a field not read": gzip_json(_log(_record(1))[:-3] + ', "x": NaN}]}'),
    "a null record": gzip_json('{"Records": [null, ' + json.dumps(_record(1)) + "]}"),
    "Records null": gzip_json('{"Records": null}'),
    "no Records": gzip_json('{"Other": 1}'),
    "a string for a struct": gzip_json(_log(_record(1, userIdentity="someone"))),
    "an object for an array": gzip_json(_log(_record(1, resources={"ARN": "x"}))),
    "a record that is a string": gzip_json('{"Records": ["x"]}'),
    "invalid UTF-8": gzip.compress(
        _log(_record(1, eventName="A")).encode().replace(b'"A"', b'"\xff"'), mtime=0
    ),
    "invalid UTF-8 in a field not read": gzip.compress(
        _log(_record(1, x="A")).encode().replace(b'"A"', b'"\xff"'), mtime=0
    ),
    "an encoded surrogate in a field not read": gzip.compress(
        _log(_record(1, x="A")).encode().replace(b'"A"', b'"\xed\xa0\x80"'), mtime=0
    ),
    "two gzip members": gzip_json(_log(_record(1))) + gzip_json(_log(_record(2))),
    # Header flags DuckDB refuses ("Unsupported GZIP archive"): FTEXT, FHCRC, FCOMMENT.
    **{
        f"a gzip header with {flag}": _with_header_flag(gzip_json(_log(_record(1))), bit)
        for flag, bit in (("FTEXT", 0x01), ("FHCRC", 0x02), ("FCOMMENT", 0x10))
    },
    "truncated gzip": gzip_json(_log(_record(1)))[:-20],
    "a gzip trailer with a wrong CRC": _with_trailer(gzip_json(_log(_record(1))), crc_change=1),
    "a gzip trailer giving a size one byte short": _with_trailer(
        gzip_json(_log(_record(1))), size_change=-1
    ),
    # Two bytes short or more: the output stops early, not at the end of the member.
    "a gzip trailer giving a size two bytes short": _with_trailer(
        gzip_json(_log(_record(1))), size_change=-2
    ),
    "a gzip trailer giving a size of 2 GiB": _with_trailer(
        gzip_json(_log(_record(1))), size_change=2**31
    ),
    "a gzip trailer giving a size too large": _with_trailer(
        gzip_json(_log(_record(1))), size_change=1
    ),
    "bytes after the gzip member": gzip_json(_log(_record(1))) + b"\n",
    "not gzip": _log(_record(1)).encode(),
    "empty": b"",
}


@pytest.mark.usefixtures("where")
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_file_msgspec_refuses_is_read_by_duckdbs_reader(case: str, tmp_path: Path) -> None:
    # GIVEN a log file msgspec does not read, between two it reads
    log_root = tmp_path / "AWSLogs"
    good_file(log_root, 1, "20240501T0900Z")
    odd = bad_file(log_root, "20240501T1000Z", REFUSED[case])
    good_file(log_root, 2, "20240501T1100Z")
    fast, duckdb_only = LocalAuditEngine(tmp_path), LocalAuditEngine(tmp_path, fast_json=False)
    # WHEN the msgspec reader decodes the day
    paths = [log_file.path for log_file in fast.list_files("2024/05/01", "2024/05/01")]
    columns = SourceView.for_paths(translate(CASE_SQL).paths).columns
    decoded = decode_files(columns, paths, workers=2)
    # THEN it refuses that file only
    assert [paths[index] for index in decoded.refused] == [odd]
    # AND the engine answers as DuckDB's reader does (rows, files read, files skipped)
    assert answer(run_in(fast, CASE_SQL, MAY_1)) == answer(run_in(duckdb_only, CASE_SQL, MAY_1))


_FEDERATED: Final = {
    "type": "AssumedRole",
    "sessionContext": {
        "webIdFederationData": {
            "federatedProvider": "accounts.google.com",
            "attributes": {"aud": "x", "sub": None, "\u00e9": "\u0000"},
        },
        "sessionIssuer": {},
    },
}
#: Files msgspec reads: values at the edges of what it accepts.
ACCEPTED: Final[dict[str, bytes]] = {
    "no records": gzip_json('{"Records": []}'),
    "null, empty and missing structs": gzip_json(
        _log(_record(1, userIdentity=None), _record(2, userIdentity={}), {"eventID": "3"})
    ),
    "null, empty and holey arrays": gzip_json(
        _log(
            _record(1, resources=None),
            _record(2, resources=[]),
            _record(3, resources=[None, {}, {"ARN": "a", "accountId": None}]),
        )
    ),
    "escapes and non-ASCII text": gzip_json(
        _log(_record(1, eventName='\u00e9\u0000\n"\\/ \U0001f600'))
    ),
    "a map, empty and null maps": gzip_json(
        _log(
            _record(1, userIdentity=_FEDERATED),
            _record(
                2, userIdentity={"sessionContext": {"webIdFederationData": {"attributes": {}}}}
            ),
            _record(
                3, userIdentity={"sessionContext": {"webIdFederationData": {"attributes": None}}}
            ),
        )
    ),
    "whitespace, unknown keys, other key case": gzip_json(
        json.dumps(
            {"Records": [_record(1, EVENTNAME="x", extra={"n": [1e300, 2, {"k": None}]})]},
            indent=2,
        )
    ),
}


@pytest.mark.usefixtures("where")
@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_a_file_msgspec_reads_answers_as_duckdbs_reader(case: str, tmp_path: Path) -> None:
    log_root = tmp_path / "AWSLogs"
    bad_file(log_root, "20240501T1000Z", ACCEPTED[case])
    good_file(log_root, 2, "20240501T1100Z")
    fast, duckdb_only = LocalAuditEngine(tmp_path), LocalAuditEngine(tmp_path, fast_json=False)
    paths = [log_file.path for log_file in fast.list_files("2024/05/01", "2024/05/01")]
    columns = SourceView.for_paths(translate(CASE_SQL).paths).columns
    assert decode_files(columns, paths, workers=2).refused == ()
    result = run_in(fast, CASE_SQL, MAY_1)
    assert answer(result) == answer(run_in(duckdb_only, CASE_SQL, MAY_1))
    assert not result.skipped_files


TWICE: Final = {
    "a record's key": _log(_record(1))[:-3] + ', "eventName": "PutObject"}]}',
    "Records": '{"Records": [], "Records": '
    + json.dumps([_record(1, eventName="PutObject")])
    + "}",
    "a map's key": _log(
        _record(
            1,
            eventName="PutObject",
            userIdentity={"sessionContext": {"webIdFederationData": {"attributes": {"a": "1"}}}},
        )
    ).replace('{"a": "1"}', '{"a": "1", "a": "2"}'),
}


@pytest.mark.parametrize("where_twice", sorted(TWICE))
def test_a_key_written_twice_is_the_one_known_difference(where_twice: str, tmp_path: Path) -> None:
    # GIVEN a file with a key written twice
    bad_file(tmp_path / "AWSLogs", "20240501T1000Z", gzip_json(TWICE[where_twice]))
    # WHEN it is read with and without the msgspec reader
    fast = run_in(LocalAuditEngine(tmp_path), CASE_SQL, MAY_1)
    duckdb_only = run_in(LocalAuditEngine(tmp_path, fast_json=False), CASE_SQL, MAY_1)
    # THEN msgspec keeps the last value, where DuckDB refuses the file (documented)
    assert [row[1] for row in fast.rows] == ["PutObject"]
    if where_twice == "a map's key":
        attributes = fast.rows[0][2]["sessioncontext"]["webidfederationdata"]["attributes"]
        assert attributes == {"a": "2"}
    assert not fast.skipped_files
    assert duckdb_only.rows == []
    reason = duckdb_only.skipped_files[0].reason
    assert "duplicate key" in reason or "Map keys must be unique" in reason


def test_parts_whose_workers_fail_are_read_by_duckdbs_reader(
    monkeypatch: pytest.MonkeyPatch,
    fast: LocalAuditEngine,
    expected: Callable[[str], tuple[object, ...]],
) -> None:
    # GIVEN workers, one file per part, that answer every other part and fail on the others
    real = run_calls
    monkeypatch.setattr(record_decoder, "PARALLEL_FROM", 1)
    monkeypatch.setattr(record_decoder, "_PART_FILES", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)

    def half(calls: Any, workers: int, done: Any = None) -> list[Any]:
        answers = real(calls, workers, done)
        return [Failed("gone") if n % 2 else answer for n, answer in enumerate(answers)]

    monkeypatch.setattr(record_decoder, "run_calls", half)
    sql = AD_HOC_SQL[0]
    # WHEN a query runs
    result = run_in(fast, sql, EVERY_DAY)
    # THEN DuckDB's reader reads the failed parts' files: the same answer
    assert answer(result) == expected(sql)
    assert result.worker_cpu_seconds > 0


def test_decoding_shows_progress(
    monkeypatch: pytest.MonkeyPatch, fast: LocalAuditEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(record_decoder, "PARALLEL_FROM", 1)
    run_in(fast, AD_HOC_SQL[0], EVERY_DAY, progress=True)
    assert "(decoding " in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "statvfs"), reason="no statvfs on this platform")
def test_a_part_goes_to_dev_shm_only_with_room_to_spare(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pa = pytest.importorskip("pyarrow")
    # GIVEN a decoded table, and two folders for it: /dev/shm's and the temporary folder's
    table = pa.table({"eventname": ["ConsoleLogin" * 20] * 50})
    shm, temporary = tmp_path / "shm", tmp_path / "tmp"
    shm.mkdir()
    temporary.mkdir()

    def outputs(name: str) -> tuple[str, str]:
        return str(shm / name), str(temporary / name)

    def room(free_bytes: int, total_bytes: int) -> None:
        space = os.statvfs_result((1, 1, total_bytes, 0, free_bytes, 0, 0, 0, 0, 255))
        monkeypatch.setattr(os, "statvfs", lambda _path: space)

    # WHEN /dev/shm keeps, after the table, room for another and a quarter of it free, THEN
    # the part is written there
    size = table.nbytes
    quarter_more = 4 * (size + 1000)  # a quarter of it is more than the table
    room(2 * size + 1000, quarter_more)
    assert record_decoder._write(table, outputs("a.arrow")) == str(shm / "a.arrow")
    room(2 * size, 400)
    assert record_decoder._write(table, outputs("b.arrow")) == str(shm / "b.arrow")
    # WHEN either is a byte short, THEN it goes to the temporary folder
    room(2 * size + 999, quarter_more)
    assert record_decoder._write(table, outputs("c.arrow")) == str(temporary / "c.arrow")
    room(2 * size - 1, 400)
    assert record_decoder._write(table, outputs("d.arrow")) == str(temporary / "d.arrow")
    # WHEN writing to /dev/shm fails all the same (its folder gone), THEN too
    room(10**9, 10**9)
    gone = (str(tmp_path / "gone" / "e.arrow"), str(temporary / "e.arrow"))
    assert record_decoder._write(table, gone) == str(temporary / "e.arrow")
    assert sorted(path.name for path in shm.iterdir()) == ["a.arrow", "b.arrow"]
    with pa.memory_map(str(temporary / "e.arrow")) as source:
        assert pa.ipc.open_file(source).read_all().equals(table)


def test_parts_in_the_temporary_folder_are_read_and_removed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN three log files, no room in /dev/shm (every part goes to the temporary folder,
    # set in this process), and the calls run in this process
    log_root = tmp_path / "logs" / "AWSLogs"
    for number in range(3):
        good_file(log_root, number, f"20240501T09{number:02d}Z")
    paths = [log_file.path for log_file in LocalAuditEngine(tmp_path / "logs").list_files()]
    columns = SourceView.for_paths(translate(CASE_SQL).paths).columns
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    monkeypatch.setattr(record_decoder, "_has_room", lambda _folder, _size: False)
    monkeypatch.setattr(record_decoder, "PARALLEL_FROM", 1)
    monkeypatch.setattr(record_decoder, "_PART_FILES", 1)
    written: list[str | None] = []

    def in_this_process(calls: Any, _workers: int, _done: Any = None) -> list[Any]:
        answers = [function(*arguments) for function, arguments in calls]
        written.extend(answer[0] for answer in answers)
        return answers

    monkeypatch.setattr(record_decoder, "run_calls", in_this_process)
    # WHEN the files are decoded in parts
    decoded = record_decoder.decode_files(columns, paths, 2)
    alone = record_decoder.decode_files(columns, paths, 1)
    # THEN each part was written in the temporary folder, read (the same records as in one
    # process), and removed with its folder
    assert len(written) == 3
    assert all(path is not None and Path(path).parent.parent == temporary for path in written)
    assert decoded.table is not None
    assert alone.table is not None
    assert decoded.table.num_rows == alone.table.num_rows > 0
    assert decoded.table.equals(alone.table)
    assert list(temporary.iterdir()) == []


def test_part_folders_that_cannot_be_made_are_done_without(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real_mkdtemp = tempfile.mkdtemp

    def no_memory_folder(prefix: str | None = None, dir: str | None = None) -> str:
        if dir is not None:
            raise OSError(28, "No space left on device")
        return real_mkdtemp(prefix=prefix)

    def no_folder(*_args: object, **_kwargs: object) -> str:
        raise OSError(2, "No usable temporary directory found")

    monkeypatch.setattr(record_decoder, "_memory_folder", lambda: str(tmp_path))
    # GIVEN a folder that cannot be made in /dev/shm, THEN the parts go to the temporary one
    monkeypatch.setattr(tempfile, "mkdtemp", no_memory_folder)
    folders = record_decoder._part_folders()
    assert [folder.parent for folder in folders] == [Path(tempfile.gettempdir())]
    folders[0].rmdir()
    # GIVEN no /dev/shm, THEN one folder, in the temporary folder
    monkeypatch.setattr(record_decoder, "_memory_folder", lambda: None)
    folders = record_decoder._part_folders()
    assert [folder.parent for folder in folders] == [Path(tempfile.gettempdir())]
    folders[0].rmdir()
    # GIVEN no folder at all, THEN none
    monkeypatch.setattr(tempfile, "mkdtemp", no_folder)
    assert record_decoder._part_folders() == []
    # WHEN files are decoded with two workers, THEN they are in this process, as with one
    log_root = tmp_path / "logs" / "AWSLogs"
    for number in range(3):
        good_file(log_root, number, f"20240501T09{number:02d}Z")
    paths = [log_file.path for log_file in LocalAuditEngine(tmp_path / "logs").list_files()]
    columns = SourceView.for_paths(translate(CASE_SQL).paths).columns
    monkeypatch.setattr(record_decoder, "PARALLEL_FROM", 1)
    decoded = record_decoder.decode_files(columns, paths, 2)
    alone = record_decoder.decode_files(columns, paths, 1)
    assert decoded.worker_cpu_seconds == 0.0
    assert decoded.table is not None
    assert alone.table is not None
    assert decoded.table.num_rows == 3
    assert decoded.table.equals(alone.table)


_NO_MAIN_GUARD: Final = """
from constructs_obs.audit import LocalAuditEngine
result = LocalAuditEngine(ROOT).run_sql(
    "SELECT count(*) FROM cloudtrail_logs WHERE day BETWEEN ? AND ?",
    ["2024/05/01", "2024/05/01"], start_day="2024/05/01", end_day="2024/05/01",
)
print(result.rows[0][0], result.worker_cpu_seconds > 0)
"""


def test_a_script_without_a_main_guard_runs_once_with_workers(tmp_path: Path) -> None:
    # GIVEN a script at top level (no `if __name__ == "__main__"`), over enough files for
    # the worker processes
    files = record_decoder.PARALLEL_FROM + 6
    for number in range(files):
        good_file(
            tmp_path / "logs" / "AWSLogs", number, f"20240501T{number // 60:02d}{number % 60:02d}Z"
        )
    script = tmp_path / "query.py"
    script.write_text(_NO_MAIN_GUARD.replace("ROOT", repr(str(tmp_path / "logs"))))
    # WHEN it runs in its own interpreter
    completed = run_python(str(script))
    # THEN the workers do not run the script again (multiprocessing's spawn would), it prints
    # once, and Python exits cleanly, the workers stopped
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == [str(files), "True"]
    assert "leaked" not in completed.stderr
    assert "Traceback" not in completed.stderr
