"""The whole catalogue, synthesized once for the security tests that run records through it.

One stack holds every EventBridge rule of the catalogue (the settings that some need given)
and every volume metric filter; the detection ids come from each resource's
``ConstructsObs::Detection`` metadata, so the tests also hold the metadata contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import pytest

from constructs_obs import (
    AlarmRouting,
    AlarmTopic,
    DetectionSettings,
    EncryptedLogGroup,
    SecurityEventRules,
    SecurityVolumeAlarms,
)
from constructs_obs.detections import DetectionSet
from constructs_obs.security.detection_spec import DETECTION_METADATA_KEY
from tests.support.harness import Synthesized, new_stack, synth

#: The settings of the catalogue stack (documentation addresses and account ids).
SETTINGS = DetectionSettings(
    instance_egress_addresses=["203.0.113.0/24", "198.51.100.7"],
    bedrock_principals=["arn:aws:sts::123456789012:assumed-role/ChatApp/*"],
)


def _build(app: cdk.App) -> None:
    stack = new_stack(app, "Catalogue")
    topic = AlarmTopic(stack, "Security", email_addresses=["security@example.com"])
    routing = AlarmRouting(
        stack, "Routing", name_prefix="catalogue", critical=[topic], warning=[topic]
    )
    SecurityEventRules(stack, "Rules", targets=[topic], settings=SETTINGS)
    trail_logs = EncryptedLogGroup(stack, "TrailLogs")
    SecurityVolumeAlarms(stack, "Volume", trail_log_group=trail_logs, routing=routing)


@dataclass(frozen=True)
class Catalogue:
    """The synthesized catalogue: its detections, and their logical ids by detection id."""

    template: Mapping[str, Any]
    detections: DetectionSet
    ids: dict[str, str]

    def fires(self, detection_id: str, record: Mapping[str, Any]) -> bool:
        return 0 in self.detections.evaluate([record]).fired(self.ids[detection_id])


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    synthesized: Synthesized = synth("security_catalogue", _build)
    template = synthesized.raw()
    ids = {
        resource["Metadata"][DETECTION_METADATA_KEY]["id"]: logical_id
        for logical_id, resource in template["Resources"].items()
        if DETECTION_METADATA_KEY in resource.get("Metadata", {})
    }
    return Catalogue(template, DetectionSet.from_template(template), ids)
