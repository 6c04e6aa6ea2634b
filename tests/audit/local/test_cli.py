"""``constructs-obs-audit``: list, show, run (table/json/csv), and one-line errors with exit 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Final

import pytest

from constructs_obs.audit import get_query, load_queries
from constructs_obs.audit.local.cli import main
from tests.audit.fixture_logs import BAD_JSON_FILE, BUCKET, NOT_GZIP_FILE, ROOT_ARN, event_id

WEEK_ARGS: Final = ["--param", "start_day=2024/03/01", "--param", "end_day=2024/03/05"]
ROOT_ACTIVITY: Final = ["run", "root_activity", "--logs", str(BUCKET), *WEEK_ARGS]


def _main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _main(capsys, "list")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 2 * len(load_queries())
    for query in load_queries().values():
        assert f"{query.name}  " in out
        assert f"params: {', '.join(query.params)}" in out
        assert query.description in out
    assert lines[0].startswith(
        "access_denied_by_principal   Calls refused"
    )  # padded to the longest


def test_show_prints_the_athena_sql(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _main(capsys, "show", "bucket_access")
    assert (code, err) == (0, "")
    assert out == get_query("bucket_access").sql
    assert out.startswith("-- name: bucket_access\n")


def test_run_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _main(capsys, *ROOT_ACTIVITY, "--format", "json")
    assert (code, err) == (0, "")
    records = json.loads(out)
    assert [record["eventid"] for record in records] == [event_id(4), event_id(5), event_id(26)]
    assert records[1] == {
        "eventtime": "2024-03-01T10:07:30Z",
        "account": "111122223333",
        "awsregion": "us-east-1",
        "eventsource": "iam.amazonaws.com",
        "eventname": "EnableMFADevice",
        "sourceipaddress": "192.0.2.0",
        "useragent": "Coral/Netty4",
        "errorcode": None,
        "eventid": event_id(5),
    }


def test_run_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _main(
        capsys,
        "run",
        "console_signins_without_mfa",
        "--logs",
        str(BUCKET),
        "-p",
        "start_day=2024/03/01",
        "-p",
        "end_day=2024/03/01",
        "-f",
        "csv",
    )
    assert (code, err) == (0, "")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [
        "eventtime",
        "account",
        "user_type",
        "principal",
        "username",
        "sourceipaddress",
        "useragent",
        "mfa_used",
        "eventid",
    ]
    assert [(row[2], row[3], row[4], row[-1]) for row in rows[1:]] == [
        ("IAMUser", "arn:aws:iam::111122223333:user/anaya", "anaya", event_id(1)),
        ("Root", ROOT_ARN, "", event_id(4)),
    ]


def test_run_table_is_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _main(capsys, *ROOT_ACTIVITY)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split(" | ")[:3] == ["eventtime           ", "account     ", "awsregion"]
    assert set(lines[1]) == {"-", "+"}
    assert len(lines) == 2 + 3 + 1
    assert lines[-1] == "(3 rows)"


def test_run_with_a_parameter(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _main(
        capsys,
        "run",
        "ip_activity",
        "--logs",
        str(BUCKET),
        *WEEK_ARGS,
        "--param",
        "source_ip=203.0.113.10",
        "--format",
        "json",
    )
    assert code == 0
    assert [record["eventname"] for record in json.loads(out)] == [
        "RunInstances",
        "CreateRole",
        "StopLogging",
    ]


def test_run_with_a_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _main(capsys, *ROOT_ACTIVITY, "--progress", "--threads", "1")
    assert code == 0
    assert out.endswith("(3 rows)\n")
    assert "root_activity (14 files)" in err


def test_unreadable_files_are_warned_about(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _main(
        capsys,
        "run",
        "root_activity",
        "--logs",
        str(BUCKET),
        "-p",
        "start_day=2024/03/20",
        "-p",
        "end_day=2024/03/20",
        "-f",
        "json",
    )
    assert code == 0
    assert [record["eventid"] for record in json.loads(out)] == [event_id(33)]
    lines = err.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("constructs-obs-audit: warning: skipping unreadable CloudTrail")
    assert NOT_GZIP_FILE in lines[0]
    assert BAD_JSON_FILE in lines[1]
    assert lines[2] == (
        "constructs-obs-audit: warning: 2 unreadable log file(s) skipped, see the warnings above"
    )


BAD_INPUT: Final = [
    (
        ["run", "root_activty", "--logs", str(BUCKET), *WEEK_ARGS],
        "unknown audit query 'root_activty'; known queries: access_denied_by_principal, ",
    ),
    (["show", "nope"], "unknown audit query 'nope'"),
    (
        ["run", "root_activity", "--logs", str(BUCKET), "-p", "start_day=2024/03/01"],
        "query 'root_activity': invalid params: missing end_day",
    ),
    (
        [*ROOT_ACTIVITY, "-p", "bucket_name=x"],
        "query 'root_activity': invalid params: unexpected bucket_name",
    ),
    (
        ["run", "bucket_access", "--logs", str(BUCKET), *WEEK_ARGS],
        "invalid params: missing bucket_name",
    ),
    (
        [
            "run",
            "root_activity",
            "--logs",
            str(BUCKET),
            "-p",
            "start_day=2024-03-01",
            "-p",
            "end_day=2024/03/05",
        ],
        "invalid start_day: '2024-03-01' is not a day in the format yyyy/MM/dd",
    ),
    ([*ROOT_ACTIVITY, "-p", "start_day"], "invalid --param: expected NAME=VALUE, got 'start_day'"),
    ([*ROOT_ACTIVITY, "-p", "end_day=2024/03/06"], "invalid end_day: given twice"),
    (
        ["run", "root_activity", "--logs", "/no/such/folder", *WEEK_ARGS],
        "log folder /no/such/folder: does not exist",
    ),
]


@pytest.mark.parametrize(("argv", "message"), BAD_INPUT)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = _main(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("constructs-obs-audit: error: ")
    assert message in err


@pytest.mark.parametrize(
    "argv",
    [[], ["frobnicate"], ["run", "root_activity"], [*ROOT_ACTIVITY, "--format", "xml"]],
    ids=["no command", "unknown command", "no --logs", "unknown format"],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = _main(capsys, *argv)
    assert code == 2
    assert out == ""
    assert "usage: constructs-obs-audit" in err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _main(capsys, "run", "--help")
    assert code == 0
    assert "--param NAME=VALUE" in out


def test_a_folder_without_logs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _main(capsys, "run", "root_activity", "--logs", str(tmp_path), *WEEK_ARGS)
    assert code == 2
    assert "no AWSLogs folder" in err


# --- ad-hoc SQL and the projection -------------------------------------------------------

SIGN_INS_SQL: Final = (
    "SELECT eventid, upper(json_extract_scalar(additionaleventdata, '$.MFAUsed')) AS mfa "
    "FROM cloudtrail_logs WHERE day BETWEEN ? AND ? AND eventname = 'ConsoleLogin' "
    "ORDER BY eventid"
)
SQL_DAYS: Final = ["--start-day", "2024/03/01", "--end-day", "2024/03/01"]
SQL_VALUES: Final = ["-v", "2024/03/01", "-v", "2024/03/01"]


def test_sql_runs_ad_hoc_athena_sql(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN ad-hoc SQL over the first day, WHEN it runs as CSV
    code, out, err = _main(
        capsys, "sql", SIGN_INS_SQL, "--logs", str(BUCKET), *SQL_DAYS, *SQL_VALUES, "-f", "csv"
    )
    # THEN the sign-ins of that day come out, MFAUsed upper-cased
    assert (code, err) == (0, "")
    assert list(csv.reader(io.StringIO(out))) == [
        ["eventid", "mfa"],
        [event_id(1), "NO"],
        [event_id(2), "YES"],
        [event_id(3), "YES"],
        [event_id(4), "NO"],
    ]


def test_sql_shows_the_same_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _main(
        capsys, "sql", SIGN_INS_SQL, "--logs", str(BUCKET), *SQL_DAYS, *SQL_VALUES, "--progress"
    )
    assert code == 0
    assert out.endswith("(4 rows)\n")
    assert "ad-hoc SQL (" in err
    assert "100%" in err


@pytest.mark.parametrize(
    ("sql", "values", "message"),
    [
        (
            "SELECT approx_distinct(eventname) FROM cloudtrail_logs",
            [],
            "ad-hoc SQL: approx_distinct is not supported by the local engine",
        ),
        ("SELECT ? FROM cloudtrail_logs", [], "has 1 '?' placeholder(s) but 0 value(s)"),
    ],
)
def test_sql_errors_are_one_line_with_exit_2(
    capsys: pytest.CaptureFixture[str], sql: str, values: list[str], message: str
) -> None:
    code, out, err = _main(capsys, "sql", sql, "--logs", str(BUCKET), *values)
    assert (code, out) == (2, "")
    assert err.startswith("constructs-obs-audit: error: ")
    assert message in err
    assert err.count("\n") == 1


def test_run_warns_about_files_outside_the_projection(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _main(capsys, *ROOT_ACTIVITY, "--projection-start", "2024/03/02")
    assert code == 0
    assert out.endswith("(3 rows)\n")  # read, as before
    assert "constructs-obs-audit: warning: root_activity: read " in err
    assert "is before projection_start 2024/03/02" in err
    code, out, err = _main(
        capsys, *ROOT_ACTIVITY, "--projection-start", "2024/03/02", "--only-projected"
    )
    assert (code, err) == (0, "")
    assert out.endswith("(1 row)\n")  # 2024/03/01 left out, as Athena would


def test_a_malformed_projection_start_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _main(capsys, *ROOT_ACTIVITY, "--projection-start", "03/02/2024")
    assert (code, out) == (2, "")
    assert "--projection-start" in err
