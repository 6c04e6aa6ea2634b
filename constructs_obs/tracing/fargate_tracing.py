"""FargateTracing: a trace collector sidecar added to a Fargate task definition.

The sidecar (ADOT collector, CloudWatch agent or the legacy X-Ray daemon) runs from a pinned
image, logs to an encrypted log group, reserves CPU and memory that are checked against the
task's size (again at synthesis, with the containers added since), and listens on 127.0.0.1
(the containers of an awsvpc task share localhost; the CloudWatch agent's Application Signals
mode on its own defaults). The application containers get the
environment OpenTelemetry and X-Ray SDKs read to find it (X-Ray sampler and propagator, a
traces-only OTLP endpoint), and start only after it has started. The task role gets the X-Ray
actions (and what the CloudWatch agent's metrics need) in an inline policy of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Final

from aws_cdk import Annotations, Duration, Stack
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from constructs_obs.acknowledge import acknowledge_nag, nag_ref
from constructs_obs.logs.encrypted_log_group import EncryptedLogGroup
from constructs_obs.private.stack_limits import watch_stack_limits
from constructs_obs.private.validate import Check
from constructs_obs.tracing._app_environment import (
    PlannedEnvironment,
    app_environment,
    apply_overrides,
    plan_environment,
)
from constructs_obs.tracing._images import check_container_image
from constructs_obs.tracing._logging import (
    awslogs_driver,
    collector_log_group,
    log_delivery_policy,
)
from constructs_obs.tracing._task_environment import (
    container_environment,
    record_library_environment,
)
from constructs_obs.tracing.task_size import (
    ContainerReservation,
    FitsAtSynthesis,
    check_fargate_size,
    check_fits,
    containers_of,
    reservation_of,
)
from constructs_obs.tracing.tracing_backend import (
    COLLECTOR_IMAGE_HINT,
    XRAY_DAEMON_SUPPORT_NOTICE,
    CollectorOptions,
    CollectorSpec,
    OtlpProtocol,
    TracingBackend,
    XRayExport,
    application_signals_log_streams,
    application_signals_statement,
    check_image_reference,
    collector_options,
    collector_spec,
    default_container_name,
    default_size,
)

__all__ = [
    "SERVICE_NAME_PATTERN",
    "XRAY_DAEMON_WARNING_ID",
    "FargateTracing",
]

XRAY_DAEMON_WARNING_ID: Final = "constructs-obs:xray-daemon-maintenance-mode"
APP_ENVIRONMENT_WARNING_ID: Final = "constructs-obs:tracing-app-environment"
# Letters, digits, '.', '_', '-': valid in an X-Ray segment name, a sampling rule's service name
# (at most 64 characters) and an OTEL_RESOURCE_ATTRIBUTES value without percent-encoding.
SERVICE_NAME_PATTERN: Final = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_CONTAINER_NAME = r"[A-Za-z0-9][A-Za-z0-9_-]{0,254}"
_MIN_CONTAINER_MEMORY_MIB: Final = 6  # the smallest hard memory limit ECS accepts

ENVIRONMENT_REASON: Final = (
    "FargateTracing sets only non-secret collector settings as environment variables (the "
    "OTLP endpoint and protocol, the sampler and propagators, the X-Ray daemon address, the "
    "service name, the collector's own configuration and memory limit): OpenTelemetry and "
    "X-Ray SDKs read them from the environment. Keep secrets in the container's secrets instead."
)
XRAY_STAR_REASON: Final = (
    "X-Ray's PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets and "
    "GetSamplingStatisticSummaries support no resource-level permissions, so Resource must be "
    "'*'; cloudwatch:PutMetricData has none either and is limited by the cloudwatch:namespace "
    "condition."
)
STREAMS_REASON: Final = (
    "The CloudWatch agent writes Application Signals metrics as EMF logs to log streams it "
    "names itself, in the one log group /aws/application-signals/data: the grant covers that "
    "group's streams only."
)
INLINE_REASON: Final = (
    "The tracing permissions belong to this task role only and live and die with it: an "
    "inline policy (as the FargateTracing design asks) cannot be attached to another role by "
    "mistake."
)


class FargateTracing(Construct):
    """A trace collector sidecar in a Fargate task definition, wired to the app containers.

    Create it after adding the application containers: the containers present then (or
    ``app_containers``) are the ones wired to the collector. Their CPU and memory reservations
    are checked against the task's size together with the sidecar's, and checked again at
    synthesis with every container of the task, those added later included (as are the ports
    the collector listens on).

    The app containers get, besides ``OTEL_RESOURCE_ATTRIBUTES=service.name=<service_name>``:
    the X-Ray sampler (``OTEL_TRACES_SAMPLER=xray``, the account's ``SamplingRule``\\ s decide,
    fetched through the collector on 127.0.0.1:2000), the propagators
    ``tracecontext,baggage,xray`` (an incoming ``X-Amzn-Trace-Id`` is continued), the traces
    endpoint ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` with ``OTEL_METRICS_EXPORTER`` and
    ``OTEL_LOGS_EXPORTER`` set to ``none`` (the collector runs a traces pipeline only), and
    ``AWS_XRAY_DAEMON_ADDRESS`` for X-Ray SDKs. A container that already sets one of them to
    another value is refused, naming the variable; ``environment_overrides`` changes or drops
    the library's value instead.

    cdk-nag's ``AwsSolutions-ECS2`` (environment variables) is acknowledged on the task
    definition only while every variable of its containers is one set here: one of yours leaves
    it standing, for you to move to ``secrets`` or to acknowledge with your own reason.

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
        The collector. Default: ``TracingBackend.ADOT``. ``XRAY_DAEMON`` is legacy (in
        maintenance mode since 2026-02-25) and adds a synth-time warning.
    xray_export:
        ADOT only: how the collector sends traces to X-Ray. Default: ``XRayExport.AWSXRAY``
        (the ``awsxray`` exporter). ``XRayExport.OTLP_ENDPOINT`` sends them to the X-Ray OTLP
        endpoint (``otlp_http`` signed with ``sigv4auth``), which needs CloudWatch Transaction
        Search enabled in the account.
    application_signals:
        CloudWatch agent only: run it in CloudWatch Application Signals mode (the agent
        configuration and app environment AWS gives for ECS sidecars; the app must run an ADOT
        SDK or agent). The task role may then also write the
        ``/aws/application-signals/data`` log group. Default: False.
    app_containers:
        The containers that send traces: a list of container definitions of the task.
        Default: every container already in the task definition.
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
        What the sidecar reserves (memory is a hard limit; ``GOMEMLIMIT`` and the ADOT memory
        limiter are set to 80 % of it). Default: 128 CPU units and 256 MiB for the ADOT
        collector and the CloudWatch agent, 32 and 256 MiB for the X-Ray daemon, which fit a
        256/512 task when the app's own reservations leave room.
    otlp_protocol:
        How the app's OpenTelemetry SDK reaches the collector (``OTEL_EXPORTER_OTLP_PROTOCOL``
        and the traces endpoint). Default: gRPC (4317); OTLP/HTTP in Application Signals
        mode, the only protocol it takes.
    environment_overrides:
        Replaces the value of a variable the library sets on the app containers (e.g.
        ``{"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG":
        "0.05"}`` for an SDK without the X-Ray sampler); None as a value leaves the variable
        unset. Default: none.
    container_name:
        Default: ``aws-otel-collector``, ``cloudwatch-agent`` or ``xray-daemon``.
    log_group:
        Where the sidecar logs: an ``EncryptedLogGroup`` or a CDK ``logs.ILogGroup`` (not a
        name). Default: a new ``EncryptedLogGroup`` (customer key, RETAIN).
    log_retention / encryption_key:
        Retention and key of the log group created here. Default: one year; a new key.
    metrics_namespace:
        CloudWatch agent only (not in Application Signals mode): the namespace its StatsD
        metrics (UDP 8125) are published to, and the only one the task role may put metrics
        in. Default: ``CWAgent``.

    Attributes
    ----------
    collector_container:
        The sidecar's container definition.
    app_containers:
        The containers wired to the collector.
    app_environment:
        The variables set on each app container (their own resource attributes aside).
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
        xray_export: XRayExport = XRayExport.AWSXRAY,
        application_signals: bool = False,
        app_containers: Sequence[ecs.ContainerDefinition] | None = None,
        essential: bool = False,
        image: ecs.ContainerImage | str | None = None,
        cpu: int | None = None,
        memory_limit_mib: int | None = None,
        otlp_protocol: OtlpProtocol | None = None,
        environment_overrides: Mapping[str, str | None] | None = None,
        container_name: str | None = None,
        log_group: EncryptedLogGroup | logs.ILogGroup | None = None,
        log_retention: logs.RetentionDays | int = logs.RetentionDays.ONE_YEAR,
        encryption_key: kms.IKey | None = None,
        metrics_namespace: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        watch_stack_limits(self)
        self._check = Check("FargateTracing", id)
        self._check_task(task_definition, service_name, essential)
        options, protocol = collector_options(
            self._check,
            backend=backend,
            xray_export=xray_export,
            application_signals=application_signals,
            otlp_protocol=otlp_protocol,
            metrics_namespace=metrics_namespace,
            region=Stack.of(self).region,
            url_suffix=Stack.of(self).url_suffix,
        )
        self.backend, self.service_name = backend, service_name
        sidecar, spec = self._sidecar(
            task_definition, backend, options, container_name, cpu, memory_limit_mib
        )
        self.app_containers = self._app_containers(task_definition, app_containers)
        self._check_fit_and_ports(task_definition, spec, sidecar, containers_of(task_definition))
        planned = self._plan_environment(spec, protocol, environment_overrides)
        # Last check: an image checked with the execution role gets its pull grant now.
        container_image = self._image(image, spec, task_definition)
        self.log_group, self.encryption_key = collector_log_group(
            self, self._check, log_group, log_retention, encryption_key
        )
        self.collector_container = self._add_collector(
            task_definition, spec, sidecar, container_image, essential
        )
        self.execution_policy = self._execution_policy(task_definition, sidecar.name)
        self.task_role_policy = self._task_role_policy(task_definition, spec, options)
        for container, plan in planned:
            self._wire(container, plan)
        self._acknowledge(task_definition, backend, planned)
        ports = functools.partial(self._check_ports, spec)
        self.node.add_validation(FitsAtSynthesis(self._check, task_definition, sidecar, ports))

    # -- inputs ------------------------------------------------------------------------------

    def _check_task(
        self, task_definition: ecs.FargateTaskDefinition, service_name: str, essential: bool
    ) -> None:
        """The task definition, the service name and ``essential``."""
        check = self._check
        if not isinstance(task_definition, ecs.FargateTaskDefinition):
            check.fail(
                "task_definition",
                f"expected an ecs.FargateTaskDefinition defined in this app, got "
                f"{type(task_definition).__name__}",
            )
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
        present = containers_of(task_definition)
        if given is None:
            if not present:
                self._check.fail(
                    "app_containers",
                    f"the task definition {task_definition.node.path} has no containers yet; "
                    "add the application containers first, then FargateTracing",
                )
            return tuple(present)
        if isinstance(given, str | bytes) or not isinstance(given, Sequence):
            self._check.fail(
                "app_containers",
                f"expected a list of ecs.ContainerDefinition of the task definition, got {given!r}",
            )
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

    def _sidecar(
        self,
        task_definition: ecs.FargateTaskDefinition,
        backend: TracingBackend,
        options: CollectorOptions,
        container_name: str | None,
        cpu: int | None,
        memory_limit_mib: int | None,
    ) -> tuple[ContainerReservation, CollectorSpec]:
        """The sidecar's name and reservation, in a task of a Fargate size, and its spec."""
        name = self._container_name(
            task_definition, container_name or default_container_name(backend)
        )
        check = self._check
        default_cpu, default_memory = default_size(backend)
        sidecar_cpu = default_cpu if cpu is None else check.integer("cpu", cpu, minimum=0)
        sidecar_memory = (
            default_memory
            if memory_limit_mib is None
            else check.integer(
                "memory_limit_mib", memory_limit_mib, minimum=_MIN_CONTAINER_MEMORY_MIB
            )
        )
        check_fargate_size(check, cpu=task_definition.cpu, memory_mib=task_definition.memory_mib)
        spec = collector_spec(backend, options, cpu=sidecar_cpu, memory_mib=sidecar_memory)
        return ContainerReservation(name, sidecar_cpu, sidecar_memory), spec

    def _check_fit_and_ports(
        self,
        task_definition: ecs.FargateTaskDefinition,
        spec: CollectorSpec,
        sidecar: ContainerReservation,
        others: Sequence[ecs.ContainerDefinition],
    ) -> None:
        """The sidecar fits beside the other containers' reservations, and no other container
        maps a port it listens on."""
        check_fits(
            self._check,
            task_cpu=task_definition.cpu,
            task_memory_mib=task_definition.memory_mib,
            sidecar=sidecar,
            others=[reservation_of(container) for container in others],
        )
        self._check_ports(spec, others)

    def _check_ports(self, spec: CollectorSpec, others: Sequence[ecs.ContainerDefinition]) -> None:
        """In awsvpc mode the task's containers share one network: a port the collector
        listens on (mapped, or its own telemetry and health check) must not be mapped by
        another container."""
        needed = (*spec.ports, *spec.internal_ports)
        taken = set(needed)
        for container in others:
            for mapping in container.port_mappings:
                protocol = mapping.protocol or ecs.Protocol.TCP
                if (mapping.container_port, protocol) in taken:
                    self._check.fail(
                        "task_definition",
                        f"container {container.container_name!r} maps port "
                        f"{mapping.container_port}/{protocol.value.lower()}, which the "
                        f"{spec.backend.name} collector listens on (it needs "
                        f"{', '.join(f'{p}/{proto.value.lower()}' for p, proto in needed)})",
                    )

    def _plan_environment(
        self,
        spec: CollectorSpec,
        protocol: OtlpProtocol,
        overrides: Mapping[str, str | None] | None,
    ) -> list[tuple[ecs.ContainerDefinition, PlannedEnvironment]]:
        """The app containers' variables (``app_environment``), reconciled with their own."""
        environment = app_environment(spec, service_name=self.service_name, otlp_protocol=protocol)
        self.app_environment = apply_overrides(self._check, environment, overrides)
        return [
            (
                c,
                plan_environment(
                    self._check, c, self.app_environment, service_name=self.service_name
                ),
            )
            for c in self.app_containers
        ]

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

    # -- wiring ------------------------------------------------------------------------------

    def _add_collector(
        self,
        task_definition: ecs.FargateTaskDefinition,
        spec: CollectorSpec,
        sidecar: ContainerReservation,
        image: ecs.ContainerImage,
        essential: bool,
    ) -> ecs.ContainerDefinition:
        """The sidecar container: ports mapped host = container (so ECS, too, refuses another
        container mapping them), non-blocking logs."""
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
        self,
        task_definition: ecs.FargateTaskDefinition,
        spec: CollectorSpec,
        options: CollectorOptions,
    ) -> iam.Policy:
        statements = [
            iam.PolicyStatement(
                sid="XRayWriteTraces",
                actions=[a for a in spec.iam_actions if a.startswith("xray:")],
                resources=["*"],
            )
        ]
        if "cloudwatch:PutMetricData" in spec.iam_actions:
            statements.append(
                iam.PolicyStatement(
                    sid="CloudWatchAgentMetrics",
                    actions=["cloudwatch:PutMetricData"],
                    resources=["*"],
                    conditions={
                        "StringEquals": {"cloudwatch:namespace": options.metrics_namespace}
                    },
                )
            )
        if spec.application_signals:
            statements.append(application_signals_statement(Stack.of(self)))
        policy = iam.Policy(
            self, "TaskRolePolicy", roles=[task_definition.task_role], statements=statements
        )
        acknowledge_nag(policy, "AwsSolutions-IAM5[Resource::*]", XRAY_STAR_REASON)
        if spec.application_signals:
            streams = nag_ref(self, application_signals_log_streams(Stack.of(self)))
            acknowledge_nag(policy, f"AwsSolutions-IAM5[Resource::{streams}]", STREAMS_REASON)
        acknowledge_nag(policy, "NIST.800.53.R5-IAMNoInlinePolicy", INLINE_REASON)
        cfn_task_definition = task_definition.node.default_child
        if cfn_task_definition is not None:
            cfn_task_definition.node.add_dependency(policy)
        return policy

    def _wire(self, container: ecs.ContainerDefinition, plan: PlannedEnvironment) -> None:
        for variable, value in plan.variables.items():
            container.add_environment(variable, value)
        container.add_container_dependencies(
            ecs.ContainerDependency(
                container=self.collector_container,
                condition=ecs.ContainerDependencyCondition.START,
            )
        )
        for warning in plan.warnings:
            Annotations.of(self).add_warning_v2(APP_ENVIRONMENT_WARNING_ID, warning)

    def _acknowledge(
        self,
        task_definition: ecs.FargateTaskDefinition,
        backend: TracingBackend,
        planned: list[tuple[ecs.ContainerDefinition, PlannedEnvironment]],
    ) -> None:
        """The variables set here, for the ECS2 acknowledgement; the daemon's notice."""
        collector = self.collector_container
        record_library_environment(
            task_definition, collector, container_environment(collector), ENVIRONMENT_REASON
        )
        for container, plan in planned:
            # A merged OTEL_RESOURCE_ATTRIBUTES holds the user's attributes: theirs, not ours.
            ours = {k: v for k, v in plan.variables.items() if self.app_environment.get(k) == v}
            record_library_environment(task_definition, container, ours, ENVIRONMENT_REASON)
        if backend is TracingBackend.XRAY_DAEMON:
            Annotations.of(self).add_warning_v2(
                XRAY_DAEMON_WARNING_ID,
                f"{XRAY_DAEMON_SUPPORT_NOTICE}. Use TracingBackend.ADOT (or CLOUDWATCH_AGENT), "
                "which also accepts X-Ray SDK segments on UDP 2000.",
            )


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
