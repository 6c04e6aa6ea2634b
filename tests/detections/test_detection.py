"""Detection: identity, hashing with intrinsics inside, and matching one record."""

from __future__ import annotations

import json

from constructs_obs.detections import Detection, DetectionKind, DetectionSet
from constructs_obs.detections.detection import unique_ids
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


def _detection(logical_id: str, template: str = "t", detection_id: str | None = None) -> Detection:
    return Detection(
        kind=DetectionKind.RULE,
        logical_id=logical_id,
        name=None,
        pattern="{}",
        template=template,
        detection_id=detection_id,
    )


def test_ids_are_catalogue_ids_qualified_only_when_shared() -> None:
    # GIVEN detections with and without catalogue ids, some sharing them
    found = unique_ids(
        [
            _detection("A1", detection_id="CloudWatch.1"),
            _detection("A2", detection_id="CloudWatch.1"),
            _detection("B", detection_id="iam.user-created"),
            _detection("C"),
            _detection("D", "east", detection_id="x"),
            _detection("D", "west", detection_id="x"),
            _detection("E", "east"),
            _detection("E", "west"),
        ]
    )
    # THEN the ids reports use are unique and as short as they can be
    assert [detection.id for detection in found] == [
        "CloudWatch.1/A1",
        "CloudWatch.1/A2",
        "iam.user-created",
        "C",
        "x/east/D",
        "x/west/D",
        "east/E",
        "west/E",
    ]
