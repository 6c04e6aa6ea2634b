"""Fixtures for the detection evaluator tests: the real samples, loaded once."""

from __future__ import annotations

from typing import Any

import pytest

from constructs_obs.detections import load_records
from tests.detections.helpers import FIXTURES


@pytest.fixture(scope="session")
def samples() -> list[dict[str, Any]]:
    """The ten sample records, in file-name order (index 0 is 01_..., index 9 is 10_...)."""
    return load_records(FIXTURES)
