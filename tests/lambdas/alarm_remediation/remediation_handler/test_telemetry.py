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
    load_handler({"anything": {"action": "notify"}}, namespace=None)
    output()

    invoke(native_event("anything", state="OK", previous="ALARM"))  # skipped
    invoke(native_event("anything-else"))  # refused: no action configured

    namespaces = [
        directive["Namespace"]
        for blob in output().metric_blobs
        for directive in blob["_aws"]["CloudWatchMetrics"]
    ]
    # The outcome metrics and the Refused metric share the namespace
    assert namespaces == ["ConstructsObs/Remediation"] * 2
