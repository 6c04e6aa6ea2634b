"""The result of one evaluation: which detection fired for which CloudTrail record.

An :class:`EvaluationReport` answers by detection (:meth:`~EvaluationReport.fired`,
:meth:`~EvaluationReport.counts`, :meth:`~EvaluationReport.never_fired`), by record
(:meth:`~EvaluationReport.detections_for`), as every record each detection fired for
(:meth:`~EvaluationReport.records`, :meth:`~EvaluationReport.by_detection_id`) or as a readable
table listing them (:meth:`~EvaluationReport.summary`). Detections are named by id: the
catalogue id their metadata gives (``CloudWatch.1``), else the logical id (see
:func:`~constructs_obs.detections.detection.unique_ids` for shared ids); an unambiguous logical
id or catalogue id is accepted too.
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

    def records(self, detection_id: str) -> list[RecordRef]:
        """Every record a detection fired for (eventID, eventName, region), in order.

        Raises
        ------
        KeyError
            No detection has this id.
        """
        return [self._records[index] for index in self.fired(detection_id)]

    def by_detection_id(self) -> dict[str, list[int]]:
        """The records that fired each catalogue id, its metric filter and rule together.

        Keyed by the catalogue id (``CloudWatch.1``), or the report id of a detection without
        one; only detections that fired.
        """
        found: dict[str, set[int]] = {}
        for detection, indexes in zip(self.detections, self._fired, strict=True):
            if indexes:
                found.setdefault(detection.detection_id or detection.id, set()).update(indexes)
        return {key: sorted(indexes) for key, indexes in found.items()}

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

    def summary(self, max_records: int | None = None) -> str:
        """A readable table: every detection, how often it fired, and the records it fired for.

        Parameters
        ----------
        max_records:
            How many records to list under each detection. Default: every one.
        """
        fired_count = sum(1 for indexes in self._fired if indexes)
        lines = [
            f"Evaluated {self.record_count} CloudTrail record"
            f"{'s' * (self.record_count != 1)} against {len(self.detections)} detections "
            f"({describe_kinds(self.detections)}): {fired_count} fired.",
        ]
        if self.detections:
            lines += self._table(max_records)
        if self.notes:
            lines.append("Notes:")
            lines.extend(f"  - {note}" for note in self.notes)
        return "\n".join(lines)

    def _table(self, max_records: int | None) -> list[str]:
        id_width = max(len("detection"), *(len(detection.id) for detection in self.detections))
        lines = [f"  {'fired':>7}  {'kind':<13}  {'severity':<8}  {'detection':<{id_width}}  title"]
        for detection, indexes in zip(self.detections, self._fired, strict=True):
            lines.append(
                f"  {len(indexes):>7}  {detection.kind.value:<13}  "
                f"{detection.severity or '-':<8}  {detection.id:<{id_width}}  {detection.label}"
            )
            shown = indexes if max_records is None else indexes[:max_records]
            lines.extend(f"{'':>13}{self._records[index]}" for index in shown)
            if len(shown) < len(indexes):
                lines.append(
                    f"{'':>13}... and {len(indexes) - len(shown)} more "
                    f"(report.records({detection.id!r}))"
                )
        return lines

    def __repr__(self) -> str:
        return (
            f"<EvaluationReport: {self.record_count} records, {sum(map(len, self._fired))} firings>"
        )
