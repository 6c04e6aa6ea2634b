"""Security detections from CloudTrail: CIS metric filters and EventBridge rules (names
imported on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs_obs.private.lazy import lazy_exports

if TYPE_CHECKING:
    from constructs_obs.security.cis_benchmark_alarms import (
        CisBenchmarkAlarms,
    )
    from constructs_obs.security.cis_controls import (
        ALL_CIS_CONTROLS,
        CIS_CONTROLS,
        CisControl,
    )
    from constructs_obs.security.security_detections import (
        ALL_SECURITY_DETECTIONS,
        GLOBAL_SERVICE_DETECTIONS,
        SECURITY_DETECTIONS,
        SecurityDetection,
    )
    from constructs_obs.security.security_event_rules import (
        SecurityEventRules,
    )

_EXPORTS: dict[str, str] = {
    "GLOBAL_SERVICE_DETECTIONS": "constructs_obs.security.security_detections",
    "ALL_CIS_CONTROLS": "constructs_obs.security.cis_controls",
    "ALL_SECURITY_DETECTIONS": "constructs_obs.security.security_detections",
    "CIS_CONTROLS": "constructs_obs.security.cis_controls",
    "CisBenchmarkAlarms": "constructs_obs.security.cis_benchmark_alarms",
    "CisControl": "constructs_obs.security.cis_controls",
    "SECURITY_DETECTIONS": "constructs_obs.security.security_detections",
    "SecurityDetection": "constructs_obs.security.security_detections",
    "SecurityEventRules": "constructs_obs.security.security_event_rules",
}

__all__ = [
    "ALL_CIS_CONTROLS",
    "ALL_SECURITY_DETECTIONS",
    "CIS_CONTROLS",
    "GLOBAL_SERVICE_DETECTIONS",
    "SECURITY_DETECTIONS",
    "CisBenchmarkAlarms",
    "CisControl",
    "SecurityDetection",
    "SecurityEventRules",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
