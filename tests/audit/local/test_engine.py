"""LocalAuditEngine: the layout it reads, partition pruning, the table's shape, bad input."""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import pytest

from constructs_obs.audit import (
    COLUMNS,
    PARTITION_KEYS,
    LocalAuditEngine,
    LogFolderError,
    MissingAuditExtraError,
    QueryDefinitionError,
    QueryExecutionError,
    QueryParameterError,
    QueryResult,
    SkippedFile,
    UnknownQueryError,
)
from constructs_obs.audit.local.engine import _translate
from constructs_obs.errors import InvalidParameterError
from tests.audit.conftest import WEEK
from tests.audit.fixture_logs import (
    ACCOUNT_A,
    ACCOUNT_B,
    ACCOUNT_C,
    BAD_JSON_FILE,
    BUCKET,
    CORRUPT_DAY,
    FIXTURES,
    LOG_ROOT,
    NOT_GZIP_FILE,
    ORG_ID,
    PREFIX,
    SAMPLES,
    LogFileSpec,
    event_id,
    load_sample,
    log_files,
)

ALL_LOG_FILES: Final = sorted(LOG_ROOT / spec.relative_path for spec in log_files())
TABLE_COLUMNS: Final = tuple(column.name for column in COLUMNS + PARTITION_KEYS)


def _files_of(*days: str) -> tuple[Path, ...]:
    return tuple(sorted(LOG_ROOT / spec.relative_path for spec in log_files() if spec.day in days))


def _record(number: int, when: str = "2024-05-01T10:00:00Z") -> dict[str, object]:
    record = load_sample("04_consolelogin_root_nomfa_success.json")
    record.update(eventID=event_id(number), eventTime=when)
    return record


def _write(log_root: Path, spec: LogFileSpec) -> Path:
    path = log_root / spec.relative_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(spec.content())
    return path


def _good_file(log_root: Path, number: int, stamp: str = "20240501T1000Z") -> Path:
    return _write(log_root, LogFileSpec(ACCOUNT_A, "us-east-1", stamp, (_record(number),)))


def _bad_file(log_root: Path, stamp: str, content: bytes) -> Path:
    return _write(log_root, LogFileSpec(ACCOUNT_A, "us-east-1", stamp, raw=content))


MAY_1: Final = {"start_day": "2024/05/01", "end_day": "2024/05/01"}


def _in(
    engine: LocalAuditEngine,
    sql: str,
    period: Mapping[str, str],
    *values: str,
    progress: bool | None = None,
) -> QueryResult:
    """Run ``sql`` whose first two placeholders are the days of ``period``, reading those days."""
    start, end = period["start_day"], period["end_day"]
    return engine.run_sql(
        sql, [start, end, *values], start_day=start, end_day=end, progress=progress
    )


COUNT_SQL: Final = "SELECT eventid FROM cloudtrail_logs WHERE day BETWEEN ? AND ? ORDER BY eventid"


# --- the layout -------------------------------------------------------------------------


def test_list_files_reads_account_and_organization_trails(engine: LocalAuditEngine) -> None:
    files = engine.list_files()
    assert [log_file.path for log_file in files] == ALL_LOG_FILES
    assert len(files) == 18
    assert not any("CloudTrail-Digest" in str(log_file.path) for log_file in files)
    by_account = {
        (log_file.organization_id, log_file.account, log_file.region) for log_file in files
    }
    assert by_account == {
        (None, ACCOUNT_A, "us-east-1"),
        (None, ACCOUNT_A, "us-east-2"),
        (ORG_ID, ACCOUNT_B, "us-east-2"),
        (ORG_ID, ACCOUNT_B, "eu-west-1"),
        (ORG_ID, ACCOUNT_C, "us-east-2"),
    }
    assert sorted({log_file.day for log_file in files}) == [
        "2024/02/29",
        "2024/03/01",
        "2024/03/02",
        "2024/03/03",
        "2024/03/04",
        "2024/03/05",
        "2024/03/20",
    ]


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
    _good_file(tmp_path / "AWSLogs", 1)
    _good_file(tmp_path / "other-trail" / "AWSLogs", 2)
    engine = LocalAuditEngine(tmp_path)
    assert engine.log_roots == (tmp_path / "AWSLogs", tmp_path / "other-trail" / "AWSLogs")
    result = _in(engine, COUNT_SQL, MAY_1)
    assert result.rows == [(event_id(1),), (event_id(2),)]


