#!/usr/bin/env python3
"""Demo app: constructs-obs composed the way a user composes it in their own CDK app.

Synthesize with ``npx cdk synth`` (or ``make run``, which also prints what was built). cdk-nag's
AwsSolutions and NIST 800-53 R5 packs run during synthesis: any finding not acknowledged with
a written reason fails it.

Account and region come from the context (``-c account=... -c region=...``) or from the
environment the CDK CLI sets (``CDK_DEFAULT_ACCOUNT`` / ``CDK_DEFAULT_REGION``); without
either, the stacks are environment-agnostic.
"""

from __future__ import annotations

import os

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks
from constructs import Construct

from constructs_obs import EncryptedLogGroup, LogArchiveOptions, PiiProtection


class WorkloadStack(cdk.Stack):
    """An application's logs: encrypted, retained, PII masked, archived, with pattern alarms."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        alerts = sns.Topic(
            self,
            "Alerts",
            master_key=kms.Key(self, "AlertsKey", enable_key_rotation=True),
            enforce_ssl=True,
        )
        app_logs = EncryptedLogGroup(
            self,
            "AppLogs",
            log_group_name="/demo/orders-service",
            retention=logs.RetentionDays.THREE_MONTHS,
            data_protection=PiiProtection(
                identifiers=[logs.DataIdentifier.EMAILADDRESS, logs.DataIdentifier.AWSSECRETKEY]
            ),
            archive=LogArchiveOptions(prefix="orders-service/"),
        )
        app_logs.add_pattern_alarm(
            "Errors",
            pattern='{ $.level = "ERROR" }',
            metric_name="OrderServiceErrors",
            threshold=5,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            period=cdk.Duration.minutes(1),
            actions=[cw_actions.SnsAction(alerts)],
        )
        app_logs.add_pattern_alarm(
            "SlowCheckouts",
            pattern='{ $.operation = "checkout" && $.latencyMs > 2000 }',
            metric_name="SlowCheckouts",
            metric_value="1",
            dimensions={"Region": "$.region"},
            threshold=10,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            actions=[cw_actions.SnsAction(alerts)],
        )


def environment(app: cdk.App) -> cdk.Environment | None:
    account = app.node.try_get_context("account") or os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = app.node.try_get_context("region") or os.environ.get("CDK_DEFAULT_REGION")
    if account is None and region is None:
        return None
    return cdk.Environment(account=account, region=region)


def build(app: cdk.App) -> None:
    """Add the demo stacks to ``app`` (tests call this with their own App)."""
    WorkloadStack(app, "ObsDemoWorkload", env=environment(app))


def main() -> None:
    app = cdk.App()
    build(app)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), NIST80053R5Checks(app))
    app.synth()


if __name__ == "__main__":
    main()
