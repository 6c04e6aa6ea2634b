"""Tests for the alarm remediation handler (lambdas/alarm_remediation/index.py).

AWS is served by moto; every test loads the handler module afresh with its own environment, so
the module-level Powertools objects and settings are those of a cold start.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import sys
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO, cast

import boto3
import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from lambdas.alarm_remediation import index
from tests.lambdas.conftest import ACCOUNT_ID, IDEMPOTENCY_TABLE, REGION

SERVICE = "alarm-remediation-test"
NAMESPACE = "Test/Remediation"
ALARM_TIME = "2024-05-01T10:00:00.000+0000"
LATER_ALARM_TIME = "2024-05-01T11:30:00.000+0000"


def alarm_arn(name: str) -> str:
    return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:{name}"


# ------------------------------------------------------------------------------------------
# Events, in the three shapes CloudWatch delivers them
# ------------------------------------------------------------------------------------------


def native_event(
    name: str, state: str = "ALARM", previous: str = "OK", timestamp: str = ALARM_TIME
) -> dict[str, Any]:
    """CloudWatch's payload for a Lambda alarm action."""
    return {
        "source": "aws.cloudwatch",
        "alarmArn": alarm_arn(name),
        "accountId": ACCOUNT_ID,
        "time": timestamp,
        "region": REGION,
        "alarmData": {
            "alarmName": name,
            "state": {
                "value": state,
                "reason": "Threshold Crossed: 1 datapoint",
                "timestamp": timestamp,
            },
            "previousState": {
                "value": previous,
                "reason": "Threshold not crossed",
                "timestamp": "2024-05-01T09:00:00.000+0000",
            },
            "configuration": {"description": "test alarm", "metrics": []},
        },
    }


def eventbridge_event(
    name: str, state: str = "ALARM", previous: str = "OK", timestamp: str = ALARM_TIME
) -> dict[str, Any]:
    """EventBridge's "CloudWatch Alarm State Change" event."""
    return {
        "version": "0",
        "id": "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": ACCOUNT_ID,
        "time": timestamp,
        "region": REGION,
        "resources": [alarm_arn(name)],
        "detail": {
            "alarmName": name,
            "state": {
                "value": state,
                "reason": "Threshold Crossed: 1 datapoint",
                "timestamp": timestamp,
            },
            "previousState": {"value": previous, "reason": "Threshold not crossed"},
            "configuration": {"metrics": []},
        },
    }


def sns_message(
    name: str, state: str = "ALARM", previous: str = "OK", timestamp: str = ALARM_TIME
) -> dict[str, Any]:
    return {
        "AlarmName": name,
        "AlarmDescription": "test alarm",
        "AWSAccountId": ACCOUNT_ID,
        "AlarmConfigurationUpdatedTimestamp": "2024-04-01T00:00:00.000+0000",
        "NewStateValue": state,
        "NewStateReason": "Threshold Crossed: 1 datapoint",
        "StateChangeTime": timestamp,
        "Region": "US East (N. Virginia)",
        "AlarmArn": alarm_arn(name),
        "OldStateValue": previous,
        "Trigger": {"MetricName": "CPUUtilization", "Namespace": "AWS/EC2"},
    }


def sns_record(message: object) -> dict[str, Any]:
    body = message if isinstance(message, str) else json.dumps(message)
    return {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:alarms:0b1f",
        "Sns": {
            "Type": "Notification",
            "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
            "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:alarms",
            "Subject": "ALARM",
            "Message": body,
            "Timestamp": "2024-05-01T10:00:01.000Z",
        },
    }


def sns_event(*messages: object) -> dict[str, Any]:
    """An SNS notification event from an alarm topic, one record per message."""
    return {"Records": [sns_record(message) for message in messages]}


def sns_alarm_event(
    name: str, state: str = "ALARM", previous: str = "OK", timestamp: str = ALARM_TIME
) -> dict[str, Any]:
    return sns_event(sns_message(name, state, previous, timestamp))


EventBuilder = Callable[..., dict[str, Any]]
EVENT_SHAPES: Mapping[str, EventBuilder] = {
    "native": native_event,
    "eventbridge": eventbridge_event,
    "sns": sns_alarm_event,
}


# ------------------------------------------------------------------------------------------
# Loading and invoking the handler, reading its output
# ------------------------------------------------------------------------------------------


@dataclass
class FakeLambdaContext:
    function_name: str = "alarm-remediation"
    function_version: str = "$LATEST"
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:alarm-remediation"
    memory_limit_in_mb: int = 256
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"
    log_group_name: str = "/aws/lambda/alarm-remediation"
    log_stream_name: str = "2024/05/01/[$LATEST]abc"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def invoke(event: object) -> dict[str, list[dict[str, str | None]]]:
    summary: dict[str, list[dict[str, str | None]]] = index.lambda_handler(
        event, cast("LambdaContext", FakeLambdaContext())
    )
    return summary


