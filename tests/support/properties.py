"""Property-based construct tests: wrong types, empty and oversized values, one parameter at a time.

The property (issue 12): whatever a user passes for one parameter, the construct either refuses
it in Python, with an ``InvalidParameterError`` or ``TypeError`` whose message names that
parameter, or builds a template that passes the whole harness (cdk-nag, cfn-lint, checkov, the
IAM check). A JavaScript error, a Python error naming something else, or a template the harness
rejects breaks it.

A test module (``tests/<area>/test_<module>_properties.py``) builds each example in a scope of
its own inside a shared app (:class:`Examples`); a refused example's scope is removed again, an
accepted one stays. The harness is slow, so it runs once per module, over every accepted
example, in the module's last test: :meth:`Examples.check` first runs any property that has not
run in this process (under ``pytest -n`` the last test may land on another worker), so the
harness always sees every accepted example.

Hypothesis runs derandomized (``tests/conftest.py``), so every run explores the same examples.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from constructs import Construct
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from constructs_obs.errors import InvalidParameterError
from constructs_obs.private.registry import registry_of
from tests.support.harness import DEFAULT_ENV, Synthesized, check_app, new_app

__all__ = [
    "ANY_TYPE",
    "PROPERTY_SETTINGS",
    "Examples",
    "Value",
    "built",
    "cases",
    "durations",
    "literal",
    "oversized_text",
    "sizes",
]

#: Modest: each example builds constructs (jsii calls); the harness runs once per module.
PROPERTY_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True, repr=False)
class Value:
    """A value to pass for one parameter; ``make`` builds it in the example's scope (values
    that are constructs need one). ``label`` is what hypothesis prints."""

    label: str
    make: Callable[[Construct], object]

    def __repr__(self) -> str:
        return self.label


def literal(value: object, label: str | None = None) -> Value:
    shown = label or repr(value)
    return Value(shown if len(shown) <= 60 else shown[:57] + "...", lambda _scope: value)


def built(label: str, make: Callable[[Construct], object]) -> Value:
    return Value(label, make)


def oversized_text(length: int) -> Value:
    return literal("a" * length, f"'a' * {length}")


def durations() -> list[Value]:
    """Durations AWS rarely accepts: zero, sub-second, fractional, enormous."""
    return [
        literal(cdk.Duration.seconds(0), "Duration.seconds(0)"),
        literal(cdk.Duration.millis(1500), "Duration.millis(1500)"),
        literal(cdk.Duration.seconds(59), "Duration.seconds(59)"),
        literal(cdk.Duration.days(36500), "Duration.days(36500)"),
    ]


def sizes() -> list[Value]:
    return [
        literal(cdk.Size.bytes(0), "Size.bytes(0)"),
        literal(cdk.Size.kibibytes(500), "Size.kibibytes(500)"),
        literal(cdk.Size.tebibytes(1), "Size.tebibytes(1)"),
    ]


#: Wrong types, empty and oversized values, tried on every parameter.
ANY_TYPE: list[Value] = [
    literal(None),
    literal(True),
    literal(False),
    literal(0),
    literal(-1),
    literal(2**63),
    literal(1.5),
    literal(math.nan, "nan"),
    literal(math.inf, "inf"),
    literal(""),
    literal("   "),
    literal("x"),
    oversized_text(5000),
    literal("line\nbreak"),
    literal([]),
    literal([""]),
    literal([None]),
    literal(["x"] * 300, "['x'] * 300"),
    literal({}),
    literal({"": ""}),
    literal({42: "x"}),
    literal(b"bytes"),
    literal(cdk.Duration.minutes(5), "Duration.minutes(5)"),
    built("a plain Construct", lambda scope: Construct(scope, "Plain")),
]


def cases(
    parameters: Mapping[str, Sequence[Value]],
    common: Sequence[Value] = ANY_TYPE,
    *,
    skip: Mapping[str, Sequence[str]] | None = None,
) -> st.SearchStrategy[tuple[str, Value]]:
    """(parameter, value): a parameter, then a common wrong value or one of its own.

    ``skip`` names, per parameter, common values (by label) left out, each with its reason
    where it is given (a documented choice such as ``routing=None``, or an open defect)."""
    names = sorted(parameters)
    skipped = skip or {}

    def for_parameter(name: str) -> st.SearchStrategy[tuple[str, Value]]:
        wrong = [value for value in common if value.label not in skipped.get(name, ())]
        return st.tuples(st.just(name), st.sampled_from([*parameters[name], *wrong]))

    return st.sampled_from(names).flatmap(for_parameter)


def _names_parameter(error: BaseException, parameter: str) -> bool:
    named = parameter.rsplit(".", maxsplit=1)[-1]
    if isinstance(error, InvalidParameterError) and named in error.parameter:
        return True
    return named in str(error)


@dataclass(repr=False)
class Examples:
    """The examples of one test module, built in one app (a few stacks), checked once.

    ``per_stack`` caps the resources of one stack (CloudFormation allows 500, the library
    refuses more); ``fresh_stack`` builds every example in a stack of its own (for constructs
    there may be one of per stack).
    """

    name: str
    per_stack: int = 150
    app: cdk.App = field(init=False)
    accepted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    ran: set[str] = field(default_factory=set)
    _stack: cdk.Stack | None = None
    _count: int = 0
    _stacks: int = 0

    def __post_init__(self) -> None:
        self.app = new_app(f"properties_{self.name}")

    def __repr__(self) -> str:
        return (
            f"Examples({self.name!r}: {len(self.accepted)} accepted, {len(self.refused)} refused)"
        )

    def _new_stack(self) -> cdk.Stack:
        self._stacks += 1
        self._stack = cdk.Stack(self.app, f"P{self._stacks}", env=DEFAULT_ENV)
        return self._stack

    def _scope(self, fresh_stack: bool) -> Construct:
        stack = self._stack
        if stack is None or fresh_stack or _resource_count(stack) >= self.per_stack:
            stack = self._new_stack()
        self._count += 1
        return Construct(stack, f"E{self._count}")

    def attempt(
        self,
        parameter: str,
        value: Value | None,
        build: Callable[[Construct, dict[str, Any]], object],
        *,
        fresh_stack: bool = False,
    ) -> None:
        """Build ``build(scope, {parameter: value})`` (``value`` None: the valid baseline) and
        check the outcome; an accepted example is kept for :meth:`check`."""
        scope = self._scope(fresh_stack)
        shown = f"{parameter}={value!r}" if value is not None else f"{parameter} (baseline)"
        try:
            build(scope, {} if value is None else {parameter: value.make(scope)})
        except (InvalidParameterError, TypeError) as error:
            self._drop(scope)
            if value is None or not _names_parameter(error, parameter):
                raise AssertionError(
                    f"{shown}: {type(error).__name__} does not name {parameter!r}: {error}"
                ) from error
            self.refused.append(shown)
        except Exception as error:
            self._drop(scope)
            raise AssertionError(f"{shown}: {type(error).__name__}: {error}") from error
        else:
            self.accepted.append(shown)

    def _drop(self, scope: Construct) -> None:
        """Remove a refused example, and what it recorded for dashboards (in a real app a
        refused construct ends the program; here the next examples share the app)."""
        registry = registry_of(scope)
        prefix = f"{scope.node.path}/"

        def kept(path: str) -> bool:
            return not f"{path}/".startswith(prefix)

        registry.alarms[:] = [r for r in registry.alarms if kept(r.path)]
        registry.log_groups[:] = [r for r in registry.log_groups if kept(r.path)]
        registry.detections[:] = [r for r in registry.detections if kept(r.path)]
        stack = cdk.Stack.of(scope)
        stack.node.try_remove_child(scope.node.id)
        if not stack.node.children:
            self.app.node.try_remove_child(stack.node.id)
            self._stack = None

    def run(self, prop: Callable[[Examples], None]) -> None:
        """Run a property (a hypothesis test taking this object) once in this process."""
        if prop.__name__ in self.ran:
            return
        self.ran.add(prop.__name__)
        prop(self)

    def check(self, *props: Callable[[Examples], None]) -> Synthesized:
        """Run ``props`` not run yet here, then the harness over every accepted example."""
        for prop in props:
            self.run(prop)
        assert self.accepted, "no example was accepted: nothing for the harness to check"
        print(f"\n{self!r}")  # shown with -s: how much the harness checked
        return check_app(self.app)


def _resource_count(stack: cdk.Stack) -> int:
    return sum(1 for child in stack.node.find_all() if isinstance(child, cdk.CfnResource))
