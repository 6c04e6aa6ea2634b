"""Integration test: an EncryptedLogGroup with a pattern alarm, deployed.

A function writes a JSON line with ``"level": "ERROR"`` to the log group (its own log group is
the library's); the assertions then wait until the metric filter has published the error metric
and the alarm, under its routed name with its topic action, is in ALARM.

``make integ`` checks the committed snapshot offline; ``make integ-deploy`` deploys it.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import integ_tests_alpha as integ

import constructs_obs as obs

NAMESPACE = "ConstructsObsInteg"
METRIC = "IntegLogErrors"

app = cdk.App()
stack = cdk.Stack(app, "ObsIntegLogGroup")

topic = obs.AlarmTopic(stack, "Oncall")
routing = obs.AlarmRouting(stack, "Routing", name_prefix="integ-logs", critical=[topic])
group = obs.EncryptedLogGroup(
    stack,
    "AppLogs",
    retention=cdk.aws_logs.RetentionDays.ONE_DAY,
    removal_policy=cdk.RemovalPolicy.DESTROY,
)
errors = group.add_pattern_alarm(
    "Errors",
    pattern='{ $.level = "ERROR" }',
    metric_name=METRIC,
    metric_namespace=NAMESPACE,
    default_value=None,  # no zeros: the metric exists only once an error line matched
    threshold=1,
    severity=obs.Severity.CRITICAL,
    routing=routing,
)

role = iam.Role(stack, "WriterRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
role.add_to_policy(
    iam.PolicyStatement(
        actions=["logs:CreateLogStream", "logs:PutLogEvents"],
        resources=[group.log_group.log_group_arn],
    )
)
writer = lambda_.Function(
    stack,
    "Writer",
    runtime=lambda_.Runtime.PYTHON_3_13,
    handler="index.handler",
    code=lambda_.Code.from_inline(
        "import json\n\ndef handler(event, context):\n"
        "    print(json.dumps({'level': 'ERROR', 'message': 'integ test error'}))\n"
        "    return {'written': True}\n"
    ),
    role=role,
    log_group=group.log_group,
)

test = integ.IntegTest(app, "LogGroupPatternAlarm", test_cases=[stack])
assertions = test.assertions
# WHEN the function logs an error line into the encrypted log group
write = assertions.invoke_function(function_name=writer.function_name)
write.expect(integ.ExpectedResult.object_like({"StatusCode": 200}))
# THEN the metric filter publishes the error metric (CloudWatch lists it once a datapoint exists)
metric = assertions.aws_api_call(
    "CloudWatch", "listMetrics", {"Namespace": NAMESPACE, "MetricName": METRIC}
)
metric.expect(
    integ.ExpectedResult.object_like(
        {"Metrics": integ.Match.array_with([integ.Match.object_like({"MetricName": METRIC})])}
    )
)
metric.wait_for_assertions(
    total_timeout=cdk.Duration.minutes(15), interval=cdk.Duration.seconds(30)
)
write.next(metric)
# AND the alarm, under its routed name and acting on the on-call topic, goes into ALARM
alarm_name = errors.alarm.alarm_name
described = assertions.aws_api_call("CloudWatch", "describeAlarms", {"AlarmNames": [alarm_name]})
described.expect(
    integ.ExpectedResult.object_like(
        {
            "MetricAlarms": integ.Match.array_with(
                [
                    integ.Match.object_like(
                        {
                            "AlarmName": alarm_name,
                            "StateValue": "ALARM",
                            "AlarmActions": [topic.topic.topic_arn],
                        }
                    )
                ]
            )
        }
    )
)
described.wait_for_assertions(
    total_timeout=cdk.Duration.minutes(10), interval=cdk.Duration.seconds(30)
)
metric.next(described)

app.synth()
