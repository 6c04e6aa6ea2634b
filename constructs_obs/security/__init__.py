"""Security detections from CloudTrail: CIS metric filters and EventBridge rules."""

from __future__ import annotations

from constructs_obs.security.cis_benchmark_alarms import CisBenchmarkAlarms
from constructs_obs.security.cis_controls import ALL_CIS_CONTROLS, CIS_CONTROLS, CisControl
from constructs_obs.security.detections import ALL_DETECTIONS, DETECTIONS, Detection
from constructs_obs.security.security_event_rules import SecurityEventRules

__all__ = [
    "ALL_CIS_CONTROLS",
    "ALL_DETECTIONS",
    "CIS_CONTROLS",
    "DETECTIONS",
    "CisBenchmarkAlarms",
    "CisControl",
    "Detection",
    "SecurityEventRules",
]
