"""Shared set-up of the audit tests: the committed fixture log tree and one engine over it, and
the audit app synthesized once for the construct tests."""

from __future__ import annotations

from typing import Final

import pytest

from constructs_obs.audit import LocalAuditEngine
from tests.audit.audit_stacks import build_audit_app
from tests.audit.fixture_logs import BUCKET
from tests.support.harness import Synthesized, synth

#: The range most tests query: every fixture day but 2024/02/29 and the corrupt 2024/03/20.
WEEK: Final = {"start_day": "2024/03/01", "end_day": "2024/03/05"}


@pytest.fixture(scope="module")
def engine() -> LocalAuditEngine:
    return LocalAuditEngine(BUCKET)


@pytest.fixture(scope="session")
def synthesized() -> Synthesized:
    """The app of ``tests.audit.audit_stacks``, synthesized once for the audit construct tests."""
    return synth("audit_trail", build_audit_app)
