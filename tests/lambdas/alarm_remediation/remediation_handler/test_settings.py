"""Tests for reading the handler's environment (remediation_handler/settings.py)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambdas.alarm_remediation.remediation_handler import settings
from lambdas.alarm_remediation.remediation_handler.actions import Notify
from tests.lambdas.alarm_remediation.remediation_handler.sample_events import json_values


def test_parse_remediation_actions_keeps_valid_entries_beside_invalid_ones() -> None:
    parsed = settings.parse_remediation_actions(
        json.dumps(
            {"a": {"action": "notify"}, "b": {"action": "notify", "x": 1}, "": {"action": "notify"}}
        )
    )
    assert parsed.actions == {"a": Notify()}
    assert set(parsed.invalid) == {"b", ""}
    assert parsed.error is None


@given(st.text(max_size=200) | json_values.map(json.dumps))
def test_parse_remediation_actions_never_raises(raw: str) -> None:
    parsed = settings.parse_remediation_actions(raw)

    assert parsed.error is not None or set(parsed.actions).isdisjoint(parsed.invalid)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, (True, None)),
        ("  ", (True, None)),
        ("true", (True, None)),
        (" FALSE ", (False, None)),
        ("no", (True, "DRY_RUN='no' is not 'true' or 'false'; running in dry-run mode")),
    ],
)
def test_dry_run_is_the_default_and_only_false_turns_it_off(
    raw: str | None, expected: tuple[bool, str | None]
) -> None:
    assert settings.parse_dry_run(raw) == expected


def test_load_settings_reads_the_mapping_it_is_given() -> None:
    # GIVEN an environment mapping (the handler passes os.environ at its cold start)
    environ = {
        "REMEDIATION_ACTIONS": json.dumps({"queue-depth": {"action": "notify"}}),
        "DRY_RUN": "false",
        "IDEMPOTENCY_TABLE": " remediation-idempotency ",
        "NOTIFY_TOPIC_ARN": "",
    }

    # WHEN it is loaded
    loaded = settings.load_settings(environ)

    # THEN every value is parsed and trimmed, and an empty one counts as unset
    assert loaded == settings.Settings(
        remediation=settings.RemediationActions(actions={"queue-depth": Notify()}, invalid={}),
        dry_run=False,
        dry_run_warning=None,
        idempotency_table="remediation-idempotency",
        notify_topic_arn=None,
    )
