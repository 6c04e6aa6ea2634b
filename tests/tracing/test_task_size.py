"""Fargate task sizes: the CPU/memory table, and whether a sidecar fits beside the app."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecs as ecs
from hypothesis import given
from hypothesis import strategies as st

from constructs_obs import InvalidParameterError
from constructs_obs.private.validate import Check
from constructs_obs.tracing import FARGATE_CPU_MEMORY
from constructs_obs.tracing.task_size import (
    ContainerReservation,
    check_fargate_size,
    check_fits,
    containers_of,
    reservation_of,
    smallest_task_for,
)

CHECK = Check("FargateTracing", "Tracing")
ADOT = ContainerReservation("aws-otel-collector", 256, 512)
APP = ContainerReservation("app", 0, 0)


def test_table_matches_the_ecs_developer_guide() -> None:
    # Linux containers on Fargate, "Task CPU and memory".
    assert FARGATE_CPU_MEMORY[256] == (512, 1024, 2048)
    assert FARGATE_CPU_MEMORY[512] == (1024, 2048, 3072, 4096)
    assert FARGATE_CPU_MEMORY[1024] == tuple(range(2048, 8192 + 1, 1024))
    assert FARGATE_CPU_MEMORY[2048] == tuple(range(4096, 16384 + 1, 1024))
    assert FARGATE_CPU_MEMORY[4096] == tuple(range(8192, 30720 + 1, 1024))
    assert FARGATE_CPU_MEMORY[8192] == tuple(range(16384, 61440 + 1, 4096))
    assert FARGATE_CPU_MEMORY[16384] == tuple(range(32768, 122880 + 1, 8192))
    assert len(FARGATE_CPU_MEMORY[8192]) == 12
    assert len(FARGATE_CPU_MEMORY[16384]) == 12


@pytest.mark.parametrize(
    ("cpu", "memory"),
    [(cpu, memory) for cpu, memories in FARGATE_CPU_MEMORY.items() for memory in memories],
)
def test_every_documented_pair_is_accepted(cpu: int, memory: int) -> None:
    check_fargate_size(CHECK, cpu=cpu, memory_mib=memory)


@pytest.mark.parametrize(
    ("cpu", "memory", "expected"),
    [
        (128, 512, "cpu 128 is not a Fargate task size; allowed CPU units: 256, 512, 1024"),
        (3072, 8192, "cpu 3072 is not a Fargate task size"),
        (
            256,
            4096,
            "memory 4096 MiB cannot be combined with cpu 256 on Fargate; with cpu 256 "
            "the memory must be 512, 1024, 2048 MiB",
        ),
        (512, 512, "with cpu 512 the memory must be 1024 to 4096 in steps of 1024 MiB"),
        (1024, 2560, "with cpu 1024 the memory must be 2048 to 8192 in steps of 1024 MiB"),
        (8192, 18432, "with cpu 8192 the memory must be 16384 to 61440 in steps of 4096 MiB"),
        (16384, 36864, "with cpu 16384 the memory must be 32768 to 122880 in steps of 8192"),
    ],
)
def test_invalid_pairs_are_refused_with_the_allowed_values(
    cpu: int, memory: int, expected: str
) -> None:
    with pytest.raises(InvalidParameterError) as info:
        check_fargate_size(CHECK, cpu=cpu, memory_mib=memory)
    assert info.value.parameter == "task_definition"
    assert expected in str(info.value)


def test_sidecar_fits_with_room_for_an_app_that_reserves_nothing() -> None:
    check_fits(CHECK, task_cpu=512, task_memory_mib=1024, sidecar=ADOT, others=[APP])


def test_reservations_may_fill_the_task_exactly_when_every_container_reserves() -> None:
    app = ContainerReservation("app", 256, 512)
    check_fits(CHECK, task_cpu=512, task_memory_mib=1024, sidecar=ADOT, others=[app])


def test_a_task_the_sidecar_fills_is_too_small() -> None:
    with pytest.raises(InvalidParameterError) as info:
        check_fits(CHECK, task_cpu=256, task_memory_mib=512, sidecar=ADOT, others=[APP])
    message = str(info.value)
    assert info.value.parameter == "task_definition"
    assert "the task has 256 CPU units of cpu; the aws-otel-collector sidecar needs 256" in message
    assert "with room left for the containers that reserve none" in message
    assert "cpu=512, memory_limit_mib=1024" in message
    assert "(cpu=...)" in message


def test_other_reservations_count() -> None:
    app = ContainerReservation("app", 128, 768)
    with pytest.raises(InvalidParameterError) as info:
        check_fits(CHECK, task_cpu=512, task_memory_mib=1024, sidecar=ADOT, others=[app])
    message = str(info.value)
    assert "1024 MiB of memory" in message
    assert "needs 512 MiB and the other containers reserve 768 MiB" in message
    assert "(memory_limit_mib=...)" in message


def test_smallest_task_for() -> None:
    assert smallest_task_for(257, 513) == (512, 1024)
    assert smallest_task_for(256, 2049) == (512, 3072)
    assert smallest_task_for(100_000, 1) is None


@given(cpu=st.integers(1, 16384), memory=st.integers(1, 122880))
def test_smallest_task_is_a_valid_size_that_is_large_enough(cpu: int, memory: int) -> None:
    found = smallest_task_for(cpu, memory)
    if found is None:
        assert memory > 122880 or cpu > 16384
        return
    task_cpu, task_memory = found
    assert task_memory in FARGATE_CPU_MEMORY[task_cpu]
    assert task_cpu >= cpu
    assert task_memory >= memory


def test_reservation_of_reads_cpu_and_the_memory_reservation_or_limit() -> None:
    # GIVEN containers reserving memory softly, with a hard limit only, and nothing
    stack = cdk.Stack(cdk.App(), "Reservations")
    task = ecs.FargateTaskDefinition(stack, "Task", cpu=512, memory_limit_mib=1024)
    image = ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:1.27.0")
    soft = task.add_container("soft", image=image, cpu=64, memory_reservation_mib=128)
    hard = task.add_container("hard", image=image, memory_limit_mib=256)
    bare = task.add_container("bare", image=image)
    # THEN each reserves what it declares, 0 for what it leaves unset
    assert reservation_of(soft) == ContainerReservation("soft", 64, 128)
    assert reservation_of(hard) == ContainerReservation("hard", 0, 256)
    assert reservation_of(bare) == ContainerReservation("bare", 0, 0)
    assert [c.container_name for c in containers_of(task)] == ["soft", "hard", "bare"]
