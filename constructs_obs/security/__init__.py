"""Security detections from CloudTrail: CIS metric filters with alarms, and EventBridge rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from constructs_obs.private.exports import face

if TYPE_CHECKING:
    from constructs_obs.security.cis_benchmark_alarms import (
        CisBenchmarkAlarms as CisBenchmarkAlarms,
    )
    from constructs_obs.security.cis_controls import (
        ALL_CIS_CONTROLS as ALL_CIS_CONTROLS,
    )
    from constructs_obs.security.cis_controls import (
        CIS_CONTROLS as CIS_CONTROLS,
    )
    from constructs_obs.security.cis_controls import (
        CisControl as CisControl,
    )
    from constructs_obs.security.security_detections import (
        ALL_SECURITY_DETECTIONS as ALL_SECURITY_DETECTIONS,
    )
    from constructs_obs.security.security_detections import (
        GLOBAL_SERVICE_DETECTIONS as GLOBAL_SERVICE_DETECTIONS,
    )
    from constructs_obs.security.security_detections import (
        SECURITY_DETECTIONS as SECURITY_DETECTIONS,
    )
    from constructs_obs.security.security_detections import (
        SecurityDetection as SecurityDetection,
    )
    from constructs_obs.security.security_event_rules import (
        SecurityEventRules as SecurityEventRules,
    )

_EXPORTS: Final = {
    "constructs_obs.security.cis_benchmark_alarms": ("CisBenchmarkAlarms",),
    "constructs_obs.security.cis_controls": (
        "ALL_CIS_CONTROLS",
        "CIS_CONTROLS",
        "CisControl",
    ),
    "constructs_obs.security.security_detections": (
        "ALL_SECURITY_DETECTIONS",
        "GLOBAL_SERVICE_DETECTIONS",
        "SECURITY_DETECTIONS",
        "SecurityDetection",
    ),
    "constructs_obs.security.security_event_rules": ("SecurityEventRules",),
}

__all__, __getattr__, __dir__ = face(__name__, _EXPORTS, globals())