def test_folders_that_are_not_dates_and_files_that_are_not_logs_are_ignored(
    tmp_path: Path,
) -> None:
    log_file = _good_file(tmp_path / "AWSLogs", 1)
    region = log_file.parents[3]
    (region / "2024" / "05" / "notes").mkdir()
    (region / "latest").mkdir()
    (log_file.parent / "README.txt").write_text("not a log")
    (log_file.parent / "partial.json.gz.tmp").write_bytes(b"")
    engine = LocalAuditEngine(tmp_path)
    assert [found.path for found in engine.list_files()] == [log_file]


def test_a_quote_in_a_path(tmp_path: Path) -> None:
    _good_file(tmp_path / "it's here" / "AWSLogs", 1)
    result = LocalAuditEngine(tmp_path).run_sql("SELECT eventid FROM cloudtrail_logs")
    assert result.rows == [(event_id(1),)]


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
    _good_file(tmp_path / "a" / "b" / "c" / "d" / "AWSLogs", 1)
    with pytest.raises(LogFolderError, match="no AWSLogs folder"):
        LocalAuditEngine(tmp_path)


def test_threads_must_be_positive() -> None:
    with pytest.raises(InvalidParameterError, match="threads: must be at least 1, got 0"):
        LocalAuditEngine(BUCKET, threads=0)


# --- partition pruning ------------------------------------------------------------------


def test_a_one_day_query_reads_that_day_only(engine: LocalAuditEngine) -> None:
    result = engine.run("root_activity", {"start_day": "2024/03/02", "end_day": "2024/03/02"})
    assert result.files_scanned == _files_of("2024/03/02")
    assert len(result.files_scanned) == 3
    assert all(f"{ORG_ID}/{ACCOUNT_B}" in str(path) for path in result.files_scanned)
    assert result.rows == []


def test_a_range_across_months_reads_its_days(engine: LocalAuditEngine) -> None:
    result = engine.run(
        "access_key_activity",
        {"start_day": "2024/02/29", "end_day": "2024/03/01", "access_key_id": "x"},
    )
    assert result.files_scanned == _files_of("2024/02/29", "2024/03/01")
    assert len(result.files_scanned) == 4


def test_the_week(engine: LocalAuditEngine) -> None:
    result = engine.run("iam_changes", WEEK)
    days = ("2024/03/01", "2024/03/02", "2024/03/03", "2024/03/04", "2024/03/05")
    assert result.files_scanned == _files_of(*days)
    assert len(result.files_scanned) == 14
    assert result.skipped_files == ()


def test_a_range_without_logs(engine: LocalAuditEngine) -> None:
    result = engine.run("root_activity", {"start_day": "2019/01/01", "end_day": "2019/12/31"})
    assert result.files_scanned == ()
    assert result.rows == []
    assert result.columns[0] == "eventtime"


