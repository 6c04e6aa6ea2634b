"""AlarmRemediation: the function's configuration, least-privilege IAM, and its own monitors."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk.assertions import Match

from constructs_obs import (
    AlarmRemediation,
    AlarmRouting,
    AlarmTopic,
    InvalidParameterError,
    RdsInstanceAlarms,
    RemediationAction,
)
from tests.support.harness import Synthesized, new_stack, synth

INSTANCE_ID = "i-0123456789abcdef0"
WORKER_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders-worker"
WORKER_ALARM = "shop-orders-worker-errors-critical"


def _build(app: cdk.App) -> None:
    stack = new_stack(app, "Remediation")
    topic = AlarmTopic(stack, "Oncall", email_addresses=["oncall@example.com"])
    database = rds.DatabaseInstance.from_database_instance_attributes(
        stack,
        "OrdersDb",
        instance_identifier="orders-db",
        instance_endpoint_address="orders-db.abc.eu-west-1.rds.amazonaws.com",
        port=5432,
        security_groups=[],
    )
    cluster = ecs.Cluster.from_cluster_arn(
        stack, "Cluster", "arn:aws:ecs:eu-west-1:123456789012:cluster/shop"
    )
    service = ecs.FargateService.from_fargate_service_attributes(
        stack, "Orders", cluster=cluster, service_name="orders"
    )
    worker = lambda_.Function.from_function_arn(stack, "OrdersWorker", WORKER_ARN)
    remediation = AlarmRemediation(
        stack,
        "Fixer",
        monitor_topic=topic,
        dry_run=False,
        actions={
            "shop-web-1-cpu-critical": RemediationAction.reboot_ec2_instance(INSTANCE_ID),
            "shop-web-2-status-critical": RemediationAction.stop_ec2_instance(
                "i-0fedcba9876543210"
            ),
            "shop-orders-cpu-utilization-critical": RemediationAction.scale_ecs_service(
                service, step=2, max_count=10
            ),
            "shop-checkout-errors-critical": RemediationAction.notify(),
            WORKER_ALARM: RemediationAction.limit_lambda_concurrency(
                worker, reserved_concurrency=0
            ),
        },
    )
    routing = AlarmRouting(
        stack, "Routing", name_prefix="shop", critical=[topic, remediation], warning=[topic]
    )
    alarms = RdsInstanceAlarms(stack, "DbAlarms", instance=database, routing=routing)
    remediation.add_action(
        alarms.alarms["free_storage_space"], RemediationAction.reboot_rds_instance(database)
    )


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("alarm_remediation", _build)


def _function(synthesized: Synthesized) -> dict[str, Any]:
    (function,) = [
        f["Properties"]
        for logical_id, f in synthesized.resources("AWS::Lambda::Function").items()
        if logical_id.startswith("Fixer")
    ]
    return dict(function)


def test_function_runtime_layer_and_resilience(synthesized: Synthesized) -> None:
    function = _function(synthesized)
    assert function["Handler"] == "index.lambda_handler"
    assert function["Runtime"] == "python3.13"
    assert function["Architectures"] == ["arm64"]
    assert function["TracingConfig"] == {"Mode": "Active"}
    assert function["ReservedConcurrentExecutions"] == 5
    assert function["DeadLetterConfig"]["TargetArn"]["Fn::GetAtt"][0].startswith("FixerDeadLetters")
    assert function["KmsKeyArn"]["Fn::GetAtt"][0].startswith("FixerKey")
    assert function["LoggingConfig"]["LogGroup"]["Ref"].startswith("FixerLogs")
    parameters = synthesized.raw()["Parameters"]
    layer = [p for p in parameters.values() if "powertools" in str(p.get("Default", ""))]
    assert layer[0]["Default"] == "/aws/service/powertools/python/arm64/python3.13/3.37.0"
    (invoke_config,) = synthesized.resources("AWS::Lambda::EventInvokeConfig").values()
    assert invoke_config["Properties"]["MaximumRetryAttempts"] == 2


def test_environment_carries_the_actions_and_the_switches(synthesized: Synthesized) -> None:
    variables = _function(synthesized)["Environment"]["Variables"]
    assert variables["DRY_RUN"] == "false"
    assert variables["POWERTOOLS_SERVICE_NAME"] == "alarm-remediation"
    assert variables["IDEMPOTENCY_TABLE"]["Ref"].startswith("FixerIdempotency")
    actions_json = variables["REMEDIATION_ACTIONS"]
    rendered = actions_json if isinstance(actions_json, str) else json.dumps(actions_json)
    assert '"shop-web-1-cpu-critical"' in rendered
    assert '"reboot_ec2_instance"' in rendered
    assert '"step":2' in rendered.replace(" ", "")
    assert '"shop-ordersdb-free-storage-space-critical"' in rendered
    assert '"db_instance_identifier":"orders-db"' in rendered.replace(" ", "")
    assert json.loads(rendered)[WORKER_ALARM] == {
        "action": "limit_lambda_concurrency",
        "function_name": "orders-worker",
        "reserved_concurrency": 0,
    }


def test_permissions_are_scoped_to_the_remediated_resources(synthesized: Synthesized) -> None:
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for logical_id, p in synthesized.resources("AWS::IAM::ManagedPolicy").items()
        if logical_id.startswith("FixerPolicy")
    ]
    by_action = {json.dumps(s["Action"]): s["Resource"] for s in policy}
    assert (
        by_action['"ec2:RebootInstances"']
        == f"arn:aws:ec2:eu-west-1:123456789012:instance/{INSTANCE_ID}"
    )
    assert by_action['"ec2:StopInstances"'].endswith(":instance/i-0fedcba9876543210")
    assert by_action['"rds:RebootDBInstance"'] == "arn:aws:rds:eu-west-1:123456789012:db:orders-db"
    assert by_action['["ecs:DescribeServices", "ecs:UpdateService"]'].endswith(
        ":service/shop/orders"
    )
    on_lambda = [s for s in policy if "lambda:" in json.dumps(s["Action"])]
    assert on_lambda == [
        {
            "Action": ["lambda:GetFunctionConcurrency", "lambda:PutFunctionConcurrency"],
            "Effect": "Allow",
            "Resource": WORKER_ARN,
        }
    ]
    assert [s for s in policy if WORKER_ARN in json.dumps(s["Resource"])] == on_lambda
    topic_key = [s for s in policy if s["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]]
    assert topic_key[0]["Resource"]["Fn::GetAtt"][0].startswith("OncallKey")
    wildcards = [s for s in policy if s["Resource"] == "*"]
    assert [sorted(s["Action"]) for s in wildcards] == [
        ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    ]
    # nothing inline on the role
    assert not [
        p for k, p in synthesized.resources("AWS::IAM::Policy").items() if k.startswith("Fixer")
    ]


def test_idempotency_table(synthesized: Synthesized) -> None:
    template = synthesized.template()
    template.resource_count_is("AWS::DynamoDB::Table", 1)
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
            "SSESpecification": Match.object_like(
                {"SSEType": "KMS", "KMSMasterKeyId": {"Fn::GetAtt": [Match.any_value(), "Arn"]}}
            ),
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )


def test_monitors_are_monitored(synthesized: Synthesized) -> None:
    alarms = {
        logical_id: a["Properties"]
        for logical_id, a in synthesized.resources("AWS::CloudWatch::Alarm").items()
        if logical_id.startswith("Fixer")
    }
    metrics = sorted(a["MetricName"] for a in alarms.values())
    assert metrics == ["ApproximateNumberOfMessagesVisible", "Errors", "Rejected"]
    for alarm in alarms.values():
        assert alarm["AlarmActions"][0]["Ref"].startswith("Oncall")


def test_routed_alarms_invoke_the_function(synthesized: Synthesized) -> None:
    storage = next(
        a["Properties"]
        for a in synthesized.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("AlarmName") == "shop-ordersdb-free-storage-space-critical"
    )
    assert any("Fixer" in json.dumps(action) for action in storage["AlarmActions"])


def test_bad_input() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    topic = AlarmTopic(stack, "T")
    remediation = AlarmRemediation(stack, "R", monitor_topic=topic)
    remediation.add_action("a", RemediationAction.notify())
    with pytest.raises(InvalidParameterError, match="actions: alarm 'a' already has an action"):
        remediation.add_action("a", RemediationAction.notify())
    with pytest.raises(InvalidParameterError, match="reserved_concurrency: must be >= 1"):
        AlarmRemediation(stack, "R2", monitor_topic=topic, reserved_concurrency=0)
    with pytest.raises(InvalidParameterError, match="dry_run: expected True or False, got 'no'"):
        AlarmRemediation(stack, "R3", monitor_topic=topic, dry_run="no")  # type: ignore[arg-type]


def test_alarms_are_matched_by_their_literal_names(stack: cdk.Stack) -> None:
    remediation = AlarmRemediation(stack, "R", monitor_topic=AlarmTopic(stack, "T"))
    metric = cloudwatch.Metric(namespace="Shop", metric_name="Errors")
    named = metric.create_alarm(
        stack, "Named", alarm_name="shop-errors-critical", threshold=1, evaluation_periods=1
    )
    imported = cloudwatch.Alarm.from_alarm_arn(
        stack, "Imported", "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:legacy-cpu"
    )
    remediation.add_action(named, RemediationAction.notify())
    remediation.add_action(imported, RemediationAction.notify())
    assert set(remediation._actions) == {"shop-errors-critical", "legacy-cpu"}
    unnamed = metric.create_alarm(stack, "Unnamed", threshold=1, evaluation_periods=1)
    with pytest.raises(InvalidParameterError, match="actions: alarm Errors/Unnamed has no literal"):
        remediation.add_action(unnamed, RemediationAction.notify())


def test_the_handler_accepts_the_configuration_the_construct_writes(
    synthesized: Synthesized,
) -> None:
    from lambdas.alarm_remediation.remediation_handler.actions import (  # noqa: PLC0415
        LimitLambdaConcurrency,
    )
    from lambdas.alarm_remediation.remediation_handler.settings import (  # noqa: PLC0415
        parse_remediation_actions,
    )

    variables = _function(synthesized)["Environment"]["Variables"]
    raw = variables["REMEDIATION_ACTIONS"]
    assert isinstance(raw, str), "the actions must resolve to plain JSON at synth time"
    parsed = parse_remediation_actions(raw)
    assert parsed.error is None
    assert parsed.invalid == {}
    assert len(parsed.actions) == 6
    assert parsed.actions[WORKER_ALARM] == LimitLambdaConcurrency(
        function_name="orders-worker", reserved_concurrency=0
    )
