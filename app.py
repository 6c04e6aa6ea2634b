#!/usr/bin/env python3
"""Demo app: constructs-obs composed the way a platform team composes it in its own CDK app.

Four stacks:

- ``ObsDemoAudit``: the account's audit layer. A multi-region CloudTrail to a hardened bucket
  and an encrypted log group, Athena over the logs with forensic queries, the CIS /
  Security Hub metric filters and alarms on the trail's log group, the detection catalogue's
  EventBridge rules reacting to attack techniques and its volume alarms (bulk secret reads,
  mass deletion), all notifying the security topic.
- ``ObsDemoWorkload``: an application. A VPC, an RDS instance, an asynchronous Lambda
  function and a traced Fargate service, each with preset alarms routed to the on-call topic
  and to a remediation function (reboot the database, pause the function, scale the
  service out), and the application's encrypted log group with pattern alarms.
- ``ObsDemoGlobalDetections``: when the demo's region is another one, the security rules for
  us-east-1: those whose events exist only there (IAM, Organizations), and root use and console
  sign-in, which arrive in whichever region the actor chose (the global sign-in endpoint's in
  us-east-1) and are watched in both regions the demo covers.
- ``ObsDemoDashboard``: one dashboard over the audit and workload stacks.

Synthesize with ``make run`` (or ``. .venv/bin/activate && npx cdk synth``). cdk-nag's
AwsSolutions and NIST 800-53 R5 packs run during synthesis: any finding not acknowledged
with a written reason fails it. The account comes from the context (``-c account=...``) or
from the CDK CLI's credentials (``CDK_DEFAULT_ACCOUNT``), else a placeholder. The region is the
demo's own, ``eu-west-1``, unless the context names another (``-c region=...``): the CLI's
default region is not used, so the same four stacks are built on every machine (a region of
``us-east-1`` folds the global detections into the audit stack: three stacks).
"""

from __future__ import annotations

import os

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks
from constructs import Construct

from constructs_obs import (
    ALL_SECURITY_DETECTIONS,
    EVERY_REGION_DETECTIONS,
    GLOBAL_SERVICE_DETECTIONS,
    AlarmOptions,
    AlarmRemediation,
    AlarmRouting,
    AlarmTopic,
    AuditTrail,
    CisBenchmarkAlarms,
    DataEventSelector,
    EncryptedLogGroup,
    IncidentTarget,
    LambdaFunctionAlarms,
    LogArchiveOptions,
    ObservabilityDashboard,
    PiiProtection,
    RdsInstanceAlarms,
    RemediationAction,
    SecurityEventRules,
    SecurityVolumeAlarms,
    Severity,
    TracedFargateService,
    select_detections,
)
from constructs_obs.acknowledge import (
    acknowledge_nag,
    ignore_cfn_lint,
    nag_ref,
    skip_checkov,
)

DEMO_ACCOUNT = "111122223333"
DEMO_REGION = "eu-west-1"


class AuditStack(cdk.Stack):
    """The account's audit trail, its Athena queries and the security detections on it."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        self.security_topic = AlarmTopic(
            self, "SecurityTopic", email_addresses=["security-oncall@example.com"]
        )
        routing = AlarmRouting(
            self,
            "SecurityRouting",
            name_prefix="demo-security",
            critical=[self.security_topic, IncidentTarget.to_ops_item(category="Security")],
            warning=[self.security_topic],
        )
        self.trail = AuditTrail(
            self,
            "Trail",
            data_events=[DataEventSelector.s3()],
            athena_regions=["eu-west-1", "us-east-1"],
        )
        auditors = iam.Role(
            self,
            "Auditors",
            assumed_by=iam.AccountRootPrincipal(),
            description="Security team: reads the audit trail and runs the forensic queries",
        )
        self.trail.grant_read(auditors)
        assert self.trail.queries is not None
        self.trail.queries.grant_query(auditors)
        CisBenchmarkAlarms(
            self, "Cis", trail_log_group=self.trail.log_group.log_group, routing=routing
        )
        # The catalogue's rules of this region (all of them in us-east-1), and its volume
        # detections (bulk secret reads and decryption, mass deletion) on the trail's logs.
        on_this_region = (
            ALL_SECURITY_DETECTIONS
            if self.region == "us-east-1"
            else select_detections(global_service=False)
        )
        SecurityEventRules(
            self, "SecurityRules", targets=[self.security_topic], detections=on_this_region
        )
        SecurityVolumeAlarms(
            self, "SecurityVolume", trail_log_group=self.trail.log_group, routing=routing
        )


class GlobalDetectionsStack(cdk.Stack):
    """IAM and Organizations events arrive in us-east-1 only: their rules (and a topic for
    them) live there, with the rules for root use and console sign-in, whose us-east-1 events
    (the global sign-in endpoint's, the root user's IAM calls) the audit stack's region never
    sees. Each record is delivered in one region only: no event is alerted twice."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        topic = AlarmTopic(self, "SecurityTopic", email_addresses=["security-oncall@example.com"])
        SecurityEventRules(
            self,
            "GlobalRules",
            targets=[topic],
            detections=[*GLOBAL_SERVICE_DETECTIONS, *EVERY_REGION_DETECTIONS],
        )


