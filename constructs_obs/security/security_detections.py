"""The security detection catalogue: every detection of the library, as one table.

Each entry (a :class:`SecurityDetectionSpec`) says what it matches, where it runs (an
EventBridge rule, or a metric filter and alarm for what matters only in bulk), its severity,
its MITRE ATT&CK tactic and technique ids, a title and a message. ``SecurityEventRules``
builds the rules, ``SecurityVolumeAlarms`` the metric filters; the README's table and the
tests come from the same entries.

CloudTrail sends each management event to EventBridge as "AWS API Call via CloudTrail" (or
"AWS Console Sign In via CloudTrail" for sign-ins) with the record in ``detail``. Events of
global services (IAM, Organizations) arrive in us-east-1 only; console sign-ins arrive in the
region of the sign-in endpoint (the global endpoint's in us-east-1), so their rules, like the
root user's, belong in every region (:data:`EVERY_REGION_DETECTIONS`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from constructs_obs.alarms.severity import Severity
from constructs_obs.private.validate import Check
from constructs_obs.security.catalogue_attacks import ATTACKS
from constructs_obs.security.catalogue_baseline import BASELINE
from constructs_obs.security.catalogue_volume import VOLUME
from constructs_obs.security.detection_spec import (
    AttackTactic,
    DetectionSource,
    SecurityDetection,
    SecurityDetectionSpec,
)

__all__ = [
    "ALL_SECURITY_DETECTIONS",
    "EVERY_REGION_DETECTIONS",
    "GLOBAL_SERVICE_DETECTIONS",
    "SECURITY_DETECTIONS",
    "VOLUME_DETECTIONS",
    "SecurityDetection",
    "SecurityDetectionSpec",
    "select_detections",
]

#: The catalogue, by detection, in table order.
SECURITY_DETECTIONS: Final[dict[SecurityDetection, SecurityDetectionSpec]] = {
    spec.detection: spec for spec in (*BASELINE, *ATTACKS, *VOLUME)
}

#: Every EventBridge rule detection (what ``SecurityEventRules`` builds by default).
ALL_SECURITY_DETECTIONS: Final = tuple(
    d for d, spec in SECURITY_DETECTIONS.items() if spec.source is DetectionSource.EVENT_RULE
)
#: Rule detections whose events arrive in us-east-1 only (IAM, Organizations).
GLOBAL_SERVICE_DETECTIONS: Final = tuple(
    d for d in ALL_SECURITY_DETECTIONS if SECURITY_DETECTIONS[d].global_service
)
#: Rule detections for every region the trail covers, us-east-1 included: root use and console
#: sign-ins arrive in the region the actor chose (see ``SecurityDetectionSpec.every_region``).
EVERY_REGION_DETECTIONS: Final = tuple(
    d for d in ALL_SECURITY_DETECTIONS if SECURITY_DETECTIONS[d].every_region
)
#: Every metric-filter detection (what ``SecurityVolumeAlarms`` builds by default).
VOLUME_DETECTIONS: Final = tuple(
    d for d, spec in SECURITY_DETECTIONS.items() if spec.source is DetectionSource.METRIC_FILTER
)


def _members(check: Check, parameter: str, given: object, kind: type) -> set[object] | None:
    if given is None:
        return None
    if isinstance(given, str | kind) or not isinstance(given, Collection):
        check.fail(parameter, f"expected a collection of {kind.__name__}, got {given!r}")
    for item in given:
        if not isinstance(item, kind):
            check.fail(parameter, f"{item!r} is not a {kind.__name__}")
    return set(given)


def select_detections(
    *,
    tactics: Collection[AttackTactic] | None = None,
    severities: Collection[Severity] | None = None,
    source: DetectionSource = DetectionSource.EVENT_RULE,
    global_service: bool | None = None,
) -> tuple[SecurityDetection, ...]:
    """The detections of the catalogue that fit every criterion given, in table order.

    Parameters
    ----------
    tactics:
        ATT&CK tactics. Default: any.
    severities:
        Severities. Default: any.
    source:
        Rules (for ``SecurityEventRules``) or metric filters (for ``SecurityVolumeAlarms``).
        Default: rules.
    global_service:
        True: only the detections whose events arrive in us-east-1 only; False: only the
        others. Default: both.
    """
    check = Check("select_detections", "catalogue")
    wanted_tactics = _members(check, "tactics", tactics, AttackTactic)
    wanted_severities = _members(check, "severities", severities, Severity)
    if not isinstance(source, DetectionSource):
        check.fail("source", f"expected a DetectionSource, got {source!r}")
    if global_service is not None and not isinstance(global_service, bool):
        check.fail("global_service", f"expected True, False or None, got {global_service!r}")
    return tuple(
        spec.detection
        for spec in SECURITY_DETECTIONS.values()
        if spec.source is source
        and (wanted_tactics is None or spec.tactic in wanted_tactics)
        and (wanted_severities is None or spec.severity in wanted_severities)
        and (global_service is None or spec.global_service is global_service)
    )


def check_chosen(
    check: Check,
    detections: object,
    *,
    source: DetectionSource,
    example: SecurityDetection,
    elsewhere: str,
) -> list[SecurityDetection]:
    """``detections`` as a list without repeats, each a catalogue detection built from
    ``source``; ``elsewhere`` says where a detection of the other source belongs."""
    if isinstance(detections, str | SecurityDetection) or not isinstance(detections, Collection):
        check.fail(
            "detections",
            "expected a collection of SecurityDetection (e.g. "
            f"[SecurityDetection.{example.name}]), got {detections!r}",
        )
    chosen = list(dict.fromkeys(detections))
    if not chosen:
        check.fail("detections", "name at least one SecurityDetection")
    for detection in chosen:
        if not isinstance(detection, SecurityDetection):
            check.fail("detections", f"{detection!r} is not a SecurityDetection")
        if SECURITY_DETECTIONS[detection].source is not source:
            check.fail("detections", f"{detection.value} is {elsewhere}")
    return chosen
