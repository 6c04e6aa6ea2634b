"""The cases ``tools/findings_replay.py`` runs: one snippet per finding of FINDINGS.md ("Inputs
and templates"; "IAM and acknowledgements"), written against the public top-level names only.

A snippet returns None when the construct accepted the input (the replay then reports
``accepted``), a string starting with ``ok`` or ``defect`` when it inspects a template, or
raises. ``Case.parameter`` is what a helpful error names.
"""

# The snippets import the library inside functions on purpose: the replay puts the checkout
# under test on PYTHONPATH of a child process before anything of it is imported.
# ruff: noqa: PLC0415

from __future__ import annotations

import contextlib
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sqs as sqs

ENV = cdk.Environment(account="123456789012", region="eu-west-1")
APP_IMAGE = "public.ecr.aws/nginx/nginx:1.27.0"
BUS_ARN = "arn:aws:events:eu-west-1:210987654321:event-bus/central"


@dataclass(frozen=True)
class Case:
    parameter: str
    run: Callable[[], str | None]
    expect: str = "refuse"  # "refuse": an error naming the parameter; "accept": builds fine


def _stack(app: cdk.App | None = None, name: str = "Replay") -> cdk.Stack:
    return cdk.Stack(app or cdk.App(outdir=tempfile.mkdtemp()), name, env=ENV)


def _synth(stack: cdk.Stack) -> dict[str, Any]:
    """The stack's template (every stack of the app synthesized); error annotations raise."""
    app = stack.node.root
    assert isinstance(app, cdk.App)
    assembly = app.synth()
    for artifact in assembly.stacks:
        for message in artifact.messages:
            if message.level == cdk.cx_api.SynthesisMessageLevel.ERROR:
                raise RuntimeError(f"synthesis error annotation: {message.entry.data}")
    template: dict[str, Any] = assembly.get_stack_by_name(stack.stack_name).template
    return template


def _resources(template: dict[str, Any], type_: str) -> Iterator[dict[str, Any]]:
    for resource in template["Resources"].values():
        if resource["Type"] == type_:
            yield resource


def _topic(stack: cdk.Stack, id: str = "Oncall") -> Any:
    from constructs_obs import AlarmTopic

    return AlarmTopic(stack, id, email_addresses=["oncall@example.com"])


def _database(stack: cdk.Stack) -> rds.IDatabaseInstance:
    return rds.DatabaseInstance.from_database_instance_attributes(
        stack,
        "Db",
        instance_identifier="orders-db",
        instance_endpoint_address="orders-db.abc.eu-west-1.rds.amazonaws.com",
        port=5432,
        security_groups=[],
    )


def _cluster(stack: cdk.Stack) -> ecs.Cluster:
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["eu-west-1a", "eu-west-1b"],
        private_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    )
    return ecs.Cluster(stack, "Cluster", vpc=vpc)


# -- inputs accepted and written into the template -------------------------------------------


def pattern_metric_filter() -> None:
    from constructs_obs import EncryptedLogGroup

    stack = _stack()
    EncryptedLogGroup(stack, "Logs").add_pattern_alarm(
        "Bad", pattern="{ $.level = ", metric_name="Errors"
    )
    _synth(stack)


def _archive(**options: Any) -> None:
    from constructs_obs import EncryptedLogGroup, LogArchiveOptions

    stack = _stack()
    EncryptedLogGroup(stack, "Logs", archive=LogArchiveOptions(**options))
    _synth(stack)


def pattern_alarm(**kwargs: Any) -> Callable[[], None]:
    def run() -> None:
        from constructs_obs import EncryptedLogGroup

        stack = _stack()
        arguments = {"pattern": "{ $.latency > 0 }", "metric_name": "Latency", **kwargs}
        EncryptedLogGroup(stack, "Logs").add_pattern_alarm("Alarm", **arguments)
        _synth(stack)

    return run


def alarm_topic(**kwargs: Any) -> Callable[[], None]:
    def run() -> None:
        from constructs_obs import AlarmTopic

        stack = _stack()
        AlarmTopic(stack, "Topic", **kwargs)
        _synth(stack)

    return run


