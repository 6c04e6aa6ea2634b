"""RecordRef: which record fired, named by its position, eventName and eventID."""

from __future__ import annotations

from constructs_obs.detections import RecordRef
from constructs_obs.detections.record_ref import record_ref


def test_a_record_ref_keeps_only_string_identities() -> None:
    # GIVEN a record whose eventID is not a string and that has no eventName
    record = {"eventID": 42, "eventSource": "iam.amazonaws.com"}
    # WHEN it is referenced
    ref = record_ref(7, record)
    # THEN only the position is kept, and the text says what is missing
    assert ref == RecordRef(7, None, None)
    assert str(ref) == "#7 ? (no eventID)"
