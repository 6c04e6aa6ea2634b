"""The AWS resources the remediation actions change, created in moto, and their state.

Also the CloudWatch alarms the handler verifies events against: ``firing_alarm`` puts an alarm
into ALARM and returns the Lambda alarm action event CloudWatch sends for it.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Any, cast

from tests.lambdas.alarm_remediation.remediation_handler.sample_events import (
    cloudwatch_time,
    native_event,
)
from tests.lambdas.conftest import aws_client


def put_alarm(name: str, state: str = "ALARM") -> str:
    """A metric alarm in CloudWatch, set to ``state``; returns its ARN."""
    cloudwatch = aws_client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="Test",
        MetricName="Errors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    set_alarm_state(name, state)
    return cast("str", describe_alarm(name)["AlarmArn"])


def set_alarm_state(name: str, state: str) -> None:
    aws_client("cloudwatch").set_alarm_state(
        AlarmName=name, StateValue=state, StateReason=f"test: {state}"
    )


def describe_alarm(name: str) -> dict[str, Any]:
    cloudwatch = aws_client("cloudwatch")
    [alarm] = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return cast("dict[str, Any]", alarm)


def state_updated(name: str) -> datetime:
    """CloudWatch's ``StateUpdatedTimestamp`` of the alarm."""
    return cast("datetime", describe_alarm(name)["StateUpdatedTimestamp"])


def current_event(name: str, previous: str = "OK") -> dict[str, Any]:
    """The Lambda alarm action event CloudWatch sends for the alarm's current state."""
    alarm = describe_alarm(name)
    return native_event(
        name,
        state=alarm["StateValue"],
        previous=previous,
        timestamp=cloudwatch_time(alarm["StateUpdatedTimestamp"]),
    )


def firing_alarm(name: str) -> dict[str, Any]:
    """Put the alarm into ALARM in CloudWatch; returns the event CloudWatch sends for it."""
    put_alarm(name)
    return current_event(name)


def new_state_change(name: str) -> dict[str, Any]:
    """Take the alarm through OK back into ALARM: a new state change, with a later timestamp."""
    before = state_updated(name)
    while state_updated(name) == before:  # CloudWatch's timestamps have millisecond resolution
        set_alarm_state(name, "OK")
        set_alarm_state(name, "ALARM")
    return current_event(name)


def create_db_instance(identifier: str = "orders-db") -> str:
    aws_client("rds").create_db_instance(
        DBInstanceIdentifier=identifier,
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="orders",
        MasterUserPassword="not-a-real-password",
        AllocatedStorage=20,
    )
    return identifier


# One of the AMIs moto always has (listing them all with DescribeImages takes seconds).
MOTO_IMAGE_ID = "ami-03cf127a"


def run_instance() -> str:
    ec2 = aws_client("ec2")
    reservation = ec2.run_instances(
        ImageId=MOTO_IMAGE_ID, MinCount=1, MaxCount=1, InstanceType="t3.micro"
    )
    return cast("str", reservation["Instances"][0]["InstanceId"])


def instance_state(instance_id: str) -> str:
    ec2 = aws_client("ec2")
    reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    return cast("str", reservations[0]["Instances"][0]["State"]["Name"])


def create_ecs_service(desired_count: int, cluster: str = "web", service: str = "api") -> None:
    ecs = aws_client("ecs")
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(
        family="api",
        containerDefinitions=[
            {"name": "api", "image": "public.ecr.aws/nginx/nginx:1.27", "memory": 128}
        ],
    )
    ecs.create_service(
        cluster=cluster, serviceName=service, taskDefinition="api", desiredCount=desired_count
    )


def ecs_desired_count(cluster: str = "web", service: str = "api") -> int:
    ecs = aws_client("ecs")
    return cast(
        "int",
        ecs.describe_services(cluster=cluster, services=[service])["services"][0]["desiredCount"],
    )


def create_function(name: str = "orders-worker", reserved: int | None = None) -> str:
    """A Lambda function (and the role moto requires it to have), optionally with a reservation."""
    role_arn = aws_client("iam").create_role(
        RoleName=f"{name}-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    client = aws_client("lambda")
    client.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role_arn,
        Handler="index.handler",
        Code={"ZipFile": package.getvalue()},
    )
    if reserved is not None:
        client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)
    return name


def reserved_concurrency(name: str = "orders-worker") -> int | None:
    """The function's reserved concurrency, None when it has none (uses unreserved)."""
    response = aws_client("lambda").get_function_concurrency(FunctionName=name)
    return cast("int | None", response.get("ReservedConcurrentExecutions"))


def pause(name: str = "orders-worker") -> dict[str, object]:
    """The action config that pauses a function (reserved concurrency 0)."""
    return {"action": "limit_lambda_concurrency", "function_name": name, "reserved_concurrency": 0}


def subscribed_queue(topic_arn: str) -> str:
    """An SQS queue subscribed to the topic; returns its URL."""
    sqs = aws_client("sqs")
    queue_url = sqs.create_queue(QueueName="notifications")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    aws_client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return cast("str", queue_url)


def received_notifications(queue_url: str) -> list[dict[str, Any]]:
    sqs = aws_client("sqs")
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]
