"""Reading detections from synthesized templates: metric filters and rules with a pattern.

Every ``AWS::Logs::MetricFilter`` (its ``FilterPattern`` and first metric transformation) and
every ``AWS::Events::Rule`` with an ``EventPattern`` (given as an object or as JSON text)
becomes a :class:`~.detection.Detection`, its pattern compiled. A pattern CloudFormation only
resolves at deploy time (``{"Ref": ...}``, ``{"Fn::...": ...}``) becomes a
:class:`~.detection.SkippedDetection` instead of failing; an invalid pattern is an error that
names the template and the logical id.

A resource's ``Metadata`` entry ``ConstructsObs::Detection`` (what the library's detections
carry: ``{"id": "CloudWatch.1", "title": "...", "severity": "HIGH", "attack": ["T1098"]}``,
``attack`` optional) gives the detection its catalogue id, title, severity and ATT&CK ids;
reports then name it by that id instead of its logical id.

:func:`template_region` finds where a template is deployed: a Stack's region, or the
environment ``cdk.out/manifest.json`` gives the template file.

Templates are JSON (CloudFormation's YAML form is not read); ``aws_cdk`` is imported only
inside :func:`read_template` and :func:`template_region`, when the caller passes a Stack.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from constructs_obs.detections.detection import Detection, DetectionKind, SkippedDetection
from constructs_obs.detections.errors import (
    DetectionTemplateError,
    EventPatternSyntaxError,
    FilterPatternSyntaxError,
)
from constructs_obs.detections.event_pattern import compile_event_pattern
from constructs_obs.detections.filter_pattern.filter_pattern import compile_filter_pattern

if TYPE_CHECKING:
    import aws_cdk

__all__ = [
    "DETECTION_METADATA",
    "TemplateSource",
    "collect_detections",
    "read_template",
    "template_region",
]

#: A synthesized template: a dict, the path of a ``.template.json``, or an ``aws_cdk.Stack``.
TemplateSource: TypeAlias = "Mapping[str, Any] | str | os.PathLike[str] | aws_cdk.Stack"

#: The resource ``Metadata`` key that names a detection (see the module docstring).
DETECTION_METADATA: Final = "ConstructsObs::Detection"
_METRIC_FILTER: Final = "AWS::Logs::MetricFilter"
_RULE: Final = "AWS::Events::Rule"


def read_template(template: TemplateSource, label: str | None) -> tuple[Mapping[str, Any], str]:
    """The template as a dict, and its label (``label``, else the stack or file name)."""
    if isinstance(template, Mapping):
        return template, label or "template"
    if isinstance(template, str | os.PathLike):
        path = Path(template)
        try:
            parsed = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise DetectionTemplateError(str(path), f"cannot read: {error.strerror}") from None
        except ValueError as error:
            raise DetectionTemplateError(
                str(path), f"not a JSON template (only JSON templates are supported): {error}"
            ) from None
        if not isinstance(parsed, dict):
            raise DetectionTemplateError(str(path), "a template is a JSON object")
        return parsed, label or path.name.removesuffix(".json").removesuffix(".template")
    import aws_cdk  # noqa: PLC0415  (only for users who pass a Stack)
    from aws_cdk.assertions import Template  # noqa: PLC0415

    if not isinstance(template, aws_cdk.Stack):
        raise TypeError(
            "a template is a dict, the path of a .template.json or an aws_cdk.Stack, got "
            f"{type(template).__name__}"
        )
    synthesized: Mapping[str, Any] = Template.from_stack(template).to_json()
    return synthesized, label or template.stack_name


def template_region(template: TemplateSource) -> str | None:
    """The region a template is deployed in, when it can be known offline.

    A Stack's ``region`` (None for an environment-agnostic stack); for the path of a template
    in a cloud assembly, the ``environment`` ``cdk.out/manifest.json`` gives it; None for a
    dict or a file without a manifest.
    """
    if isinstance(template, Mapping):
        return None
    if isinstance(template, str | os.PathLike):
        return _manifest_region(Path(template))
    import aws_cdk  # noqa: PLC0415  (only for users who pass a Stack)

    if isinstance(template, aws_cdk.Stack) and not aws_cdk.Token.is_unresolved(template.region):
        return template.region
    return None


def _manifest_region(path: Path) -> str | None:
    try:
        manifest = json.loads((path.parent / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    for artifact in (artifacts or {}).values():
        if not isinstance(artifact, dict):
            continue
        properties = artifact.get("properties")
        if isinstance(properties, dict) and properties.get("templateFile") == path.name:
            environment = artifact.get("environment")
            if isinstance(environment, str) and environment.startswith("aws://"):
                region = environment.rsplit("/", 1)[-1]
                return None if region in ("", "unknown-region") else region
    return None


def _metadata(resource: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The Detection fields the resource's ``ConstructsObs::Detection`` metadata gives."""
    metadata = resource.get("Metadata")
    entry = metadata.get(DETECTION_METADATA) if isinstance(metadata, Mapping) else None
    if entry is None:
        return {}
    if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str) or not entry["id"]:
        raise DetectionTemplateError(
            where, f'Metadata {DETECTION_METADATA} must be an object with a non-empty "id"'
        )
    attack = entry.get("attack", [])
    if not isinstance(attack, list) or not all(isinstance(item, str) for item in attack):
        raise DetectionTemplateError(
            where, f'Metadata {DETECTION_METADATA} "attack" must be an array of technique ids'
        )
    return {
        "detection_id": entry["id"],
        "title": _literal(entry.get("title")),
        "severity": _literal(entry.get("severity")),
        "attack": tuple(attack),
    }