def lambda_alarms_asynchronous() -> None:
    from aws_cdk import aws_lambda as lambda_

    from constructs_obs import LambdaFunctionAlarms

    stack = _stack()
    function = lambda_.Function.from_function_arn(
        stack, "F", "arn:aws:lambda:eu-west-1:123456789012:function:f"
    )
    LambdaFunctionAlarms(
        stack,
        "A",
        function=function,
        routing=None,
        timeout=cdk.Duration.seconds(30),  # an imported function's timeout is not known
        asynchronous="yes",  # type: ignore[arg-type]
    )
    _synth(stack)


def remediation(**kwargs: Any) -> Callable[[], None]:
    def run() -> None:
        from constructs_obs import AlarmRemediation

        stack = _stack()
        arguments = {"monitor_topic": _topic(stack), **kwargs}
        AlarmRemediation(stack, "Fixer", **arguments)
        _synth(stack)

    return run


def rds_alarms(**kwargs: Any) -> Callable[[], None]:
    def run() -> None:
        from constructs_obs import RdsInstanceAlarms

        stack = _stack()
        arguments = {"instance": _database(stack), "routing": None, **kwargs}
        RdsInstanceAlarms(stack, "A", **arguments)
        _synth(stack)

    return run


def options_evaluation_periods() -> None:
    from constructs_obs import AlarmOptions

    rds_alarms(cpu_utilization=AlarmOptions(evaluation_periods=0))()


def rds_threshold_180() -> None:
    from constructs_obs import AlarmOptions

    rds_alarms(cpu_utilization=AlarmOptions(threshold=180))()


def rds_routing_topic() -> None:
    stack = _stack()
    from constructs_obs import RdsInstanceAlarms

    RdsInstanceAlarms(stack, "A", instance=_database(stack), routing=_topic(stack))
    _synth(stack)


def same_log_group_name() -> None:
    from constructs_obs import EncryptedLogGroup

    app = cdk.App(outdir=tempfile.mkdtemp())
    for name in ("One", "Two"):
        EncryptedLogGroup(_stack(app, name), "Logs", log_group_name="/app/orders")
    app.synth()


def destroyed_key_under_retained_logs() -> None:
    from constructs_obs import EncryptedLogGroup

    stack = _stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True, removal_policy=cdk.RemovalPolicy.DESTROY)
    EncryptedLogGroup(stack, "Logs", encryption_key=key)
    _synth(stack)


def audit_trail(**kwargs: Any) -> Callable[[], None]:
    def run() -> None:
        from constructs_obs import AuditTrail

        stack = _stack()
        AuditTrail(stack, "Trail", **kwargs)
        _synth(stack)

    return run


def silent_topic_only_target() -> str | None:
    """Fixed by a synth-time warning (an error would be wrong: another app or AWS Chatbot may
    subscribe the topic)."""
    from constructs_obs import AlarmRouting, AlarmTopic

    stack = _stack()
    AlarmRouting(stack, "Routing", name_prefix="shop", critical=[AlarmTopic(stack, "Silent")])
    app = stack.node.root
    assert isinstance(app, cdk.App)
    warnings = [
        str(message.entry.data)
        for artifact in app.synth().stacks
        for message in artifact.messages
        if message.level == cdk.cx_api.SynthesisMessageLevel.WARNING
        and "subscriber" in str(message.entry.data)
    ]
    return "ok: synth-time warning names the topic" if warnings else None


def routing(**kwargs: Any) -> Callable[[], None]:
    def run() -> None:
        from constructs_obs import AlarmRouting

        stack = _stack()
        AlarmRouting(stack, "Routing", name_prefix="shop", **kwargs)
        _synth(stack)

    return run


def routing_critical_topic() -> None:
    from constructs_obs import AlarmRouting

    stack = _stack()
    AlarmRouting(stack, "Routing", name_prefix="shop", critical=_topic(stack))
    _synth(stack)


# -- JavaScript errors and unhelpful Python errors --------------------------------------------


def cis(trail_log_group: Callable[[cdk.Stack], Any]) -> Callable[[], str | None]:
    def run() -> str | None:
        from constructs_obs import CisBenchmarkAlarms

        stack = _stack()
        CisBenchmarkAlarms(stack, "Cis", trail_log_group=trail_log_group(stack), routing=None)
        template = _synth(stack)
        filters = list(_resources(template, "AWS::Logs::MetricFilter"))
        return f"ok: accepted, {len(filters)} metric filters on its log group" if filters else None

    return run


