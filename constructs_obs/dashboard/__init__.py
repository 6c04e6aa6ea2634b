"""One dashboard over what the library's constructs created."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from constructs_obs.private.exports import face

if TYPE_CHECKING:
    from constructs_obs.dashboard.observability_dashboard import (
        ObservabilityDashboard as ObservabilityDashboard,
    )

_EXPORTS: Final = {
    "constructs_obs.dashboard.observability_dashboard": ("ObservabilityDashboard",),
}

__all__, __getattr__, __dir__ = face(__name__, _EXPORTS, globals())