class DashboardStack(cdk.Stack):
    """One screen for the audit and workload stacks: their alarms by written-out ARN, their
    metrics, log groups and detection rules."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        sources: list[cdk.Stack],
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        ObservabilityDashboard(self, "Dashboard", name="obs-demo", sources=sources)


class WorkloadStack(cdk.Stack):
    """An application: database, function and logs, with alarms that reach someone."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        oncall = AlarmTopic(self, "OncallTopic", email_addresses=["oncall@example.com"])
        remediation = AlarmRemediation(self, "Remediation", monitor_topic=oncall, dry_run=True)
        routing = AlarmRouting(
            self,
            "Routing",
            name_prefix="demo-orders",
            critical=[oncall, remediation],
            warning=[oncall],
        )
        key = kms.Key(self, "DataKey", enable_key_rotation=True, description="Orders data")
        vpc = _vpc(self, key)
        database = _database(self, vpc, key)
        db_alarms = RdsInstanceAlarms(
            self,
            "DatabaseAlarms",
            instance=database,
            routing=routing,
            resource_name="orders-db",
            runbook_url="https://runbooks.example.com/orders-db",
            cpu_utilization=AlarmOptions(threshold=75),
            database_connections=AlarmOptions(threshold=180),
        )
        remediation.add_action(
            db_alarms.alarms["free_storage_space"], RemediationAction.reboot_rds_instance(database)
        )
        function = _function(self, key)
        checkout_alarms = LambdaFunctionAlarms(
            self,
            "CheckoutAlarms",
            function=function,
            routing=routing,
            resource_name="checkout",
            asynchronous=True,
        )
        # An error storm pauses the asynchronous checkout worker: its events wait in Lambda's
        # queue (then its DLQ) instead of failing through their retries.
        remediation.add_action(
            checkout_alarms.alarms["errors"],
            RemediationAction.limit_lambda_concurrency(function, reserved_concurrency=0),
        )
        cluster = ecs.Cluster(
            self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED
        )
        storefront = TracedFargateService(
            self,
            "Storefront",
            cluster=cluster,
            image=ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:1.27.0"),
            service_name="storefront",
            routing=routing,
            container_port=8080,
            encryption_key=key,
            # Sustained CPU pages, and the remediation adds two tasks (up to ten).
            cpu_utilization=AlarmOptions(threshold=85, severity=Severity.CRITICAL),
        )
        remediation.add_action(
            storefront.alarms.alarms["cpu_utilization"],
            RemediationAction.scale_ecs_service(storefront.service, step=2, max_count=10),
        )
        app_logs = EncryptedLogGroup(
            self,
            "AppLogs",
            log_group_name="/demo/orders-service",
            retention=logs.RetentionDays.THREE_MONTHS,
            data_protection=PiiProtection(
                identifiers=[logs.DataIdentifier.EMAILADDRESS, logs.DataIdentifier.AWSSECRETKEY]
            ),
            archive=LogArchiveOptions(prefix="orders-service/", monitor_topic=oncall),
        )
        app_logs.add_pattern_alarm(
            "Errors",
            pattern='{ $.level = "ERROR" }',
            metric_name="OrderServiceErrors",
            threshold=5,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            period=cdk.Duration.minutes(1),
            severity=Severity.CRITICAL,
            routing=routing,
            runbook_url="https://runbooks.example.com/orders-errors",
        )
        app_logs.add_pattern_alarm(
            "SlowCheckouts",
            pattern='{ $.operation = "checkout" && $.latencyMs > 2000 }',
            metric_name="SlowCheckouts",
            dimensions={"Region": "$.region"},
            threshold=10,
            routing=routing,
        )