def _wrapped(stack: cdk.Stack) -> Any:
    from constructs_obs import EncryptedLogGroup

    return EncryptedLogGroup(stack, "TrailLogs")


def archive_of_encrypted_log_group() -> str | None:
    from constructs_obs import EncryptedLogGroup, LogArchive, LogArchiveOptions

    stack = _stack()
    group = EncryptedLogGroup(stack, "AppLogs")
    LogArchive(
        stack,
        "Archive",
        log_group=group,
        encryption_key=group.encryption_key,
        options=LogArchiveOptions(),
    )
    template = _synth(stack)
    found = list(_resources(template, "AWS::Logs::SubscriptionFilter"))
    return "ok: accepted, subscribes its log group" if found else None


def asymmetric_key_props() -> None:
    from constructs_obs import EncryptedLogGroup

    stack = _stack()
    props = kms.KeyProps(key_spec=kms.KeySpec.RSA_2048, key_usage=kms.KeyUsage.ENCRYPT_DECRYPT)
    EncryptedLogGroup(stack, "Logs", encryption_key_props=props)
    _synth(stack)


def lifecycle_all_none() -> None:
    from constructs_obs import AuditLifecycle

    audit_trail(lifecycle=AuditLifecycle(None, None, None))()


def public_ip_without_public_subnets() -> None:
    from constructs_obs import TracedFargateService

    stack = _stack()
    TracedFargateService(
        stack,
        "Checkout",
        cluster=_cluster(stack),
        image=ecs.ContainerImage.from_registry(APP_IMAGE),
        service_name="checkout",
        routing=None,
        assign_public_ip=True,
    )
    _synth(stack)


def stack_over_500_resources() -> None:
    from constructs_obs import EncryptedLogGroup

    stack = _stack()
    EncryptedLogGroup(stack, "Logs")
    for index in range(500):
        sqs.CfnQueue(stack, f"Queue{index}")
    _synth(stack)


def fargate_alarms_service_none() -> None:
    from constructs_obs import FargateServiceAlarms

    stack = _stack()
    FargateServiceAlarms(stack, "A", service=None, routing=None)  # type: ignore[arg-type]
    _synth(stack)


def dashboard_sources_names() -> None:
    from constructs_obs import ObservabilityDashboard

    stack = _stack()
    ObservabilityDashboard(stack, "Dashboard", sources=["StackName"])  # type: ignore[list-item]
    _synth(stack)


def dashboard_cross_stack_exports() -> str:
    from constructs_obs import AlarmRouting, EncryptedLogGroup, ObservabilityDashboard

    app = cdk.App(outdir=tempfile.mkdtemp())
    service = _stack(app, "Service")
    topic = _topic(service)
    routing_ = AlarmRouting(
        service, "Routing", name_prefix="shop", critical=[topic], warning=[topic]
    )
    logs_ = EncryptedLogGroup(service, "Logs")
    logs_.add_pattern_alarm(
        "Errors", pattern='{ $.level = "ERROR" }', metric_name="Errors", routing=routing_
    )
    ObservabilityDashboard(_stack(app, "Dashboards"), "Dashboard", sources=[service])
    imports = json.dumps(_synth(app.node.find_child("Dashboards"))).count("Fn::ImportValue")  # type: ignore[arg-type]
    return "ok: no Fn::ImportValue" if imports == 0 else f"defect: {imports} Fn::ImportValue"


# -- IAM and acknowledgements ------------------------------------------------------------------


def ops_item_grant() -> str:
    from constructs_obs import IncidentTarget

    stack = _stack()
    from constructs_obs import AlarmRouting

    AlarmRouting(stack, "Routing", name_prefix="shop", critical=[IncidentTarget.to_ops_item()])
    resources = [
        statement["Resource"]
        for policy in _policies(_synth(stack))
        for statement in policy
        if "ssm:CreateOpsItem" in json.dumps(statement.get("Action"))
    ]
    if resources and all(resource == "*" for resource in resources):
        return "ok: ssm:CreateOpsItem on *"
    return f"defect: ssm:CreateOpsItem on {json.dumps(resources)[:60]}"


