"""A template with one of each kind of detection, and what fires for it over the samples."""

from __future__ import annotations

from typing import Any

from tests.detections.helpers import SECURITY_HUB

SIGN_IN = "AWS Console Sign In via CloudTrail"
API_CALL = "AWS API Call via CloudTrail"


def metric_filter(
    pattern: Any, metric: str, log_group: Any = "/aws/cloudtrail/org"
) -> dict[str, Any]:
    return {
        "Type": "AWS::Logs::MetricFilter",
        "Properties": {
            "LogGroupName": log_group,
            "FilterPattern": pattern,
            "MetricTransformations": [
                {"MetricName": metric, "MetricNamespace": "CISBenchmark", "MetricValue": "1"}
            ],
        },
    }


def rule(pattern: Any, **properties: Any) -> dict[str, Any]:
    return {"Type": "AWS::Events::Rule", "Properties": {"EventPattern": pattern, **properties}}


TEMPLATE: dict[str, Any] = {
    "Resources": {
        "TrailLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 365}},
        "RootUsageFilter": metric_filter(
            SECURITY_HUB["CloudWatch.1"], "RootAccountUsage", {"Ref": "TrailLogGroup"}
        ),
        "NoMfaFilter": metric_filter(SECURITY_HUB["CloudWatch.3"], "ConsoleSignInWithoutMfa"),
        "TrailChangesFilter": metric_filter(SECURITY_HUB["CloudWatch.5"], "CloudTrailChanges"),
        "FailedSignInTextFilter": metric_filter(
            'ConsoleLogin "Failed authentication"', "FailedSignIns"
        ),
        "AccessLogFilter": metric_filter("[w1, w2, w3 = ERROR]", "AccessLogErrors"),
        "JoinedFilter": metric_filter({"Fn::Join": ["", ["{ $.a = ", "1 }"]]}, "Joined"),
        "RootActivityRule": rule(
            {
                "detail-type": [API_CALL, SIGN_IN],
                "detail": {"userIdentity": {"type": ["Root"]}},
            },
            Name="root-activity",
        ),
        "SignInWithoutMfaRule": rule(
            {
                "source": ["aws.signin"],
                "detail": {
                    "eventName": ["ConsoleLogin"],
                    "additionalEventData": {"MFAUsed": [{"anything-but": "Yes"}]},
                    "responseElements": {"ConsoleLogin": ["Success"]},
                },
            },
            Name="sign-in-without-mfa",
            State="ENABLED",
        ),
        "KmsServiceEventRule": rule(
            '{"source": ["aws.kms"], "detail-type": ["AWS Service Event via CloudTrail"]}'
        ),
        "AssumeRoleRule": rule(
            {"source": ["aws.sts"], "detail": {"eventName": ["AssumeRole"]}},
            State="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
        ),
        "DisabledRule": rule({"source": ["aws.iam"]}, State="DISABLED"),
        "ThisAccountRule": rule({"account": [{"Ref": "AWS::AccountId"}], "source": ["aws.iam"]}),
        "CustomBusRule": rule({"source": ["aws.s3"]}, EventBusName="security-bus"),
        "ScheduledRule": {
            "Type": "AWS::Events::Rule",
            "Properties": {"ScheduleExpression": "rate(1 hour)"},
        },
        "Topic": {"Type": "AWS::SNS::Topic"},
    }
}

# What fires over the ten samples (indexes of tests/fixtures/cloudtrail in name order).
EXPECTED = {
    "RootUsageFilter": [3, 4],
    "NoMfaFilter": [0],
    "TrailChangesFilter": [6],
    "FailedSignInTextFilter": [2],
    "AccessLogFilter": [],
    "RootActivityRule": [3, 4],
    "SignInWithoutMfaRule": [0, 3],
    "KmsServiceEventRule": [7],
    "AssumeRoleRule": [8],
    "DisabledRule": [],
    "CustomBusRule": [9],
}