def _vpc(scope: Construct, key: kms.IKey) -> ec2.Vpc:
    flow_logs = EncryptedLogGroup(scope, "FlowLogs", encryption_key=key)
    role = iam.Role(
        scope,
        "FlowLogsRole",
        assumed_by=iam.ServicePrincipal(
            "vpc-flow-logs.amazonaws.com",
            conditions={"StringEquals": {"aws:SourceAccount": cdk.Stack.of(scope).account}},
        ),
    )
    policy = iam.ManagedPolicy(
        scope,
        "FlowLogsPolicy",
        roles=[role],
        statements=[
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[flow_logs.log_group.log_group_arn],
            )
        ],
    )
    acknowledge_nag(
        policy,
        f"AwsSolutions-IAM5[Resource::{nag_ref(scope, flow_logs.log_group.log_group_arn)}]",
        "The log group ARN ends with :* to cover the streams flow logs create.",
    )
    region = cdk.Stack.of(scope).region
    vpc = ec2.Vpc(
        scope,
        "Vpc",
        # Named, so synthesis needs no AWS call to look the zones up (make run works offline).
        availability_zones=[f"{region}a", f"{region}b"],
        nat_gateways=1,
        restrict_default_security_group=True,
        subnet_configuration=[
            ec2.SubnetConfiguration(
                name="edge", subnet_type=ec2.SubnetType.PUBLIC, map_public_ip_on_launch=False
            ),
            ec2.SubnetConfiguration(name="app", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            ec2.SubnetConfiguration(name="data", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ],
        flow_logs={
            "All": ec2.FlowLogOptions(
                destination=ec2.FlowLogDestination.to_cloud_watch_logs(
                    flow_logs.log_group, role.without_policy_updates()
                )
            )
        },
    )
    for subnet in [*vpc.public_subnets, *vpc.private_subnets, *vpc.isolated_subnets]:
        cfn_subnet = subnet.node.default_child
        assert isinstance(cfn_subnet, ec2.CfnSubnet)
        ignore_cfn_lint(
            cfn_subnet,
            "W3010",
            "The demo names its two AZs explicitly (so synthesis needs no AWS lookup); "
            "Fn::GetAZs could pick zones the account does not use.",
        )
    for subnet in vpc.public_subnets:
        route = subnet.node.try_find_child("DefaultRoute")
        assert route is not None
        acknowledge_nag(
            route,
            "NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW",
            "The edge subnets hold only the NAT gateway (no public IPs on launch); their route "
            "to the internet gateway is how the app subnets reach ECR, X-Ray and CloudWatch.",
        )
    _acknowledge_default_sg_provider(cdk.Stack.of(scope))
    return vpc


def _acknowledge_default_sg_provider(stack: cdk.Stack) -> None:
    """aws-cdk-lib's provider that strips the default security group's rules: a synchronous
    custom-resource handler that runs once per deployment."""
    provider = stack.node.try_find_child("Custom::VpcRestrictDefaultSGCustomResourceProvider")
    handler = provider.node.try_find_child("Handler") if provider is not None else None
    if not isinstance(handler, cdk.CfnResource):
        return
    reason = (
        "aws-cdk-lib's custom-resource handler that closes the default security group: "
        "CloudFormation invokes it synchronously during deployment"
    )
    skip_checkov(handler, "CKV_AWS_116", f"{reason}, so there is no asynchronous event to keep.")
    skip_checkov(handler, "CKV_AWS_115", f"{reason}, once per deployment.")
    skip_checkov(handler, "CKV_AWS_117", f"{reason}; it calls only the EC2 API.")
    ignore_cfn_lint(handler, "W3005", "aws-cdk-lib's provider adds DependsOn on its role.")


DB_IDENTIFIER = "demo-orders-db"


def _database(scope: Construct, vpc: ec2.IVpc, key: kms.IKey) -> rds.DatabaseInstance:
    exports = ["postgresql", "upgrade"]
    # The log groups RDS exports to, created up front: encrypted, with retention, RETAIN.
    export_groups = [
        EncryptedLogGroup(
            scope,
            f"OrdersDb{kind.capitalize()}Logs",
            log_group_name=f"/aws/rds/instance/{DB_IDENTIFIER}/{kind}",
            encryption_key=key,
        )
        for kind in exports
    ]
    database = rds.DatabaseInstance(
        scope,
        "OrdersDb",
        instance_identifier=DB_IDENTIFIER,
        engine=rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_17_9),
        instance_type=ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MEDIUM),
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        multi_az=True,
        storage_encrypted=True,
        storage_encryption_key=key,
        # RDS keeps the master password in Secrets Manager and rotates it itself.
        manage_master_user_password=True,
        credentials=rds.Credentials.from_username("orders_admin", encryption_key=key),
        iam_authentication=True,
        deletion_protection=True,
        backup_retention=cdk.Duration.days(14),
        port=5433,
        auto_minor_version_upgrade=True,
        cloudwatch_logs_exports=exports,
        monitoring_interval=cdk.Duration.seconds(60),
        enable_performance_insights=True,
        performance_insight_encryption_key=key,
        removal_policy=cdk.RemovalPolicy.SNAPSHOT,
    )
    for group in export_groups:
        database.node.add_dependency(group)
    acknowledge_nag(
        database,
        "NIST.800.53.R5-RDSInBackupPlan",
        "RDS automated backups are kept 14 days with deletion protection on; enrolling the "
        "instance in the organization's AWS Backup plan is the backup team's decision.",
    )
    monitoring_role = database.node.try_find_child("MonitoringRole")
    assert monitoring_role is not None
    acknowledge_nag(
        monitoring_role,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AmazonRDSEnhancedMonitoringRole]",
        "AWS maintains this service-role policy for RDS enhanced monitoring; it reaches only "
        "the RDSOSMetrics log group.",
    )
    return database


