"""Fargate task sizes: the CPU/memory pairs Fargate accepts, and whether a sidecar fits.

The pairs are those of the Amazon ECS Developer Guide ("Task CPU and memory", Linux
containers on Fargate): for each task CPU value (in CPU units, 1024 = 1 vCPU), the memory
values (in MiB) it may be combined with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import jsii
from aws_cdk import aws_ecs as ecs
from constructs import IValidation

from constructs_obs.errors import InvalidParameterError
from constructs_obs.private.validate import Check, is_token

__all__ = [
    "FARGATE_CPU_MEMORY",
    "ContainerReservation",
    "FitsAtSynthesis",
    "check_fargate_size",
    "check_fits",
    "containers_of",
    "reservation_of",
]


def _steps(first: int, last: int, step: int) -> tuple[int, ...]:
    return tuple(range(first, last + 1, step))


FARGATE_CPU_MEMORY: Final[Mapping[int, tuple[int, ...]]] = {
    256: (512, 1024, 2048),
    512: _steps(1024, 4096, 1024),
    1024: _steps(2048, 8192, 1024),
    2048: _steps(4096, 16384, 1024),
    4096: _steps(8192, 30720, 1024),
    8192: _steps(16384, 61440, 4096),
    16384: _steps(32768, 122880, 8192),
}


def _shown(memories: Sequence[int]) -> str:
    if len(memories) <= 3:
        return ", ".join(map(str, memories))
    step = memories[1] - memories[0]
    return f"{memories[0]} to {memories[-1]} in steps of {step}"


def check_fargate_size(
    check: Check, *, cpu: float, memory_mib: float, parameter: str = "task_definition"
) -> None:
    """``cpu``/``memory_mib`` is a task size Fargate accepts (tokens are not checked)."""
    if is_token(cpu) or is_token(memory_mib):
        return
    allowed = FARGATE_CPU_MEMORY.get(int(cpu)) if cpu == int(cpu) else None
    if allowed is None:
        check.fail(
            parameter,
            f"the task's cpu {cpu} is not a Fargate task size; allowed CPU units: "
            f"{', '.join(map(str, FARGATE_CPU_MEMORY))}",
        )
    if memory_mib not in allowed:
        check.fail(
            parameter,
            f"memory {memory_mib} MiB cannot be combined with cpu {cpu} on Fargate; with cpu "
            f"{cpu} the memory must be {_shown(allowed)} MiB",
        )


@dataclass(frozen=True)
class ContainerReservation:
    """What one container of the task reserves (0 when it reserves nothing)."""

    name: str
    cpu: int
    memory_mib: int


def containers_of(task_definition: ecs.TaskDefinition) -> list[ecs.ContainerDefinition]:
    """The containers of ``task_definition``, in the order they were added."""
    return [c for c in task_definition.node.children if isinstance(c, ecs.ContainerDefinition)]


def reservation_of(container: ecs.ContainerDefinition) -> ContainerReservation:
    """What ``container`` reserves: its CPU units and its memory reservation (or, without
    one, its hard limit); 0 for what it leaves unset or sets to a token."""
    rendered = container.render_container_definition()
    cpu = rendered.cpu if isinstance(rendered.cpu, int) and not is_token(rendered.cpu) else 0
    memory = rendered.memory_reservation or rendered.memory
    memory_mib = memory if isinstance(memory, int) and not is_token(memory) else 0
    return ContainerReservation(container.container_name, cpu, memory_mib)


@jsii.implements(IValidation)
class FitsAtSynthesis:
    """Checked again when the app is synthesized: the sidecar still fits beside every
    container of the task, those added after it included, and ``extra`` (more checks on the
    complete task) finds nothing wrong."""

    def __init__(
        self,
        check: Check,
        task_definition: ecs.FargateTaskDefinition,
        sidecar: ContainerReservation,
        extra: Callable[[list[ecs.ContainerDefinition]], None] | None = None,
    ) -> None:
        self._check = check
        self._task_definition = task_definition
        self._sidecar = sidecar
        self._extra = extra

    def validate(self) -> list[str]:
        task = self._task_definition
        others = [c for c in containers_of(task) if c.container_name != self._sidecar.name]
        try:
            check_fits(
                self._check,
                task_cpu=task.cpu,
                task_memory_mib=task.memory_mib,
                sidecar=self._sidecar,
                others=[reservation_of(container) for container in others],
            )
            if self._extra is not None:
                self._extra(others)
        except InvalidParameterError as error:
            return [str(error)]
        return []


def smallest_task_for(cpu: float, memory_mib: float) -> tuple[int, int] | None:
    """The smallest Fargate size with at least ``cpu`` CPU units and ``memory_mib`` MiB."""
    for task_cpu, memories in FARGATE_CPU_MEMORY.items():
        if task_cpu < cpu:
            continue
        for memory in memories:
            if memory >= memory_mib:
                return task_cpu, memory
    return None


def check_fits(
    check: Check,
    *,
    task_cpu: float,
    task_memory_mib: float,
    sidecar: ContainerReservation,
    others: Sequence[ContainerReservation],
    parameter: str = "task_definition",
) -> None:
    """The sidecar and the other containers' reservations fit in the task.

    A container that reserves nothing still needs some of the task, so when one of the other
    containers reserves no CPU (or memory), the reservations must leave some CPU (or memory)
    over; when every container reserves, the reservations may add up to the task size.
    """
    if is_token(task_cpu) or is_token(task_memory_mib):
        return
    cpus = [c.cpu for c in others]
    memories = [c.memory_mib for c in others]
    # A container that reserves nothing needs at least one unit left over.
    need_cpu = sidecar.cpu + sum(cpus) + (1 if 0 in cpus else 0)
    need_memory = sidecar.memory_mib + sum(memories) + (1 if 0 in memories else 0)
    for resource, total, unit, sidecar_value, values, needed in (
        ("cpu", task_cpu, "CPU units", sidecar.cpu, cpus, need_cpu),
        ("memory", task_memory_mib, "MiB", sidecar.memory_mib, memories, need_memory),
    ):
        if needed <= total:
            continue
        knob = "cpu" if resource == "cpu" else "memory_limit_mib"
        others_text = (
            f" and the other containers reserve {sum(values)} {unit}" if sum(values) else ""
        )
        room = " with room left for the containers that reserve none" if 0 in values else ""
        larger = smallest_task_for(max(task_cpu, need_cpu), max(task_memory_mib, need_memory))
        suggestion = (
            f"a larger task (e.g. cpu={larger[0]}, memory_limit_mib={larger[1]})"
            if larger is not None
            else "a larger task"
        )
        check.fail(
            parameter,
            f"the task has {total} {unit} of {resource}; the {sidecar.name} sidecar needs "
            f"{sidecar_value} {unit}{others_text}, which does not fit{room}. Use {suggestion} "
            f"or give the sidecar less {resource} ({knob}=...)",
        )
