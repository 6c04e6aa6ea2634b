"""Tests for the Powertools objects the handler shares (remediation_handler/telemetry.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.lambdas.alarm_remediation.remediation_handler.harness import (
    Loader,
    Output,
    invoke,
)
from tests.lambdas.alarm_remediation.remediation_handler.sample_events import native_event


@pytest.mark.usefixtures("idempotency_table")
def test_metrics_namespace_defaults_to_constructs_obs_remediation(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    load_handler({}, namespace=None)
    output()

    invoke(native_event("anything"))

    [blob] = output().metric_blobs
    assert blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "ConstructsObs/Remediation"
