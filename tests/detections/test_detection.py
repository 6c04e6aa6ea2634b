"""Detection: identity, hashing with intrinsics inside, and matching one record."""

from __future__ import annotations

import json

from constructs_obs.detections import DetectionSet
from tests.detections.helpers import sample
from tests.detections.sample_template import TEMPLATE


def test_detections_can_be_set_members(detections: DetectionSet) -> None:
    root = detections["RootUsageFilter"]  # its log group is {"Ref": ...}
    assert {root, root, detections["NoMfaFilter"]} == {root, detections["NoMfaFilter"]}
    assert DetectionSet.from_template(TEMPLATE)["RootUsageFilter"] == root


def test_single_detection_and_single_record_helpers(detections: DetectionSet) -> None:
    assert detections["RootActivityRule"].matches(sample("04"))
    assert not detections["RootActivityRule"].matches(sample("01"))
    assert [d.id for d in detections.matching(sample("01"))] == [
        "NoMfaFilter",
        "SignInWithoutMfaRule",
    ]
    assert [d.id for d in detections.matching(json.dumps(sample("07")))] == ["TrailChangesFilter"]
