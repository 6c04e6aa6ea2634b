"""Finding log files: account and organization trails, folders that are not dates, pruning by
day, and the day range a listing takes."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from constructs_obs.audit import QueryParameterError
from constructs_obs.audit.local.log_files import check_days, find_log_roots, list_log_files
from tests.audit.fixture_logs import ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, BUCKET, LOG_ROOT, ORG_ID
from tests.audit.local.local_logs import ALL_LOG_FILES, files_of, good_file


def test_list_files_reads_account_and_organization_trails() -> None:
    # GIVEN the fixture bucket, with account and organization trails under one AWSLogs
    # WHEN every log file is listed
    files = list_log_files(find_log_roots(BUCKET))
    # THEN each file of the CloudTrail folders is found, with its partition values
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


def test_folders_that_are_not_dates_and_files_that_are_not_logs_are_ignored(
    tmp_path: Path,
) -> None:
    log_file = good_file(tmp_path / "AWSLogs", 1)
    region = log_file.parents[3]
    (region / "2024" / "05" / "notes").mkdir()
    (region / "latest").mkdir()
    (log_file.parent / "README.txt").write_text("not a log")
    (log_file.parent / "partial.json.gz.tmp").write_bytes(b"")
    assert [found.path for found in list_log_files(find_log_roots(tmp_path))] == [log_file]


def test_pruning_opens_only_the_folders_in_range(monkeypatch: pytest.MonkeyPatch) -> None:
    log_roots = find_log_roots(BUCKET)
    opened: list[str] = []
    real_scandir = os.scandir

    def spy(path: str | os.PathLike[str]) -> object:
        opened.append(str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", spy)
    list_log_files(log_roots, "2024/03/02", "2024/03/02")
    day_folders = {path for path in opened if re.search(r"/[0-9]{4}/[0-9]{2}/[0-9]{2}$", path)}
    assert day_folders == {str(path.parent) for path in files_of("2024/03/02")}
    assert len(day_folders) == 2
    assert not any(path.endswith("/2024/02") for path in opened)  # a month out of range


def test_check_days_needs_both_days_or_none() -> None:
    with pytest.raises(QueryParameterError, match="end_day: give both days or none"):
        check_days("2024/03/01", None)
    with pytest.raises(QueryParameterError, match="start_day: give both days or none"):
        check_days(None, "2024/03/01")
    check_days(None, None)
    check_days("2024/03/01", "2024/03/01")


def test_hidden_folders_are_not_searched_for_aws_logs(tmp_path: Path) -> None:
    # GIVEN a bucket copy whose AWSLogs sits below a hidden folder and a visible one
    good_file(tmp_path / ".cache" / "AWSLogs", 1)
    good_file(tmp_path / "trail" / "AWSLogs", 2)
    # THEN only the visible one is a log root; AWSLogs itself is taken as it is
    assert find_log_roots(tmp_path) == (tmp_path / "trail" / "AWSLogs",)
    assert find_log_roots(LOG_ROOT) == (LOG_ROOT,)
