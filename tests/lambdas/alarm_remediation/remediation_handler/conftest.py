"""Fixtures for the alarm remediation handler's tests: a cold start per test, and its output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping

import pytest

from lambdas.alarm_remediation.remediation_handler import telemetry
from tests.lambdas.alarm_remediation.remediation_handler.harness import (
    NAMESPACE,
    SERVICE,
    Loader,
    Output,
    cold_start,
    point_service_logger_at,
)
from tests.lambdas.conftest import IDEMPOTENCY_TABLE


@pytest.fixture
def load_handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[Loader]:
    """Set the handler's environment and load it afresh, as a cold start would."""

    def load(
        actions: Mapping[str, object] | str | None,
        *,
        dry_run: str | None = "false",
        table: str | None = IDEMPOTENCY_TABLE,
        topic: str | None = None,
        namespace: str | None = NAMESPACE,
    ) -> None:
        variables: dict[str, str | None] = {
            "POWERTOOLS_SERVICE_NAME": SERVICE,
            "POWERTOOLS_METRICS_NAMESPACE": namespace,
            "REMEDIATION_ACTIONS": actions
            if isinstance(actions, str | None)
            else json.dumps(actions),
            "DRY_RUN": dry_run,
            "IDEMPOTENCY_TABLE": table,
            "NOTIFY_TOPIC_ARN": topic,
        }
        for name, value in variables.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        # Powertools configures one stdlib logger per service, once: point its handler at this
        # test's stdout (captured by capsys) before the handler logs anything.
        point_service_logger_at(sys.stdout)
        cold_start()

    stdout = sys.stdout
    yield load
    telemetry.metrics.clear_metrics()
    point_service_logger_at(stdout)  # not at this test's capture, which closes now


@pytest.fixture
def output(capsys: pytest.CaptureFixture[str]) -> Callable[[], Output]:
    """Everything written to stdout so far (and not read before)."""
    return lambda: Output.parse(capsys.readouterr().out)