@dataclass
class Output:
    """What the handler wrote to stdout: JSON log lines and EMF metric blobs."""

    logs: list[dict[str, Any]] = field(default_factory=list)
    metric_blobs: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> Output:
        output = cls()
        for line in text.splitlines():
            if not line.strip():
                continue
            record = json.loads(line)  # every line the handler writes is JSON
            (output.metric_blobs if "_aws" in record else output.logs).append(record)
        return output

    @property
    def decisions(self) -> list[dict[str, Any]]:
        return [log for log in self.logs if log.get("message") == index.AUDIT_MESSAGE]

    def metric_totals(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for blob in self.metric_blobs:
            for directive in blob["_aws"]["CloudWatchMetrics"]:
                for metric in directive["Metrics"]:
                    value = blob[metric["Name"]]
                    values = value if isinstance(value, list) else [value]
                    totals[metric["Name"]] = totals.get(metric["Name"], 0) + sum(values)
        return totals


class Loader(Protocol):
    def __call__(
        self,
        actions: Mapping[str, object] | str | None,
        *,
        dry_run: str | None = "false",
        table: str | None = IDEMPOTENCY_TABLE,
        topic: str | None = None,
        namespace: str | None = NAMESPACE,
    ) -> None: ...


def _point_service_logger_at(stream: TextIO) -> None:
    # Not setStream(): it flushes the previous stream, which may be an earlier, closed capture.
    for handler in logging.getLogger(SERVICE).handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.stream = stream


@pytest.fixture
def load_handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[Loader]:
    """Set the handler's environment and re-import it, as a cold start would."""

    def load(
        actions: Mapping[str, object] | str | None,
        *,
        dry_run: str | None = "false",
        table: str | None = IDEMPOTENCY_TABLE,
        topic: str | None = None,
        namespace: str | None = NAMESPACE,
    ) -> None:
        variables: dict[str, str | None] = {
            "POWERTOOLS_SERVICE_NAME": SERVICE,
            "POWERTOOLS_METRICS_NAMESPACE": namespace,
            "REMEDIATION_ACTIONS": actions
            if isinstance(actions, str | None)
            else json.dumps(actions),
            "DRY_RUN": dry_run,
            "IDEMPOTENCY_TABLE": table,
            "NOTIFY_TOPIC_ARN": topic,
        }
        for name, value in variables.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        # Powertools configures one stdlib logger per service, once: point its handler at this
        # test's stdout (captured by capsys) before the cold start logs anything.
        _point_service_logger_at(sys.stdout)
        importlib.reload(index)

    stdout = sys.stdout
    yield load
    index.metrics.clear_metrics()
    _point_service_logger_at(stdout)  # not at this test's capture, which closes now


@pytest.fixture
def output(capsys: pytest.CaptureFixture[str]) -> Callable[[], Output]:
    """Everything written to stdout so far (and not read before)."""
    return lambda: Output.parse(capsys.readouterr().out)


class CallRecorder:
    """Records the responses of one AWS operation on the handler's own client."""

    def __init__(self, client: Any, service: str, operation: str) -> None:
        self.calls: list[tuple[int, dict[str, Any]]] = []
        client.meta.events.register(f"after-call.{service}.{operation}", self._record)

    def _record(self, http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
        self.calls.append((http_response.status_code, parsed))


def idempotency_items() -> list[dict[str, Any]]:
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=IDEMPOTENCY_TABLE)
    return cast("list[dict[str, Any]]", items["Items"])


# ------------------------------------------------------------------------------------------
# AWS resources in moto
# ------------------------------------------------------------------------------------------


def create_db_instance(identifier: str = "orders-db") -> str:
    boto3.client("rds", region_name=REGION).create_db_instance(
        DBInstanceIdentifier=identifier,
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="orders",
        MasterUserPassword="not-a-real-password",
        AllocatedStorage=20,
    )
    return identifier


def run_instance() -> str:
    ec2 = boto3.client("ec2", region_name=REGION)
    image_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    reservation = ec2.run_instances(
        ImageId=image_id, MinCount=1, MaxCount=1, InstanceType="t3.micro"
    )
    return cast("str", reservation["Instances"][0]["InstanceId"])


def instance_state(instance_id: str) -> str:
    ec2 = boto3.client("ec2", region_name=REGION)
    reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    return cast("str", reservations[0]["Instances"][0]["State"]["Name"])


def create_ecs_service(desired_count: int, cluster: str = "web", service: str = "api") -> None:
    ecs = boto3.client("ecs", region_name=REGION)
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
    ecs = boto3.client("ecs", region_name=REGION)
    return cast(
        "int",
        ecs.describe_services(cluster=cluster, services=[service])["services"][0]["desiredCount"],
    )


def create_function(name: str = "orders-worker", reserved: int | None = None) -> str:
    """A Lambda function (and the role moto requires it to have), optionally with a reservation."""
    role_arn = boto3.client("iam", region_name=REGION).create_role(
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
    client = boto3.client("lambda", region_name=REGION)
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
    response = boto3.client("lambda", region_name=REGION).get_function_concurrency(
        FunctionName=name
    )
    return cast("int | None", response.get("ReservedConcurrentExecutions"))


def pause(name: str = "orders-worker") -> dict[str, object]:
    """The action config that pauses a function (reserved concurrency 0)."""
    return {"action": "limit_lambda_concurrency", "function_name": name, "reserved_concurrency": 0}


def subscribed_queue(topic_arn: str) -> str:
    """An SQS queue subscribed to the topic; returns its URL."""
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="notifications")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    boto3.client("sns", region_name=REGION).subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn
    )
    return cast("str", queue_url)