def _function(scope: Construct, key: kms.IKey) -> lambda_.Function:
    logs_group = EncryptedLogGroup(scope, "CheckoutLogs", encryption_key=key)
    dead_letters = sqs.Queue(
        scope,
        "CheckoutDeadLetters",
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        enforce_ssl=True,
        retention_period=cdk.Duration.days(14),
    )
    acknowledge_nag(dead_letters, "AwsSolutions-SQS3", "This queue is the checkout function's DLQ.")
    role = iam.Role(scope, "CheckoutRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    policy = iam.ManagedPolicy(
        scope,
        "CheckoutPolicy",
        roles=[role],
        statements=[
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[logs_group.log_group.log_group_arn],
            ),
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[dead_letters.queue_arn]),
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[key.key_arn]
            ),
        ],
    )
    acknowledge_nag(
        policy,
        f"AwsSolutions-IAM5[Resource::{nag_ref(scope, logs_group.log_group.log_group_arn)}]",
        "The log group ARN ends with :* to cover the streams Lambda creates.",
    )
    function = lambda_.Function(
        scope,
        "Checkout",
        runtime=lambda_.Runtime.PYTHON_3_14,
        handler="index.handler",
        code=lambda_.Code.from_inline(
            "import json\n\ndef handler(event, context):\n"
            "    print(json.dumps({'level': 'INFO', 'operation': 'checkout'}))\n"
            "    return {'ok': True}\n"
        ),
        timeout=cdk.Duration.seconds(20),
        memory_size=256,
        role=role.without_policy_updates(),
        log_group=logs_group.log_group,
        reserved_concurrent_executions=20,
        dead_letter_queue=dead_letters,
        environment_encryption=key,
    )
    cfn = function.node.default_child
    assert isinstance(cfn, lambda_.CfnFunction)
    no_vpc = "The checkout demo calls no VPC resource; production code would run in the VPC."
    acknowledge_nag(function, "NIST.800.53.R5-LambdaInsideVPC", no_vpc)
    skip_checkov(cfn, "CKV_AWS_117", no_vpc)
    skip_checkov(cfn, "CKV_AWS_272", "Inline demo code: there is nothing to sign.")
    ignore_cfn_lint(cfn, "W3005", "aws-cdk-lib's Function always adds DependsOn on its role.")
    return function


def environment(app: cdk.App) -> cdk.Environment:
    """The demo's account (context, then the CLI's credentials) and its region (context only:
    a CLI default region of us-east-1 would silently drop the global-detections stack)."""
    account = app.node.try_get_context("account") or os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = app.node.try_get_context("region")
    return cdk.Environment(account=account or DEMO_ACCOUNT, region=region or DEMO_REGION)


def build(app: cdk.App) -> None:
    """Add the demo stacks to ``app`` (tests call this with their own App)."""
    env = environment(app)
    audit = AuditStack(app, "ObsDemoAudit", env=env)
    workload = WorkloadStack(app, "ObsDemoWorkload", env=env)
    if env.region != "us-east-1":
        GlobalDetectionsStack(
            app,
            "ObsDemoGlobalDetections",
            env=cdk.Environment(account=env.account, region="us-east-1"),
        )
    DashboardStack(app, "ObsDemoDashboard", env=env, sources=[audit, workload])


def main() -> None:
    app = cdk.App()
    build(app)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), NIST80053R5Checks(app))
    app.synth()


if __name__ == "__main__":
    main()
