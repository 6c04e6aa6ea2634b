"""Integration test: the CIS metric filters and the EventBridge security rules, deployed.

- CIS (Security Hub CloudWatch.8): a function whose log group is the "trail" log group writes
  a CloudTrail-shaped ``DeleteBucketPolicy`` record; the control's alarm goes into ALARM.
- Security rules: EventBridge refuses ``PutEvents`` for ``aws.*`` sources, so the test reads
  the deployed rule's pattern (``DescribeRule``) and has EventBridge match a CloudTrail-shaped
  ``DeleteBucketPolicy`` event against it (``TestEventPattern``): true; and a read-only
  ``GetBucketPolicy`` event: false.

``make integ`` checks the committed snapshot offline; ``make integ-deploy`` deploys it.
"""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import integ_tests_alpha as integ

import constructs_obs as obs

app = cdk.App()
stack = cdk.Stack(app, "ObsIntegSecurity")

security = obs.AlarmTopic(stack, "Security")
routing = obs.AlarmRouting(
    stack, "Routing", name_prefix="integ-security", critical=[security], warning=[security]
)
trail_logs = obs.EncryptedLogGroup(
    stack,
    "TrailLogs",
    retention=logs.RetentionDays.ONE_DAY,
    removal_policy=cdk.RemovalPolicy.DESTROY,
)
cis = obs.CisBenchmarkAlarms(
    stack,
    "Cis",
    trail_log_group=trail_logs,
    routing=routing,
    controls=[obs.CisControl.S3_BUCKET_POLICY_CHANGES],
)
rules = obs.SecurityEventRules(
    stack,
    "Rules",
    targets=[security],
    detections=[obs.SecurityDetection.S3_BUCKET_POLICY_CHANGES],
    rule_name_prefix="integ-security",
)


def _cloudtrail_record(event_name: str) -> dict[str, object]:
    return {
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "userName": "integ", "accountId": "111122223333"},
        "eventTime": "2026-01-01T00:00:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": event_name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "requestParameters": {"bucketName": "integ-bucket"},
        "eventType": "AwsApiCall",
        "readOnly": event_name.startswith("Get"),
        "recipientAccountId": "111122223333",
    }


role = iam.Role(stack, "WriterRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
role.add_to_policy(
    iam.PolicyStatement(
        actions=["logs:CreateLogStream", "logs:PutLogEvents"],
        resources=[trail_logs.log_group.log_group_arn],
    )
)
writer = lambda_.Function(
    stack,
    "TrailWriter",
    runtime=lambda_.Runtime.PYTHON_3_13,
    handler="index.handler",
    code=lambda_.Code.from_inline(
        "import json\n\ndef handler(event, context):\n    print(json.dumps(event['record']))\n"
    ),
    role=role,
    log_group=trail_logs.log_group,
)

test = integ.IntegTest(app, "SecurityDetections", test_cases=[stack])
assertions = test.assertions

# WHEN a CloudTrail-shaped DeleteBucketPolicy record reaches the trail's log group
write = assertions.invoke_function(
    function_name=writer.function_name,
    payload=json.dumps({"record": _cloudtrail_record("DeleteBucketPolicy")}),
)
write.expect(integ.ExpectedResult.object_like({"StatusCode": 200}))
# THEN the CIS CloudWatch.8 alarm goes into ALARM
cis_alarm = cis.alarms[obs.CisControl.S3_BUCKET_POLICY_CHANGES]
alarm_state = assertions.aws_api_call(
    "CloudWatch", "describeAlarms", {"AlarmNames": [cis_alarm.alarm_name]}
)
alarm_state.expect(
    integ.ExpectedResult.object_like(
        {"MetricAlarms": integ.Match.array_with([integ.Match.object_like({"StateValue": "ALARM"})])}
    )
)
alarm_state.wait_for_assertions(
    total_timeout=cdk.Duration.minutes(10), interval=cdk.Duration.seconds(30)
)
write.next(alarm_state)

# AND the deployed EventBridge rule matches the CloudTrail event, not the read-only one
rule = rules.rules[obs.SecurityDetection.S3_BUCKET_POLICY_CHANGES]
described = assertions.aws_api_call("EventBridge", "describeRule", {"Name": rule.rule_name})


def _matches(event_name: str, expected: bool) -> integ.IApiCall:
    event = {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.s3",
        "account": "111122223333",
        "time": "2026-01-01T00:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": _cloudtrail_record(event_name),
    }
    call = assertions.aws_api_call(
        "EventBridge",
        "testEventPattern",
        {"EventPattern": described.get_att_string("EventPattern"), "Event": json.dumps(event)},
    )
    call.expect(integ.ExpectedResult.object_like({"Result": expected}))
    return call


described.next(_matches("DeleteBucketPolicy", expected=True)).next(
    _matches("GetBucketPolicy", expected=False)
)

app.synth()
