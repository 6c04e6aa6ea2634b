"""Security detections from CloudTrail: the detection catalogue (EventBridge rules and volume
metric filters by MITRE ATT&CK tactic), and the CIS metric filters with alarms."""

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
    from constructs_obs.security.detection_settings import (
        DEFAULT_UNUSUAL_INSTANCE_TYPES as DEFAULT_UNUSUAL_INSTANCE_TYPES,
    )
    from constructs_obs.security.detection_settings import (
        DetectionSettings as DetectionSettings,
    )
    from constructs_obs.security.detection_spec import (
        DETECTION_METADATA_KEY as DETECTION_METADATA_KEY,
    )
    from constructs_obs.security.detection_spec import (
        AttackTactic as AttackTactic,
    )
    from constructs_obs.security.detection_spec import (
        DetectionSource as DetectionSource,
    )
    from constructs_obs.security.detection_spec import (
        SecurityDetection as SecurityDetection,
    )
    from constructs_obs.security.detection_spec import (
        SecurityDetectionSpec as SecurityDetectionSpec,
    )
    from constructs_obs.security.security_detections import (
        ALL_SECURITY_DETECTIONS as ALL_SECURITY_DETECTIONS,
    )
    from constructs_obs.security.security_detections import (
        EVERY_REGION_DETECTIONS as EVERY_REGION_DETECTIONS,
    )
    from constructs_obs.security.security_detections import (
        GLOBAL_SERVICE_DETECTIONS as GLOBAL_SERVICE_DETECTIONS,
    )
    from constructs_obs.security.security_detections import (
        SECURITY_DETECTIONS as SECURITY_DETECTIONS,
    )
    from constructs_obs.security.security_detections import (
        VOLUME_DETECTIONS as VOLUME_DETECTIONS,
    )
    from constructs_obs.security.security_detections import (
        select_detections as select_detections,
    )
    from constructs_obs.security.security_event_rules import (
        SecurityEventRules as SecurityEventRules,
    )
    from constructs_obs.security.security_volume_alarms import (
        SecurityVolumeAlarms as SecurityVolumeAlarms,
    )

_EXPORTS: Final = {
    "constructs_obs.security.cis_benchmark_alarms": ("CisBenchmarkAlarms",),
    "constructs_obs.security.cis_controls": (
        "ALL_CIS_CONTROLS",
        "CIS_CONTROLS",
        "CisControl",
    ),
    "constructs_obs.security.detection_settings": (
        "DEFAULT_UNUSUAL_INSTANCE_TYPES",
        "DetectionSettings",
    ),
    "constructs_obs.security.detection_spec": (
        "DETECTION_METADATA_KEY",
        "AttackTactic",
        "DetectionSource",
        "SecurityDetection",
        "SecurityDetectionSpec",
    ),
    "constructs_obs.security.security_detections": (
        "ALL_SECURITY_DETECTIONS",
        "EVERY_REGION_DETECTIONS",
        "GLOBAL_SERVICE_DETECTIONS",
        "SECURITY_DETECTIONS",
        "VOLUME_DETECTIONS",
        "select_detections",
    ),
    "constructs_obs.security.security_event_rules": ("SecurityEventRules",),
    "constructs_obs.security.security_volume_alarms": ("SecurityVolumeAlarms",),
}

__all__, __getattr__, __dir__ = face(__name__, _EXPORTS, globals())
