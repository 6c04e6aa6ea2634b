"""Replay the input and IAM findings (FINDINGS.md, "Inputs and templates" and "IAM and
acknowledgements") against a checkout, and say how each ends.

Each case is a small snippet that uses only the public top-level names (``from constructs_obs
import ...``, which exist in every version since 7a18da5) and aws-cdk-lib. A case ends as one of:

- ``refused``: an ``InvalidParameterError`` whose message names the parameter (the fix);
- ``unhelpful``: a Python error that does not name it (AttributeError, AssertionError, ...);
- ``JS error``: a jsii/JavaScript error;
- ``accepted``: built and synthesized (for a case that must be refused: the defect);
- ``ok``/``defect``: for template cases, what the template shows (a condition, a grant, ...).

Usage (from the repository root)::

    # one checkout: prints a table, exit 1 when a case is not fixed
    .venv/bin/python tools/findings_replay.py [--checkout PATH]
    # two checkouts side by side (e.g. a worktree of 7a18da5 and this one)
    git worktree add /tmp/wt-7a18da5 7a18da5
    .venv/bin/python tools/findings_replay.py --compare /tmp/wt-7a18da5 .

Each checkout runs in a child process with ``PYTHONPATH`` pointing at it. ``TESTS`` names the
test of the suite that pins each case.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from findings_cases import CASES, TESTS, outcome_of  # type: ignore[import-not-found]  # noqa: E402


def run_cases(only: str = "") -> dict[str, str]:
    """The cases (whose id contains ``only``) in this process (the checkout on
    ``PYTHONPATH``): case id -> outcome."""
    return {case_id: outcome_of(case) for case_id, case in CASES.items() if only in case_id}


def _outcomes(checkout: Path, only: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(checkout.resolve()),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    result = subprocess.run(
        [sys.executable, __file__, "--run", "--only", only],
        env=env,
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{checkout}: replay failed\n{result.stderr[-3000:]}")
    outcomes: dict[str, str] = json.loads(result.stdout.splitlines()[-1])
    return outcomes


def _fixed(outcome: str) -> bool:
    return outcome.startswith(("refused", "ok"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkout", type=Path, default=ROOT)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    parser.add_argument("--only", default="", help="only the cases whose id contains this")
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.run:
        print(json.dumps(run_cases(arguments.only)))
        return 0
    checkouts = arguments.compare or [arguments.checkout]
    results = [_outcomes(checkout, arguments.only) for checkout in checkouts]
    chosen = [case_id for case_id in CASES if arguments.only in case_id]
    header = ["case", *(str(c) for c in checkouts), "test"]
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for case_id in chosen:
        print(" | ".join([case_id, *(r[case_id] for r in results), TESTS.get(case_id, "?")]))
    open_cases = [case_id for case_id in chosen if not _fixed(results[-1][case_id])]
    print(f"\n{len(chosen) - len(open_cases)}/{len(chosen)} fixed in {checkouts[-1]}")
    for case_id in open_cases:
        print(f"  not fixed: {case_id}: {results[-1][case_id]}")
    return 1 if open_cases else 0


if __name__ == "__main__":
    raise SystemExit(main())