def test_pruning_opens_only_the_folders_in_range(
    engine: LocalAuditEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    real_scandir = os.scandir

    def spy(path: str | os.PathLike[str]) -> object:
        opened.append(str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", spy)
    engine.list_files("2024/03/02", "2024/03/02")
    day_folders = {path for path in opened if re.search(r"/[0-9]{4}/[0-9]{2}/[0-9]{2}$", path)}
    assert day_folders == {str(path.parent) for path in _files_of("2024/03/02")}
    assert len(day_folders) == 2
    assert not any(path.endswith("/2024/02") for path in opened)  # a month out of range


def test_list_files_needs_both_days_or_none(engine: LocalAuditEngine) -> None:
    with pytest.raises(QueryParameterError, match="end_day: give both days or none"):
        engine.list_files("2024/03/01")


# --- the table's shape ------------------------------------------------------------------


def test_columns_of_the_table(engine: LocalAuditEngine) -> None:
    result = engine.run_sql("SELECT * FROM cloudtrail_logs LIMIT 0")
    assert result.columns == TABLE_COLUMNS


def test_struct_field_names_are_lower_case(engine: LocalAuditEngine) -> None:
    sql = (
        "SELECT useridentity, resources, tlsdetails FROM cloudtrail_logs "
        "WHERE day BETWEEN ? AND ? AND eventid = ?"
    )
    result = _in(engine, sql, WEEK, event_id(12))
    ((identity, resources, tls),) = result.rows
    assert identity == {
        "type": "AssumedRole",
        "principalid": "AROAJBNCAL3UTR5C42U4M:user-SomeRole",
        "arn": "arn:aws:sts::123456789012:assumed-role/SomeRole/user-SomeRole",
        "accountid": "123456789012",
        "invokedby": None,
        "accesskeyid": "AZYCAIJERO6H7",
        "username": None,
        "onbehalfof": None,
        "sessioncontext": {
            "attributes": {"mfaauthenticated": "false", "creationdate": "2020-05-22T08:10:21Z"},
            "sessionissuer": {
                "type": "Role",
                "principalid": "AROAJBNCAL3UTR5C42U4M",
                "arn": "arn:aws:iam::123456789012:role/SomeRole",
                "accountid": "123456789012",
                "username": "SomeRole",
            },
            "ec2roledelivery": None,
            "webidfederationdata": None,
        },
    }
    # CloudTrail writes "ARN" in resources; the table calls it arn, as Athena does.
    assert resources == [
        {"arn": "arn:aws:s3:::BUCKETNAME/OBJECTKEY", "accountid": None, "type": "AWS::S3::Object"},
        {"arn": "arn:aws:s3:::BUCKETNAME", "accountid": ACCOUNT_B, "type": "AWS::S3::Bucket"},
    ]
    assert tls is None


def test_free_form_fields_are_json_text(engine: LocalAuditEngine) -> None:
    sql = (
        "SELECT requestparameters, responseelements, additionaleventdata, serviceeventdetails, "
        "readonly FROM cloudtrail_logs WHERE day BETWEEN ? AND ? AND eventid IN (?, ?, ?) "
        "ORDER BY eventid"
    )
    result = _in(engine, sql, WEEK, event_id(8), event_id(9), event_id(16))
    create_user, attach_policy, rotate_key = result.rows
    assert json.loads(create_user[0]) == {"userName": "Bob"}
    assert json.loads(create_user[1])["user"]["arn"] == "arn:aws:iam::123456789012:user/Bob"
    assert create_user[3:] == (None, None)  # no serviceEventDetails, no readOnly field
    assert (
        json.loads(attach_policy[0])["policyArn"] == "arn:aws:iam::aws:policy/AdministratorAccess"
    )
    assert attach_policy[1] is None  # JSON null is SQL NULL, as in Athena
    assert attach_policy[4] == "false"  # a JSON boolean in a string column
    assert json.loads(rotate_key[3]) == {"keyId": "7944f0ec-EXAMPLE"}
    assert rotate_key[2] is None


def test_partition_columns_come_from_the_path(engine: LocalAuditEngine) -> None:
    sql = (
        "SELECT account, region, day, count(*) AS records FROM cloudtrail_logs "
        "WHERE day BETWEEN ? AND ? GROUP BY 1, 2, 3 ORDER BY 3, 1, 2"
    )
    result = engine.run_sql(
        sql, ["2024/02/29", "2024/03/05"], start_day="2024/02/29", end_day="2024/03/05"
    )
    assert result.rows == [
        (ACCOUNT_B, "us-east-2", "2024/02/29", 1),
        (ACCOUNT_A, "us-east-1", "2024/03/01", 5),
        (ACCOUNT_A, "us-east-2", "2024/03/01", 2),
        (ACCOUNT_B, "eu-west-1", "2024/03/02", 4),
        (ACCOUNT_B, "us-east-2", "2024/03/02", 5),
        (ACCOUNT_A, "us-east-1", "2024/03/03", 4),
        (ACCOUNT_B, "eu-west-1", "2024/03/03", 2),
        (ACCOUNT_C, "us-east-2", "2024/03/03", 3),
        (ACCOUNT_A, "us-east-1", "2024/03/04", 2),
        (ACCOUNT_B, "us-east-2", "2024/03/04", 2),
        (ACCOUNT_A, "us-east-2", "2024/03/05", 1),
        (ACCOUNT_C, "us-east-2", "2024/03/05", 1),
    ]


def test_the_account_partition_is_the_folder_not_the_caller(engine: LocalAuditEngine) -> None:
    sql = (
        "SELECT account, useridentity.accountid FROM cloudtrail_logs "
        "WHERE day BETWEEN ? AND ? AND eventid = ?"
    )
    result = _in(engine, sql, WEEK, event_id(6))
    assert result.rows == [(ACCOUNT_A, ACCOUNT_C)]  # JohnDoe of 7777... assumed a role in 1111...


def test_athena_functions_are_translated(engine: LocalAuditEngine) -> None:
    sql = (
        "SELECT count(*) AS n, max(json_extract_scalar(requestparameters, '$.userName')) AS u "
        "FROM cloudtrail_logs WHERE day BETWEEN ? AND ? "
        "AND from_iso8601_timestamp(eventtime) < from_iso8601_timestamp('2024-03-02T08:01:30Z') "
        "AND regexp_like(eventname, '^(Create|Attach)') AND cardinality(resources) IS NULL"
    )
    result = _in(engine, sql, WEEK)
    assert result.rows == [(2, "Bob")]  # CreateUser and AttachUserPolicy, 8 and 9


def test_only_the_fields_a_query_uses_are_read() -> None:
    translation = _translate(
        "SELECT t.useridentity.sessioncontext.sessionissuer.arn, count(*) FROM cloudtrail_logs t "
        "WHERE day BETWEEN ? AND ? AND json_extract_scalar(requestparameters, '$.a') = ? "
        "GROUP BY 1"
    )
    # The partition columns come from the path and are always there.
    assert translation.paths == frozenset(
        {("useridentity", "sessioncontext", "sessionissuer", "arn"), ("requestparameters",)}
    )
    assert translation.placeholders == 3
    star = _translate("SELECT * FROM cloudtrail_logs")
    assert star.paths is None
    counted = _translate("SELECT count(*) FROM cloudtrail_logs")
    assert counted.paths == frozenset()


def test_pruned_and_full_reads_agree(engine: LocalAuditEngine) -> None:
    pruned = engine.run_sql(
        "SELECT eventid, useridentity.arn FROM cloudtrail_logs ORDER BY eventid"
    )
    full = engine.run_sql(
        "SELECT eventid, useridentity.arn FROM (SELECT * FROM cloudtrail_logs) ORDER BY eventid"
    )
    assert pruned.rows == full.rows
    assert len(pruned.rows) == 33
    assert engine.run_sql("SELECT count(*) FROM cloudtrail_logs").rows == [(33,)]


# --- unreadable files -------------------------------------------------------------------


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


def _gzip_json(text: str) -> bytes:
    return gzip.compress(text.encode(), mtime=0)


CORRUPTIONS: Final = {
    "not gzip": (b"plain text", "Input is not a GZIP stream"),
    "empty": (b"", "Input is not a GZIP stream"),
    "truncated gzip": (_gzip_json(json.dumps({"Records": [_record(9)] * 40}))[:300], "GZIP"),
    "malformed json": (_gzip_json('{"Records": [{"eventID": "x",'), "Malformed JSON"),
    "records not a list": (_gzip_json('{"Records": "none"}'), "Expected ARRAY"),
    "a field of the wrong shape": (
        _gzip_json(json.dumps({"Records": [{"eventID": "x", "userIdentity": "root"}]})),
        "Expected OBJECT",
    ),
}


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_one_unreadable_file_is_skipped_and_the_rest_is_read(tmp_path: Path, kind: str) -> None:
    log_root = tmp_path / "AWSLogs"
    _good_file(log_root, 1, "20240501T0900Z")
    content, reason = CORRUPTIONS[kind]
    bad = _bad_file(log_root, "20240501T0930Z", content)
    _good_file(log_root, 2, "20240501T1000Z")
    sql = (
        "SELECT eventid, useridentity.type FROM cloudtrail_logs "
        "WHERE day BETWEEN ? AND ? ORDER BY eventid"
    )
    result = _in(LocalAuditEngine(tmp_path), sql, MAY_1)
    assert result.rows == [(event_id(1), "Root"), (event_id(2), "Root")]
    assert [skipped.path for skipped in result.skipped_files] == [bad]
    assert reason in result.skipped_files[0].reason
    assert bad not in result.files_scanned
    assert len(result.files_scanned) == 2


def test_many_unreadable_files_are_all_found(tmp_path: Path) -> None:
    log_root = tmp_path / "AWSLogs"
    good = [_good_file(log_root, number, f"20240501T0{number}00Z") for number in range(1, 4)]
    bad = [_bad_file(log_root, f"20240501T1{number}00Z", b"junk") for number in range(5)]
    result = _in(LocalAuditEngine(tmp_path), COUNT_SQL, MAY_1)
    assert result.rows == [(event_id(1),), (event_id(2),), (event_id(3),)]
    assert [skipped.path for skipped in result.skipped_files] == sorted(bad)
    assert result.files_scanned == tuple(sorted(good))


def test_a_log_file_larger_than_duckdbs_default_object_size(tmp_path: Path) -> None:
    record = _record(1)
    record["requestParameters"] = {"padding": "x" * 2000}
    records = [{**record, "eventID": event_id(number)} for number in range(10_000)]
    body = json.dumps({"Records": records}).encode()
    assert len(body) > 16 * 1024 * 1024
    path = tmp_path / "AWSLogs" / ACCOUNT_A / "CloudTrail" / "us-east-1" / "2024" / "05" / "01"
    path.mkdir(parents=True)
    (path / "big.json.gz").write_bytes(gzip.compress(body, compresslevel=1))
    result = LocalAuditEngine(tmp_path).run_sql("SELECT count(*) FROM cloudtrail_logs")
    assert result.rows == [(10_000,)]
    assert result.skipped_files == ()


# --- ad-hoc SQL and errors --------------------------------------------------------------


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


# --- output -----------------------------------------------------------------------------

RESULT: Final = QueryResult(
    columns=("name", "count", "note"),
    rows=[("alpha", 3, None), ("b", 12, "line1\nline2, with a comma and a long tail")],
    files_scanned=(),
)


def test_to_json() -> None:
    assert json.loads(RESULT.to_json()) == [
        {"name": "alpha", "count": 3, "note": None},
        {"name": "b", "count": 12, "note": "line1\nline2, with a comma and a long tail"},
    ]
    assert "\n" not in RESULT.to_json(indent=None)


def test_to_csv() -> None:
    assert RESULT.to_csv() == (
        'name,count,note\nalpha,3,\nb,12,"line1\nline2, with a comma and a long tail"\n'
    )


def test_to_table() -> None:
    assert RESULT.to_table(max_width=20) == (
        "name  | count | note\n"
        "------+-------+---------------------\n"
        "alpha |     3 |\n"
        "b     |    12 | line1\\nline2, with …\n"
        "(2 rows)\n"
    )
    single = QueryResult(columns=("n",), rows=[(1,)], files_scanned=())
    assert single.to_table().endswith("(1 row)\n")
    empty = QueryResult(columns=("n",), rows=[], files_scanned=())
    assert empty.to_table() == "n\n-\n(0 rows)\n"
    assert "line2, with a comma and a long tail" in RESULT.to_table(max_width=None)


# --- progress and the optional dependencies ---------------------------------------------


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
        "print(sorted(m for m in ('duckdb', 'sqlglot', 'tqdm') if m in sys.modules))"
    )
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert completed.stdout.strip() == "[]"


@pytest.mark.parametrize("module", ["duckdb", "sqlglot", "tqdm"])
def test_a_missing_extra_is_named(
    engine: LocalAuditEngine, monkeypatch: pytest.MonkeyPatch, module: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    # A query text never run before, so that no cached translation hides a missing sqlglot.
    sql = f"SELECT eventid AS {module}_missing FROM cloudtrail_logs WHERE day BETWEEN ? AND ?"  # noqa: S608
    with pytest.raises(MissingAuditExtraError) as info:
        _in(engine, sql, WEEK, progress=True)
    assert str(info.value) == (
        f"the local audit engine needs '{module}', which comes with the 'audit' extra: "
        "pip install 'constructs-obs[audit]'"
    )
    assert isinstance(info.value, ImportError)
