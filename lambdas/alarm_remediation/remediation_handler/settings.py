"""The handler's settings, parsed from its environment by ``load_settings``.

Lambda passes configuration only through environment variables (4 KB in all), so the whole
remediation map travels as one JSON variable. Nothing here reads ``os.environ`` by itself:
the handler calls ``load_settings`` once per cold start (see ``handler``), and parsing never
raises, so a bad value is reported and rejects events instead of failing every invocation.

Environment variables
---------------------
REMEDIATION_ACTIONS : str
    JSON object mapping an alarm name to an action config (see ``actions.parse_action``). An
    invalid config is reported at cold start and makes events for that alarm be rejected.
DRY_RUN : str
    ``"true"`` (default when unset or unrecognised) or ``"false"``. In dry-run the handler
    verifies the alarm as always (its only AWS call, ``DescribeAlarms``), then logs and counts
    what it would do.
IDEMPOTENCY_TABLE : str
    DynamoDB table for Powertools idempotency (partition key ``id``, TTL attribute
    ``expiration``). Required to act; dry-run works without it.
NOTIFY_TOPIC_ARN : str, optional
    SNS topic the ``notify`` action publishes to.
POWERTOOLS_SERVICE_NAME : str, optional
    Default: ``alarm-remediation`` (read by ``telemetry``).
POWERTOOLS_METRICS_NAMESPACE : str, optional
    Default: ``ConstructsObs/Remediation`` (read by ``telemetry``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from ._json import json_type
from .actions import RemediationAction, parse_action
from .exceptions import InvalidActionConfigError


@dataclass(frozen=True)
class RemediationActions:
    """The parsed ``REMEDIATION_ACTIONS``: valid actions, and errors per alarm or overall."""

    actions: Mapping[str, RemediationAction]
    invalid: Mapping[str, str]
    error: str | None = None


def parse_remediation_actions(raw: str | None) -> RemediationActions:
    """Parse ``REMEDIATION_ACTIONS``; never raises.

    An entry that is not a valid action lands in ``invalid`` (alarm name to message); a value
    that is not a JSON object sets ``error``, which rejects every alarm.
    """
    if raw is None or not raw.strip():
        return RemediationActions(actions={}, invalid={})
    try:
        decoded: object = json.loads(raw)
    except ValueError as exc:
        return RemediationActions(actions={}, invalid={}, error=f"not valid JSON: {exc}")
    if not isinstance(decoded, dict):
        return RemediationActions(
            actions={}, invalid={}, error=f"must be a JSON object, got {json_type(decoded)}"
        )
    actions: dict[str, RemediationAction] = {}
    invalid: dict[str, str] = {}
    for alarm_name, action_config in decoded.items():
        if not alarm_name.strip():
            invalid[alarm_name] = "the alarm name must not be empty"
            continue
        try:
            actions[alarm_name] = parse_action(action_config)
        except InvalidActionConfigError as exc:
            invalid[alarm_name] = str(exc)
    return RemediationActions(actions=actions, invalid=invalid)


def parse_dry_run(raw: str | None) -> tuple[bool, str | None]:
    """Parse ``DRY_RUN``: ``(dry_run, warning)``. Anything but ``false`` means dry-run."""
    if raw is None or not raw.strip():
        return True, None
    value = raw.strip().lower()
    if value in {"true", "false"}:
        return value == "true", None
    return True, f"DRY_RUN={raw!r} is not 'true' or 'false'; running in dry-run mode"


@dataclass(frozen=True)
class Settings:
    """Everything the handler reads from its environment."""

    remediation: RemediationActions
    dry_run: bool
    dry_run_warning: str | None
    idempotency_table: str | None
    notify_topic_arn: str | None


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Read the handler's settings from an environment mapping; never raises."""
    dry_run, dry_run_warning = parse_dry_run(environ.get("DRY_RUN"))
    return Settings(
        remediation=parse_remediation_actions(environ.get("REMEDIATION_ACTIONS")),
        dry_run=dry_run,
        dry_run_warning=dry_run_warning,
        idempotency_table=environ.get("IDEMPOTENCY_TABLE", "").strip() or None,
        notify_topic_arn=environ.get("NOTIFY_TOPIC_ARN", "").strip() or None,
    )
