"""What the handler decided for one alarm state change.

Each outcome is one audit line and one CloudWatch metric (see ``audit``); an action's result is
stored as an idempotency record's response with its outcome, so the values are persisted and
must not change.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """What the handler decided for one alarm state change (or one malformed event)."""

    ACTED = "acted"
    DRY_RUN = "dry_run"
    SKIPPED = "skipped"
    REJECTED = "rejected"
    FAILED = "failed"
