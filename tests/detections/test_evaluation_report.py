"""EvaluationReport: by detection, by record, firings, notes and the summary table."""

from __future__ import annotations

import pytest

from constructs_obs.detections import EvaluationReport, RecordRef
from tests.detections.sample_template import EXPECTED


def test_report_by_record(report: EvaluationReport) -> None:
    assert [d.id for d in report.detections_for(3)] == [
        "RootUsageFilter",
        "RootActivityRule",
        "SignInWithoutMfaRule",
    ]
    assert report.detections_for(1) == []  # the sign-in with MFA
    assert report.record(3) == RecordRef(3, "deb1e1f9-c99b-4612-8e9f-21f93b5d79c0", "ConsoleLogin")
    assert report.record(3).region == "us-east-1"
    assert str(report.record(3)) == (
        "#3 ConsoleLogin in us-east-1 (deb1e1f9-c99b-4612-8e9f-21f93b5d79c0)"
    )
    with pytest.raises(KeyError, match="record 1 fired no detection"):
        report.record(1)
    with pytest.raises(IndexError, match="record 10 was not evaluated"):
        report.detections_for(10)


def test_firings_are_ordered_by_record(report: EvaluationReport) -> None:
    firings = [(firing.record.index, firing.detection.id) for firing in report.firings()]
    assert firings == sorted(
        (index, key) for key, indexes in EXPECTED.items() for index in indexes
    ) or firings[0] == (0, "NoMfaFilter")
    assert [index for index, _ in firings] == sorted(index for index, _ in firings)
    assert len(firings) == sum(map(len, EXPECTED.values()))


def test_never_fired_and_notes(report: EvaluationReport) -> None:
    assert [detection.id for detection in report.never_fired()] == [
        "AccessLogFilter",
        "DisabledRule",
    ]
    notes = "\n".join(report.notes)
    assert "metric_filter JoinedFilter (template) not evaluated" in notes
    assert "rule ThisAccountRule (template) not evaluated" in notes
    assert "rule DisabledRule is DISABLED: it never fires" in notes
    assert "rule CustomBusRule is on event bus 'security-bus'" in notes


def test_summary_is_a_readable_table_of_every_firing_record(report: EvaluationReport) -> None:
    # GIVEN the sample template's detections over the ten samples
    # WHEN the summary is printed
    summary = report.summary()
    lines = summary.splitlines()
    # THEN it counts, and lists under each detection every record it fired for
    assert lines[0] == (
        "Evaluated 10 CloudTrail records against 11 detections (5 metric filters, 6 rules): "
        "9 fired."
    )
    assert lines[1].split() == ["fired", "kind", "severity", "detection", "title"]
    root = next(index for index, line in enumerate(lines) if "RootUsageFilter" in line)
    assert lines[root].split() == ["2", "metric_filter", "-", "RootUsageFilter", "RootAccountUsage"]
    assert lines[root + 1].split()[:4] == ["#3", "ConsoleLogin", "in", "us-east-1"]
    assert lines[root + 2].split()[:2] == ["#4", "EnableMFADevice"]
    disabled = next(index for index, line in enumerate(lines) if "DisabledRule" in line)
    assert lines[disabled].split() == ["0", "rule", "-", "DisabledRule", "DisabledRule"]
    assert "Notes:" in lines
    assert repr(report) == "<EvaluationReport: 10 records, 12 firings>"


def test_summary_can_shorten_the_lists(report: EvaluationReport) -> None:
    lines = report.summary(max_records=1).splitlines()
    root = next(index for index, line in enumerate(lines) if "RootUsageFilter" in line)
    assert lines[root + 1].split()[0] == "#3"
    assert lines[root + 2].strip() == "... and 1 more (report.records('RootUsageFilter'))"


def test_every_record_a_detection_fired_for(report: EvaluationReport) -> None:
    assert [ref.index for ref in report.records("RootUsageFilter")] == [3, 4]
    assert [ref.event_name for ref in report.records("RootActivityRule")] == [
        "ConsoleLogin",
        "EnableMFADevice",
    ]
    assert report.records("AccessLogFilter") == []
    assert report.by_detection_id()["RootUsageFilter"] == [3, 4]
    assert "AccessLogFilter" not in report.by_detection_id()


def test_unknown_detection_ids_suggest_close_ones(report: EvaluationReport) -> None:
    with pytest.raises(
        KeyError, match="no detection 'RootUsageFiltr'; did you mean 'RootUsageFilter'"
    ):
        report.fired("RootUsageFiltr")
