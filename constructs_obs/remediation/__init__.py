"""Remediation: a Lambda function that acts when an alarm fires, on what it was configured for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from constructs_obs.private.exports import face

if TYPE_CHECKING:
    from constructs_obs.remediation.alarm_remediation import (
        POWERTOOLS_VERSION as POWERTOOLS_VERSION,
    )
    from constructs_obs.remediation.alarm_remediation import (
        AlarmRemediation as AlarmRemediation,
    )
    from constructs_obs.remediation.remediation_action import (
        RemediationAction as RemediationAction,
    )

_EXPORTS: Final = {
    "constructs_obs.remediation.alarm_remediation": (
        "POWERTOOLS_VERSION",
        "AlarmRemediation",
    ),
    "constructs_obs.remediation.remediation_action": ("RemediationAction",),
}

__all__, __getattr__, __dir__ = face(__name__, _EXPORTS, globals())
