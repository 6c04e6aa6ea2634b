"""FargateTracing: a trace collector sidecar added to a Fargate task definition.

The sidecar (ADOT collector, CloudWatch agent or the legacy X-Ray daemon) runs from a pinned
image, logs to an encrypted log group, reserves CPU and memory that are checked against the
task's size, and listens on ports mapped host = container (awsvpc). The application containers
get the environment variables OpenTelemetry and X-Ray SDKs read to find it, and start only
after it has started. The task role gets the X-Ray actions (and, for the CloudWatch agent,
``cloudwatch:PutMetricData`` in its namespace) in an inline policy of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from aws_cdk import Annotations, Duration
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from constructs_obs.acknowledge import acknowledge_nag
from constructs_obs.logs.encrypted_log_group import EncryptedLogGroup
from constructs_obs.private.stack_limits import watch_stack_limits
from constructs_obs.private.validate import Check, is_token
from constructs_obs.tracing._images import check_container_image
from constructs_obs.tracing._logging import awslogs_driver, log_delivery_policy
from constructs_obs.tracing._task_environment import (
    container_environment,
    record_library_environment,
)
from constructs_obs.tracing.task_size import (
    ContainerReservation,
    check_fargate_size,
    check_fits,
)
from constructs_obs.tracing.tracing_backend import (
    COLLECTOR_IMAGE_HINT,
    DEFAULT_AGENT_METRICS_NAMESPACE,
    XRAY_DAEMON_END_OF_SUPPORT,
    CollectorSpec,
    OtlpProtocol,
    TracingBackend,
    app_environment,
    check_image_reference,
    collector_spec,
)

__all__ = [
    "SERVICE_NAME_PATTERN",
    "XRAY_DAEMON_WARNING_ID",
    "FargateTracing",
]

XRAY_DAEMON_WARNING_ID: Final = "constructs-obs:xray-daemon-end-of-support"
# Letters, digits, '.', '_', '-': valid in an X-Ray segment name, a sampling rule's service name
# (at most 64 characters) and an OTEL_RESOURCE_ATTRIBUTES value without percent-encoding.
SERVICE_NAME_PATTERN: Final = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_CONTAINER_NAME = r"[A-Za-z0-9][A-Za-z0-9_-]{0,254}"
_NAMESPACE = r"[^:*$]{1,255}"
_MIN_CONTAINER_MEMORY_MIB: Final = 6  # the smallest hard memory limit ECS accepts

ENVIRONMENT_REASON: Final = (
    "FargateTracing sets only non-secret collector settings as environment variables (the "
    "OTLP endpoint and protocol, the X-Ray daemon address, the service name, the collector's "
    "own configuration): OpenTelemetry and X-Ray SDKs read them from the environment. Keep "
    "secrets in the container's secrets instead."
)
XRAY_STAR_REASON: Final = (
    "X-Ray's PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets and "
    "GetSamplingStatisticSummaries support no resource-level permissions, so Resource must be "
    "'*'; cloudwatch:PutMetricData has none either and is limited by the cloudwatch:namespace "
    "condition."
)
INLINE_REASON: Final = (
    "The tracing permissions belong to this task role only and live and die with it: an "
    "inline policy (as the FargateTracing design asks) cannot be attached to another role by "
    "mistake."
)


class FargateTracing(Construct):
    """A trace collector sidecar in a Fargate task definition, wired to the app containers.

    Create it after adding the application containers: the containers present then (or
    ``app_containers``) are the ones wired to the collector, and their CPU and memory
    reservations are checked against the task's size together with the sidecar's.

    The collector is configured for traces only, so the task role needs only X-Ray (and, for
    the CloudWatch agent's StatsD metrics, ``cloudwatch:PutMetricData`` in one namespace).
    cdk-nag's ``AwsSolutions-ECS2`` (environment variables in a container definition) is
    acknowledged on the task definition only while every variable of its containers is one set
    here (not secrets): a variable of yours leaves the finding standing, for you to move to the
    container's ``secrets`` or to acknowledge with your own reason.

    Parameters
    ----------
    task_definition:
        The Fargate task definition (awsvpc network mode) to add the sidecar to. Its CPU/memory
        pair must be a Fargate task size, large enough for the sidecar and the other
        containers' reservations.
    service_name:
        The service's name in traces: ``service.name`` in ``OTEL_RESOURCE_ATTRIBUTES`` and
        ``AWS_XRAY_TRACING_NAME``. Letters, digits, ``.``, ``_``, ``-``; at most 64 characters.
    backend:
        The collector. Default: ``TracingBackend.ADOT``. ``XRAY_DAEMON`` is legacy (AWS ends
        its support on 2027-02-25) and adds a synth-time warning.
    app_containers:
        The containers that send traces. Default: every container already in the task
        definition.
    essential:
        Whether the task stops when the collector stops. Default: False: the application
        keeps serving, and the collector has an ECS container restart policy, so ECS restarts
        it in place when it exits after having run for at least 300 seconds (ECS's default
        restart attempt period). An essential collector gets no restart policy: when it stops,
        the task stops and the service replaces the task.
    image:
        The collector image: an ``ecs.ContainerImage`` or an image reference pinned to a tag
        or digest, checked before the sidecar is added. A reference without a tag or with the
        floating ``latest`` tag is refused, including an ECR image
        (``ContainerImage.from_ecr_repository(repository)`` defaults to ``latest``: pass a
        tag). A tag only known at deploy time (a token, a ``TagParameterContainerImage``) and
        images built from assets (tagged with their content hash) are accepted.
        Default: the backend's pinned image (``ADOT_COLLECTOR_IMAGE``,
        ``CLOUDWATCH_AGENT_IMAGE`` or ``XRAY_DAEMON_IMAGE``).
    cpu / memory_limit_mib:
        What the sidecar reserves (memory is a hard limit). Default: 256 CPU units and 512 MiB
        for the ADOT collector and the CloudWatch agent, 32 and 256 MiB for the X-Ray daemon.
    otlp_protocol:
        How the app's OpenTelemetry SDK reaches the collector (sets
        ``OTEL_EXPORTER_OTLP_PROTOCOL`` and the endpoint's port). Default: gRPC (4317).
    container_name:
        Default: ``aws-otel-collector``, ``cloudwatch-agent`` or ``xray-daemon``.
    log_group:
        Where the sidecar logs. Default: a new ``EncryptedLogGroup`` (customer key, RETAIN).
    log_retention / encryption_key:
        Retention and key of the log group created here. Default: one year; a new key.
    metrics_namespace:
        CloudWatch agent only: the namespace its StatsD metrics (UDP 8125) are published to,
        and the only one the task role may put metrics in. Default: ``CWAgent``.

    Attributes
    ----------
    collector_container:
        The sidecar's container definition.
    app_containers:
        The containers wired to the collector.
    app_environment:
        The variables set on each app container.
    task_role_policy:
        The inline policy on the task role.
    execution_policy:
        The managed policy letting the execution role write the sidecar's logs.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        task_definition: ecs.FargateTaskDefinition,
        service_name: str,
        backend: TracingBackend = TracingBackend.ADOT,
        app_containers: Sequence[ecs.ContainerDefinition] | None = None,
        essential: bool = False,
        image: ecs.ContainerImage | str | None = None,
        cpu: int | None = None,
        memory_limit_mib: int | None = None,
        otlp_protocol: OtlpProtocol = OtlpProtocol.GRPC,
        container_name: str | None = None,
        log_group: EncryptedLogGroup | logs.ILogGroup | None = None,
        log_retention: logs.RetentionDays | int = logs.RetentionDays.ONE_YEAR,
        encryption_key: kms.IKey | None = None,
        metrics_namespace: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        watch_stack_limits(self)
        self._check = Check("FargateTracing", id)
        namespace = self._check_choices(
            task_definition, service_name, backend, otlp_protocol, essential, metrics_namespace
        )
        spec = collector_spec(backend, metrics_namespace=namespace)
        self.backend = backend
        self.service_name = service_name
        name = self._container_name(task_definition, container_name or spec.container_name)
        self.app_containers: tuple[ecs.ContainerDefinition, ...] = self._app_containers(
            task_definition, app_containers
        )
        sidecar = self._sidecar_reservation(task_definition, name, spec, cpu, memory_limit_mib)
        self._check_ports(task_definition, spec)
        self.app_environment = app_environment(
            spec, service_name=service_name, otlp_protocol=otlp_protocol
        )
        planned = [(c, self._planned_environment(c)) for c in self.app_containers]
        # Last of the checks: an image that needs the execution role to be checked gets its
        # pull grant before the container is added.
        container_image = self._image(image, spec, task_definition)

        self.encryption_key: kms.IKey | None = None
        self.log_group = self._log_group(log_group, log_retention, encryption_key)
        self.collector_container = self._add_collector(
            task_definition, spec, sidecar, container_image, essential
        )
        self.execution_policy = self._execution_policy(task_definition, name)
        self.task_role_policy = self._task_role_policy(task_definition, spec, namespace)
        for container, environment in planned:
            self._wire(container, environment)
        self._acknowledge(task_definition, backend, planned)

    # -- inputs ------------------------------------------------------------------------------

    def _check_choices(
        self,
        task_definition: ecs.FargateTaskDefinition,
        service_name: str,
        backend: TracingBackend,
        otlp_protocol: OtlpProtocol,
        essential: bool,
        metrics_namespace: str | None,
    ) -> str:
        """The task definition, the enums, the service name and ``essential``; returns the
        metrics namespace."""
        check = self._check
        if not isinstance(task_definition, ecs.FargateTaskDefinition):
            check.fail(
                "task_definition",
                f"expected an ecs.FargateTaskDefinition defined in this app, got "
                f"{type(task_definition).__name__}",
            )
        check.choice("backend", backend, tuple(TracingBackend), _names(TracingBackend))
        check.choice("otlp_protocol", otlp_protocol, tuple(OtlpProtocol), _names(OtlpProtocol))
        check.text(
            "service_name",
            service_name,
            max_length=64,
            pattern=SERVICE_NAME_PATTERN,
            pattern_doc="must start with a letter or digit and contain only letters, digits, "
            "'.', '_' and '-' (at most 64 characters)",
        )
        if not isinstance(essential, bool):
            check.fail("essential", f"expected True or False, got {essential!r}")
        return self._metrics_namespace(backend, metrics_namespace)

    def _metrics_namespace(self, backend: TracingBackend, namespace: str | None) -> str:
        if namespace is None:
            return DEFAULT_AGENT_METRICS_NAMESPACE
        if backend is not TracingBackend.CLOUDWATCH_AGENT:
            self._check.fail(
                "metrics_namespace",
                f"only the CloudWatch agent publishes metrics; {backend} does not use it",
            )
        self._check.text(
            "metrics_namespace",
            namespace,
            max_length=255,
            pattern=_NAMESPACE,
            pattern_doc="must not contain ':', '*' or '$'",
        )
        if namespace.startswith("AWS/"):
            self._check.fail(
                "metrics_namespace", "namespaces starting with 'AWS/' are reserved by AWS"
            )
        return namespace

    def _container_name(self, task_definition: ecs.FargateTaskDefinition, name: str) -> str:
        """A valid container name, not yet taken in the task definition."""
        self._check.text(
            "container_name",
            name,
            max_length=255,
            pattern=_CONTAINER_NAME,
            pattern_doc="must start with a letter or digit and contain only letters, digits, "
            "'-' and '_'",
        )
        if task_definition.node.try_find_child(name) is not None or (
            task_definition.find_container(name) is not None
        ):
            self._check.fail(
                "container_name",
                f"the task definition already has a container named {name!r}; pass another "
                "container_name",
            )
        return name

    def _app_containers(
        self,
        task_definition: ecs.FargateTaskDefinition,
        given: Sequence[ecs.ContainerDefinition] | None,
    ) -> tuple[ecs.ContainerDefinition, ...]:
        present = _containers(task_definition)
        if given is None:
            if not present:
                self._check.fail(
                    "app_containers",
                    f"the task definition {task_definition.node.path} has no containers yet; "
                    "add the application containers first, then FargateTracing",
                )
            return tuple(present)
        chosen = tuple(given)
        if not chosen:
            self._check.fail("app_containers", "is empty; name at least one container")
        for container in chosen:
            if not isinstance(container, ecs.ContainerDefinition) or container.node.addr not in {
                other.node.addr for other in present
            }:
                self._check.fail(
                    "app_containers",
                    f"{container!r} is not a container of {task_definition.node.path}",
                )
        self._check.unique("app_containers", [c.container_name for c in chosen])
        return chosen

    def _sidecar_reservation(
        self,
        task_definition: ecs.FargateTaskDefinition,
        name: str,
        spec: CollectorSpec,
        cpu: int | None,
        memory_limit_mib: int | None,
    ) -> ContainerReservation:
        """What the sidecar reserves, checked to fit in the task with the other containers."""
        check = self._check
        sidecar_cpu = spec.cpu if cpu is None else check.integer("cpu", cpu, minimum=0)
        sidecar_memory = (
            spec.memory_mib
            if memory_limit_mib is None
            else check.integer(
                "memory_limit_mib", memory_limit_mib, minimum=_MIN_CONTAINER_MEMORY_MIB
            )
        )
        sidecar = ContainerReservation(name, sidecar_cpu, sidecar_memory)
        check_fargate_size(check, cpu=task_definition.cpu, memory_mib=task_definition.memory_mib)
        check_fits(
            check,
            task_cpu=task_definition.cpu,
            task_memory_mib=task_definition.memory_mib,
            sidecar=sidecar,
            others=[_reservation(container) for container in _containers(task_definition)],
        )
        return sidecar

    def _check_ports(self, task_definition: ecs.FargateTaskDefinition, spec: CollectorSpec) -> None:
        """In awsvpc mode the task's containers share one network: a port the collector
        listens on must not be mapped by another container."""
        taken = set(spec.ports)
        for container in _containers(task_definition):
            for mapping in container.port_mappings:
                protocol = mapping.protocol or ecs.Protocol.TCP
                if (mapping.container_port, protocol) in taken:
                    self._check.fail(
                        "task_definition",
                        f"container {container.container_name!r} maps port "
                        f"{mapping.container_port}/{protocol.value.lower()}, which the "
                        f"{spec.backend.name} collector listens on (it needs "
                        f"{', '.join(f'{p}/{proto.value.lower()}' for p, proto in spec.ports)})",
                    )

    def _image(
        self,
        image: ecs.ContainerImage | str | None,
        spec: CollectorSpec,
        task_definition: ecs.FargateTaskDefinition,
    ) -> ecs.ContainerImage:
        if image is None:
            return ecs.ContainerImage.from_registry(spec.image)
        if isinstance(image, str):
            return ecs.ContainerImage.from_registry(
                check_image_reference(self._check, "image", image)
            )
        if not isinstance(image, ecs.ContainerImage):
            self._check.fail(
                "image",
                f"expected an ecs.ContainerImage or an image reference, got {type(image).__name__}",
            )
        check_container_image(
            self,
            self._check,
            "image",
            image,
            hint=COLLECTOR_IMAGE_HINT,
            task_definition=task_definition,
        )
        return image

    def _log_group(
        self,
        given: EncryptedLogGroup | logs.ILogGroup | None,
        retention: logs.RetentionDays | int,
        encryption_key: kms.IKey | None,
    ) -> logs.ILogGroup:
        if isinstance(given, EncryptedLogGroup):
            return given.log_group
        if given is not None:
            if encryption_key is not None:
                self._check.fail(
                    "encryption_key",
                    "applies to the log group created here; pass either log_group or "
                    "encryption_key",
                )
            return given
        created = EncryptedLogGroup(
            self, "Logs", retention=retention, encryption_key=encryption_key
        )
        self.encryption_key = created.encryption_key
        return created.log_group

    # -- wiring ------------------------------------------------------------------------------

    def _add_collector(
        self,
        task_definition: ecs.FargateTaskDefinition,
        spec: CollectorSpec,
        sidecar: ContainerReservation,
        image: ecs.ContainerImage,
        essential: bool,
    ) -> ecs.ContainerDefinition:
        """The sidecar container: ports mapped host = container, non-blocking logs."""
        return task_definition.add_container(
            sidecar.name,
            container_name=sidecar.name,
            image=image,
            essential=essential,
            cpu=sidecar.cpu,
            memory_limit_mib=sidecar.memory_mib,
            environment=dict(spec.environment) or None,
            command=list(spec.command) or None,
            port_mappings=[
                ecs.PortMapping(container_port=port, host_port=port, protocol=protocol)
                for port, protocol in spec.ports
            ],
            health_check=_health_check(spec),
            logging=awslogs_driver(self, self.log_group, sidecar.name, non_blocking=True),
            # A collector that is not essential would otherwise stay dead, unnoticed, while
            # the application runs on without traces. An essential one gets none: ECS would
            # restart it in place, where essential=True asks for the task to stop with it.
            enable_restart_policy=None if essential else True,
        )

    def _execution_policy(
        self, task_definition: ecs.FargateTaskDefinition, name: str
    ) -> iam.ManagedPolicy:
        """The execution role's permission to write the sidecar's logs."""
        return log_delivery_policy(
            self,
            "ExecutionPolicy",
            task_definition=task_definition,
            log_groups=[self.log_group],
            description=f"Lets the {name} sidecar of {task_definition.node.path} write its logs",
        )

    def _task_role_policy(
        self, task_definition: ecs.FargateTaskDefinition, spec: CollectorSpec, namespace: str
    ) -> iam.Policy:
        statements = [
            iam.PolicyStatement(
                sid="XRayWriteTraces",
                actions=[a for a in spec.iam_actions if a.startswith("xray:")],
                resources=["*"],
            )
        ]
        if spec.backend is TracingBackend.CLOUDWATCH_AGENT:
            statements.append(
                iam.PolicyStatement(
                    sid="CloudWatchAgentMetrics",
                    actions=["cloudwatch:PutMetricData"],
                    resources=["*"],
                    conditions={"StringEquals": {"cloudwatch:namespace": namespace}},
                )
            )
        policy = iam.Policy(
            self, "TaskRolePolicy", roles=[task_definition.task_role], statements=statements
        )
        acknowledge_nag(policy, "AwsSolutions-IAM5[Resource::*]", XRAY_STAR_REASON)
        acknowledge_nag(policy, "NIST.800.53.R5-IAMNoInlinePolicy", INLINE_REASON)
        cfn_task_definition = task_definition.node.default_child
        if cfn_task_definition is not None:
            cfn_task_definition.node.add_dependency(policy)
        return policy

    def _planned_environment(self, container: ecs.ContainerDefinition) -> dict[str, str]:
        """The variables to set on ``container``: the collector's, merged with its own
        resource attributes; a conflicting setting is refused before anything is built."""
        existing = container_environment(container)
        planned: dict[str, str] = {}
        for variable, value in self.app_environment.items():
            current = existing.get(variable)
            if current is None or current == value:
                planned[variable] = value
            elif variable == "OTEL_RESOURCE_ATTRIBUTES":
                planned[variable] = self._merged_attributes(container, current)
            else:
                self._check.fail(
                    "app_containers",
                    f"container {container.container_name!r} already sets {variable}="
                    f"{current!r}, but the collector needs {value!r}; remove the variable "
                    "or leave this container out of app_containers",
                )
        return planned

    def _wire(self, container: ecs.ContainerDefinition, environment: dict[str, str]) -> None:
        for variable, value in environment.items():
            container.add_environment(variable, value)
        container.add_container_dependencies(
            ecs.ContainerDependency(
                container=self.collector_container,
                condition=ecs.ContainerDependencyCondition.START,
            )
        )

    def _merged_attributes(self, container: ecs.ContainerDefinition, current: str) -> str:
        """``service.name=<service>`` added to the container's own resource attributes."""
        if is_token(current):
            self._check.fail(
                "app_containers",
                f"container {container.container_name!r} sets OTEL_RESOURCE_ATTRIBUTES to a "
                "value known only at deploy time; set it to a literal or remove it",
            )
        pairs = [pair.strip() for pair in current.split(",") if pair.strip()]
        for pair in pairs:
            key, _, value = pair.partition("=")
            if key.strip() == "service.name" and value.strip() != self.service_name:
                self._check.fail(
                    "service_name",
                    f"container {container.container_name!r} declares service.name="
                    f"{value.strip()!r} in OTEL_RESOURCE_ATTRIBUTES; it must match "
                    f"service_name ({self.service_name!r})",
                )
            if key.strip() == "service.name":
                return current
        return ",".join([f"service.name={self.service_name}", *pairs])

    def _acknowledge(
        self,
        task_definition: ecs.FargateTaskDefinition,
        backend: TracingBackend,
        planned: list[tuple[ecs.ContainerDefinition, dict[str, str]]],
    ) -> None:
        """The variables set here, for the ECS2 acknowledgement; the daemon's warning."""
        collector = self.collector_container
        record_library_environment(
            task_definition, collector, container_environment(collector), ENVIRONMENT_REASON
        )
        for container, environment in planned:
            # A merged OTEL_RESOURCE_ATTRIBUTES holds the user's attributes: theirs, not ours.
            ours = {k: v for k, v in environment.items() if self.app_environment.get(k) == v}
            record_library_environment(task_definition, container, ours, ENVIRONMENT_REASON)
        if backend is TracingBackend.XRAY_DAEMON:
            Annotations.of(self).add_warning_v2(
                XRAY_DAEMON_WARNING_ID,
                "The X-Ray daemon is in maintenance mode and AWS ends its support on "
                f"{XRAY_DAEMON_END_OF_SUPPORT.isoformat()}; use TracingBackend.ADOT (or "
                "CLOUDWATCH_AGENT), which also accepts X-Ray SDK traces on UDP 2000.",
            )


def _names(enum: type[TracingBackend] | type[OtlpProtocol]) -> str:
    return ", ".join(f"{enum.__name__}.{member.name}" for member in enum)


def _containers(task_definition: ecs.TaskDefinition) -> list[ecs.ContainerDefinition]:
    return [c for c in task_definition.node.children if isinstance(c, ecs.ContainerDefinition)]


def _reservation(container: ecs.ContainerDefinition) -> ContainerReservation:
    rendered = container.render_container_definition()
    cpu = rendered.cpu if isinstance(rendered.cpu, int) and not is_token(rendered.cpu) else 0
    memory = rendered.memory_reservation or rendered.memory
    memory_mib = memory if isinstance(memory, int) and not is_token(memory) else 0
    return ContainerReservation(container.container_name, cpu, memory_mib)


def _health_check(spec: CollectorSpec) -> ecs.HealthCheck | None:
    if not spec.health_check:
        return None
    return ecs.HealthCheck(
        command=list(spec.health_check),
        interval=Duration.seconds(10),
        timeout=Duration.seconds(5),
        retries=3,
        start_period=Duration.seconds(10),
    )
