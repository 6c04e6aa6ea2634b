"""What the handler decided for one event.

Each outcome is one audit line and one CloudWatch metric (see ``audit``); an action's result is
stored as an idempotency record's response with its outcome, so the values are persisted and
must not change.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """What the handler decided for one event.

    ``refused``: the event is not a state change CloudWatch confirms, or one already handled
    (see ``refusal``); ``rejected``: the configuration does not allow acting on the alarm.
    """

    ACTED = "acted"
    DRY_RUN = "dry_run"
    SKIPPED = "skipped"
    REJECTED = "rejected"
    REFUSED = "refused"
    FAILED = "failed"
