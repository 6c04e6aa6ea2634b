"""AlarmRemediation: the function's configuration, least-privilege IAM, and its own monitors."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import jsii
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_rds as rds
from aws_cdk.assertions import Match

from constructs_obs import (
    AlarmIdentity,
    AlarmRemediation,
    AlarmRouting,
    AlarmTopic,
    InvalidParameterError,
    RdsInstanceAlarms,
    RemediationAction,
    Severity,
    add_threshold_alarm,
)
from constructs_obs.remediation.alarm_remediation import (
    MAX_ALARM_METRICS,
    REFUSAL_REASONS,
    ROUTINE_REFUSALS,
)
from tests.support.harness import Synthesized, VerificationError, new_stack, synth

INSTANCE_ID = "i-0123456789abcdef0"
WORKER_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders-worker"
WORKER_ALARM = "shop-orders-worker-errors-critical"
STORAGE_ALARM = "shop-ordersdb-free-storage-space-critical"
EXTERNAL_ALARM = "legacy-cpu"
# The alarms the actions name, created through the routing below: (resource, signal) -> metric.
ROUTED_ALARMS = {
    ("web-1", "cpu"): ("AWS/EC2", "CPUUtilization", {"InstanceId": INSTANCE_ID}),
    ("web-2", "status"): ("AWS/EC2", "StatusCheckFailed", {"InstanceId": "i-0fedcba9876543210"}),
    ("orders", "cpu-utilization"): ("AWS/ECS", "CPUUtilization", {"ServiceName": "orders"}),
    ("checkout", "errors"): ("AWS/Lambda", "Errors", {"FunctionName": "checkout"}),
    ("orders-worker", "errors"): ("AWS/Lambda", "Errors", {"FunctionName": "orders-worker"}),
}
ACTION_ALARMS = [
    *(f"shop-{resource}-{signal}-critical" for resource, signal in ROUTED_ALARMS),
    STORAGE_ALARM,
    EXTERNAL_ALARM,
]


def _routed_alarms(stack: cdk.Stack, routing: AlarmRouting) -> None:
    for (resource, signal), (namespace, metric_name, dimensions) in ROUTED_ALARMS.items():
        add_threshold_alarm(
            stack,
            f"{resource}-{signal}",
            metric=cloudwatch.Metric(
                namespace=namespace, metric_name=metric_name, dimensions_map=dimensions
            ),
            threshold=1,
            identity=AlarmIdentity(resource=resource, signal=signal, severity=Severity.CRITICAL),
            routing=routing,
        )


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
    # The actions name alarms created later: they are matched when the app is synthesized.
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
    _routed_alarms(stack, routing)
    alarms = RdsInstanceAlarms(stack, "DbAlarms", instance=database, routing=routing)
    remediation.add_action(
        alarms.alarms["free_storage_space"], RemediationAction.reboot_rds_instance(database)
    )
    legacy = cloudwatch.Alarm.from_alarm_arn(
        stack, "Legacy", f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{EXTERNAL_ALARM}"
    )
    remediation.add_action(legacy, RemediationAction.notify(), allow_external=True)


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
    assert f'"{STORAGE_ALARM}"' in rendered
    assert '"db_instance_identifier":"orders-db"' in rendered.replace(" ", "")
    assert json.loads(rendered)[WORKER_ALARM] == {
        "action": "limit_lambda_concurrency",
        "function_name": "orders-worker",
        "reserved_concurrency": 0,
    }


def _policy(synthesized: Synthesized, prefix: str) -> list[dict[str, Any]]:
    (statements,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for logical_id, p in synthesized.resources("AWS::IAM::ManagedPolicy").items()
        if logical_id.startswith(prefix)
    ]
    return list(statements)


def _function_logical_id(synthesized: Synthesized) -> str:
    (logical_id,) = [
        logical_id
        for logical_id in synthesized.resources("AWS::Lambda::Function")
        if logical_id.startswith("Fixer")
    ]
    return logical_id


def test_permissions_are_scoped_to_the_remediated_resources(synthesized: Synthesized) -> None:
    policy = _policy(synthesized, "FixerActionsPolicy")
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
    assert not [s for s in policy if "*" in json.dumps(s["Resource"])]
    # nothing inline on the role
    assert not [
        p for k, p in synthesized.resources("AWS::IAM::Policy").items() if k.startswith("Fixer")
    ]


def test_the_function_may_describe_only_the_configured_alarms(synthesized: Synthesized) -> None:
    statements = _policy(synthesized, "FixerActionsPolicy")
    (describe,) = [s for s in statements if s.get("Sid") == "DescribeConfiguredAlarms"]
    assert describe["Action"] == "cloudwatch:DescribeAlarms"
    assert sorted(describe["Resource"]) == sorted(
        f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{name}" for name in ACTION_ALARMS
    )
    everything = json.dumps(
        [*_policy(synthesized, "FixerPolicy"), *_policy(synthesized, "FixerActionsPolicy")]
    )
    assert everything.count("cloudwatch:DescribeAlarms") == 1


def test_the_fixed_policy_keeps_only_the_function_s_own_needs(synthesized: Synthesized) -> None:
    policy = _policy(synthesized, "FixerPolicy")
    granted = json.dumps([s["Action"] for s in policy])
    for service in ("ec2:", "rds:", "ecs:", "lambda:", "cloudwatch:"):
        assert service not in granted
    topic_key = [s for s in policy if s["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]]
    assert topic_key[0]["Resource"]["Fn::GetAtt"][0].startswith("OncallKey")
    wildcards = [s for s in policy if s["Resource"] == "*"]
    assert [sorted(s["Action"]) for s in wildcards] == [
        ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    ]


def test_the_actions_policy_acknowledges_nothing(synthesized: Synthesized) -> None:
    # GIVEN the function's two policies, THEN only the fixed one carries acknowledgements
    where = [finding.where for finding in synthesized.acknowledged]
    assert any("/Fixer/Policy" in path for path in where)
    assert not [path for path in where if "/Fixer/ActionsPolicy" in path]
    # AND the function is created once its actions may run
    synthesized.template().has_resource(
        "AWS::Lambda::Function",
        {"DependsOn": Match.array_with([Match.string_like_regexp("^FixerActionsPolicy")])},
    )


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


def _monitors(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        logical_id: a["Properties"]
        for logical_id, a in synthesized.resources("AWS::CloudWatch::Alarm").items()
        if logical_id.startswith("Fixer")
    }


def test_monitors_are_monitored(synthesized: Synthesized) -> None:
    alarms = _monitors(synthesized)
    metrics = sorted(a.get("MetricName", "(metric math)") for a in alarms.values())
    assert metrics == ["(metric math)", "ApproximateNumberOfMessagesVisible", "Errors", "Rejected"]
    for alarm in alarms.values():
        assert alarm["AlarmActions"][0]["Ref"].startswith("Oncall")


def test_refused_events_raise_a_critical_alarm(synthesized: Synthesized) -> None:
    watched = [r for r in REFUSAL_REASONS if r not in ROUTINE_REFUSALS]
    # THEN one Refused metric per reason (the one dimension the handler writes), summed
    reason_metrics = [
        {
            "Id": reason,
            "MetricStat": {
                "Metric": {
                    "Namespace": "ConstructsObs/Remediation",
                    "MetricName": "Refused",
                    "Dimensions": [{"Name": "Reason", "Value": reason}],
                },
                "Period": 300,
                "Stat": "Sum",
            },
            "ReturnData": False,
        }
        for reason in watched
    ]
    synthesized.template().has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmDescription": Match.string_like_regexp(
                r"^\[CRITICAL\] The remediation function refused"
            ),
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Threshold": 1,
            "EvaluationPeriods": 1,
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": Match.string_like_regexp("^Oncall")}],
            "Metrics": Match.array_with(
                [
                    Match.object_like(
                        {"Expression": f"SUM([{', '.join(watched)}])", "ReturnData": True}
                    ),
                    *reason_metrics,
                ]
            ),
        },
    )
    (refused,) = [a for a in _monitors(synthesized).values() if "Metrics" in a]
    stats = [m for m in refused["Metrics"] if "MetricStat" in m]
    assert len(stats) == len(watched) <= MAX_ALARM_METRICS
    for routine in ("no_action_configured", "replay", "in_progress"):
        assert routine not in json.dumps(refused)


def test_the_refusal_alarm_matches_what_the_handler_writes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from lambdas.alarm_remediation.remediation_handler.audit import (  # noqa: PLC0415
        count_refusal,
    )
    from lambdas.alarm_remediation.remediation_handler.refusal import (  # noqa: PLC0415
        RefusalReason,
    )

    # THEN the construct knows every reason, in the handler's order
    assert tuple(reason.value for reason in RefusalReason) == REFUSAL_REASONS
    assert set(ROUTINE_REFUSALS) < set(REFUSAL_REASONS)
    # AND a refusal is the metric the alarm sums: namespace, name and its only dimension
    count_refusal(RefusalReason.FOREIGN_ACCOUNT)
    document = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "ConstructsObs/Remediation"
    assert directive["Dimensions"] == [["Reason"]]
    assert [metric["Name"] for metric in directive["Metrics"]] == ["Refused"]
    assert document["Reason"] == "foreign_account"


def test_every_alarm_an_action_names_invokes_the_function(synthesized: Synthesized) -> None:
    function_arn = {"Fn::GetAtt": [_function_logical_id(synthesized), "Arn"]}
    template = synthesized.template()
    for name in ACTION_ALARMS:
        if name == EXTERNAL_ALARM:
            continue
        template.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {"AlarmName": name, "AlarmActions": Match.array_with([function_arn])},
        )
    template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": function_arn,
            "Principal": "lambda.alarms.cloudwatch.amazonaws.com",
            "SourceArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:shop-*",
        },
    )


def test_bad_input(stack: cdk.Stack) -> None:
    topic = AlarmTopic(stack, "T")
    remediation = AlarmRemediation(stack, "R", monitor_topic=topic)
    remediation.add_action("a", RemediationAction.notify())
    with pytest.raises(InvalidParameterError, match="actions: alarm 'a' already has an action"):
        remediation.add_action("a", RemediationAction.notify())
    with pytest.raises(InvalidParameterError, match="reserved_concurrency: must be >= 1"):
        AlarmRemediation(stack, "R2", monitor_topic=topic, reserved_concurrency=0)
    with pytest.raises(InvalidParameterError, match="dry_run: expected True or False, got 'no'"):
        AlarmRemediation(stack, "R3", monitor_topic=topic, dry_run="no")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        # FINDINGS (unhelpful Python errors): AttributeError 'topic_arn' on 7a18da5 and fd05f2b.
        ({"monitor_topic": None}, "monitor_topic: expected an AlarmTopic or sns.ITopic, got None"),
        (
            {"monitor_topic": "ops"},
            "monitor_topic: expected an AlarmTopic or sns.ITopic, got 'ops'",
        ),
        ({"notify_topic": "ops"}, "notify_topic: expected an AlarmTopic or sns.ITopic, got 'ops'"),
        # Found by the property tests: an error naming EncryptedLogGroup's retention, an
        # AttributeError and a JavaScript error.
        ({"log_retention": None}, "log_retention: expected logs.RetentionDays"),
        ({"powertools_layer": b"x"}, "powertools_layer: expected a lambda_.ILayerVersion"),
        ({"powertools_layer": "arn:aws:lambda:eu-west-1:1:layer:P:1"}, "powertools_layer: "),
        ({"vpc": "vpc-0123456789abcdef0"}, "vpc: expected an ec2.IVpc, got str"),
    ],
)
def test_inputs_of_the_wrong_kind(stack: cdk.Stack, kwargs: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"monitor_topic": AlarmTopic(stack, "T"), **kwargs}
    with pytest.raises(InvalidParameterError, match=message):
        AlarmRemediation(stack, "R", **arguments)


@pytest.mark.parametrize(
    ("alarm", "problem"),
    [
        ("", "actions: must not be empty"),
        ("shop-*", r"actions: alarm name 'shop-\*' contains '\*': the function's "),
        (
            "shop-web-?-cpu",
            r"actions: alarm name 'shop-web-\?-cpu' contains '\?': the function's "
            "cloudwatch:DescribeAlarms is granted on the alarms' ARNs",
        ),
        (42, "actions: expected an alarm name or a cloudwatch.IAlarm, got int"),
        (
            cdk.Aws.STACK_NAME,
            "actions: an alarm name that is a token cannot be matched with this app's alarms",
        ),
    ],
    ids=["empty", "star", "question-mark", "not-a-name", "token"],
)
def test_alarm_names_that_cannot_be_matched_are_refused(
    stack: cdk.Stack, alarm: object, problem: str
) -> None:
    remediation = AlarmRemediation(stack, "R", monitor_topic=AlarmTopic(stack, "T"))
    with pytest.raises(InvalidParameterError, match=rf"^AlarmRemediation 'R': invalid {problem}"):
        remediation.add_action(alarm, RemediationAction.notify())  # type: ignore[arg-type]
    assert remediation._actions == {}
    assert remediation.actions_policy is None


def test_add_action_refuses_what_is_not_an_action_or_a_switch(stack: cdk.Stack) -> None:
    remediation = AlarmRemediation(stack, "R", monitor_topic=AlarmTopic(stack, "T"))
    with pytest.raises(InvalidParameterError, match="actions: expected a RemediationAction"):
        remediation.add_action("a", {"action": "notify"})  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="allow_external: expected True or False"):
        remediation.add_action(
            "a",
            RemediationAction.notify(),
            allow_external="yes",  # type: ignore[arg-type]
        )
    with pytest.raises(InvalidParameterError, match="actions: expected a mapping of alarm"):
        AlarmRemediation(
            stack,
            "R2",
            monitor_topic=AlarmTopic(stack, "T2"),
            actions=[("a", RemediationAction.notify())],  # type: ignore[arg-type]
        )


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
    remediation.add_action(imported, RemediationAction.notify(), allow_external=True)
    assert set(remediation._actions) == {"shop-errors-critical", "legacy-cpu"}
    unnamed = metric.create_alarm(stack, "Unnamed", threshold=1, evaluation_periods=1)
    with pytest.raises(InvalidParameterError, match="actions: alarm Errors/Unnamed has no literal"):
        remediation.add_action(unnamed, RemediationAction.notify())


def test_a_raw_action_on_a_wildcard_is_refused_and_leaves_nothing(stack: cdk.Stack) -> None:
    remediation = AlarmRemediation(stack, "R", monitor_topic=AlarmTopic(stack, "T"))
    stop_everything = RemediationAction(
        config={"action": "stop_ec2_instance", "instance_id": "i-0123456789abcdef0"},
        iam_actions=("ec2:StopInstances",),
        resource_arn=lambda s: s.format_arn(service="ec2", resource="instance", resource_name="*"),
    )
    with pytest.raises(InvalidParameterError, match="invalid resource_arn: the resource ARN"):
        remediation.add_action("shop-web-cpu-critical", stop_everything)
    assert remediation._actions == {}
    assert remediation.actions_policy is None


def test_an_imported_alarm_needs_allow_external(stack: cdk.Stack) -> None:
    remediation = AlarmRemediation(stack, "R", monitor_topic=AlarmTopic(stack, "T"))
    imported = cloudwatch.Alarm.from_alarm_arn(
        stack, "Imported", "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:legacy-cpu"
    )
    with pytest.raises(
        InvalidParameterError,
        match=r"actions: alarm 'legacy-cpu' \(Errors/Imported\) is imported, made outside this "
        r"app: .* add_action\(\.\.\., allow_external=True\)$",
    ):
        remediation.add_action(imported, RemediationAction.notify())
    assert remediation._actions == {}


@jsii.implements(cdk.IStableStringProducer)
class _Star:
    """A token that resolves to "*": what a raw action could hide from the Python checks."""

    def produce(self) -> str:
        return "*"


def test_a_star_grant_of_an_action_fails_the_checks() -> None:
    # GIVEN a raw action whose resource is only known to be "*" once resolved
    def build(app: cdk.App) -> None:
        stack = new_stack(app, "Star")
        topic = AlarmTopic(stack, "Oncall", email_addresses=["oncall@example.com"])
        remediation = AlarmRemediation(stack, "Fixer", monitor_topic=topic)
        routing = AlarmRouting(stack, "Routing", name_prefix="star", critical=[remediation])
        add_threshold_alarm(
            stack,
            "Cpu",
            metric=cloudwatch.Metric(namespace="Shop", metric_name="Cpu"),
            threshold=90,
            identity=AlarmIdentity(resource="web", signal="cpu", severity=Severity.CRITICAL),
            routing=routing,
        )
        stop_everything = RemediationAction(
            config={"action": "stop_ec2_instance", "instance_id": "i-0123456789abcdef0"},
            iam_actions=("ec2:StopInstances",),
            resource_arn=lambda _stack: cdk.Lazy.string(_Star()),
        )
        remediation.add_action("star-web-cpu-critical", stop_everything)

    # THEN cdk-nag's finding on it is not covered by the X-Ray acknowledgement
    with pytest.raises(
        VerificationError, match=r"AwsSolutions-IAM5\[Resource::\*\] at Star/Fixer/ActionsPolicy"
    ):
        synth("alarm_remediation_star", build)


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
    assert len(parsed.actions) == len(ACTION_ALARMS)
    assert parsed.actions[WORKER_ALARM] == LimitLambdaConcurrency(
        function_name="orders-worker", reserved_concurrency=0
    )
