"""Shared set-up of the audit tests: the committed fixture log tree and one engine over it."""

from __future__ import annotations

from typing import Final

import pytest

from constructs_obs.audit import LocalAuditEngine
from tests.audit.fixture_logs import BUCKET

#: The range most tests query: every fixture day but 2024/02/29 and the corrupt 2024/03/20.
WEEK: Final = {"start_day": "2024/03/01", "end_day": "2024/03/05"}


@pytest.fixture(scope="module")
def engine() -> LocalAuditEngine:
    return LocalAuditEngine(BUCKET)
