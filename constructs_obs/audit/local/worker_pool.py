"""Worker processes for the local engine's CPU-bound work (decoding log files): each call runs
in a process of its own, so that decoding uses every core.

A worker is this interpreter started with ``python -P -c``: it never runs the caller's main
script (``multiprocessing``'s spawn would, and a script without an ``if __name__ ==
"__main__"`` guard would query again in every worker), and never imports modules of the
current folder (``-P``). The package's folder is appended to its ``sys.path``, after the
standard library and site-packages. Workers start on first use and serve until the process
exits. In a frozen application (``sys.frozen``) there are none, and every call fails (its
caller then reads another way).

A call is a function and its arguments, pickled: the function by reference (module and name),
so only this package's functions are meant to be sent. Calls go in on the worker's stdin and
answers come out on its stdout, each tagged with a number the worker echoes; anything else the
worker prints goes to its stderr. A worker is used by one thread at a time (checked out of an
idle list), so concurrent queries never read each other's answers. A call that raises in the
worker, a worker that ends, and an answer out of step all give :class:`Failed` for that call;
the worker is stopped in the last two cases.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import pickle
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

__all__ = ["Failed", "run_calls"]

Call = tuple[Callable[..., Any], tuple[Any, ...]]

_PACKAGE_PARENT: Final = str(Path(__file__).resolve().parents[3])
_STOP_TIMEOUT: Final = 5.0
# glibc's malloc gives the top of its heap back to the system as soon as a little is free there
# (twice its last large block), and a decoding worker frees a file's text (hundreds of KiB)
# after each file: the next file faulted the same pages in again, about 45 minor faults a file
# of 300 records, 13 % of a worker's CPU time. Blocks up to 32 MiB come from the heap (the most
# glibc's own adaptive threshold reaches, which setting either variable turns off), and the heap
# is trimmed only past 64 MiB free. Other C libraries ignore the variables; a value already in
# the environment is kept.
_WORKER_ENVIRONMENT: Final = {
    "MALLOC_MMAP_THRESHOLD_": str(32 << 20),
    "MALLOC_TRIM_THRESHOLD_": str(64 << 20),
}


@dataclass(frozen=True)
class Failed:
    """A call that gave no answer, and why."""

    reason: str


def run_calls(
    calls: Sequence[Call],
    workers: int,
    done: Callable[[int], object] | None = None,
) -> list[Any]:
    """Run ``calls`` on up to ``workers`` worker processes, each worker taking the next call
    when it is done; ``done`` is called with the index of each call answered. Returns each
    call's value, or :class:`Failed`."""
    results: list[Any] = [Failed("not run")] * len(calls)
    pending = deque(range(len(calls)))
    lock = threading.Lock()
    stop = threading.Event()
    raised: list[BaseException] = []

    def serve(worker: _Worker) -> None:
        while not stop.is_set():
            with lock:
                if not pending:
                    return
                index = pending.popleft()
            results[index] = worker.call(calls[index])
            try:
                if done is not None:
                    with lock:
                        done(index)
            except BaseException as error:  # the caller's: raised in its thread
                raised.append(error)
                stop.set()
            if not worker.alive:
                return  # the other workers take the calls left

    checked_out: list[_Worker] = []
    threads: list[threading.Thread] = []
    try:
        checked_out.extend(_check_out(min(workers, len(calls))))
        if not checked_out:
            return [Failed("no worker process could start")] * len(calls)
        threads.extend(
            threading.Thread(target=serve, args=(w,), name="constructs-obs-worker", daemon=True)
            for w in checked_out
        )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        # Interrupted (Ctrl-C): no new call; the calls under way end, so that each worker's
        # pipes are in step again before another thread uses it.
        stop.set()
        for thread in threads:
            if thread.ident is not None:
                thread.join()
        _check_in(checked_out)
    if raised:
        raise raised[0]
    return results


class _Worker:
    """One worker process and the number of its next call."""

    def __init__(self) -> None:
        code = (
            f"import sys; sys.path.append({_PACKAGE_PARENT!r}); "
            f"from {__name__} import _serve; _serve()"
        )
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter, this package's code
            [sys.executable, "-P", "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**_WORKER_ENVIRONMENT, **os.environ},
            # Its own process group: Ctrl-C at the terminal interrupts the caller, which
            # stops the workers' calls itself, not the workers.
            process_group=0 if os.name == "posix" else None,
        )
        self.numbers = itertools.count()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def call(self, call: Call) -> Any:
        """The value of ``call``, or :class:`Failed`; the worker is stopped if it failed
        other than by the call raising."""
        number = next(self.numbers)
        stdin, stdout = self.process.stdin, self.process.stdout
        try:
            if stdin is None or stdout is None or not self.alive:
                raise EOFError("the worker process has ended")
            pickle.dump((number, *call), stdin, protocol=pickle.HIGHEST_PROTOCOL)
            stdin.flush()
            answer_number, ok, value = pickle.load(stdout)  # noqa: S301 - our own child
            if answer_number != number:
                raise RuntimeError(f"answer {answer_number} to call {number}")
        except BaseException as error:  # anything, even an interrupt: the worker is out of step
            self.stop()
            if not isinstance(error, Exception):
                raise
            return Failed(f"worker process: {type(error).__name__}: {error}")
        return value if ok else Failed(str(value))

    def stop(self) -> None:
        """Close its stdin (it ends), and kill it if it does not end in a few seconds."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


_LOCK = threading.Lock()
_IDLE: list[_Worker] = []
_STARTED: list[_Worker] = []


def _check_out(count: int) -> list[_Worker]:
    """Up to ``count`` workers no other thread is using (started when needed)."""
    if getattr(sys, "frozen", False):
        return []
    with _LOCK:
        _STARTED[:] = [worker for worker in _STARTED if worker.alive]
        _IDLE[:] = [worker for worker in _IDLE if worker.alive]
        taken = _IDLE[:count]
        del _IDLE[:count]
        while len(taken) < count:
            try:
                worker = _Worker()
            except OSError:
                break
            _STARTED.append(worker)
            taken.append(worker)
        return taken


def _check_in(workers: list[_Worker]) -> None:
    with _LOCK:
        _IDLE.extend(worker for worker in workers if worker.alive)


def _stop_all() -> None:
    with _LOCK:
        started = list(_STARTED)
        _STARTED.clear()
        _IDLE.clear()
    for worker in started:
        worker.stop()


def _forget_after_fork() -> None:
    """In a forked child: the parent's workers are not this process's to use or stop."""
    global _LOCK  # noqa: PLW0603 - a lock another thread held at the fork stays held
    _LOCK = threading.Lock()
    _STARTED.clear()
    _IDLE.clear()


atexit.register(_stop_all)
if hasattr(os, "register_at_fork"):  # not on Windows, which does not fork
    os.register_at_fork(after_in_child=_forget_after_fork)


def _serve() -> None:
    """A worker's loop: run each call read from stdin, answer on stdout, until stdin ends."""
    answers = os.fdopen(os.dup(1), "wb")
    # Whatever the calls print goes to stderr, never into the answers.
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    calls = sys.stdin.buffer
    while True:
        try:
            number, function, arguments = pickle.load(calls)  # noqa: S301 - from our parent
        except EOFError:
            return
        try:
            answer = (number, True, function(*arguments))
        except Exception as error:  # answered: the caller decides
            answer = (number, False, f"{type(error).__name__}: {error}")
        pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()