def _policies(template: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    for resource in template["Resources"].values():
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            yield resource["Properties"]["PolicyDocument"]["Statement"]
        elif resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                yield policy["PolicyDocument"]["Statement"]


def _nag_report(build: Callable[[cdk.Stack], None]) -> str:
    """The text of the validation report of a synthesis with cdk-nag's AwsSolutions pack."""
    from cdk_nag import AwsSolutionsChecks

    outdir = tempfile.mkdtemp()
    app = cdk.App(outdir=outdir)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    build(_stack(app))
    with contextlib.suppress(RuntimeError):  # nag's errors fail synthesis; the report stays
        app.synth()
    report = Path(outdir) / "validation-report.json"
    return report.read_text() if report.exists() else ""


def ecs2_user_container() -> str:
    from constructs_obs import FargateTracing

    def build(stack: cdk.Stack) -> None:
        task = ecs.FargateTaskDefinition(stack, "Task", cpu=512, memory_limit_mib=1024)
        app = task.add_container(
            "app",
            image=ecs.ContainerImage.from_registry(APP_IMAGE),
            environment={"AWS_SECRET_ACCESS_KEY": "not-a-real-secret"},
        )
        FargateTracing(
            stack, "Tracing", task_definition=task, service_name="orders", app_containers=[app]
        )

    flagged = "AwsSolutions-ECS2" in _nag_report(build)
    return "ok: ECS2 raised for the user's container" if flagged else "defect: ECS2 acknowledged"


_REPLICATION = re.compile(
    r'NIST\.800\.53\.R5-S3BucketReplicationEnabled"\s*,?\s*(?:"reason"\s*)?:\s*"([^"]*)"'
)


def replication_reason_without_lock() -> str:
    from constructs_obs import AuditTrail

    outdir = tempfile.mkdtemp()
    app = cdk.App(outdir=outdir)
    AuditTrail(_stack(app), "Trail", object_lock=None, athena=False)
    app.synth()
    text = "".join(path.read_text() for path in Path(outdir).glob("*.json"))
    reasons = _REPLICATION.findall(text)
    if not reasons:
        return "defect: no replication acknowledgement found"
    citing = [reason for reason in reasons if "object lock" in reason.lower()]
    return f"defect: {len(citing)} reasons cite object lock" if citing else "ok: lock not cited"


def _trusts(template: dict[str, Any], service: str) -> list[dict[str, Any]]:
    return [
        statement
        for role in _resources(template, "AWS::IAM::Role")
        for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        if service in json.dumps(statement.get("Principal"))
    ]


def _confused_deputy(template: dict[str, Any], service: str, key: str = "aws:SourceArn") -> str:
    """Every trust of ``service`` conditioned on ``key`` (the rule, trail or account)."""
    statements = _trusts(template, service)
    if not statements:
        return f"defect: no role trusts {service}"
    bare = [s for s in statements if key not in json.dumps(s.get("Condition", {}))]
    if bare:
        return f"defect: {len(bare)}/{len(statements)} trusts without {key}"
    return f"ok: {len(statements)} trusts conditioned"


def cloudtrail_logs_role() -> str:
    from constructs_obs import AuditTrail

    stack = _stack()
    AuditTrail(stack, "Trail", athena=False)
    return _confused_deputy(_synth(stack), "cloudtrail.amazonaws.com")


def _bus_routing(stack: cdk.Stack, **kwargs: Any) -> dict[str, Any]:
    from constructs_obs import AlarmRouting, IncidentTarget

    bus = events.EventBus.from_event_bus_arn(stack, "Central", BUS_ARN)
    AlarmRouting(
        stack,
        "Routing",
        name_prefix="shop",
        critical=[IncidentTarget.to_event_bus(bus)],
        **kwargs,
    )
    return _synth(stack)


def eventbridge_roles() -> str:
    return _confused_deputy(_bus_routing(_stack()), "events.amazonaws.com")


def ecs_task_roles() -> str:
    from constructs_obs import TracedFargateService

    stack = _stack()
    TracedFargateService(
        stack,
        "Checkout",
        cluster=_cluster(stack),
        image=ecs.ContainerImage.from_registry(APP_IMAGE),
        service_name="checkout",
        routing=None,
    )
    return _confused_deputy(_synth(stack), "ecs-tasks.amazonaws.com", "aws:SourceAccount")


def firehose_kms_condition() -> str:
    from constructs_obs import EncryptedLogGroup, LogArchiveOptions

    stack = _stack()
    EncryptedLogGroup(stack, "Logs", archive=LogArchiveOptions())
    template = _synth(stack)
    firehose_roles = {
        logical_id
        for logical_id, role in template["Resources"].items()
        if role["Type"] == "AWS::IAM::Role"
        and "firehose.amazonaws.com" in json.dumps(role["Properties"]["AssumeRolePolicyDocument"])
    }
    kms_statements = [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
        and any(role.get("Ref") in firehose_roles for role in resource["Properties"]["Roles"])
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
        if "kms:" in json.dumps(statement["Action"])
    ]
    if not kms_statements:
        return "defect: no KMS grant found for the Firehose role"
    bare = [s for s in kms_statements if "kms:ViaService" not in json.dumps(s.get("Condition"))]
    return f"defect: {len(bare)} KMS grants without kms:ViaService" if bare else "ok: ViaService"


def bus_retry_policy() -> str:
    template = _bus_routing(_stack(), incident_retry_attempts=3)
    attempts = [
        target.get("RetryPolicy", {}).get("MaximumRetryAttempts")
        for rule in _resources(template, "AWS::Events::Rule")
        for target in rule["Properties"].get("Targets", [])
        if BUS_ARN in json.dumps(target["Arn"])
    ]
    if attempts and all(attempt == 3 for attempt in attempts):
        return "ok: RetryPolicy applied"
    return f"defect: retry attempts on bus targets {attempts}"


CASES: dict[str, Case] = {
    "metric filter pattern '{ $.level = '": Case("pattern", pattern_metric_filter),
    "archive filter_pattern '{ $.level = '": Case(
        "filter_pattern", lambda: _archive(filter_pattern="{ $.level = ")
    ),
    "metric_value '$.latency; drop'": Case(
        "metric_value", pattern_alarm(metric_value="$.latency; drop")
    ),
    "statistic 'Median'": Case("statistic", pattern_alarm(statistic="Median")),
    "https_endpoints ['https://']": Case(
        "https_endpoints", alarm_topic(https_endpoints=["https://"])
    ),
    "dead_letter_alarm 'no'": Case("dead_letter_alarm", alarm_topic(dead_letter_alarm="no")),
    "asynchronous 'yes'": Case("asynchronous", lambda_alarms_asynchronous),
    "remediation actions {'': ...}": Case("actions", lambda: _remediation_actions("")),
    "AlarmOptions(evaluation_periods=0)": Case("evaluation_periods", options_evaluation_periods),
    "archive prefix 'errors/'": Case("prefix", lambda: _archive(prefix="errors/")),
    "same log_group_name twice": Case("log_group_name", same_log_group_name),
    "DESTROY key under RETAIN logs": Case("encryption_key", destroyed_key_under_retained_logs),
    "athena_accounts without organization_id": Case(
        "athena_accounts", audit_trail(athena_accounts=["111111111111"])
    ),
    "RDS CPU threshold 180": Case("threshold", rds_threshold_180),
    "silent AlarmTopic as only target": Case("critical", silent_topic_only_target),
    "EncryptedLogGroup as CIS trail_log_group": Case(
        "trail_log_group", cis(_wrapped), expect="accept"
    ),
    "EncryptedLogGroup as LogArchive log_group": Case(
        "log_group", archive_of_encrypted_log_group, expect="accept"
    ),
    "asymmetric encryption_key_props": Case("encryption_key_props", asymmetric_key_props),
    "buffering_interval millis(1500)": Case(
        "buffering_interval", lambda: _archive(buffering_interval=cdk.Duration.millis(1500))
    ),
    "buffering_size kibibytes(500)": Case(
        "buffering_size", lambda: _archive(buffering_size=cdk.Size.kibibytes(500))
    ),
    "monitor_topic a string": Case("monitor_topic", remediation(monitor_topic="ops-topic")),
    "trail_log_group a string": Case("trail_log_group", cis(lambda _stack: "/trail/logs")),
    "AuditLifecycle(None, None, None)": Case("lifecycle", lifecycle_all_none),
    "display_name of 101 chars": Case("display_name", alarm_topic(display_name="x" * 101)),
    "assign_public_ip without public subnets": Case(
        "assign_public_ip", public_ip_without_public_subnets
    ),
    "stack over 500 resources": Case("500", stack_over_500_resources),
    "email_addresses None": Case("email_addresses", alarm_topic(email_addresses=None)),
    "email_addresses 'a@b'": Case("email_addresses", alarm_topic(email_addresses="a@b")),
    "critical=topic (not a list)": Case("critical", routing_critical_topic),
    "routing=topic": Case("routing", rds_routing_topic),
    "instance 'orders-db'": Case("instance", rds_alarms(instance="orders-db")),
    "monitor_topic None": Case("monitor_topic", remediation(monitor_topic=None)),
    "remediation actions {42: ...}": Case("actions", lambda: _remediation_actions(42)),
    "trail_log_group None": Case("trail_log_group", cis(lambda _stack: None)),
    "service None": Case("service", fargate_alarms_service_none),
    "sources ['StackName']": Case("sources", dashboard_sources_names),
    "dashboard over another stack": Case("-", dashboard_cross_stack_exports, expect="template"),
    "OpsItem grant": Case("-", ops_item_grant, expect="template"),
    "ECS2 for the user's container": Case("-", ecs2_user_container, expect="template"),
    "replication reason without lock": Case(
        "-", replication_reason_without_lock, expect="template"
    ),
    "CloudTrail logs role trust": Case("-", cloudtrail_logs_role, expect="template"),
    "EventBridge role trust": Case("-", eventbridge_roles, expect="template"),
    "ECS task/execution role trust": Case("-", ecs_task_roles, expect="template"),
    "Firehose KMS kms:ViaService": Case("-", firehose_kms_condition, expect="template"),
    "bus target RetryPolicy": Case("-", bus_retry_policy, expect="template"),
}


def _remediation_actions(key: object) -> None:
    from constructs_obs import RemediationAction

    remediation(actions={key: RemediationAction.notify()})()


#: The test of the suite that pins each case (under tests/, path::name).
_ARCHIVE_OPTIONS = "logs/test_log_archive.py::test_archive_options_aws_would_refuse_later"
_PATTERN_ALARMS = "logs/test_encrypted_log_group.py::test_bad_pattern_alarm"
_TOPIC = "alarms/test_alarm_topic.py::test_bad_input"
_OPTIONS = "alarms/presets/test_preset_alarms.py::test_options_are_checked_in_the_signals_unit"
_UNMATCHABLE = (
    "remediation/test_alarm_remediation.py::test_alarm_names_that_cannot_be_matched_are_refused"
)
_REMEDIATION_TOPICS = "remediation/test_alarm_remediation.py::test_inputs_of_the_wrong_kind"
_CIS_BAD = "security/test_cis_benchmark_alarms.py::test_bad_input"
TESTS: dict[str, str] = {
    "metric filter pattern '{ $.level = '": _PATTERN_ALARMS,
    "archive filter_pattern '{ $.level = '": _ARCHIVE_OPTIONS,
    "metric_value '$.latency; drop'": _PATTERN_ALARMS,
    "statistic 'Median'": _PATTERN_ALARMS,
    "https_endpoints ['https://']": _TOPIC,
    "dead_letter_alarm 'no'": _TOPIC,
    "asynchronous 'yes'": "alarms/presets/test_lambda_function.py::"
    "test_asynchronous_must_be_a_bool",
    "remediation actions {'': ...}": _UNMATCHABLE,
    "AlarmOptions(evaluation_periods=0)": _OPTIONS,
    "archive prefix 'errors/'": _ARCHIVE_OPTIONS,
    "same log_group_name twice": "private/test_names.py::"
    "test_a_log_group_name_is_used_once_per_account_and_region_in_the_app",
    "DESTROY key under RETAIN logs": "logs/test_encrypted_log_group.py::"
    "test_a_destroyed_key_under_a_retained_log_group_is_refused",
    "athena_accounts without organization_id": "audit/test_audit_trail.py::test_bad_input",
    "RDS CPU threshold 180": _OPTIONS,
    "silent AlarmTopic as only target": "alarms/test_alarm_routing.py::"
    "test_a_severity_reaching_only_a_topic_without_subscribers_warns",
    "EncryptedLogGroup as CIS trail_log_group": "security/test_cis_benchmark_alarms.py::"
    "test_an_encrypted_log_group_is_taken_for_its_log_group",
    "EncryptedLogGroup as LogArchive log_group": "logs/test_log_archive.py::"
    "test_an_encrypted_log_group_is_archived_through_its_log_group",
    "asymmetric encryption_key_props": "logs/test_encrypted_log_group.py::"
    "test_asymmetric_key_props_are_refused",
    "buffering_interval millis(1500)": _ARCHIVE_OPTIONS,
    "buffering_size kibibytes(500)": _ARCHIVE_OPTIONS,
    "monitor_topic a string": _REMEDIATION_TOPICS,
    "trail_log_group a string": _CIS_BAD,
    "AuditLifecycle(None, None, None)": "audit/test_audit_lifecycle.py::test_bad_lifecycle",
    "display_name of 101 chars": _TOPIC,
    "assign_public_ip without public subnets": "tracing/test_traced_fargate_service.py::"
    "test_a_public_ip_needs_public_subnets",
    "stack over 500 resources": "private/test_stack_limits.py::"
    "test_a_stack_past_the_resource_limit_fails_synthesis",
    "email_addresses None": _TOPIC,
    "email_addresses 'a@b'": _TOPIC,
    "critical=topic (not a list)": "alarms/test_alarm_routing.py::"
    "test_a_single_target_instead_of_a_list_is_refused",
    "routing=topic": "alarms/presets/test_preset_alarms.py::test_routing_must_be_an_alarm_routing",
    "instance 'orders-db'": "alarms/presets/test_preset_alarms.py::"
    "test_a_name_where_the_instance_is_expected_is_refused",
    "monitor_topic None": _REMEDIATION_TOPICS,
    "remediation actions {42: ...}": _UNMATCHABLE,
    "trail_log_group None": _CIS_BAD,
    "service None": "alarms/presets/test_fargate_service.py::test_no_service_is_refused",
    "sources ['StackName']": "dashboard/test_observability_dashboard.py::test_bad_input",
    "dashboard over another stack": "dashboard/test_observability_dashboard.py::"
    "test_a_board_over_another_stack_needs_no_exports",
    "OpsItem grant": "alarms/test_incident_target.py::test_each_target_role_may_call_one_action",
    "ECS2 for the user's container": "tracing/test_fargate_tracing.py::"
    "test_a_secret_looking_variable_of_the_user_is_still_reported",
    "replication reason without lock": "private/test_bucket.py::"
    "test_replication_reason_cites_object_lock_only_where_the_bucket_has_it",
    "CloudTrail logs role trust": "audit/test_audit_trail.py::"
    "test_logs_role_trusts_cloudtrail_for_this_trail_only",
    "EventBridge role trust": "alarms/test_incident_target.py::"
    "test_target_roles_trust_eventbridge_for_their_rule_only",
    "ECS task/execution role trust": "tracing/test_traced_fargate_service.py::"
    "test_task_and_execution_roles_trust_only_this_accounts_ecs_tasks",
    "Firehose KMS kms:ViaService": "logs/test_log_archive.py::"
    "test_firehose_uses_the_key_only_through_s3_for_this_buckets_objects",
    "bus target RetryPolicy": "alarms/test_incident_target.py::"
    "test_event_bus_retry_policy_follows_the_user_settings",
}


def outcome_of(case: Case) -> str:
    """How ``case`` ends in this process's checkout."""
    try:
        result = case.run()
    except Exception as error:  # the replay reports what happened, whatever it was
        return _error_outcome(case, error)
    if result is not None:
        return result
    return "ok: accepted" if case.expect == "accept" else "accepted"


def _error_outcome(case: Case, error: Exception) -> str:
    from constructs_obs import InvalidParameterError

    text = f"{type(error).__name__}: {error}".replace("\n", " ")
    if case.expect == "template":  # the snippet itself must build: any error is a defect
        return f"defect: {text[:70]}"
    if isinstance(error, InvalidParameterError):
        named = case.parameter in str(error)
        return f"refused ({case.parameter})" if named else f"unhelpful: {text[:70]}"
    if isinstance(error, RuntimeError) or type(error).__module__.startswith("jsii"):
        if case.parameter in text and ("synthesis error" in text or "Validation" in text):
            return f"refused at synth ({case.parameter})"
        return f"JS error: {text[:70]}"
    return f"unhelpful: {text[:70]}"
