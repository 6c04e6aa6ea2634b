"""Evaluate a template's detections against CloudTrail records, offline.

A :class:`DetectionSet` collects the detections of synthesized CloudFormation templates:
every ``AWS::Logs::MetricFilter`` (its ``FilterPattern``) and every ``AWS::Events::Rule`` with
an ``EventPattern``. :meth:`DetectionSet.evaluate` then runs them over CloudTrail records the
way AWS would:

* a metric filter sees a record as CloudTrail delivers it to the trail's log group: one log
  event holding the record's compact JSON text;
* a rule sees the event EventBridge builds from the record (``detail`` is the record, see
  :func:`to_eventbridge_event`); a ``DISABLED`` rule sees nothing, and read-only management
  events only reach rules whose state is ``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS``.

The :class:`EvaluationReport` says which detection fired for which record.

Detections are named by their catalogue id (``CloudWatch.1``) when their resource carries
``ConstructsObs::Detection`` metadata, else by logical id. Evaluation is region-aware: a rule
only sees the records EventBridge delivers in the region its stack is deployed in (global
services such as IAM: us-east-1 only, see :func:`delivery_region`); the region comes from the
Stack or the cloud assembly's manifest, or is given. A metric filter sees every record (a
multi-region trail delivers every region's records to its one log group).

Example
-------
In a test of your own stack::

    from constructs_obs.detections import DetectionSet, load_records

    def test_root_console_sign_in_is_detected(stack):
        detections = DetectionSet.from_template(stack)  # or a template dict, or a path
        report = detections.evaluate(load_records("tests/fixtures/cloudtrail"))
        print(report.summary())
        assert report.fired("RootUsageMetricFilter1A2B3C4D") == [3]
        assert report.counts()["ConsoleLoginWithoutMfaRule5E6F7A8B"] == 1

Patterns whose text or JSON uses CloudFormation intrinsics (``{"Ref": ...}``,
``{"Fn::...": ...}``) cannot be evaluated offline: they are listed in
:attr:`DetectionSet.skipped` and in the report's notes instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from constructs_obs.detections._evaluator import Evaluator, normalized_records
from constructs_obs.detections.detection import (
    Detection,
    SkippedDetection,
    describe_kinds,
    detection_position,
    unique_ids,
)
from constructs_obs.detections.errors import DetectionTemplateError
from constructs_obs.detections.evaluation_report import EvaluationReport
from constructs_obs.detections.records import RecordSource
from constructs_obs.detections.template_source import (
    TemplateSource,
    collect_detections,
    read_template,
    template_region,
)

__all__ = ["DetectionSet"]


class DetectionSet:
    """The detections (metric filters and rules) of one or more synthesized templates.

    Parameters
    ----------
    detections:
        The detections; ids must be unique.
    skipped:
        Detections found but not evaluable offline (reported in every evaluation's notes).
    """

    def __init__(
        self, detections: Iterable[Detection], skipped: Iterable[SkippedDetection] = ()
    ) -> None:
        self.detections: tuple[Detection, ...] = tuple(detections)
        self.skipped: tuple[SkippedDetection, ...] = tuple(skipped)
        self._by_id: dict[str, Detection] = {}
        for detection in self.detections:
            if detection.id in self._by_id:
                raise DetectionTemplateError(
                    detection.template, f"two detections have the id {detection.id!r}"
                )
            self._by_id[detection.id] = detection
        self._evaluators: dict[str | None, Evaluator] = {None: Evaluator(self.detections)}

    @classmethod
    def from_template(
        cls, template: TemplateSource, *, label: str | None = None, region: str | None = None
    ) -> DetectionSet:
        """The detections of one template.

        Parameters
        ----------
        template:
            A synthesized template as a dict, the path of a ``.template.json``, or an
            ``aws_cdk.Stack`` (synthesized here).
        label:
            How reports name the template. Default: the stack name, the file name, or
            ``"template"``.
        region:
            The region the template is deployed in. Default: the Stack's region, or the one
            ``manifest.json`` next to the template file gives; unknown otherwise (its rules then
            see every region's records, unless :meth:`evaluate` is given a region).

        Raises
        ------
        DetectionTemplateError
            The template cannot be read, or a pattern in it is not valid (the message names
            the logical id).
        """
        document, name = read_template(template, label)
        where = region or template_region(template)
        detections, skipped = collect_detections(document, name, where)
        return cls(unique_ids(detections), skipped)

    @classmethod
    def from_templates(cls, *templates: TemplateSource, region: str | None = None) -> DetectionSet:
        """The detections of several templates (e.g. every stack of an app).

        Each template's region is found as :meth:`from_template` finds it (``region``, when
        given, is every template's). A logical id found in more than one template is reported
        as ``"<template>/<logical id>"``.
        """
        detections: list[Detection] = []
        skipped: list[SkippedDetection] = []
        labels: set[str] = set()
        for position, template in enumerate(templates):
            document, label = read_template(template, None)
            if label in labels:
                label = f"{label}#{position + 1}"
            labels.add(label)
            where = region or template_region(template)
            found, not_evaluable = collect_detections(document, label, where)
            detections += found
            skipped += not_evaluable
        return cls(unique_ids(detections), skipped)

    def __len__(self) -> int:
        return len(self.detections)

    def __iter__(self) -> Iterator[Detection]:
        return iter(self.detections)

    def __getitem__(self, detection_id: str) -> Detection:
        return self.detections[detection_position(self.detections, self._by_id, detection_id)]

    def __repr__(self) -> str:
        return f"<DetectionSet of {len(self)} detections ({describe_kinds(self.detections)})>"

    def evaluate(
        self,
        records: RecordSource | Iterable[Mapping[str, Any] | str],
        *,
        region: str | None = None,
    ) -> EvaluationReport:
        """Run every detection over CloudTrail records.

        Parameters
        ----------
        records:
            Records as parsed dicts or as JSON text (one record per string, used as the log
            event text), or anything :func:`load_records` accepts (a file or folder path).
        region:
            The region of the rules whose template's region is unknown. Default: none, and
            those rules see every region's records (the report's notes say so).

        Returns
        -------
        EvaluationReport
            Which detection fired for which record.

        Raises
        ------
        RecordLoadError
            A record is not a JSON object (or its text is not JSON).
        """
        evaluator = self._evaluators.get(region)
        if evaluator is None:
            evaluator = self._evaluators[region] = Evaluator(self.detections, region)
        fired, refs, count = evaluator.run(normalized_records(records))
        notes = (*map(str, self.skipped), *evaluator.notes)
        return EvaluationReport(self.detections, fired, refs, count, notes)

    def matching(self, record: Mapping[str, Any] | str) -> list[Detection]:
        """The detections that fire for one record."""
        return self.evaluate([record]).detections_for(0)
