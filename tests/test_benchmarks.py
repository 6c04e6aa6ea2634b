"""The benchmark scripts run and check their own answers on a small corpus.

Their speed is what `make bench` prints; here only that they work (a benchmark that broke would
otherwise go unnoticed until someone ran it). Exit code 1 means a speed floor was missed, which
a small corpus on a busy machine may do; 2 means wrong answers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import audit, detections


def test_the_detection_benchmark_evaluates_every_detection(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = detections.main(["--records", "3000", "--repeats", "1"])
    out = capsys.readouterr()
    assert code in (0, 1), out.err
    assert "32 detections" in out.out
    assert "3,000 records" in out.out
    assert "never fired" not in out.err


def test_the_audit_benchmark_agrees_with_the_plain_loop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = audit.main(["--records", "20000", "--repeat", "1", "--corpus", str(tmp_path)])
    out = capsys.readouterr().out
    assert code in (0, 1), out
    assert "answers agree: True" in out
    assert "one-day query" in out
