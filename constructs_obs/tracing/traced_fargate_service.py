"""TracedFargateService: a Fargate service with encrypted logs, tracing and alarms in one call.

It composes what the library builds separately: the application's ``EncryptedLogGroup``, a
Fargate task definition whose size is checked up front, ``FargateTracing`` (the collector
sidecar wired to the application container) and ``FargateServiceAlarms`` on the service.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from constructs_obs.alarms.alarm_routing import AlarmRouting
from constructs_obs.alarms.presets.fargate_service import FargateServiceAlarms
from constructs_obs.alarms.presets.preset_alarms import AlarmOptions
from constructs_obs.errors import InvalidParameterError
from constructs_obs.logs.encrypted_log_group import EncryptedLogGroup
from constructs_obs.private.keys import resolve_key
from constructs_obs.private.stack_limits import watch_stack_limits
from constructs_obs.private.validate import Check
from constructs_obs.tracing._images import check_container_image
from constructs_obs.tracing._images import check_image_reference as check_pinned_reference
from constructs_obs.tracing._logging import (
    awslogs_driver,
    check_log_retention,
    log_delivery_policy,
)
from constructs_obs.tracing._task_environment import check_environment
from constructs_obs.tracing.fargate_tracing import SERVICE_NAME_PATTERN, FargateTracing
from constructs_obs.tracing.task_size import (
    ContainerReservation,
    check_fargate_size,
    check_fits,
)
from constructs_obs.tracing.tracing_backend import (
    COLLECTOR_IMAGE_HINT,
    OtlpProtocol,
    TracingBackend,
    XRayExport,
    default_container_name,
    default_size,
)

__all__ = ["APP_CONTAINER_NAME", "TracedFargateService", "TracingOptions"]

APP_CONTAINER_NAME: Final = "app"
# FargateTracing's parameters that TracingOptions carries (image is checked up front).
_OPTION_FIELDS: Final = frozenset(
    {"backend", "otlp_protocol", "xray_export", "application_signals", "environment_overrides"}
)
APP_IMAGE_HINT: Final = (
    "pin a version (e.g. 'public.ecr.aws/nginx/nginx:1.27.0') or a digest (@sha256:...)"
)


@dataclass(frozen=True)
class TracingOptions:
    """How ``TracedFargateService`` traces: the collector options of ``FargateTracing``.

    Parameters
    ----------
    backend:
        The collector. Default: ``TracingBackend.ADOT``.
    otlp_protocol:
        How the app's SDK reaches the collector. Default: gRPC (4317); OTLP/HTTP in
        Application Signals mode.
    image:
        The collector image (``FargateTracing``'s ``image``, checked before anything is
        built). Default: the backend's pinned image.
    xray_export:
        ADOT only: ``XRayExport.AWSXRAY`` (default) or ``XRayExport.OTLP_ENDPOINT`` (needs
        CloudWatch Transaction Search).
    application_signals:
        CloudWatch agent only: Application Signals mode. Default: False.
    environment_overrides:
        Replaces (or, with None, drops) a variable the library sets on the app container.
        Default: none.
    """

    backend: TracingBackend = TracingBackend.ADOT
    otlp_protocol: OtlpProtocol | None = None
    image: ecs.ContainerImage | str | None = None
    xray_export: XRayExport = XRayExport.AWSXRAY
    application_signals: bool = False
    environment_overrides: Mapping[str, str | None] | None = None


class TracedFargateService(Construct):
    """A traced, monitored Fargate service: app container, collector sidecar, logs, alarms.

    Parameters
    ----------
    cluster:
        The ECS cluster (and, through it, the VPC) to run in. Turn Container Insights on for
        the running-tasks alarm.
    image:
        The application image, pinned to a tag or digest: an image without a tag or with the
        floating ``latest`` tag is refused (``ContainerImage.from_ecr_repository(repository)``
        defaults to ``latest``: pass a tag). A tag only known at deploy time (a token, a
        ``TagParameterContainerImage``) and images built from assets are accepted.
    service_name:
        The service's name in traces and in its alarm names. Letters, digits, ``.``, ``_``,
        ``-``; at most 64 characters.
    routing:
        Where the service's alarms go (None: alarms without actions).
    cpu / memory_limit_mib:
        The task size, a Fargate CPU/memory pair with room for the collector. Default: 512 CPU
        units and 1024 MiB (the ADOT collector reserves 128 and 256 of them).
    desired_count:
        Default: 2 tasks.
    container_port:
        The port the application listens on (TCP). Default: none exposed.
    environment / secrets / health_check:
        The application container's settings. Default: none. Variable names are non-empty,
        without '=', whitespace or control characters. cdk-nag's ``AwsSolutions-ECS2`` flags
        any environment variable: the library acknowledges it only while every variable is
        one it set itself (the tracing ``OTEL_*`` settings), so a variable of yours, even a
        harmless ``LOG_LEVEL``, leaves the finding standing: move it to ``secrets`` or
        acknowledge it on ``task_definition`` with your own reason.
    tracing_options:
        The collector: ``TracingOptions`` (backend, OTLP protocol, image, X-Ray export,
        Application Signals, environment overrides), passed to ``FargateTracing``.
        Default: ``TracingOptions()``, the ADOT collector over OTLP/gRPC, pinned image.
    vpc_subnets / security_groups / assign_public_ip:
        Networking. Default: the cluster VPC's private subnets, a new security group without
        ingress, no public IP.
    log_retention / encryption_key:
        For the application's and the collector's log groups. Default: one year; a new key
        (rotation on, RETAIN) shared by both.
    cpu_utilization / memory_utilization / running_tasks / runbook_url:
        Overrides of ``FargateServiceAlarms``.

    Attributes
    ----------
    task_definition / app_container / service:
        The ECS resources (``service`` is the construct's ``Resource``).
    log_group:
        The application's ``EncryptedLogGroup``.
    tracing:
        The ``FargateTracing`` (its ``collector_container``).
    alarms:
        The ``FargateServiceAlarms``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cluster: ecs.ICluster,
        image: ecs.ContainerImage,
        service_name: str,
        routing: AlarmRouting | None,
        cpu: int = 512,
        memory_limit_mib: int = 1024,
        desired_count: int = 2,
        container_port: int | None = None,
        environment: Mapping[str, str] | None = None,
        secrets: Mapping[str, ecs.Secret] | None = None,
        health_check: ecs.HealthCheck | None = None,
        tracing_options: TracingOptions | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        assign_public_ip: bool = False,
        log_retention: logs.RetentionDays | int = logs.RetentionDays.ONE_YEAR,
        encryption_key: kms.IKey | None = None,
        runbook_url: str | None = None,
        cpu_utilization: AlarmOptions | None = None,
        memory_utilization: AlarmOptions | None = None,
        running_tasks: AlarmOptions | None = None,
    ) -> None:
        super().__init__(scope, id)
        watch_stack_limits(self)
        check = Check("TracedFargateService", id)
        options = self._check_options(check, tracing_options)
        image_checked = self._check_inputs(check, service_name, routing, image)
        self._check_service(check, desired_count, container_port, assign_public_ip)
        _check_placement(check, cluster, vpc_subnets, security_groups)
        _check_network(check, cluster, vpc_subnets, assign_public_ip)
        _check_container(check, secrets, health_check)
        self._check_task_size(check, cpu, memory_limit_mib, options.backend)
        check_log_retention(check, log_retention)
        environment = (
            None if environment is None else check_environment(check, "environment", environment)
        )
        self.encryption_key: kms.IKey = self._encryption_key(check, encryption_key)
        self.log_group = EncryptedLogGroup(
            self, "AppLogs", encryption_key=self.encryption_key, retention=log_retention
        )
        self.task_definition = self._task_definition(cpu, memory_limit_mib)
        self.app_container = self._add_app_container(
            check, image, image_checked, container_port, environment, secrets, health_check
        )
        self.execution_policy = self._execution_policy()
        self.tracing = self._add_tracing(check, service_name, options, log_retention)
        self.service = self._service(
            cluster, desired_count, vpc_subnets, security_groups, assign_public_ip
        )
        self.alarms = self._alarms(
            routing, service_name, runbook_url, cpu_utilization, memory_utilization, running_tasks
        )

    # -- inputs ------------------------------------------------------------------------------

    def _check_inputs(
        self,
        check: Check,
        service_name: str,
        routing: AlarmRouting | None,
        image: ecs.ContainerImage,
    ) -> bool:
        """The service name, the routing and the app image; returns False when the image can
        only be checked once the task definition (its execution role) exists."""
        check.text(
            "service_name",
            service_name,
            max_length=64,
            pattern=SERVICE_NAME_PATTERN,
            pattern_doc="must start with a letter or digit and contain only letters, digits, "
            "'.', '_' and '-' (at most 64 characters)",
        )
        if routing is not None and not isinstance(routing, AlarmRouting):
            check.fail("routing", f"expected an AlarmRouting or None, got {type(routing).__name__}")
        if not isinstance(image, ecs.ContainerImage):
            check.fail("image", f"expected an ecs.ContainerImage, got {type(image).__name__}")
        # Checked before anything is built; an image that needs the execution role to be
        # checked (registry credentials) is checked once the task definition exists.
        return check_container_image(self, check, "image", image, hint=APP_IMAGE_HINT)

    def _check_options(self, check: Check, options: TracingOptions | None) -> TracingOptions:
        """The tracing options' types and collector image; FargateTracing checks the rest."""
        if options is None:
            return TracingOptions()
        if not isinstance(options, TracingOptions):
            check.fail(
                "tracing_options",
                f"expected TracingOptions or None, got {type(options).__name__}",
            )
        if not isinstance(options.backend, TracingBackend):
            check.fail(
                "tracing_options.backend",
                f"expected a TracingBackend, got {options.backend!r}",
            )
        if options.otlp_protocol is not None and not isinstance(
            options.otlp_protocol, OtlpProtocol
        ):
            check.fail(
                "tracing_options.otlp_protocol",
                f"expected an OtlpProtocol or None, got {options.otlp_protocol!r}",
            )
        self._check_collector_image(check, options.image)
        return options

    @staticmethod
    def _check_service(
        check: Check, desired_count: int, container_port: int | None, assign_public_ip: bool
    ) -> None:
        """The service's settings: task count, application port, public IP."""
        check.integer("desired_count", desired_count, minimum=0)
        if container_port is not None:
            check.integer("container_port", container_port, minimum=1, maximum=65535)
        if not isinstance(assign_public_ip, bool):
            check.fail("assign_public_ip", f"expected True or False, got {assign_public_ip!r}")

    @staticmethod
    def _check_task_size(
        check: Check, cpu: int, memory_limit_mib: int, backend: TracingBackend
    ) -> None:
        """A Fargate task size with room for the collector beside the app container."""
        check.integer("cpu", cpu, minimum=1)
        check.integer("memory_limit_mib", memory_limit_mib, minimum=1)
        check_fargate_size(check, cpu=cpu, memory_mib=memory_limit_mib, parameter="cpu")
        if isinstance(backend, TracingBackend):
            sidecar_cpu, sidecar_memory = default_size(backend)
            check_fits(
                check,
                task_cpu=cpu,
                task_memory_mib=memory_limit_mib,
                sidecar=ContainerReservation(
                    default_container_name(backend), sidecar_cpu, sidecar_memory
                ),
                others=[ContainerReservation(APP_CONTAINER_NAME, 0, 0)],
                parameter="cpu",
            )

    def _check_collector_image(
        self, check: Check, collector_image: ecs.ContainerImage | str | None
    ) -> None:
        """The checks FargateTracing makes on its image, made before anything is built."""
        parameter = "tracing_options.image"
        if isinstance(collector_image, str):
            check_pinned_reference(check, parameter, collector_image, hint=COLLECTOR_IMAGE_HINT)
        elif isinstance(collector_image, ecs.ContainerImage):
            check_container_image(
                self, check, parameter, collector_image, hint=COLLECTOR_IMAGE_HINT
            )
        elif collector_image is not None:
            check.fail(
                parameter,
                "expected an ecs.ContainerImage, an image reference or None, got "
                f"{type(collector_image).__name__}",
            )

    # -- resources ---------------------------------------------------------------------------

    def _encryption_key(self, check: Check, encryption_key: kms.IKey | None) -> kms.IKey:
        """The user's key, or a new one shared by the app's and the collector's logs."""
        return resolve_key(
            self,
            "Key",
            check=check,
            encryption_key=encryption_key,
            encryption_key_props=None,
            description=f"Encrypts the logs of the Fargate service {self.node.path}",
        )

    def _task_definition(self, cpu: int, memory_limit_mib: int) -> ecs.FargateTaskDefinition:
        """The task definition, with task and execution roles only ECS tasks of this account
        and region may assume (the confused-deputy conditions AWS documents for ECS)."""
        return ecs.FargateTaskDefinition(
            self,
            "TaskDefinition",
            cpu=cpu,
            memory_limit_mib=memory_limit_mib,
            task_role=self._ecs_tasks_role("TaskRole", "The application's own permissions"),
            execution_role=self._ecs_tasks_role(
                "ExecutionRole", "Lets ECS pull the images and deliver the logs of the task"
            ),
        )

    def _ecs_tasks_role(self, id: str, purpose: str) -> iam.Role:
        stack = Stack.of(self)
        return iam.Role(
            self,
            id,
            assumed_by=iam.ServicePrincipal(
                "ecs-tasks.amazonaws.com",
                conditions={
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{stack.partition}:ecs:{stack.region}:"
                        f"{stack.account}:*"
                    },
                    "StringEquals": {"aws:SourceAccount": stack.account},
                },
            ),
            description=f"{purpose} ({self.node.path})",
        )

    def _add_app_container(
        self,
        check: Check,
        image: ecs.ContainerImage,
        image_checked: bool,
        container_port: int | None,
        environment: Mapping[str, str] | None,
        secrets: Mapping[str, ecs.Secret] | None,
        health_check: ecs.HealthCheck | None,
    ) -> ecs.ContainerDefinition:
        """The essential application container, logging to the app's log group."""
        if not image_checked:
            check_container_image(
                self,
                check,
                "image",
                image,
                hint=APP_IMAGE_HINT,
                task_definition=self.task_definition,
            )
        return self.task_definition.add_container(
            APP_CONTAINER_NAME,
            container_name=APP_CONTAINER_NAME,
            image=image,
            essential=True,
            environment=dict(environment) if environment else None,
            secrets=dict(secrets) if secrets else None,
            health_check=health_check,
            port_mappings=(
                [ecs.PortMapping(container_port=container_port, protocol=ecs.Protocol.TCP)]
                if container_port is not None
                else None
            ),
            logging=awslogs_driver(
                self, self.log_group.log_group, APP_CONTAINER_NAME, non_blocking=False
            ),
        )

    def _execution_policy(self) -> iam.ManagedPolicy:
        """The execution role's permission to write the application container's logs."""
        return log_delivery_policy(
            self,
            "ExecutionPolicy",
            task_definition=self.task_definition,
            log_groups=[self.log_group.log_group],
            description=f"Lets the application container of {self.node.path} write its logs",
        )

    def _add_tracing(
        self,
        check: Check,
        service_name: str,
        options: TracingOptions,
        log_retention: logs.RetentionDays | int,
    ) -> FargateTracing:
        """The collector sidecar, wired to the app container, logging with the same key; an
        option FargateTracing refuses is reported as the ``tracing_options`` field it came from."""
        try:
            return FargateTracing(
                self,
                "Tracing",
                task_definition=self.task_definition,
                service_name=service_name,
                backend=options.backend,
                otlp_protocol=options.otlp_protocol,
                image=options.image,
                xray_export=options.xray_export,
                application_signals=options.application_signals,
                environment_overrides=options.environment_overrides,
                encryption_key=self.encryption_key,
                log_retention=log_retention,
            )
        except InvalidParameterError as error:
            if error.parameter not in _OPTION_FIELDS:
                raise
            check.fail(f"tracing_options.{error.parameter}", error.problem)

    def _service(
        self,
        cluster: ecs.ICluster,
        desired_count: int,
        vpc_subnets: ec2.SubnetSelection | None,
        security_groups: Sequence[ec2.ISecurityGroup] | None,
        assign_public_ip: bool,
    ) -> ecs.FargateService:
        """The service (the construct's ``Resource``): rolling deployments that roll back."""
        return ecs.FargateService(
            self,
            "Resource",
            cluster=cluster,
            task_definition=self.task_definition,
            desired_count=desired_count,
            min_healthy_percent=100,
            max_healthy_percent=200,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            vpc_subnets=vpc_subnets,
            security_groups=list(security_groups) if security_groups else None,
            assign_public_ip=assign_public_ip,
        )

    def _alarms(
        self,
        routing: AlarmRouting | None,
        service_name: str,
        runbook_url: str | None,
        cpu_utilization: AlarmOptions | None,
        memory_utilization: AlarmOptions | None,
        running_tasks: AlarmOptions | None,
    ) -> FargateServiceAlarms:
        """``FargateServiceAlarms`` on the service, named for ``service_name``."""
        return FargateServiceAlarms(
            self,
            "Alarms",
            service=self.service,
            routing=routing,
            resource_name=service_name,
            runbook_url=runbook_url,
            cpu_utilization=cpu_utilization,
            memory_utilization=memory_utilization,
            running_tasks=running_tasks,
        )


