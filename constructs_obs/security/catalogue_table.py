"""The catalogue as a Markdown table, for the README (a test holds the two equal).

Regenerate the README's table with ``python -m constructs_obs.security.catalogue_table``.
"""

from __future__ import annotations

from typing import Any

from constructs_obs.security.detection_spec import (
    DetectionSource,
    SecurityDetectionSpec,
)
from constructs_obs.security.security_detections import SECURITY_DETECTIONS

__all__ = ["catalogue_table", "matched_calls"]

_MAX_CALLS_SHOWN = 4
_HEADER = (
    "| id | runs as | severity | ATT&CK | tactic | detects | keyed on |\n"
    "|---|---|---|---|---|---|---|"
)


def _names(value: Any) -> list[str]:
    names: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and "prefix" in item:
            names.append(f"{item['prefix']}*")
    return names


def _collect(pattern: Any, found: dict[str, list[str]]) -> None:
    if isinstance(pattern, dict):
        for key, value in pattern.items():
            if key == "eventName":
                found.setdefault("calls", []).extend(_names(value))
            elif key == "eventSource":
                found.setdefault("services", []).extend(_names(value))
            elif key == "source":
                found.setdefault("services", []).extend(
                    f"{name.removeprefix('aws.')}.amazonaws.com" for name in _names(value)
                )
            else:
                _collect(value, found)
    elif isinstance(pattern, list):
        for item in pattern:
            _collect(item, found)


def matched_calls(spec: SecurityDetectionSpec) -> str:
    """The services and API calls an EventBridge detection keys on, in short:
    ``iam: AttachUserPolicy, AttachRolePolicy``; the filter pattern's gist for metric
    filters is in the title, so ``—``."""
    if spec.source is not DetectionSource.EVENT_RULE:
        return "—"
    found: dict[str, list[str]] = {}
    _collect(spec.event_pattern, found)
    services = sorted({s.split(".")[0] for s in found.get("services", [])})
    calls = list(dict.fromkeys(found.get("calls", [])))
    if len(calls) > _MAX_CALLS_SHOWN:
        calls = [*calls[:_MAX_CALLS_SHOWN], f"… ({len(calls)} calls)"]
    prefix = "/".join(services) + ": " if services else ""
    return prefix + (", ".join(calls) if calls else "any call")


def _row(spec: SecurityDetectionSpec) -> str:
    needs = f" Needs `settings.{spec.required_setting}`." if spec.required_setting else ""
    volume = f" Threshold {spec.threshold} per period." if spec.threshold is not None else ""
    return (
        f"| `{spec.detection.value}` | {spec.source.value} | {spec.severity.value} | "
        f"{', '.join(spec.attack)} | {spec.tactic.label} | {spec.title}.{needs}{volume} | "
        f"{matched_calls(spec)} |"
    )


def catalogue_table() -> str:
    """The Markdown table of every detection of the catalogue, in table order."""
    return "\n".join([_HEADER, *(_row(spec) for spec in SECURITY_DETECTIONS.values())])


if __name__ == "__main__":
    print(catalogue_table())