def received_notifications(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


# ------------------------------------------------------------------------------------------
# Actions: the real effect in AWS
# ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("idempotency_table")
def test_reboot_rds_instance_reboots_the_configured_instance(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    # GIVEN an alarm mapped to rebooting an existing DB instance
    create_db_instance("orders-db")
    load_handler(
        {"orders-db-cpu": {"action": "reboot_rds_instance", "db_instance_identifier": "orders-db"}}
    )
    reboots = CallRecorder(index._client("rds"), "rds", "RebootDBInstance")
    output()

    # WHEN the alarm goes into ALARM
    summary = invoke(native_event("orders-db-cpu"))

    # THEN RDS accepted exactly one reboot of that instance (moto keeps the status "available")
    assert [
        (status, parsed["DBInstance"]["DBInstanceIdentifier"]) for status, parsed in reboots.calls
    ] == [(200, "orders-db")]
    assert summary == {
        "results": [
            {
                "alarm": "orders-db-cpu",
                "outcome": "acted",
                "action": "reboot_rds_instance",
                "target": "orders-db",
                "reason": summary["results"][0]["reason"],
            }
        ]
    }
    assert "rebooted RDS DB instance orders-db" in str(summary["results"][0]["reason"])
    totals = output().metric_totals()
    assert totals == {"Acted": 1, "RebootRdsInstance": 1}


@pytest.mark.usefixtures("idempotency_table")
def test_stop_ec2_instance_stops_it_and_writes_one_audit_line(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    instance_id = run_instance()
    load_handler({"web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id}})
    output()

    invoke(eventbridge_event("web-1-status"))

    assert instance_state(instance_id) == "stopped"
    written = output()
    assert len(written.decisions) == 1
    decision = written.decisions[0]
    assert decision["level"] == "INFO"
    assert decision["service"] == SERVICE
    assert {
        key: decision[key] for key in ("alarm", "state", "action", "target", "dry_run", "outcome")
    } == {
        "alarm": "web-1-status",
        "state": "ALARM",
        "action": "stop_ec2_instance",
        "target": instance_id,
        "dry_run": False,
        "outcome": "acted",
    }
    assert (
        decision["reason"]
        == f"requested a stop of EC2 instance {instance_id} (running -> stopping)"
    )
    assert decision["alarm_arn"] == alarm_arn("web-1-status")
    assert decision["function_name"] == "alarm-remediation"


@pytest.mark.usefixtures("idempotency_table")
def test_reboot_ec2_instance_reboots_it(load_handler: Loader, output: Callable[[], Output]) -> None:
    instance_id = run_instance()
    load_handler({"web-1-hung": {"action": "reboot_ec2_instance", "instance_id": instance_id}})
    reboots = CallRecorder(index._client("ec2"), "ec2", "RebootInstances")
    output()

    summary = invoke(native_event("web-1-hung"))

    assert [status for status, _ in reboots.calls] == [200]
    assert instance_state(instance_id) == "running"  # a reboot is not a stop
    assert summary["results"][0]["outcome"] == "acted"
    assert output().metric_totals() == {"Acted": 1, "RebootEc2Instance": 1}


@pytest.mark.usefixtures("idempotency_table")
def test_scale_ecs_service_sets_the_desired_count(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    create_ecs_service(desired_count=2)
    load_handler(
        {
            "api-latency": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "desired_count": 4,
            }
        }
    )
    output()

    summary = invoke(native_event("api-latency"))

    assert ecs_desired_count() == 4
    assert summary["results"][0]["target"] == "web/api"
    assert summary["results"][0]["reason"] == (
        "changed the desired count of ECS service api from 2 to 4"
    )
    written = output()
    assert written.metric_totals() == {"Acted": 1, "ScaleEcsService": 1}
    directive = written.metric_blobs[0]["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == NAMESPACE
    assert directive["Dimensions"] == [["service"]]  # dimension-light
    assert written.metric_blobs[0]["service"] == SERVICE


@pytest.mark.usefixtures("idempotency_table")
def test_scale_ecs_service_by_step_is_capped_at_max_count(load_handler: Loader) -> None:
    create_ecs_service(desired_count=8)
    load_handler(
        {
            "api-cpu": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "step": 3,
                "max_count": 10,
            }
        }
    )

    first = invoke(native_event("api-cpu", timestamp=ALARM_TIME))
    assert ecs_desired_count() == 10  # 8 + 3, capped at 10
    assert first["results"][0]["outcome"] == "acted"

    # A later, distinct state change finds the service at the cap: nothing to change.
    second = invoke(native_event("api-cpu", timestamp=LATER_ALARM_TIME))
    assert ecs_desired_count() == 10
    assert second["results"][0]["outcome"] == "skipped"
    assert "already has desired count 10" in str(second["results"][0]["reason"])


@pytest.mark.usefixtures("idempotency_table")
def test_scale_ecs_service_by_negative_step_stops_at_min_count(load_handler: Loader) -> None:
    create_ecs_service(desired_count=3)
    load_handler(
        {
            "api-idle": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "step": -2,
                "min_count": 2,
            }
        }
    )

    invoke(native_event("api-idle"))

    assert ecs_desired_count() == 2  # 3 - 2 = 1, floored at 2


@pytest.mark.usefixtures("idempotency_table")
def test_notify_publishes_a_readable_message_to_the_topic(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    topic_arn = boto3.client("sns", region_name=REGION).create_topic(Name="oncall")["TopicArn"]
    queue_url = subscribed_queue(topic_arn)
    load_handler({"queue-depth": {"action": "notify"}}, topic=topic_arn)
    output()

    summary = invoke(sns_alarm_event("queue-depth"))

    notifications = received_notifications(queue_url)
    assert len(notifications) == 1
    assert notifications[0]["Subject"] == "ALARM: queue-depth"
    message = notifications[0]["Message"]
    assert 'CloudWatch alarm "queue-depth" changed from OK to ALARM.' in message
    assert "Reason: Threshold Crossed: 1 datapoint" in message
    assert f"Alarm ARN: {alarm_arn('queue-depth')}" in message
    assert summary["results"][0]["target"] == topic_arn
    assert summary["results"][0]["outcome"] == "acted"
    assert output().metric_totals() == {"Acted": 1, "Notify": 1}


@pytest.mark.usefixtures("idempotency_table")
def test_notify_without_a_topic_only_logs(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    load_handler({"queue-depth": {"action": "notify"}}, topic=None)
    output()

    summary = invoke(native_event("queue-depth"))

    assert summary["results"][0]["outcome"] == "acted"
    assert summary["results"][0]["target"] is None
    assert summary["results"][0]["reason"] == "notification logged; NOTIFY_TOPIC_ARN is not set"
    notices = [log for log in output().logs if log["message"].startswith("alarm notification")]
    assert len(notices) == 1
    assert 'CloudWatch alarm "queue-depth" changed from OK to ALARM.' in notices[0]["notification"]


@pytest.mark.usefixtures("idempotency_table")
def test_limit_lambda_concurrency_pauses_the_function(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    # GIVEN an alarm mapped to pausing a function that uses unreserved concurrency
    create_function("orders-worker")
    load_handler({"orders-worker-errors": pause("orders-worker")})
    puts = CallRecorder(index._client("lambda"), "lambda", "PutFunctionConcurrency")
    output()

    # WHEN the alarm goes into ALARM
    summary = invoke(eventbridge_event("orders-worker-errors"))

    # THEN the function's reserved concurrency is 0 (set by exactly one call), and it is audited
    assert reserved_concurrency("orders-worker") == 0
    assert [(status, parsed["ReservedConcurrentExecutions"]) for status, parsed in puts.calls] == [
        (200, 0)
    ]
    assert summary == {
        "results": [
            {
                "alarm": "orders-worker-errors",
                "outcome": "acted",
                "action": "limit_lambda_concurrency",
                "target": "orders-worker",
                "reason": "changed the reserved concurrency of Lambda function orders-worker "
                "from unreserved to 0",
            }
        ]
    }
    written = output()
    [decision] = written.decisions
    assert (decision["level"], decision["action"], decision["dry_run"]) == (
        "INFO",
        "limit_lambda_concurrency",
        False,
    )
    assert written.metric_totals() == {"Acted": 1, "LimitLambdaConcurrency": 1}


@pytest.mark.usefixtures("idempotency_table")
def test_limit_lambda_concurrency_caps_a_reservation_and_reports_the_previous_one(
    load_handler: Loader,
) -> None:
    create_function("thumbnailer", reserved=50)
    load_handler(
        {
            "thumbnailer-cost": {
                "action": "limit_lambda_concurrency",
                "function_name": "thumbnailer",
                "reserved_concurrency": 5,
            }
        }
    )

    summary = invoke(native_event("thumbnailer-cost"))

    assert reserved_concurrency("thumbnailer") == 5
    assert summary["results"][0]["outcome"] == "acted"
    assert summary["results"][0]["reason"] == (
        "changed the reserved concurrency of Lambda function thumbnailer from 50 to 5"
    )


@pytest.mark.usefixtures("idempotency_table")
def test_limit_lambda_concurrency_already_at_the_value_is_skipped(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    create_function("orders-worker", reserved=0)
    load_handler({"orders-worker-errors": pause("orders-worker")})
    puts = CallRecorder(index._client("lambda"), "lambda", "PutFunctionConcurrency")
    output()

    summary = invoke(native_event("orders-worker-errors"))

    assert puts.calls == []
    assert reserved_concurrency("orders-worker") == 0
    assert summary["results"][0]["outcome"] == "skipped"
    assert summary["results"][0]["reason"] == (
        "Lambda function orders-worker already has reserved concurrency 0; not changed"
    )
    assert output().metric_totals() == {"Skipped": 1}  # like an ECS service already scaled


# ------------------------------------------------------------------------------------------
# Dry run
# ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("idempotency_table")
@pytest.mark.parametrize(
    "dry_run", [None, "true", "TRUE", "yes"], ids=["unset", "true", "TRUE", "unrecognised"]
)
def test_dry_run_changes_nothing_and_reports_what_it_would_do(
    load_handler: Loader, output: Callable[[], Output], dry_run: str | None
) -> None:
    # GIVEN actions on an instance, a service and a topic, in dry-run (the default)
    instance_id = run_instance()
    create_ecs_service(desired_count=2)
    topic_arn = boto3.client("sns", region_name=REGION).create_topic(Name="oncall")["TopicArn"]
    queue_url = subscribed_queue(topic_arn)
    load_handler(
        {
            "web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id},
            "api-cpu": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "step": 1,
                "max_count": 5,
            },
            "queue-depth": {"action": "notify"},
        },
        dry_run=dry_run,
        topic=topic_arn,
    )

    # WHEN the three alarms fire
    summary = invoke(
        sns_event(sns_message("web-1-status"), sns_message("api-cpu"), sns_message("queue-depth"))
    )

    # THEN nothing changed, no AWS client was even created, and each would-be action is reported
    assert instance_state(instance_id) == "running"
    assert ecs_desired_count() == 2
    assert received_notifications(queue_url) == []
    assert idempotency_items() == []
    assert index._client.cache_info().currsize == 0
    assert [result["outcome"] for result in summary["results"]] == ["dry_run"] * 3
    assert summary["results"][0]["reason"] == f"dry run: would stop EC2 instance {instance_id}"
    assert summary["results"][1]["reason"] == (
        "dry run: would change the desired count of ECS service api by +1 (keeping it at most 5)"
    )
    written = output()
    assert [decision["dry_run"] for decision in written.decisions] == [True, True, True]
    assert written.metric_totals() == {
        "DryRun": 3,
        "StopEc2Instance": 1,
        "ScaleEcsService": 1,
        "Notify": 1,
    }
    warnings = [log for log in written.logs if "not 'true' or 'false'" in log["message"]]
    assert len(warnings) == (1 if dry_run == "yes" else 0)


def test_dry_run_does_not_need_the_idempotency_table(load_handler: Loader) -> None:
    load_handler(
        {"web-1-status": {"action": "stop_ec2_instance", "instance_id": "i-0abc"}},
        dry_run="true",
        table=None,
    )

    summary = invoke(native_event("web-1-status"))

    assert summary["results"][0]["outcome"] == "dry_run"


@pytest.mark.usefixtures("idempotency_table")
def test_limit_lambda_concurrency_in_dry_run_calls_no_api(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    create_function("orders-worker", reserved=20)
    load_handler({"orders-worker-errors": pause("orders-worker")}, dry_run="true")
    output()

    summary = invoke(native_event("orders-worker-errors"))

    assert reserved_concurrency("orders-worker") == 20
    assert index._client.cache_info().currsize == 0  # no AWS client was even created
    assert idempotency_items() == []
    assert summary["results"][0]["outcome"] == "dry_run"
    assert summary["results"][0]["target"] == "orders-worker"
    assert summary["results"][0]["reason"] == (
        "dry run: would set the reserved concurrency of Lambda function orders-worker to 0 "
        "(pausing it)"
    )
    written = output()
    assert [decision["dry_run"] for decision in written.decisions] == [True]
    assert written.metric_totals() == {"DryRun": 1, "LimitLambdaConcurrency": 1}


# ------------------------------------------------------------------------------------------
# Idempotency
# ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("idempotency_table")
def test_the_same_state_change_delivered_twice_acts_once(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    create_ecs_service(desired_count=2)
    load_handler(
        {
            "api-cpu": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "step": 1,
                "max_count": 10,
            }
        }
    )
    output()

    first = invoke(native_event("api-cpu"))
    second = invoke(native_event("api-cpu"))

    assert ecs_desired_count() == 3  # +1 once, not twice
    assert first["results"][0]["outcome"] == "acted"
    assert second["results"][0]["outcome"] == "skipped"
    assert str(second["results"][0]["reason"]).startswith(
        "duplicate delivery; this state change was already handled (acted: changed the desired"
    )
    [item] = idempotency_items()
    assert item["status"]["S"] == "COMPLETED"
    assert "expiration" in item
    assert output().metric_totals() == {"Acted": 1, "Skipped": 1, "ScaleEcsService": 1}

    # A new state change of the same alarm acts again.
    third = invoke(native_event("api-cpu", timestamp=LATER_ALARM_TIME))
    assert third["results"][0]["outcome"] == "acted"
    assert ecs_desired_count() == 4


@pytest.mark.usefixtures("idempotency_table")
def test_a_redelivered_pause_does_not_undo_an_operator_restoring_the_function(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    # GIVEN a function paused by an alarm, then restored by an operator
    create_function("orders-worker", reserved=40)
    load_handler({"orders-worker-errors": pause("orders-worker")})
    output()
    first = invoke(native_event("orders-worker-errors"))
    assert reserved_concurrency("orders-worker") == 0
    boto3.client("lambda", region_name=REGION).put_function_concurrency(
        FunctionName="orders-worker", ReservedConcurrentExecutions=40
    )

    # WHEN Lambda (or a DLQ redrive) delivers the same state change again
    second = invoke(sns_alarm_event("orders-worker-errors"))

    # THEN it is recognised as handled: the function stays restored
    assert reserved_concurrency("orders-worker") == 40
    assert first["results"][0]["outcome"] == "acted"
    assert second["results"][0]["outcome"] == "skipped"
    assert second["results"][0]["reason"] == (
        "duplicate delivery; this state change was already handled (acted: changed the "
        "reserved concurrency of Lambda function orders-worker from 40 to 0)"
    )
    assert output().metric_totals() == {"Acted": 1, "Skipped": 1, "LimitLambdaConcurrency": 1}

    # A new state change of the alarm pauses it again.
    third = invoke(native_event("orders-worker-errors", timestamp=LATER_ALARM_TIME))
    assert third["results"][0]["outcome"] == "acted"
    assert reserved_concurrency("orders-worker") == 0


@pytest.mark.usefixtures("idempotency_table")
def test_one_state_change_delivered_through_every_channel_acts_once(load_handler: Loader) -> None:
    # The alarm both invokes the function and publishes to a subscribed topic, and EventBridge
    # routes it too; the SNS timestamp is written differently but is the same instant.
    create_ecs_service(desired_count=2)
    load_handler(
        {
            "api-cpu": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "step": 1,
                "max_count": 10,
            }
        }
    )

    outcomes = [
        invoke(native_event("api-cpu", timestamp="2024-05-01T10:00:00.000+0000")),
        invoke(eventbridge_event("api-cpu", timestamp="2024-05-01T10:00:00.000+0000")),
        invoke(sns_alarm_event("api-cpu", timestamp="2024-05-01T10:00:00Z")),
    ]

    assert [summary["results"][0]["outcome"] for summary in outcomes] == [
        "acted",
        "skipped",
        "skipped",
    ]
    assert ecs_desired_count() == 3


@pytest.mark.usefixtures("idempotency_table")
def test_a_concurrent_delivery_of_a_state_change_in_progress_is_skipped(
    load_handler: Loader, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_ecs_service(desired_count=2)
    load_handler(
        {
            "api-cpu": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "step": 1,
                "max_count": 10,
            }
        }
    )
    concurrent: list[dict[str, list[dict[str, str | None]]]] = []
    execute = index._execute

    def execute_while_redelivered(
        *, change: index.AlarmStateChange, action: index.RemediationAction
    ) -> dict[str, str]:
        concurrent.append(
            invoke(native_event("api-cpu"))
        )  # arrives while this one holds the record
        return execute(change=change, action=action)

    monkeypatch.setattr(index, "_execute", execute_while_redelivered)

    summary = invoke(native_event("api-cpu"))

    assert summary["results"][0]["outcome"] == "acted"
    assert concurrent[0]["results"][0]["outcome"] == "skipped"
    assert (
        concurrent[0]["results"][0]["reason"]
        == "another invocation is already handling this state change"
    )
    assert ecs_desired_count() == 3


# ------------------------------------------------------------------------------------------
# Which state changes are acted on
# ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("idempotency_table")
@pytest.mark.parametrize("shape", EVENT_SHAPES)
def test_each_event_shape_is_acted_on(load_handler: Loader, shape: str) -> None:
    instance_id = run_instance()
    load_handler({"web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id}})

    summary = invoke(EVENT_SHAPES[shape]("web-1-status"))

    assert instance_state(instance_id) == "stopped"
    assert [result["outcome"] for result in summary["results"]] == ["acted"]


@pytest.mark.usefixtures("idempotency_table")
@pytest.mark.parametrize("shape", EVENT_SHAPES)
@pytest.mark.parametrize(
    ("state", "previous"), [("OK", "ALARM"), ("INSUFFICIENT_DATA", "ALARM"), ("ALARM", "ALARM")]
)
def test_only_transitions_into_alarm_are_acted_on(
    load_handler: Loader, output: Callable[[], Output], shape: str, state: str, previous: str
) -> None:
    create_ecs_service(desired_count=2)
    load_handler(
        {
            "api-latency": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "desired_count": 6,
            }
        }
    )
    output()

    summary = invoke(EVENT_SHAPES[shape]("api-latency", state=state, previous=previous))

    assert ecs_desired_count() == 2
    [result] = summary["results"]
    assert result["outcome"] == "skipped"
    assert result["action"] == "scale_ecs_service"  # the configured action, for context
    if state == "ALARM":
        assert result["reason"] == "no transition: the alarm was already in ALARM"
    else:
        assert (
            result["reason"] == f"state is {state}; remediation runs only on transitions into ALARM"
        )
    written = output()
    assert [decision["state"] for decision in written.decisions] == [state]
    assert written.metric_totals() == {"Skipped": 1}


@pytest.mark.usefixtures("idempotency_table")
def test_an_alarm_without_remediation_is_skipped(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    load_handler({"api-latency": {"action": "notify"}})
    output()

    summary = invoke(native_event("someone-elses-alarm"))

    assert summary == {
        "results": [
            {
                "alarm": "someone-elses-alarm",
                "outcome": "skipped",
                "action": None,
                "target": None,
                "reason": "no remediation is configured for this alarm",
            }
        ]
    }
    assert output().metric_totals() == {"Skipped": 1}


# ------------------------------------------------------------------------------------------
# Malformed events: rejected, never raised
# ------------------------------------------------------------------------------------------


def _without(event: dict[str, Any], *path: str) -> dict[str, Any]:
    copy = json.loads(json.dumps(event))
    container = copy
    for key in path[:-1]:
        container = container[key]
    del container[path[-1]]
    return cast("dict[str, Any]", copy)


def _with(event: dict[str, Any], value: object, *path: str) -> dict[str, Any]:
    copy = json.loads(json.dumps(event))
    container = copy
    for key in path[:-1]:
        container = container[key]
    container[path[-1]] = value
    return cast("dict[str, Any]", copy)


MALFORMED_EVENTS: Mapping[str, tuple[object, str]] = {
    "null": (None, "event must be a JSON object, got null"),
    "array": ([native_event("a")], "event must be a JSON object, got array"),
    "string": ("ALARM", "event must be a JSON object, got string"),
    "empty object": ({}, "unrecognised event"),
    "unknown shape": ({"source": "aws.cloudwatch", "alarmName": "a"}, "unrecognised event"),
    "native without state": (
        _without(native_event("a"), "alarmData", "state"),
        "missing field 'alarmData.state'",
    ),
    "native without alarm name": (
        _without(native_event("a"), "alarmData", "alarmName"),
        "'alarmData.alarmName'",
    ),
    "native without ARN": (_without(native_event("a"), "alarmArn"), "missing field 'alarmArn'"),
    "native, state not an object": (
        _with(native_event("a"), "ALARM", "alarmData", "state"),
        "must be a JSON object",
    ),
    "native, unknown state": (
        _with(native_event("a"), "FIRING", "alarmData", "state", "value"),
        "'FIRING'",
    ),
    "native, other source": (_with(native_event("a"), "custom.app", "source"), "'custom.app'"),
    "eventbridge, other detail-type": (
        _with(eventbridge_event("a"), "CloudWatch Alarm Configuration Change", "detail-type"),
        "'detail-type'",
    ),
    "eventbridge without resources": (
        _with(eventbridge_event("a"), [], "resources"),
        "'resources'",
    ),
    "eventbridge, state value a number": (
        _with(eventbridge_event("a"), 3, "detail", "state", "value"),
        "got number",
    ),
    "no records": ({"Records": []}, "'Records' must be a non-empty array"),
    "records not an array": ({"Records": {"Sns": {}}}, "'Records' must be a non-empty array"),
    "SQS record": (
        {"Records": [{"eventSource": "aws:sqs", "body": "{}"}]},
        "'EventSource' is None",
    ),
    "SNS message not JSON": (sns_event("ALARM: a is on fire"), "'Sns.Message' is not JSON"),
    "SNS message an array": (sns_event([sns_message("a")]), "must be a JSON object, got array"),
    "SNS message without ARN": (
        sns_event(_without(sns_message("a"), "AlarmArn")),
        "'Sns.Message.AlarmArn'",
    ),
    "SNS message without time": (
        sns_event(_without(sns_message("a"), "StateChangeTime")),
        "'Sns.Message.StateChangeTime'",
    ),
    "SNS record without Sns": ({"Records": [{"EventSource": "aws:sns"}]}, "missing field 'Sns'"),
}


@pytest.mark.usefixtures("idempotency_table")
@pytest.mark.parametrize("name", MALFORMED_EVENTS)
def test_malformed_events_are_rejected_without_raising(
    load_handler: Loader, output: Callable[[], Output], name: str
) -> None:
    event, expected_reason = MALFORMED_EVENTS[name]
    load_handler({"a": {"action": "notify"}})
    output()

    summary = invoke(event)

    [result] = summary["results"]
    assert result["outcome"] == "rejected"
    assert expected_reason in str(result["reason"])
    written = output()
    assert [(decision["outcome"], decision["level"]) for decision in written.decisions] == [
        ("rejected", "WARNING")
    ]
    assert written.decisions[0]["reason"] == result["reason"]
    assert written.metric_totals() == {"Rejected": 1}
    assert idempotency_items() == []


@pytest.mark.usefixtures("idempotency_table")
def test_an_sns_batch_is_handled_record_by_record(load_handler: Loader) -> None:
    instance_id = run_instance()
    load_handler({"web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id}})

    summary = invoke(sns_event("not json", sns_message("web-1-status"), sns_message("other-alarm")))

    assert [(result["alarm"], result["outcome"]) for result in summary["results"]] == [
        (None, "rejected"),
        ("web-1-status", "acted"),
        ("other-alarm", "skipped"),
    ]
    assert instance_state(instance_id) == "stopped"


# ------------------------------------------------------------------------------------------
# Configuration
# ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("idempotency_table")
@pytest.mark.parametrize("raw", ["{not json", "[]", '"orders-db"'])
def test_an_unreadable_remediation_config_rejects_every_alarm(
    load_handler: Loader, output: Callable[[], Output], raw: str
) -> None:
    load_handler(raw)  # the import itself must not fail
    cold_start = output()
    errors = [log for log in cold_start.logs if log["level"] == "ERROR"]
    assert [log["message"] for log in errors] == [
        "REMEDIATION_ACTIONS is invalid; every alarm will be rejected"
    ]

    summary = invoke(native_event("orders-db-cpu"))

    assert summary["results"][0]["outcome"] == "rejected"
    assert str(summary["results"][0]["reason"]).startswith("REMEDIATION_ACTIONS is invalid: ")


@pytest.mark.usefixtures("idempotency_table")
def test_an_invalid_action_is_reported_at_cold_start_and_rejects_only_its_alarm(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    instance_id = run_instance()
    load_handler(
        {
            "web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id},
            "orders-db-cpu": {"action": "reboot_rds_instance"},
            "api-cpu": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "step": 1,
            },
            "disk-full": {"action": "delete_everything"},
        }
    )
    cold_start = output()
    reported = {log["alarm"]: log["error"] for log in cold_start.logs if log["level"] == "ERROR"}
    assert reported == {
        "orders-db-cpu": "missing required field(s): db_instance_identifier",
        "api-cpu": "a positive 'step' requires 'max_count' (the cap)",
        "disk-full": "unknown action 'delete_everything' (one of: reboot_rds_instance, "
        "stop_ec2_instance, reboot_ec2_instance, scale_ecs_service, limit_lambda_concurrency, "
        "notify)",
    }

    rejected = invoke(native_event("orders-db-cpu"))
    acted = invoke(native_event("web-1-status"))

    assert rejected["results"][0]["outcome"] == "rejected"
    assert rejected["results"][0]["reason"] == (
        "invalid remediation config: missing required field(s): db_instance_identifier"
    )
    assert acted["results"][0]["outcome"] == "acted"
    assert instance_state(instance_id) == "stopped"


@pytest.mark.usefixtures("aws")
def test_acting_without_an_idempotency_table_is_refused(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    instance_id = run_instance()
    load_handler(
        {"web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id}}, table=None
    )
    assert "IDEMPOTENCY_TABLE is not set; no action will be performed" in [
        log["message"] for log in output().logs
    ]

    summary = invoke(native_event("web-1-status"))

    assert summary["results"][0]["outcome"] == "rejected"
    assert instance_state(instance_id) == "running"


@pytest.mark.usefixtures("idempotency_table")
def test_metrics_namespace_defaults_to_constructs_obs_remediation(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    load_handler({}, namespace=None)
    output()

    invoke(native_event("anything"))

    [blob] = output().metric_blobs
    assert blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "ConstructsObs/Remediation"


# Expected actions as (class name, fields): each test reloads the module, and its classes.
VALID_ACTIONS: Mapping[str, tuple[dict[str, object], str, dict[str, object]]] = {
    "reboot_rds_instance": (
        {"action": "reboot_rds_instance", "db_instance_identifier": "orders-db"},
        "RebootRdsInstance",
        {"db_instance_identifier": "orders-db"},
    ),
    "stop_ec2_instance": (
        {"action": "stop_ec2_instance", "instance_id": "i-0123456789abcdef0"},
        "StopEc2Instance",
        {"instance_id": "i-0123456789abcdef0"},
    ),
    "reboot_ec2_instance": (
        {"action": "reboot_ec2_instance", "instance_id": "i-0123456789abcdef0"},
        "RebootEc2Instance",
        {"instance_id": "i-0123456789abcdef0"},
    ),
    "scale to a count": (
        {"action": "scale_ecs_service", "cluster": "web", "service": "api", "desired_count": 4},
        "ScaleEcsService",
        {"cluster": "web", "service": "api", "desired_count": 4},
    ),
    "scale by a step": (
        {
            "action": "scale_ecs_service",
            "cluster": "web",
            "service": "api",
            "step": 1,
            "max_count": 9,
        },
        "ScaleEcsService",
        {"cluster": "web", "service": "api", "step": 1, "max_count": 9},
    ),
    "scale in by a step": (
        {
            "action": "scale_ecs_service",
            "cluster": "web",
            "service": "api",
            "step": -1,
            "min_count": 1,
        },
        "ScaleEcsService",
        {"cluster": "web", "service": "api", "step": -1, "min_count": 1},
    ),
    "pause a function": (
        {
            "action": "limit_lambda_concurrency",
            "function_name": "worker",
            "reserved_concurrency": 0,
        },
        "LimitLambdaConcurrency",
        {"function_name": "worker", "reserved_concurrency": 0},
    ),
    "cap a function": (
        {
            "action": "limit_lambda_concurrency",
            "function_name": " worker ",
            "reserved_concurrency": 25,
        },
        "LimitLambdaConcurrency",
        {"function_name": "worker", "reserved_concurrency": 25},
    ),
    "notify": ({"action": "notify"}, "Notify", {}),
}


@pytest.mark.parametrize("name", VALID_ACTIONS)
def test_valid_action_configs_parse(name: str) -> None:
    raw, class_name, fields = VALID_ACTIONS[name]
    assert index.parse_action(raw) == getattr(index, class_name)(**fields)


ECS = {"action": "scale_ecs_service", "cluster": "web", "service": "api"}
LAMBDA = {"action": "limit_lambda_concurrency", "function_name": "worker"}
INVALID_ACTIONS: Mapping[str, tuple[object, str]] = {
    "not an object": (["reboot_rds_instance"], "must be a JSON object, got array"),
    "no action": ({"instance_id": "i-1"}, "missing required field 'action'"),
    "unknown action": ({"action": "terminate_instance"}, "unknown action 'terminate_instance'"),
    "missing field": ({"action": "stop_ec2_instance"}, "missing required field(s): instance_id"),
    "empty field": (
        {"action": "stop_ec2_instance", "instance_id": " "},
        "'instance_id' must be a non-empty string",
    ),
    "field not a string": ({"action": "reboot_ec2_instance", "instance_id": 7}, "got number"),
    "unknown field": (
        {"action": "stop_ec2_instance", "instance_id": "i-1", "force": True},
        "unknown field(s): force (allowed: instance_id)",
    ),
    "notify with fields": (
        {"action": "notify", "topic": "x"},
        "unknown field(s): topic (allowed: none)",
    ),
    "ecs, neither count nor step": (ECS, "exactly one of 'desired_count' and 'step' is required"),
    "ecs, both count and step": (
        {**ECS, "desired_count": 2, "step": 1, "max_count": 4},
        "exactly one of 'desired_count' and 'step' is required",
    ),
    "ecs, negative count": ({**ECS, "desired_count": -1}, "'desired_count' must be >= 0, got -1"),
    "ecs, count a string": (
        {**ECS, "desired_count": "4"},
        "'desired_count' must be an integer, got string",
    ),
    "ecs, count a boolean": (
        {**ECS, "desired_count": True},
        "'desired_count' must be an integer, got boolean",
    ),
    "ecs, count a float": (
        {**ECS, "desired_count": 2.5},
        "'desired_count' must be an integer, got number",
    ),
    "ecs, zero step": ({**ECS, "step": 0, "max_count": 3}, "'step' must not be 0"),
    "ecs, uncapped step": ({**ECS, "step": 2}, "a positive 'step' requires 'max_count'"),
    "ecs, unfloored step": ({**ECS, "step": -2}, "a negative 'step' requires 'min_count'"),
    "ecs, bounds reversed": (
        {**ECS, "step": 1, "min_count": 5, "max_count": 3},
        "'min_count' (5) must be <= 'max_count' (3)",
    ),
    "ecs, bounds with a count": (
        {**ECS, "desired_count": 2, "max_count": 3},
        "apply only with 'step'",
    ),
    "ecs, missing cluster": (
        {"action": "scale_ecs_service", "service": "api", "desired_count": 1},
        "missing required field(s): cluster",
    ),
    "lambda, no concurrency": (LAMBDA, "missing required field(s): reserved_concurrency"),
    "lambda, no function": (
        {"action": "limit_lambda_concurrency", "reserved_concurrency": 0},
        "missing required field(s): function_name",
    ),
    "lambda, empty function": (
        {**LAMBDA, "function_name": "", "reserved_concurrency": 0},
        "'function_name' must be a non-empty string, got string",
    ),
    "lambda, function not a string": (
        {**LAMBDA, "function_name": ["worker"], "reserved_concurrency": 0},
        "'function_name' must be a non-empty string, got array",
    ),
    "lambda, negative concurrency": (
        {**LAMBDA, "reserved_concurrency": -1},
        "'reserved_concurrency' must be >= 0, got -1",
    ),
    "lambda, concurrency a string": (
        {**LAMBDA, "reserved_concurrency": "0"},
        "'reserved_concurrency' must be an integer, got string",
    ),
    "lambda, concurrency a boolean": (
        {**LAMBDA, "reserved_concurrency": False},
        "'reserved_concurrency' must be an integer, got boolean",
    ),
    "lambda, concurrency a float": (
        {**LAMBDA, "reserved_concurrency": 1.0},
        "'reserved_concurrency' must be an integer, got number",
    ),
    "lambda, concurrency null": (
        {**LAMBDA, "reserved_concurrency": None},
        "'reserved_concurrency' must be an integer, got null",
    ),
    "lambda, unknown field": (
        {**LAMBDA, "reserved_concurrency": 0, "qualifier": "live"},
        "unknown field(s): qualifier (allowed: function_name, reserved_concurrency)",
    ),
}


@pytest.mark.parametrize("name", INVALID_ACTIONS)
def test_invalid_action_configs_are_refused_with_the_field_named(name: str) -> None:
    raw, message = INVALID_ACTIONS[name]
    with pytest.raises(index.InvalidActionConfigError) as raised:
        index.parse_action(raw)
    assert message in str(raised.value)


def test_parse_remediation_actions_keeps_valid_entries_beside_invalid_ones() -> None:
    parsed = index.parse_remediation_actions(
        json.dumps(
            {"a": {"action": "notify"}, "b": {"action": "notify", "x": 1}, "": {"action": "notify"}}
        )
    )
    assert parsed.actions == {"a": index.Notify()}
    assert set(parsed.invalid) == {"b", ""}
    assert parsed.error is None


@pytest.mark.parametrize(
    ("reserved", "description"),
    [
        (0, "set the reserved concurrency of Lambda function worker to 0 (pausing it)"),
        (7, "set the reserved concurrency of Lambda function worker to 7"),
    ],
)
def test_limit_lambda_concurrency_is_described_with_its_target(
    reserved: int, description: str
) -> None:
    action = index.LimitLambdaConcurrency(function_name="worker", reserved_concurrency=reserved)

    assert index.describe_action(action, notify_topic_arn=None) == description
    assert index.action_target(action, notify_topic_arn=None) == "worker"
    assert index.ACTION_METRICS[action.kind] == "LimitLambdaConcurrency"


# ------------------------------------------------------------------------------------------
# AWS failures: audited, counted, re-raised
# ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("idempotency_table")
def test_an_aws_failure_is_logged_counted_and_re_raised(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    load_handler(
        {"orders-db-cpu": {"action": "reboot_rds_instance", "db_instance_identifier": "no-such-db"}}
    )
    output()

    with pytest.raises(ClientError) as raised:
        invoke(native_event("orders-db-cpu"))

    assert raised.value.response["Error"]["Code"] == "DBInstanceNotFound"
    written = output()
    [decision] = written.decisions
    assert decision["level"] == "ERROR"
    assert decision["outcome"] == "failed"
    assert decision["target"] == "no-such-db"
    assert decision["reason"].startswith(
        "could not reboot RDS DB instance no-such-db: DBInstanceNotFoundFault: "
    )
    assert "DBInstanceNotFound" in decision["exception"]
    assert written.metric_totals() == {"Failed": 1, "RebootRdsInstance": 1}
    assert idempotency_items() == []  # released, so Lambda's retry can act


@pytest.mark.usefixtures("idempotency_table")
def test_limit_lambda_concurrency_of_a_missing_function_fails_and_is_re_raised(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    load_handler({"worker-errors": pause("no-such-function")})
    output()

    with pytest.raises(ClientError) as raised:
        invoke(native_event("worker-errors"))

    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    written = output()
    [decision] = written.decisions
    assert (decision["level"], decision["outcome"], decision["target"]) == (
        "ERROR",
        "failed",
        "no-such-function",
    )
    assert decision["reason"].startswith(
        "could not set the reserved concurrency of Lambda function no-such-function to 0 "
        "(pausing it): ResourceNotFoundException: "
    )
    assert written.metric_totals() == {"Failed": 1, "LimitLambdaConcurrency": 1}
    assert idempotency_items() == []  # released, so Lambda's retry can act


@pytest.mark.usefixtures("idempotency_table")
def test_a_retry_after_a_failure_acts(load_handler: Loader) -> None:
    load_handler(
        {
            "api-latency": {
                "action": "scale_ecs_service",
                "cluster": "web",
                "service": "api",
                "desired_count": 5,
            }
        }
    )

    boto3.client("ecs", region_name=REGION).create_cluster(clusterName="web")
    with pytest.raises(index.RemediationError, match="ECS service api not found in cluster web"):
        invoke(native_event("api-latency"))  # the service does not exist yet
    assert idempotency_items() == []
    create_ecs_service(desired_count=1)
    summary = invoke(native_event("api-latency"))  # Lambda's retry of the same event

    assert summary["results"][0]["outcome"] == "acted"
    assert ecs_desired_count() == 5


@pytest.mark.usefixtures("idempotency_table")
def test_a_failing_record_does_not_stop_the_rest_of_an_sns_batch(
    load_handler: Loader, output: Callable[[], Output]
) -> None:
    instance_id = run_instance()
    load_handler(
        {
            "orders-db-cpu": {
                "action": "reboot_rds_instance",
                "db_instance_identifier": "no-such-db",
            },
            "web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id},
        }
    )
    output()

    with pytest.raises(ClientError):
        invoke(sns_event(sns_message("orders-db-cpu"), sns_message("web-1-status")))

    assert instance_state(instance_id) == "stopped"
    written = output()
    assert [decision["outcome"] for decision in written.decisions] == ["failed", "acted"]
    assert written.metric_totals() == {
        "Failed": 1,
        "Acted": 1,
        "RebootRdsInstance": 1,
        "StopEc2Instance": 1,
    }


# ------------------------------------------------------------------------------------------
# Properties of the pure parts
# ------------------------------------------------------------------------------------------


def test_the_three_shapes_normalize_to_the_same_state_change() -> None:
    changes = [index.normalize_event(build("api-cpu")) for build in EVENT_SHAPES.values()]

    expected = index.AlarmStateChange(
        alarm_name="api-cpu",
        alarm_arn=alarm_arn("api-cpu"),
        state="ALARM",
        previous_state="OK",
        reason="Threshold Crossed: 1 datapoint",
        timestamp="2024-05-01T10:00:00.000+00:00",
        account=ACCOUNT_ID,
        region=REGION,
    )
    assert changes == [[expected]] * 3


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
EVENT_KEYS = [
    "Records",
    "alarmData",
    "detail-type",
    "detail",
    "source",
    "resources",
    "alarmArn",
    "time",
    "Sns",
]


def _mutations(event: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid events with one key replaced by an arbitrary JSON value."""
    return st.builds(
        lambda key, value: {**event, key: value},
        st.sampled_from(sorted(event)),
        json_values,
    )


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        json_values,
        st.dictionaries(st.sampled_from(EVENT_KEYS), json_values, max_size=5),
        _mutations(native_event("a")),
        _mutations(eventbridge_event("a")),
        st.builds(lambda record: {"Records": [record]}, _mutations(sns_record(sns_message("a")))),
        st.builds(sns_event, st.text(max_size=40) | json_values),
    )
)
def test_normalize_event_never_raises(event: object) -> None:
    items = index.normalize_event(event)

    assert items
    for item in items:
        assert isinstance(item, index.AlarmStateChange | index.RejectedEvent)
        if isinstance(item, index.RejectedEvent):
            assert item.reason


@given(st.text(max_size=200) | json_values.map(json.dumps))
def test_parse_remediation_actions_never_raises(raw: str) -> None:
    parsed = index.parse_remediation_actions(raw)

    assert parsed.error is not None or set(parsed.actions).isdisjoint(parsed.invalid)


@given(
    current=st.integers(min_value=0, max_value=100),
    step=st.integers(min_value=-10, max_value=10).filter(bool),
    low=st.integers(min_value=0, max_value=50),
    span=st.integers(min_value=0, max_value=50),
)
def test_a_step_moves_the_count_only_its_way_and_stays_within_bounds(
    current: int, step: int, low: int, span: int
) -> None:
    action = index.ScaleEcsService("web", "api", step=step, min_count=low, max_count=low + span)

    new = index.next_desired_count(action, current)

    if step > 0:
        assert current <= new <= max(current, low + span)
    else:
        assert min(current, low) <= new <= current
    assert abs(new - current) <= abs(step)
