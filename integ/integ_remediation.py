"""Integration test: AlarmRemediation in dry-run, invoked by the alarm it remediates.

A critical alarm routed to the remediation function has a ``limit_lambda_concurrency`` action
on a worker function. The assertions set the alarm to ALARM; CloudWatch invokes the function
(its native Lambda alarm action), which confirms the state with ``DescribeAlarms`` and, being in
dry-run, only logs its decision: the test reads that audit line (``"outcome": "dry_run"``) and
checks that the worker's concurrency was left alone.

``make integ`` checks the committed snapshot offline; ``make integ-deploy`` deploys it.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import integ_tests_alpha as integ

import constructs_obs as obs

app = cdk.App()
stack = cdk.Stack(app, "ObsIntegRemediation")

oncall = obs.AlarmTopic(stack, "Oncall")
remediation = obs.AlarmRemediation(stack, "Remediation", monitor_topic=oncall, dry_run=True)
routing = obs.AlarmRouting(
    stack, "Routing", name_prefix="integ-fix", critical=[oncall, remediation]
)
worker = lambda_.Function(
    stack,
    "Worker",
    runtime=lambda_.Runtime.PYTHON_3_13,
    handler="index.handler",
    code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
)
alarm = obs.add_threshold_alarm(
    stack,
    "ErrorStorm",
    metric=worker.metric_errors(statistic="Sum"),
    threshold=50,
    identity=obs.AlarmIdentity(
        resource="worker", signal="error-storm", severity=obs.Severity.CRITICAL
    ),
    routing=routing,
)
remediation.add_action(
    alarm, obs.RemediationAction.limit_lambda_concurrency(worker, reserved_concurrency=0)
)

test = integ.IntegTest(app, "RemediationDryRun", test_cases=[stack])
assertions = test.assertions
# WHEN the alarm goes into ALARM (CloudWatch invokes the remediation function)
fire = assertions.aws_api_call(
    "CloudWatch",
    "setAlarmState",
    {"AlarmName": alarm.alarm_name, "StateValue": "ALARM", "StateReason": "integration test"},
)
# THEN the function's audit line records a dry-run decision for that alarm
decision = assertions.aws_api_call(
    "CloudWatchLogs",
    "filterLogEvents",
    {
        "logGroupName": remediation.function.log_group.log_group_name,
        "filterPattern": '{ $.outcome = "dry_run" }',
    },
)
decision.expect(
    integ.ExpectedResult.object_like(
        {
            "events": integ.Match.array_with(
                [
                    integ.Match.object_like(
                        {"message": integ.Match.string_like_regexp("integ-fix-worker-error-storm")}
                    )
                ]
            )
        }
    )
)
decision.wait_for_assertions(
    total_timeout=cdk.Duration.minutes(5), interval=cdk.Duration.seconds(20)
)
# AND the worker was not touched: no reserved concurrency was set
untouched = assertions.aws_api_call(
    "Lambda", "getFunctionConcurrency", {"FunctionName": worker.function_name}
)
untouched.expect(integ.ExpectedResult.exact({}))
fire.next(decision).next(untouched)

app.synth()
