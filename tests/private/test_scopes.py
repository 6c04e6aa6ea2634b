"""scopes: a stack's facts and a construct's path are read through jsii once, and agree with
what jsii reports."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from constructs import Construct

from constructs_obs.private.scopes import (
    adopt,
    child_path,
    duration_seconds,
    path_of,
    stack_facts,
)


def test_stack_facts_are_the_stack_values() -> None:
    # GIVEN a stack with an environment and one without, and a construct deep in each
    app = cdk.App()
    placed = cdk.Stack(
        app, "Placed", env=cdk.Environment(account="123456789012", region="eu-west-1")
    )
    agnostic = cdk.Stack(app, "Agnostic", stack_name="agnostic-stack")
    for stack in (placed, agnostic):
        inner = Construct(Construct(stack, "Outer"), "Inner")
        # WHEN its facts are read
        facts = stack_facts(inner)
        # THEN they are the stack's own values (tokens where the stack has no environment)
        assert facts.stack is stack
        assert facts.root is app
        assert (facts.path, facts.name) == (stack.node.path, stack.stack_name)
        assert (facts.account, facts.region, facts.partition) == (
            stack.account,
            stack.region,
            stack.partition,
        )
    assert stack_facts(placed).region == "eu-west-1"
    assert stack_facts(agnostic).name == "agnostic-stack"


def test_the_facts_are_read_once_per_construct_and_stack() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Stack")
    first, second = Construct(stack, "First"), Construct(stack, "Second")
    assert stack_facts(first) is stack_facts(first)
    assert stack_facts(first) is stack_facts(second)
    assert stack_facts(first) is not stack_facts(cdk.Stack(app, "Other"))


def test_a_nested_stack_has_facts_of_its_own() -> None:
    app = cdk.App()
    parent = cdk.Stack(app, "Parent")
    nested = cdk.NestedStack(parent, "Nested")
    inside = Construct(nested, "Inside")
    assert stack_facts(inside).stack is nested
    assert stack_facts(inside).path == "Parent/Nested"


def test_paths_are_those_of_the_constructs() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Stack")
    inner = Construct(Construct(stack, "Outer"), "Inner")
    assert path_of(inner) == inner.node.path == "Stack/Outer/Inner"
    assert child_path(path_of(inner), "Leaf") == Construct(inner, "Leaf").node.path
    assert child_path("", "Top") == "Top"


@pytest.mark.parametrize("construct_id", ["a/b", ""], ids=["slash", "empty"])
def test_an_id_the_constructs_library_rewrites_has_no_computed_path(construct_id: str) -> None:
    assert child_path("Stack", construct_id) is None


def test_an_adopted_child_shares_its_parents_stack_and_keeps_its_path() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Stack")
    parent = Construct(stack, "Parent")
    child = Construct(parent, "Child")
    adopt(child, parent, "Stack/Parent/Child")
    assert stack_facts(child) is stack_facts(parent)
    assert path_of(child) == child.node.path


@pytest.mark.parametrize(
    ("duration", "seconds"),
    [
        (lambda: Duration.minutes(5), 300),
        (lambda: Duration.seconds(10), 10),
        (lambda: Duration.hours(1), 3600),
        (lambda: Duration.minutes(cdk.Token.as_number(cdk.Aws.ACCOUNT_ID)), None),
    ],
    ids=["minutes", "seconds", "hours", "token"],
)
def test_duration_seconds(duration: object, seconds: int | None) -> None:
    made = duration()  # type: ignore[operator]
    assert duration_seconds(made) == seconds
    assert duration_seconds(made) == seconds  # cached: the same answer again
