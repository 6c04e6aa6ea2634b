"""LocalAuditEngine: the folder it reads, the days a query reads, unreadable files, errors,
progress and the optional dependencies."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Final

import pytest

from constructs_obs.audit import (
    LocalAuditEngine,
    LogFolderError,
    MissingAuditExtraError,
    QueryDefinitionError,
    QueryExecutionError,
    QueryParameterError,
    SkippedFile,
    UnknownQueryError,
)
from constructs_obs.audit.projection import TableProjection
from constructs_obs.errors import InvalidParameterError
from tests.audit.conftest import WEEK
from tests.audit.fixture_logs import (
    ACCOUNT_A,
    ACCOUNT_B,
    BAD_JSON_FILE,
    BUCKET,
    CORRUPT_DAY,
    FIXTURES,
    LOG_ROOT,
    NOT_GZIP_FILE,
    ORG_ID,
    PREFIX,
    SAMPLES,
    event_id,
)
from tests.audit.local.local_logs import (
    ALL_LOG_FILES,
    COUNT_SQL,
    MAY_1,
    bad_file,
    files_of,
    good_file,
    gzip_json,
    record,
    run_in,
    run_python,
)

# --- the log folder --------------------------------------------------------------------


@pytest.mark.parametrize(
    "root",
    [
        BUCKET,  # the bucket, with the trail's key prefix below it
        BUCKET / PREFIX,  # the prefix that holds AWSLogs
        LOG_ROOT,  # AWSLogs itself
        FIXTURES,  # three levels above AWSLogs
        str(BUCKET),
    ],
    ids=["bucket", "prefix", "AWSLogs", "fixtures", "str"],
)
def test_accepted_roots(root: Path | str) -> None:
    engine = LocalAuditEngine(root)
    assert engine.log_roots == (LOG_ROOT,)
    assert [log_file.path for log_file in engine.list_files()] == ALL_LOG_FILES


def test_several_trails_under_one_bucket(tmp_path: Path) -> None:
    good_file(tmp_path / "AWSLogs", 1)
    good_file(tmp_path / "other-trail" / "AWSLogs", 2)
    engine = LocalAuditEngine(tmp_path)
    assert engine.log_roots == (tmp_path / "AWSLogs", tmp_path / "other-trail" / "AWSLogs")
    result = run_in(engine, COUNT_SQL, MAY_1)
    assert result.rows == [(event_id(1),), (event_id(2),)]


def test_missing_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(LogFolderError, match=r"log folder .*nowhere: does not exist$"):
        LocalAuditEngine(missing)


def test_a_file_is_not_a_folder() -> None:
    with pytest.raises(LogFolderError, match="is not a folder"):
        LocalAuditEngine(SAMPLES / "06_createuser_iam.json")


def test_a_folder_without_cloudtrail_logs() -> None:
    with pytest.raises(LogFolderError) as info:
        LocalAuditEngine(SAMPLES)
    assert str(info.value) == (
        f"log folder {SAMPLES}: no AWSLogs folder in it or up to 3 levels below; expected "
        "CloudTrail's layout [<prefix>/]AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/"
        "YYYY/MM/DD/*.json.gz"
    )


def test_aws_logs_too_deep(tmp_path: Path) -> None:
    good_file(tmp_path / "a" / "b" / "c" / "d" / "AWSLogs", 1)
    with pytest.raises(LogFolderError, match="no AWSLogs folder"):
        LocalAuditEngine(tmp_path)


def test_threads_must_be_positive() -> None:
    with pytest.raises(InvalidParameterError, match="threads: must be at least 1, got 0"):
        LocalAuditEngine(BUCKET, threads=0)


# --- partition pruning -----------------------------------------------------------------


def test_a_one_day_query_reads_that_day_only(engine: LocalAuditEngine) -> None:
    result = engine.run("root_activity", {"start_day": "2024/03/02", "end_day": "2024/03/02"})
    assert result.files_scanned == files_of("2024/03/02")
    assert len(result.files_scanned) == 3
    assert all(f"{ORG_ID}/{ACCOUNT_B}" in str(path) for path in result.files_scanned)
    assert result.rows == []


def test_a_range_across_months_reads_its_days(engine: LocalAuditEngine) -> None:
    result = engine.run(
        "access_key_activity",
        {"start_day": "2024/02/29", "end_day": "2024/03/01", "access_key_id": "x"},
    )
    assert result.files_scanned == files_of("2024/02/29", "2024/03/01")
    assert len(result.files_scanned) == 4


def test_the_week(engine: LocalAuditEngine) -> None:
    result = engine.run("iam_changes", WEEK)
    days = ("2024/03/01", "2024/03/02", "2024/03/03", "2024/03/04", "2024/03/05")
    assert result.files_scanned == files_of(*days)
    assert len(result.files_scanned) == 14
    assert result.skipped_files == ()


def test_a_range_without_logs(engine: LocalAuditEngine) -> None:
    result = engine.run("root_activity", {"start_day": "2019/01/01", "end_day": "2019/12/31"})
    assert result.files_scanned == ()
    assert result.rows == []
    assert result.columns[0] == "eventtime"


def test_list_files_needs_both_days_or_none(engine: LocalAuditEngine) -> None:
    with pytest.raises(QueryParameterError, match="end_day: give both days or none"):
        engine.list_files("2024/03/01")


# --- unreadable files ------------------------------------------------------------------


def test_the_corrupt_files_of_the_fixture_are_reported_and_skipped(
    engine: LocalAuditEngine, caplog: pytest.LogCaptureFixture
) -> None:
    day = {"start_day": CORRUPT_DAY, "end_day": CORRUPT_DAY}
    with caplog.at_level(logging.WARNING, logger="constructs_obs.audit"):
        result = engine.run("root_activity", day)
    assert [row[-1] for row in result.rows] == [event_id(33)]
    folder = LOG_ROOT / ACCOUNT_A / "CloudTrail" / "us-east-1" / CORRUPT_DAY
    assert result.files_scanned == (
        folder / "111122223333_CloudTrail_us-east-1_20240320T0600Z_B1iMumOCFzPqN0tf.json.gz",
    )
    assert result.skipped_files == (
        SkippedFile(
            folder / NOT_GZIP_FILE, f"IO Error: Input is not a GZIP stream: {NOT_GZIP_FILE}"
        ),
        SkippedFile(
            folder / BAD_JSON_FILE,
            f'Invalid Input Error: Malformed JSON in file "{BAD_JSON_FILE}", at byte 71 in '
            "record/value 2: unexpected end of data.",
        ),
    )
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 2
    assert any(str(folder / NOT_GZIP_FILE) in warning for warning in warnings)
    assert any(str(folder / BAD_JSON_FILE) in warning for warning in warnings)


def test_the_month_with_corrupt_files(engine: LocalAuditEngine) -> None:
    result = engine.run("root_activity", {"start_day": "2024/03/01", "end_day": "2024/03/31"})
    assert [row[-1] for row in result.rows] == [
        event_id(4),
        event_id(5),
        event_id(26),
        event_id(33),
    ]
    assert {skipped.path.name for skipped in result.skipped_files} == {NOT_GZIP_FILE, BAD_JSON_FILE}
    assert len(result.files_scanned) == 15


CORRUPTIONS: Final = {
    "not gzip": (b"plain text", "Input is not a GZIP stream"),
    "empty": (b"", "Input is not a GZIP stream"),
    "truncated gzip": (gzip_json(json.dumps({"Records": [record(9)] * 40}))[:300], "GZIP"),
    "malformed json": (gzip_json('{"Records": [{"eventID": "x",'), "Malformed JSON"),
    "records not a list": (gzip_json('{"Records": "none"}'), "Expected ARRAY"),
    "a field of the wrong shape": (
        gzip_json(json.dumps({"Records": [{"eventID": "x", "userIdentity": "root"}]})),
        "Expected OBJECT",
    ),
}


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_one_unreadable_file_is_skipped_and_the_rest_is_read(tmp_path: Path, kind: str) -> None:
    log_root = tmp_path / "AWSLogs"
    good_file(log_root, 1, "20240501T0900Z")
    content, reason = CORRUPTIONS[kind]
    bad = bad_file(log_root, "20240501T0930Z", content)
    good_file(log_root, 2, "20240501T1000Z")
    sql = (
        "SELECT eventid, useridentity.type FROM cloudtrail_logs "
        "WHERE day BETWEEN ? AND ? ORDER BY eventid"
    )
    result = run_in(LocalAuditEngine(tmp_path), sql, MAY_1)
    assert result.rows == [(event_id(1), "Root"), (event_id(2), "Root")]
    assert [skipped.path for skipped in result.skipped_files] == [bad]
    assert reason in result.skipped_files[0].reason
    assert bad not in result.files_scanned
    assert len(result.files_scanned) == 2


def test_many_unreadable_files_are_all_found(tmp_path: Path) -> None:
    log_root = tmp_path / "AWSLogs"
    good = [good_file(log_root, number, f"20240501T0{number}00Z") for number in range(1, 4)]
    bad = [bad_file(log_root, f"20240501T1{number}00Z", b"junk") for number in range(5)]
    result = run_in(LocalAuditEngine(tmp_path), COUNT_SQL, MAY_1)
    assert result.rows == [(event_id(1),), (event_id(2),), (event_id(3),)]
    assert [skipped.path for skipped in result.skipped_files] == sorted(bad)
    assert result.files_scanned == tuple(sorted(good))


# --- ad-hoc SQL and errors -------------------------------------------------------------


def test_run_sql_with_params_and_days(engine: LocalAuditEngine) -> None:
    sql = (
        "SELECT eventname FROM cloudtrail_logs WHERE day BETWEEN ? AND ? "
        "AND sourceipaddress = ? ORDER BY eventtime"
    )
    result = engine.run_sql(
        sql,
        ["2024/03/04", "2024/03/05", "198.51.100.7"],
        start_day="2024/03/04",
        end_day="2024/03/05",
    )
    assert result.rows == [("ListUsers",), ("DeleteTrail",), ("ConsoleLogin",)]
    assert result.query == "ad-hoc SQL"
    assert "?" in result.duckdb_sql


def test_unknown_query(engine: LocalAuditEngine) -> None:
    with pytest.raises(UnknownQueryError, match="known queries: access_denied_by_principal"):
        engine.run("no_such_query", WEEK)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"start_day": "2024/03/01"}, "invalid params: missing end_day"),
        ({**WEEK, "bucket_name": "b"}, "invalid params: unexpected bucket_name"),
        ({"start_day": "03/01/2024", "end_day": "2024/03/05"}, "invalid start_day: '03/01/2024'"),
        ({"start_day": "2024/03/01", "end_day": "2024/13/01"}, "invalid end_day: '2024/13/01'"),
    ],
)
def test_bad_params(engine: LocalAuditEngine, params: dict[str, str], match: str) -> None:
    with pytest.raises(QueryParameterError, match=match):
        engine.run("root_activity", params)


@pytest.mark.parametrize(
    ("sql", "params", "days", "error", "match"),
    [
        ("SELECT ? FROM cloudtrail_logs", [], {}, QueryParameterError, "has 1 '\\?' placeholder"),
        ("SELECT 1 FROM cloudtrail_logs", ["x"], {}, QueryParameterError, "1 value\\(s\\) were"),
        ("SELECT 1", [], {"start_day": "2024/03/01"}, QueryParameterError, "give both days"),
        ("SELECT 1", [], {"start_day": "x", "end_day": "y"}, QueryParameterError, "'x' is not"),
        ("SELECT 1; SELECT 2", [], {}, QueryDefinitionError, "expected one query, found 2"),
        ("DROP TABLE cloudtrail_logs", [], {}, QueryDefinitionError, "not DROP"),
        ("SELEC eventid FRM cloudtrail_logs", [], {}, QueryDefinitionError, "not valid Athena"),
        ("SELECT nosuchcolumn FROM cloudtrail_logs", [], {}, QueryExecutionError, "nosuchcolumn"),
        (
            "SELECT useridentity.nosuchfield FROM cloudtrail_logs",
            [],
            {},
            QueryExecutionError,
            "nosuchfield",
        ),
        ("SELECT * FROM cloudtrail_logs_pp", [], {}, QueryExecutionError, "cloudtrail_logs_pp"),
    ],
)
def test_bad_ad_hoc_sql(
    engine: LocalAuditEngine,
    sql: str,
    params: list[str],
    days: dict[str, str],
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=match) as info:
        engine.run_sql(sql, params, start_day=days.get("start_day"), end_day=days.get("end_day"))
    assert "\n" not in str(info.value)


# --- progress and the optional dependencies --------------------------------------------


def test_progress_bar_on_request(
    engine: LocalAuditEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    result = engine.run("root_activity", WEEK, progress=True)
    assert len(result.rows) == 3
    err = capsys.readouterr().err
    assert "root_activity (14 files)" in err
    assert "100%" in err


def test_no_progress_bar_when_stderr_is_not_a_terminal(
    engine: LocalAuditEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    engine.run("root_activity", WEEK)
    assert capsys.readouterr().err == ""


def test_importing_the_package_does_not_import_the_extra() -> None:
    code = (
        "import sys, constructs_obs.audit, constructs_obs.audit.local.cli\n"
        "extra = ('duckdb', 'sqlglot', 'tqdm', 'msgspec', 'pyarrow', 'isal')\n"
        "print(sorted(m for m in extra if m in sys.modules))"
    )
    completed = run_python("-c", code)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


@pytest.mark.parametrize("module", ["duckdb", "sqlglot", "tqdm", "msgspec", "pyarrow", "isal"])
def test_a_missing_extra_is_named(
    engine: LocalAuditEngine, monkeypatch: pytest.MonkeyPatch, module: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    # A query text never run before, so that no cached translation hides a missing sqlglot.
    sql = f"SELECT eventid AS {module}_missing FROM cloudtrail_logs WHERE day BETWEEN ? AND ?"  # noqa: S608
    with pytest.raises(MissingAuditExtraError) as info:
        run_in(engine, sql, WEEK, progress=True)
    assert str(info.value) == (
        f"the local audit engine needs '{module}', which comes with the 'audit' extra: "
        "pip install 'constructs-obs[audit]'"
    )
    assert isinstance(info.value, ImportError)


# --- what Athena would not read ----------------------------------------------------------


def test_files_outside_the_projection_are_read_and_warned_about(
    engine: LocalAuditEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a table projecting us-east-1 from 2024/03/02 (the fixture has 2024/03/01 too)
    projected = LocalAuditEngine(
        BUCKET, projection=TableProjection(start_day="2024/03/02", regions=("us-east-1",))
    )
    # WHEN a query reads the week
    with caplog.at_level(logging.WARNING, logger="constructs_obs.audit"):
        result = projected.run("root_activity", WEEK)
    # THEN it answers as before, and says which files Athena would not have read, and why
    assert result.rows == engine.run("root_activity", WEEK).rows
    reasons = {item.path.name: item.reason for item in result.outside_projection}
    assert set(reasons) == {
        path.name
        for path in result.files_scanned
        if "/2024/03/01/" in str(path) or "/us-east-1/" not in str(path)
    }
    assert "day 2024/03/01 is before projection_start 2024/03/02" in reasons.values()
    assert any(reason.startswith("region ") for reason in reasons.values())
    assert result.warnings[0].endswith(
        f"read, though Athena would not: {result.outside_projection[0].reason}"
    )
    assert f"read {len(reasons)} log file(s) Athena would not read" in caplog.text
    assert "only_projected=True (--only-projected) leaves them out" in caplog.text


def test_only_projected_answers_what_athena_would() -> None:
    # GIVEN the projection of a table over account 111122223333 in us-east-1 from 2024/03/02
    projection = TableProjection(
        start_day="2024/03/02", regions=("us-east-1",), accounts=(ACCOUNT_A,)
    )
    engine = LocalAuditEngine(BUCKET, projection=projection, only_projected=True)
    # WHEN a query reads the week THEN only the projected files are read
    result = engine.run("root_activity", WEEK)
    assert result.files_scanned
    for path in result.files_scanned:
        assert f"/{ACCOUNT_A}/CloudTrail/us-east-1/" in str(path)
        assert "/2024/03/01/" not in str(path)
    assert [row[-1] for row in result.rows] == [event_id(26)]  # not 4 and 5, of 2024/03/01
    assert all(item.path not in result.files_scanned for item in result.outside_projection)
    assert result.only_projected


def test_the_default_projection_is_audit_queries_defaults(engine: LocalAuditEngine) -> None:
    assert engine.projection == TableProjection()
    assert engine.projection.start_day == "2024/01/01"
    assert engine.run("root_activity", WEEK).outside_projection == ()


def test_a_projection_must_be_a_table_projection() -> None:
    with pytest.raises(InvalidParameterError, match="projection: expected a TableProjection"):
        LocalAuditEngine(BUCKET, projection="2024/01/01")  # type: ignore[arg-type]


_FAILING_BAR: Final = """
import sys
import tqdm
from constructs_obs.audit import LocalAuditEngine

def fail(self, n=1):
    raise RuntimeError("the terminal went away")

tqdm.tqdm.update = fail
tables = ", ".join(f"cloudtrail_logs t{n}" for n in range(5))
try:
    LocalAuditEngine(sys.argv[1]).run_sql(
        "SELECT count(*) FROM " + tables + " WHERE t0.day BETWEEN ? AND ?",
        ["2024/03/01", "2024/03/05"], start_day="2024/03/01", end_day="2024/03/05",
        progress=True,
    )
except RuntimeError as error:
    print("failed:", error)
"""


def test_a_failing_progress_bar_stops_the_query_and_exits_cleanly() -> None:
    # GIVEN a long query whose progress bar fails at once (a terminal gone, say)
    # WHEN it runs in its own interpreter
    completed = run_python("-c", _FAILING_BAR, str(BUCKET))
    # THEN the error is the bar's, the query is stopped, and Python exits without DuckDB's
    # "nanobind: leaked instance" lines (a worker thread still holding the connection)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "failed: the terminal went away"
    assert "nanobind" not in completed.stderr
    assert "leaked" not in completed.stderr
