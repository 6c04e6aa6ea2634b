"""Which CloudTrail record fired: its position in the evaluated sequence and its identity.

A report keeps only this much of a record that fired a detection (its ``eventID``,
``eventName`` and ``awsRegion``, when they are strings), so evaluating millions of records never
holds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RecordRef", "record_ref"]


@dataclass(frozen=True)
class RecordRef:
    """Which record fired: its position in the evaluated sequence and its identity."""

    index: int
    event_id: str | None
    event_name: str | None
    region: str | None = field(default=None, compare=False)
    """The record's ``awsRegion`` (not part of equality: the index and eventID identify it)."""

    def __str__(self) -> str:
        where = f" in {self.region}" if self.region else ""
        return f"#{self.index} {self.event_name or '?'}{where} ({self.event_id or 'no eventID'})"


def record_ref(index: int, record: Mapping[str, Any]) -> RecordRef:
    """The reference of the record at ``index``: its eventID, eventName and awsRegion."""
    event_id, event_name = record.get("eventID"), record.get("eventName")
    region = record.get("awsRegion")
    return RecordRef(
        index,
        event_id if isinstance(event_id, str) else None,
        event_name if isinstance(event_name, str) else None,
        region if isinstance(region, str) else None,
    )
