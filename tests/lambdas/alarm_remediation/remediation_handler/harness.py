"""Invoking the handler as Lambda does, and reading what it wrote (logs and EMF metrics).

Every test loads the handler afresh with its own environment (the ``load_handler`` fixture of
``conftest.py``): the modules that hold the Powertools objects and the per-environment caches
are re-imported, as at a cold start. The pure modules (actions, settings, events, refusal,
verification) are not, so their classes stay the same objects across tests.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO, cast

from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.alarm_remediation.remediation_handler import (
    audit,
    clients,
    decision,
    execution,
    handler,
    idempotency,
    telemetry,
)
from tests.lambdas.conftest import ACCOUNT_ID, IDEMPOTENCY_TABLE, REGION, aws_client

SERVICE = "alarm-remediation-test"
NAMESPACE = "Test/Remediation"


@dataclass
class FakeLambdaContext:
    function_name: str = "alarm-remediation"
    function_version: str = "$LATEST"
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:alarm-remediation"
    memory_limit_in_mb: int = 256
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"
    log_group_name: str = "/aws/lambda/alarm-remediation"
    log_stream_name: str = "2024/05/01/[$LATEST]abc"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def invoke(
    event: object, context: FakeLambdaContext | None = None
) -> dict[str, list[dict[str, str | None]]]:
    summary: dict[str, list[dict[str, str | None]]] = handler.lambda_handler(
        event, cast("LambdaContext", context or FakeLambdaContext())
    )
    return summary


def acting_clients() -> set[str]:
    """The services the handler created a client for, but CloudWatch (read to verify)."""
    return set(clients._CLIENTS) - {"cloudwatch"}


@dataclass
class Output:
    """What the handler wrote to stdout: JSON log lines and EMF metric blobs."""

    logs: list[dict[str, Any]] = field(default_factory=list)
    metric_blobs: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> Output:
        output = cls()
        for line in text.splitlines():
            if not line.strip():
                continue
            record = json.loads(line)  # every line the handler writes is JSON
            (output.metric_blobs if "_aws" in record else output.logs).append(record)
        return output

    @property
    def decisions(self) -> list[dict[str, Any]]:
        return [log for log in self.logs if log.get("message") == audit.AUDIT_MESSAGE]

    @property
    def refusals(self) -> list[dict[str, Any]]:
        return [decision for decision in self.decisions if decision["decision"] == "refused"]

    def metric_dimensions(self, name: str) -> list[dict[str, Any]]:
        """Each data point of metric ``name``: its namespace and dimension names and values."""
        found = []
        for blob in self.metric_blobs:
            for directive in blob["_aws"]["CloudWatchMetrics"]:
                if any(metric["Name"] == name for metric in directive["Metrics"]):
                    [dimension_names] = directive["Dimensions"]
                    found.append(
                        {
                            "namespace": directive["Namespace"],
                            "dimensions": {key: blob[key] for key in dimension_names},
                        }
                    )
        return found

    def metric_totals(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for blob in self.metric_blobs:
            for directive in blob["_aws"]["CloudWatchMetrics"]:
                for metric in directive["Metrics"]:
                    value = blob[metric["Name"]]
                    values = value if isinstance(value, list) else [value]
                    totals[metric["Name"]] = totals.get(metric["Name"], 0) + sum(values)
        return totals


class Loader(Protocol):
    def __call__(
        self,
        actions: Mapping[str, object] | str | None,
        *,
        dry_run: str | None = "false",
        table: str | None = IDEMPOTENCY_TABLE,
        topic: str | None = None,
        namespace: str | None = NAMESPACE,
    ) -> None: ...


# The modules with state of their own (Powertools objects, cached clients, settings), in
# import order: each is reloaded after the modules whose objects it binds at import.
_STATEFUL_MODULES = (telemetry, clients, execution, idempotency, decision, audit, handler)


def cold_start() -> None:
    """Re-import the handler's stateful modules, as Lambda does in a new execution environment."""
    for module in _STATEFUL_MODULES:
        importlib.reload(module)


def point_service_logger_at(stream: TextIO) -> None:
    # Not setStream(): it flushes the previous stream, which may be an earlier, closed capture.
    for log_handler in logging.getLogger(SERVICE).handlers:
        if isinstance(log_handler, logging.StreamHandler):
            log_handler.stream = stream


class CallRecorder:
    """Records the responses of one AWS operation on the handler's own client."""

    def __init__(self, client: Any, service: str, operation: str) -> None:
        self.calls: list[tuple[int, dict[str, Any]]] = []
        client.meta.events.register(f"after-call.{service}.{operation}", self._record)

    def _record(self, http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
        self.calls.append((http_response.status_code, parsed))


def idempotency_items() -> list[dict[str, Any]]:
    items = aws_client("dynamodb").scan(TableName=IDEMPOTENCY_TABLE)
    return cast("list[dict[str, Any]]", items["Items"])
