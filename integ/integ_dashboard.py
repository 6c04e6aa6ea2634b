"""Integration test: an ObservabilityDashboard over a stack of the library's constructs.

A log group with a routed pattern alarm, and a dashboard built from that stack. The
assertions read the deployed dashboard back (``GetDashboard``: CloudWatch validated its body on
``PutDashboard``) and check that it shows the alarm by ARN.

``make integ`` checks the committed snapshot offline; ``make integ-deploy`` deploys it.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from aws_cdk import integ_tests_alpha as integ

import constructs_obs as obs

app = cdk.App()
stack = cdk.Stack(app, "ObsIntegDashboard")

oncall = obs.AlarmTopic(stack, "Oncall")
routing = obs.AlarmRouting(
    stack, "Routing", name_prefix="integ-dash", critical=[oncall], warning=[oncall]
)
group = obs.EncryptedLogGroup(
    stack,
    "AppLogs",
    retention=logs.RetentionDays.ONE_DAY,
    removal_policy=cdk.RemovalPolicy.DESTROY,
)
errors = group.add_pattern_alarm(
    "Errors", pattern='{ $.level = "ERROR" }', metric_name="IntegDashErrors", routing=routing
)
dashboard = obs.ObservabilityDashboard(stack, "Dashboard", name="integ-obs", sources=[stack])

test = integ.IntegTest(app, "ObservabilityDashboard", test_cases=[stack])
assertions = test.assertions
# WHEN the dashboard is deployed THEN CloudWatch returns it with the alarm's widget
read = assertions.aws_api_call(
    "CloudWatch", "getDashboard", {"DashboardName": dashboard.dashboards[0].dashboard_name}
)
read.expect(
    integ.ExpectedResult.object_like(
        {"DashboardBody": integ.Match.string_like_regexp("integ-dash-.*-warning")}
    )
)

app.synth()
