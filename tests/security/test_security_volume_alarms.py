"""SecurityVolumeAlarms: a metric filter per volume detection on the trail's log group, an
alarm on its count at a threshold the user sets, and the detection's metadata."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match, Template

from constructs_obs import (
    AlarmRouting,
    AlarmTopic,
    InvalidParameterError,
    SecurityDetection,
    SecurityVolumeAlarms,
)
from tests.security.conftest import Catalogue

D = SecurityDetection


def test_each_filter_counts_on_the_trail_log_group_and_says_what_it_detects(
    catalogue: Catalogue,
) -> None:
    template = Template.from_json(dict(catalogue.template))
    template.resource_count_is("AWS::Logs::MetricFilter", 3)
    template.has_resource(
        "AWS::Logs::MetricFilter",
        {
            "Metadata": {
                "ConstructsObs::Detection": {
                    "id": "mass-deletion",
                    "title": "Many resources were deleted or terminated",
                    "severity": "critical",
                    "attack": ["T1485"],
                }
            },
            "Properties": {
                "LogGroupName": {"Ref": Match.string_like_regexp("^TrailLogs")},
                "FilterPattern": Match.string_like_regexp(
                    '^\\{ \\(\\(\\$.eventName = "Delete\\*"\\)'
                ),
                "MetricTransformations": [
                    {
                        "MetricNamespace": "SecurityDetections",
                        "MetricName": "MassDeletion",
                        "MetricValue": "1",
                        "DefaultValue": 0,
                    }
                ],
            },
        },
    )


def test_alarms_fire_at_the_catalogue_threshold(catalogue: Catalogue) -> None:
    template = Template.from_json(dict(catalogue.template))
    for metric, threshold in (
        ("BulkSecretReads", 50),
        ("BulkParameterDecryption", 50),
        ("MassDeletion", 100),
    ):
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {
                "MetricName": metric,
                "Namespace": "SecurityDetections",
                "Threshold": threshold,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "Period": 300,
                "Statistic": "Sum",
                "TreatMissingData": "notBreaching",
                "AlarmActions": Match.any_value(),
            },
        )


def _stack() -> tuple[cdk.Stack, logs.LogGroup, AlarmRouting]:
    stack = cdk.Stack(cdk.App(), "Volume")
    log_group = logs.LogGroup(stack, "TrailLogs")
    topic = AlarmTopic(stack, "T")
    routing = AlarmRouting(stack, "R", name_prefix="v", critical=[topic], warning=[topic])
    return stack, log_group, routing


def test_the_user_sets_thresholds_and_period() -> None:
    # GIVEN a stricter threshold for secret reads and a one-minute period
    stack, log_group, routing = _stack()
    alarms = SecurityVolumeAlarms(
        stack,
        "Volume",
        trail_log_group=log_group,
        routing=routing,
        detections=[D.BULK_SECRET_READS],
        thresholds={D.BULK_SECRET_READS: 10},
        period=cdk.Duration.minutes(1),
        namespace="Acme/Security",
    )
    # THEN only that detection is built, with the user's figures
    assert list(alarms.alarms) == [D.BULK_SECRET_READS]
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Logs::MetricFilter", 1)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "BulkSecretReads",
            "Namespace": "Acme/Security",
            "Threshold": 10,
            "Period": 60,
        },
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"detections": [D.ROOT_ACCOUNT_USAGE]}, "root-account-usage is an EventBridge rule"),
        ({"detections": D.MASS_DELETION}, "detections: expected a collection"),
        ({"detections": []}, "detections: name at least one"),
        ({"thresholds": {D.MASS_DELETION: 0}}, "thresholds\\[mass-deletion\\]: must be >= 1"),
        ({"thresholds": {D.MASS_DELETION: 2.5}}, "mass-deletion: expected a whole count"),
        ({"thresholds": {D.MASS_DELETION: True}}, "mass-deletion: expected a whole count"),
        (
            {"detections": [D.MASS_DELETION], "thresholds": {D.BULK_SECRET_READS: 5}},
            "is not one of the chosen volume detections \\(mass-deletion\\)",
        ),
        ({"thresholds": [5]}, "thresholds: expected a mapping"),
        ({"trail_log_group": "trail-logs"}, "trail_log_group: expected AuditTrail.log_group"),
        ({"routing": "security"}, "routing: expected an AlarmRouting"),
        ({"namespace": "AWS/Events"}, "namespace: namespaces starting with 'AWS/'"),
    ],
    ids=[
        "rule-detection",
        "not-a-list",
        "empty",
        "zero",
        "fraction",
        "bool",
        "threshold-not-chosen",
        "thresholds-list",
        "log-group-string",
        "routing-string",
        "aws-namespace",
    ],
)
def test_bad_input_is_refused(kwargs: dict[str, Any], message: str) -> None:
    stack, log_group, routing = _stack()
    arguments: dict[str, Any] = {"trail_log_group": log_group, "routing": routing, **kwargs}
    with pytest.raises(InvalidParameterError, match=message):
        SecurityVolumeAlarms(stack, "Volume", **arguments)
