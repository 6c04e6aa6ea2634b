"""Fixtures for the detection evaluator tests: the real samples, loaded once, and one set."""

from __future__ import annotations

from typing import Any

import pytest

from constructs_obs.detections import DetectionSet, EvaluationReport, load_records
from tests.detections.helpers import FIXTURES
from tests.detections.sample_template import TEMPLATE


@pytest.fixture(scope="session")
def samples() -> list[dict[str, Any]]:
    """The ten sample records, in file-name order (index 0 is 01_..., index 9 is 10_...)."""
    return load_records(FIXTURES)


@pytest.fixture(scope="module")
def detections() -> DetectionSet:
    """The detections of the sample template."""
    return DetectionSet.from_template(TEMPLATE)


@pytest.fixture(scope="module")
def report(detections: DetectionSet, samples: list[dict[str, Any]]) -> EvaluationReport:
    """The sample template's detections run over the ten samples."""
    return detections.evaluate(samples)