def _check_placement(
    check: Check,
    cluster: object,
    vpc_subnets: object,
    security_groups: object,
) -> None:
    """The cluster, subnet selection and security groups are what ECS takes (checked before
    jsii sees them: a value it cannot serialize ends its kernel)."""
    if not isinstance(cluster, Construct) or not hasattr(cluster, "cluster_arn"):
        check.fail(
            "cluster",
            "expected an ecs.ICluster (an ecs.Cluster, or ecs.Cluster.from_cluster_attributes"
            f"(...)), got {cluster!r}",
        )
    if vpc_subnets is not None and not isinstance(vpc_subnets, ec2.SubnetSelection):
        check.fail("vpc_subnets", f"expected an ec2.SubnetSelection or None, got {vpc_subnets!r}")
    if security_groups is None:
        return
    if isinstance(security_groups, str | bytes) or not isinstance(security_groups, Sequence):
        check.fail(
            "security_groups", f"expected a list of ec2.ISecurityGroup, got {security_groups!r}"
        )
    for group in security_groups:
        if not isinstance(group, Construct) or not hasattr(group, "security_group_id"):
            check.fail(
                "security_groups",
                "expected ec2.ISecurityGroup items (e.g. ec2.SecurityGroup.from_security_group_id"
                f"(...)), got {group!r}",
            )