def _intrinsic(value: Any, path: str = "") -> str | None:
    """Where (and which) CloudFormation intrinsic a value uses, or None for plain JSON."""
    if isinstance(value, Mapping):
        if len(value) == 1:
            (key,) = value
            if key == "Ref" or str(key).startswith("Fn::"):
                return f"{key} at {path or 'the top'}"
        for key, item in value.items():
            found = _intrinsic(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _intrinsic(item, f"{path}[{index}]")
            if found:
                return found
    return None


def _literal(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def collect_detections(
    template: Mapping[str, Any], label: str, region: str | None = None
) -> tuple[list[Detection], list[SkippedDetection]]:
    """The detections of a template (deployed in ``region``, when known), and the skipped."""
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        raise DetectionTemplateError(label, "the template has no Resources section")
    detections: list[Detection] = []
    skipped: list[SkippedDetection] = []
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping):
            continue
        properties = resource.get("Properties") or {}
        where = f"{label}: {logical_id}"
        if resource.get("Type") == _METRIC_FILTER:
            found = _metric_filter(logical_id, properties, label, where)
        elif resource.get("Type") == _RULE and "EventPattern" in properties:
            found = _rule(logical_id, properties, label, where)
        else:
            continue
        if isinstance(found, Detection):
            detections.append(replace(found, region=region, **_metadata(resource, where)))
        else:
            skipped.append(found)
    return detections, skipped


def _metric_filter(
    logical_id: str, properties: Mapping[str, Any], label: str, where: str
) -> Detection | SkippedDetection:
    pattern = properties.get("FilterPattern")
    if not isinstance(pattern, str):
        return SkippedDetection(
            DetectionKind.METRIC_FILTER,
            logical_id,
            label,
            f"FilterPattern is not a literal string ({_intrinsic(pattern) or 'missing'})",
        )
    try:
        compiled = compile_filter_pattern(pattern)
    except FilterPatternSyntaxError as error:
        raise DetectionTemplateError(where, f"FilterPattern is not valid: {error}") from error
    transformations = properties.get("MetricTransformations")
    first = (
        transformations[0]
        if isinstance(transformations, list)
        and transformations
        and isinstance(transformations[0], Mapping)
        else {}
    )
    return Detection(
        kind=DetectionKind.METRIC_FILTER,
        logical_id=logical_id,
        name=_literal(first.get("MetricName")),
        pattern=pattern,
        template=label,
        metric_namespace=_literal(first.get("MetricNamespace")),
        log_group=properties.get("LogGroupName"),
        filter_pattern=compiled,
    )


def _rule(
    logical_id: str, properties: Mapping[str, Any], label: str, where: str
) -> Detection | SkippedDetection:
    pattern = properties["EventPattern"]
    if isinstance(pattern, str):
        try:
            pattern = json.loads(pattern)
        except ValueError as error:
            raise DetectionTemplateError(
                where, f"EventPattern is not valid JSON: {error}"
            ) from None
    uses = _intrinsic(pattern)
    if uses:
        return SkippedDetection(
            DetectionKind.RULE,
            logical_id,
            label,
            f"EventPattern uses a CloudFormation intrinsic ({uses}); its value is only known "
            "at deploy time",
        )
    if not isinstance(pattern, Mapping):
        raise DetectionTemplateError(where, "EventPattern is not a JSON object")
    try:
        compiled = compile_event_pattern(pattern)
    except EventPatternSyntaxError as error:
        raise DetectionTemplateError(where, f"EventPattern is not valid: {error}") from error
    state = properties.get("State", "ENABLED")
    return Detection(
        kind=DetectionKind.RULE,
        logical_id=logical_id,
        name=_literal(properties.get("Name")),
        pattern=compiled.text,
        template=label,
        state=state if isinstance(state, str) else "ENABLED",
        event_bus=properties.get("EventBusName"),
        event_pattern=compiled,
    )
