"""The local engine's worker processes: answers in order and never crossed between threads,
failures as Failed (the worker replaced when it ended), no module of the current folder run."""

from __future__ import annotations

import importlib.util
import operator
import os
import threading
from pathlib import Path

import pytest

from constructs_obs.audit.local import worker_pool
from constructs_obs.audit.local.worker_pool import Failed, run_calls


def test_each_call_gets_its_own_answer() -> None:
    calls = [(operator.add, (number, 1000)) for number in range(20)]
    done: list[int] = []
    assert run_calls(calls, 2, done.append) == [number + 1000 for number in range(20)]
    assert sorted(done) == list(range(20))


def test_two_workers_are_two_processes_other_than_this_one() -> None:
    workers = worker_pool._check_out(2)
    try:
        pids = {worker.call((os.getpid, ())) for worker in workers}
    finally:
        worker_pool._check_in(workers)
    assert len(pids) == 2
    assert os.getpid() not in pids


def test_a_call_that_raises_fails_alone_and_its_worker_goes_on() -> None:
    # GIVEN one worker, and a call that raises between two that do not
    [first, failed, last] = run_calls(
        [(os.getpid, ()), (int, ("not a number",)), (os.getpid, ())], 1
    )
    # THEN that call fails, naming the error, and the same worker answers the next one
    assert isinstance(failed, Failed)
    assert failed.reason.startswith("ValueError: invalid literal for int()")
    assert first == last


def test_a_worker_that_ends_fails_its_call_and_is_replaced() -> None:
    # GIVEN one worker
    worker_pool._stop_all()
    [pid] = run_calls([(os.getpid, ())], 1)
    # WHEN the worker's process ends in a call
    [ended] = run_calls([(os._exit, (3,))], 1)
    # THEN that call fails, and the next call gets a new worker
    assert isinstance(ended, Failed)
    assert "EOFError" in ended.reason or "UnpicklingError" in ended.reason
    [new_pid] = run_calls([(os.getpid, ())], 1)
    assert isinstance(new_pid, int)
    assert new_pid != pid


def test_what_a_call_prints_does_not_reach_the_answers(
    capfd: pytest.CaptureFixture[str],
) -> None:
    worker_pool._stop_all()  # a worker started now writes to this test's stderr
    assert run_calls([(print, ("printed by a worker",)), (operator.neg, (5,))], 1) == [None, -5]
    assert "printed by a worker" in capfd.readouterr().err


def test_concurrent_callers_never_read_each_others_answers() -> None:
    # GIVEN four threads running calls on the workers at once, each with its own numbers
    results: dict[int, list[int]] = {}

    def caller(thread: int) -> None:
        calls = [(operator.add, (thread * 1000, number)) for number in range(40)]
        results[thread] = run_calls(calls, 2)

    threads = [threading.Thread(target=caller, args=(thread,)) for thread in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN each gets exactly its own answers, in order
    assert results == {thread: [thread * 1000 + n for n in range(40)] for thread in range(4)}


def test_workers_do_not_import_modules_of_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a module in the current folder, and no worker started yet from here
    (tmp_path / "constructs_obs_cwd_probe.py").write_text("raise SystemExit('imported')\n")
    monkeypatch.chdir(tmp_path)
    worker_pool._stop_all()
    # WHEN a worker looks for it, THEN it is not on the worker's path (python -P)
    [spec] = run_calls([(importlib.util.find_spec, ("constructs_obs_cwd_probe",))], 1)
    assert spec is None


def test_no_worker_in_a_frozen_application(monkeypatch: pytest.MonkeyPatch) -> None:
    # A frozen application's interpreter would run the application again.
    monkeypatch.setattr("sys.frozen", True, raising=False)
    [answer] = run_calls([(os.getpid, ())], 2)
    assert isinstance(answer, Failed)
    assert answer.reason == "no worker process could start"


def test_a_worker_that_ends_leaves_the_other_calls_to_the_others() -> None:
    # GIVEN two workers and a call that ends its worker, among calls that do not
    results = run_calls([(os._exit, (3,)), *[(operator.neg, (n,)) for n in range(12)]], 2)
    # THEN only that call fails: the calls left go to the worker still running
    assert isinstance(results[0], Failed)
    assert results[1:] == [-n for n in range(12)]


def test_an_error_of_the_callers_callback_is_raised_in_its_thread() -> None:
    def interrupted(_index: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_calls([(operator.neg, (n,)) for n in range(4)], 2, interrupted)
    # AND the workers are in step for the next caller
    assert run_calls([(operator.neg, (n,)) for n in range(4)], 2) == [0, -1, -2, -3]


@pytest.mark.skipif(os.name != "posix", reason="process groups are POSIX")
def test_workers_are_not_in_the_terminals_process_group() -> None:
    # Ctrl-C at a terminal signals its foreground process group: the caller, not the workers.
    pids = run_calls([(os.getpid, ())] * 2, 2)
    assert all(os.getpgid(pid) != os.getpgid(0) for pid in pids)


def test_workers_keep_memory_at_the_top_of_their_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    names = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
    probe = [(os.getenv, (name,)) for name in names]
    # GIVEN no setting of glibc's malloc in the caller's environment
    for name in names:
        monkeypatch.delenv(name, raising=False)
    worker_pool._stop_all()
    try:
        # WHEN a worker starts, THEN its malloc takes blocks up to 32 MiB from its heap and
        # trims the heap only past 64 MiB free (else a decoding worker faults the same pages
        # in again for every file)
        assert run_calls(probe, 1) == [str(32 << 20), str(64 << 20)]
        # GIVEN the caller's own value of one, WHEN a worker starts, THEN the worker has it
        worker_pool._stop_all()
        monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "131072")
        assert run_calls(probe, 1) == [str(32 << 20), "131072"]
    finally:
        worker_pool._stop_all()