def _check_container(check: Check, secrets: object, health_check: object) -> None:
    """The app container's secrets (names as for ``environment``) and health check."""
    if secrets is not None:
        if isinstance(secrets, str | bytes) or not isinstance(secrets, Mapping):
            check.fail(
                "secrets", f"expected a mapping of variable name to ecs.Secret, got {secrets!r}"
            )
        check_environment(check, "secrets", dict.fromkeys(secrets, ""))
        for name, secret in secrets.items():
            if not isinstance(secret, ecs.Secret):
                check.fail("secrets", f"the value of {name} must be an ecs.Secret, got {secret!r}")
    if health_check is not None and not isinstance(health_check, ecs.HealthCheck):
        check.fail("health_check", f"expected an ecs.HealthCheck or None, got {health_check!r}")


def _check_network(
    check: Check,
    cluster: ecs.ICluster,
    vpc_subnets: ec2.SubnetSelection | None,
    assign_public_ip: bool,
) -> None:
    """A public IP only where there are public subnets: ECS places a task with a public IP in
    the VPC's public subnets unless ``vpc_subnets`` says otherwise."""
    if not assign_public_ip or not hasattr(cluster, "vpc"):
        return
    public = {subnet.subnet_id for subnet in cluster.vpc.public_subnets}
    if vpc_subnets is None:
        if not public:
            check.fail(
                "assign_public_ip",
                "the cluster's VPC has no public subnets, where a task with a public IP runs; "
                "leave assign_public_ip False (private subnets reach the internet through a "
                "NAT gateway or VPC endpoints), or pass vpc_subnets selecting public subnets",
            )
        return
    try:
        chosen = cluster.vpc.select_subnets(
            availability_zones=vpc_subnets.availability_zones,
            one_per_az=vpc_subnets.one_per_az,
            subnet_filters=vpc_subnets.subnet_filters,
            subnet_group_name=vpc_subnets.subnet_group_name,
            subnets=vpc_subnets.subnets,
            subnet_type=vpc_subnets.subnet_type,
        ).subnet_ids
    except RuntimeError as error:
        check.fail("vpc_subnets", f"selects no subnet of the cluster's VPC: {error}")
    if not set(chosen) <= public:
        check.fail(
            "assign_public_ip",
            "vpc_subnets selects subnets that are not public: a public IP there reaches "
            "nothing; select public subnets, or leave assign_public_ip False",
        )
