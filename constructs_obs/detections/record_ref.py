"""Which CloudTrail record fired: its position in the evaluated sequence and its identity.

A report keeps only this much of a record that fired a detection (its ``eventID`` and
``eventName``, when they are strings), so evaluating millions of records never holds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["RecordRef", "record_ref"]


@dataclass(frozen=True)
class RecordRef:
    """Which record fired: its position in the evaluated sequence and its identity."""

    index: int
    event_id: str | None
    event_name: str | None

    def __str__(self) -> str:
        return f"#{self.index} {self.event_name or '?'} ({self.event_id or 'no eventID'})"


def record_ref(index: int, record: Mapping[str, Any]) -> RecordRef:
    """The reference of the record at ``index``: its eventID and eventName, when strings."""
    event_id, event_name = record.get("eventID"), record.get("eventName")
    return RecordRef(
        index,
        event_id if isinstance(event_id, str) else None,
        event_name if isinstance(event_name, str) else None,
    )
