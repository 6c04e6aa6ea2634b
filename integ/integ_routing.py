"""Integration test: AlarmRouting to an encrypted topic, a Lambda function and an event bus.

A critical alarm is routed to an ``AlarmTopic`` (with an SQS subscriber), to a function (the
native Lambda alarm action) and to a custom event bus (the incident rule). The assertions set
the alarm to ALARM and wait for each target: the topic's message in its queue, the function's
log line, and the alarm's state-change event on the bus (tapped into a second queue).

``make integ`` checks the committed snapshot offline; ``make integ-deploy`` deploys it.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import integ_tests_alpha as integ

import constructs_obs as obs

app = cdk.App()
stack = cdk.Stack(app, "ObsIntegRouting")


def _queue(name: str) -> sqs.Queue:
    return sqs.Queue(
        stack,
        name,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )


topic_queue = _queue("TopicQueue")
bus_queue = _queue("BusQueue")
topic = obs.AlarmTopic(stack, "Oncall", sqs_queues=[topic_queue])
responder_logs = logs.LogGroup(
    stack,
    "ResponderLogs",
    retention=logs.RetentionDays.ONE_DAY,
    removal_policy=cdk.RemovalPolicy.DESTROY,
)
responder = lambda_.Function(
    stack,
    "Responder",
    runtime=lambda_.Runtime.PYTHON_3_13,
    handler="index.handler",
    code=lambda_.Code.from_inline(
        "import json\n\ndef handler(event, context):\n"
        "    print(json.dumps({'received': event['alarmData']['alarmName']}))\n"
    ),
    log_group=responder_logs,
)
bus = events.EventBus(stack, "Incidents")
events.Rule(
    stack,
    "BusTap",
    event_bus=bus,
    event_pattern=events.EventPattern(source=["aws.cloudwatch"]),
    targets=[targets.SqsQueue(bus_queue)],
)
routing = obs.AlarmRouting(
    stack,
    "Routing",
    name_prefix="integ-routing",
    critical=[topic, responder, obs.IncidentTarget.to_event_bus(bus)],
)
alarm = obs.add_threshold_alarm(
    stack,
    "Depth",
    metric=cloudwatch.Metric(
        namespace="ConstructsObsInteg", metric_name="RoutingDepth", statistic="Maximum"
    ),
    threshold=1,
    identity=obs.AlarmIdentity(resource="queue", signal="depth", severity=obs.Severity.CRITICAL),
    routing=routing,
)

test = integ.IntegTest(app, "AlarmRouting", test_cases=[stack])
assertions = test.assertions
name_pattern = integ.Match.string_like_regexp("integ-routing-queue-depth-critical")


def _received(queue: sqs.IQueue) -> integ.IApiCall:
    call = assertions.aws_api_call(
        "SQS",
        "receiveMessage",
        {"QueueUrl": queue.queue_url, "WaitTimeSeconds": 20, "MaxNumberOfMessages": 10},
    )
    call.expect(
        integ.ExpectedResult.object_like(
            {"Messages": integ.Match.array_with([integ.Match.object_like({"Body": name_pattern})])}
        )
    )
    call.wait_for_assertions(
        total_timeout=cdk.Duration.minutes(5), interval=cdk.Duration.seconds(20)
    )
    return call


# WHEN the routed critical alarm goes into ALARM
fire = assertions.aws_api_call(
    "CloudWatch",
    "setAlarmState",
    {"AlarmName": alarm.alarm_name, "StateValue": "ALARM", "StateReason": "integration test"},
)
# THEN the topic's subscriber queue gets the notification
by_topic = _received(topic_queue)
# AND the function was invoked with the alarm (its log line names it)
by_function = assertions.aws_api_call(
    "CloudWatchLogs",
    "filterLogEvents",
    {"logGroupName": responder_logs.log_group_name, "filterPattern": '{ $.received = "*" }'},
)
by_function.expect(
    integ.ExpectedResult.object_like(
        {"events": integ.Match.array_with([integ.Match.object_like({"message": name_pattern})])}
    )
)
by_function.wait_for_assertions(
    total_timeout=cdk.Duration.minutes(5), interval=cdk.Duration.seconds(20)
)
# AND the incident rule put the state-change event on the bus
by_bus = _received(bus_queue)
fire.next(by_topic).next(by_function).next(by_bus)

app.synth()
