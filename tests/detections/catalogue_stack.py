"""A stack built the way the library's catalogue builds detections: each metric filter and rule
carries ``ConstructsObs::Detection`` metadata (added here with ``add_metadata``).

Two detections share the catalogue id ``CloudWatch.1`` (a metric filter and a rule, as a
control served both ways), one rule watches a global service (IAM), one a regional one (EC2),
and one rule has no metadata.
"""

from __future__ import annotations

from typing import Any

import aws_cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_logs as logs

from constructs_obs.detections import DETECTION_METADATA
from tests.detections.helpers import SECURITY_HUB

API_CALL = "AWS API Call via CloudTrail"

ROOT_USAGE = {"id": "CloudWatch.1", "title": "Root account used", "severity": "HIGH"}
USER_CREATED = {
    "id": "persistence.iam-user-created",
    "title": "IAM user created",
    "severity": "MEDIUM",
    "attack": ["T1136.003"],
}
SECURITY_GROUP_OPENED = {
    "id": "exfiltration.sg-open",
    "title": "Security group opened",
    "severity": "CRITICAL",
}


def _tag(construct: Any, metadata: dict[str, Any]) -> None:
    cfn = construct.node.default_child
    assert isinstance(cfn, aws_cdk.CfnResource)
    cfn.add_metadata(DETECTION_METADATA, metadata)


def catalogue_stack(region: str) -> aws_cdk.Stack:
    app = aws_cdk.App()
    stack = aws_cdk.Stack(
        app, f"Catalogue-{region}", env=aws_cdk.Environment(account="111122223333", region=region)
    )
    log_group = logs.LogGroup(stack, "TrailLogs")
    root_filter = logs.MetricFilter(
        stack,
        "RootUsageFilter",
        log_group=log_group,
        filter_pattern=logs.FilterPattern.literal(SECURITY_HUB["CloudWatch.1"]),
        metric_name="RootAccountUsage",
        metric_namespace="CISBenchmark",
    )
    _tag(root_filter, ROOT_USAGE)
    root_rule = events.Rule(
        stack,
        "RootUsageRule",
        event_pattern=events.EventPattern(detail={"userIdentity": {"type": ["Root"]}}),
    )
    _tag(root_rule, ROOT_USAGE)
    user_rule = events.Rule(
        stack,
        "UserCreated",
        event_pattern=events.EventPattern(
            source=["aws.iam"], detail_type=[API_CALL], detail={"eventName": ["CreateUser"]}
        ),
    )
    _tag(user_rule, USER_CREATED)
    sg_rule = events.Rule(
        stack,
        "SecurityGroupOpened",
        event_pattern=events.EventPattern(
            source=["aws.ec2"], detail={"eventName": ["AuthorizeSecurityGroupIngress"]}
        ),
    )
    _tag(sg_rule, SECURITY_GROUP_OPENED)
    events.Rule(
        stack, "Untagged", event_pattern=events.EventPattern(detail={"eventName": ["StopLogging"]})
    )
    return stack
