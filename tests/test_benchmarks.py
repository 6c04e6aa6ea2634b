"""The benchmark scripts run and check their own answers on a small corpus.

Their speed is what `make bench` prints; here only that they work (a benchmark that broke would
otherwise go unnoticed until someone ran it). Exit code 1 means a speed floor was missed, which
a small corpus on a busy machine may do; 2 means wrong answers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks import audit, detections, synth


def test_the_detection_benchmark_evaluates_every_detection(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = detections.main(["--records", "3000", "--repeats", "1"])
    out = capsys.readouterr()
    assert code in (0, 1), out.err
    assert re.search(r"^\d+ detections \(<DetectionSet of \d+ detections", out.out, re.MULTILINE)
    assert "3,000 records" in out.out
    assert "never fired" not in out.err


def test_the_detection_false_positive_budget_counts_every_detection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN the demo app's detections run over a small audit corpus (5 days, 6,000 records)
    code = detections.main(
        ["--false-positives", "--records", "6000", "--days", "5", "--corpus", str(tmp_path)]
    )
    out = capsys.readouterr().out
    # THEN no high-severity detection fires on an everyday record
    assert code == 0, out
    assert "high-severity detections firing on benign records: 0: PASS" in out
    table = [line.split() for line in out.splitlines() if line.startswith("  ")]
    assert table[0][:2] == ["benign", "planted"]
    assert len(table) > 1
    assert all(row[0].replace(",", "").isdigit() for row in table[1:])
    # AND the root rules of the two regions together catch every planted root record, each once
    planted_root = re.search(r"root use: ([\d,]+)", out)
    assert planted_root, out
    root_rows = [row for row in table[1:] if row[3].startswith("root-account-usage")]
    assert len(root_rows) == 2  # eu-west-1 (the audit stack) and us-east-1
    caught = sum(int(row[1].replace(",", "")) for row in root_rows)
    assert caught == int(planted_root.group(1).replace(",", "")) > 0


def test_the_audit_benchmark_agrees_with_the_plain_loop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Four days (4,800 records): every measurement runs, in a fifth of the 30 days' time.
    code = audit.main(
        ["--records", "4800", "--days", "4", "--repeat", "1", "--corpus", str(tmp_path)]
    )
    out = capsys.readouterr().out
    assert code in (0, 1), out
    assert "corpus: 4,800 records, 16 files, 4 days" in out
    assert "answers agree: True" in out
    assert "one-day query (4 files)" in out
    assert "every query over the 4 days" in out
    assert "answers agree with the JSON scan: True" in out


def test_the_audit_benchmark_times_the_one_day_query_between_full_scans() -> None:
    # GIVEN a long and a short measurement that note when they run
    order: list[str] = []

    def long() -> str:
        order.append("long")
        return "long"

    def short() -> str:
        order.append("short")
        return "short"

    # WHEN they are timed together, 3 times
    (long_time, long_value), (short_time, short_value) = audit._alternated(long, short, 3)
    # THEN each full scan is followed by two one-day queries, in the same moments
    assert order == ["long", "short", "short"] * 3
    assert (long_value, short_value) == ("long", "short")
    assert 0 < long_time.best <= long_time.median
    assert 0 < short_time.best <= short_time.median


def test_the_synth_benchmark_builds_the_same_resources_both_ways() -> None:
    # GIVEN the library's log groups and their hand-written equivalent, one and three of each
    with synth.JsiiCalls() as counter:
        runs = {
            (variant, count): synth.measure(build(count), counter)
            for variant, build in (
                ("library", synth.library_log_groups),
                ("hand", synth.hand_written_log_groups),
            )
            for count in (1, 3)
        }
    # THEN both build the same resources (the ratio compares like with like)
    for count in (1, 3):
        assert runs["library", count].resources == runs["hand", count].resources == 3 + 4 * count
    # AND each further log group costs the library at most 1.5x the hand-written jsii calls
    # (129 against 13 before issue 17: a regression shows here, not only in `make bench`)
    library = (runs["library", 3].calls - runs["library", 1].calls) / 2
    hand = (runs["hand", 3].calls - runs["hand", 1].calls) / 2
    assert 0 < hand <= library <= 1.5 * hand
    assert all(run.cpu > 0 for run in runs.values())


def test_the_synth_benchmark_counts_only_inside_its_block() -> None:
    with synth.JsiiCalls() as counter:
        synth.measure(synth.presets("RdsInstanceAlarms", 1, dashboard=True), counter)
    seen = counter.count
    synth.measure(synth.presets("FargateServiceAlarms", 1), synth.JsiiCalls())
    assert seen > 0
    assert counter.count == seen


def test_the_synth_benchmark_compares_the_alarms_cdk_monitoring_constructs_offers() -> None:
    # GIVEN the RDS preset as the goal compares it with cdk-monitoring-constructs
    with synth.JsiiCalls() as counter:
        one, two = (synth.measure(synth.presets(synth.SAME_ALARMS, n), counter) for n in (1, 2))
        whole = synth.measure(synth.presets("RdsInstanceAlarms", 1), counter)
    # THEN each instance has the three alarms cdk-monitoring-constructs offers (CPU, free
    # storage, connections), where the whole preset has six
    assert two.alarms - one.alarms == 3
    assert whole.alarms - one.alarms == 3


def test_the_synth_benchmark_measures_a_fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    # aws-cdk-lib's own CloudFormation validation off in the child (CDK_VALIDATION, read by
    # its Node.js process): its engine takes seconds to start, and what is tested here is the
    # measurement of a fresh process, not what it synthesizes (the harness checks that).
    monkeypatch.setenv("CDK_VALIDATION", "false")
    run = synth.run_process(["hand-written", "1"])
    assert run.measure.resources == 3 + 4
    assert run.measure.calls > 0
    # The whole process (interpreter, imports, Node.js) costs more than building in it.
    assert run.process_cpu > run.measure.cpu > 0
