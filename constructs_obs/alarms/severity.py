"""How urgent an alarm is."""

from __future__ import annotations

from enum import Enum

__all__ = ["Severity"]


class Severity(Enum):
    """How urgent an alarm is; routing sends each severity to its own targets."""

    CRITICAL = "critical"
    WARNING = "warning"
