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
    assert str(report.record(3)) == "#3 ConsoleLogin (deb1e1f9-c99b-4612-8e9f-21f93b5d79c0)"
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


def test_summary_is_a_readable_table(report: EvaluationReport) -> None:
    summary = report.summary()
    lines = summary.splitlines()
    assert lines[0] == (
        "Evaluated 10 CloudTrail records against 11 detections (5 metric filters, 6 rules): "
        "9 fired."
    )
    root = next(line for line in lines if "RootUsageFilter" in line).split()
    assert root[:4] == ["2", "metric_filter", "RootUsageFilter", "RootAccountUsage"]
    assert root[4:] == ["#3", "ConsoleLogin", "(deb1e1f9-c99b-4612-8e9f-21f93b5d79c0)"]
    disabled = next(line for line in lines if "DisabledRule" in line).split()
    assert disabled == ["0", "rule", "DisabledRule", "DisabledRule", "-"]
    assert "Notes:" in lines
    assert repr(report) == "<EvaluationReport: 10 records, 12 firings>"


def test_unknown_detection_ids_suggest_close_ones(report: EvaluationReport) -> None:
    with pytest.raises(
        KeyError, match="no detection 'RootUsageFiltr'; did you mean 'RootUsageFilter'"
    ):
        report.fired("RootUsageFiltr")
