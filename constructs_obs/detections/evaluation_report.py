"""The result of one evaluation: which detection fired for which CloudTrail record.

An :class:`EvaluationReport` answers by detection (:meth:`~EvaluationReport.fired`,
:meth:`~EvaluationReport.counts`, :meth:`~EvaluationReport.never_fired`), by record
(:meth:`~EvaluationReport.detections_for`) or as a readable table
(:meth:`~EvaluationReport.summary`). Detections are named by id: the logical id, or
``"<template>/<logical id>"`` when several templates of one set share a logical id; an
unambiguous logical id is accepted too.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs_obs.detections.detection import Detection, describe_kinds, detection_position
from constructs_obs.detections.record_ref import RecordRef

__all__ = ["EvaluationReport", "Firing"]


@dataclass(frozen=True)
class Firing:
    """One detection firing for one record."""

    detection: Detection
    record: RecordRef


class EvaluationReport:
    """Which detection fired for which record in one evaluation.

    Attributes
    ----------
    detections:
        Every detection of the set, in template order.
    record_count:
        How many records were evaluated.
    notes:
        Detections that were not evaluated (intrinsics, disabled rules) and other caveats.
    """

    def __init__(
        self,
        detections: tuple[Detection, ...],
        fired: list[list[int]],
        records: dict[int, RecordRef],
        record_count: int,
        notes: tuple[str, ...],
    ) -> None:
        self.detections = detections
        self.record_count = record_count
        self.notes = notes
        self._fired = fired
        self._records = records
        self._by_id = {detection.id: detection for detection in detections}
        self._by_record: dict[int, list[int]] | None = None

    def fired(self, detection_id: str) -> list[int]:
        """The indexes of the records a detection fired for, in order.

        Parameters
        ----------
        detection_id:
            The detection's id (its logical id, unless that is ambiguous).

        Raises
        ------
        KeyError
            No detection has this id.
        """
        return list(self._fired[detection_position(self.detections, self._by_id, detection_id)])

    def detections_for(self, record_index: int) -> list[Detection]:
        """The detections that fired for one record (by its index), in template order."""
        if not 0 <= record_index < self.record_count:
            raise IndexError(
                f"record {record_index} was not evaluated ({self.record_count} records)"
            )
        if self._by_record is None:
            by_record: dict[int, list[int]] = {}
            for position, indexes in enumerate(self._fired):
                for index in indexes:
                    by_record.setdefault(index, []).append(position)
            self._by_record = by_record
        return [self.detections[position] for position in self._by_record.get(record_index, [])]

    def record(self, record_index: int) -> RecordRef:
        """The eventID and eventName of a record that fired a detection."""
        try:
            return self._records[record_index]
        except KeyError:
            raise KeyError(f"record {record_index} fired no detection") from None

    def counts(self) -> dict[str, int]:
        """How many records each detection fired for, by detection id (zeros included)."""
        return {
            detection.id: len(indexes)
            for detection, indexes in zip(self.detections, self._fired, strict=True)
        }

    def firings(self) -> list[Firing]:
        """Every (detection, record) firing, by record then by detection."""
        found = [
            (index, position) for position, indexes in enumerate(self._fired) for index in indexes
        ]
        return [
            Firing(self.detections[position], self._records[index])
            for index, position in sorted(found)
        ]

    def never_fired(self) -> list[Detection]:
        """The detections that fired for no record."""
        return [
            detection
            for detection, indexes in zip(self.detections, self._fired, strict=True)
            if not indexes
        ]

    def summary(self) -> str:
        """A readable table: every detection, how often it fired, its first record."""
        fired_count = sum(1 for indexes in self._fired if indexes)
        lines = [
            f"Evaluated {self.record_count} CloudTrail record"
            f"{'s' * (self.record_count != 1)} against {len(self.detections)} detections "
            f"({describe_kinds(self.detections)}): {fired_count} fired.",
        ]
        if self.detections:
            id_width = max(len("detection"), *(len(detection.id) for detection in self.detections))
            name_width = max(len("name"), *(len(detection.label) for detection in self.detections))
            lines.append(
                f"  {'fired':>7}  {'kind':<13}  {'detection':<{id_width}}  "
                f"{'name':<{name_width}}  first record"
            )
            for detection, indexes in zip(self.detections, self._fired, strict=True):
                first = str(self._records[indexes[0]]) if indexes else "-"
                lines.append(
                    f"  {len(indexes):>7}  {detection.kind.value:<13}  "
                    f"{detection.id:<{id_width}}  {detection.label:<{name_width}}  {first}"
                )
        if self.notes:
            lines.append("Notes:")
            lines.extend(f"  - {note}" for note in self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<EvaluationReport: {self.record_count} records, {sum(map(len, self._fired))} firings>"
        )
