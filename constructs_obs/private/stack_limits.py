"""A synth-time warning when a stack the library adds to nears CloudFormation's limits, and an
error when it passes one.

CloudFormation refuses a template with more than 500 resources, more than 200 outputs (cross-stack
references become outputs of the stack referenced) or larger than 1 MB (uploaded through S3, as
the CDK does). Observability grows with the workload (an alarm per signal,
a filter per pattern), so the library registers, once per app, a validation plugin that reads
the synthesized templates of every stack it added to: past a limit, synthesis fails (the
deployment would be refused); past 80 % of one, it warns (the share can be set with the context
key ``constructs-obs:stack-limit-warning``).

The resource count is also checked before the templates are written: aws-cdk-lib itself stops
at 500 resources while it writes a template, with a JavaScript error; a validation on each
watched stack fails first, with the count per resource type and what to do.
"""

from __future__ import annotations

import json
import weakref
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Final

import jsii
from aws_cdk import (
    CfnResource,
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    Stack,
    Validations,
)
from aws_cdk import NestedStack as _NestedStack
from constructs import IConstruct, IValidation

from constructs_obs.errors import InvalidParameterError
from constructs_obs.private.scopes import stack_facts

MAX_RESOURCES: Final = 500
MAX_OUTPUTS: Final = 200
MAX_TEMPLATE_BYTES: Final = 1_048_576
DEFAULT_WARNING_SHARE: Final = 0.8
CONTEXT_KEY: Final = "constructs-obs:stack-limit-warning"
RULE_NAME: Final = "constructs-obs:stack-limits"


@jsii.implements(IPolicyValidationPlugin)
class StackLimitsPlugin:
    """Fails for the watched stacks whose template passes a limit; warns for those that near
    one."""

    def __init__(self, share: float) -> None:
        self.share = share
        self.watched: set[str] = set()

    @property
    def name(self) -> str:
        return "constructs-obs stack limits"

    @property
    def rule_ids(self) -> list[str] | None:
        return [RULE_NAME]

    @property
    def version(self) -> str | None:
        return None

    def validate(self, context: IPolicyValidationContext) -> PolicyValidationPluginReport:
        violations = [
            violation
            for stack in context.stack_templates
            if stack.stack_construct_path in self.watched
            for violation in self._check(stack.stack_construct_path, Path(stack.template_path))
        ]
        failed = any(violation.severity == "error" for violation in violations)
        return PolicyValidationPluginReport(success=not failed, violations=violations)

    def _check(self, stack_path: str, template_path: Path) -> list[PolicyViolation]:
        template = json.loads(template_path.read_text())
        # (how many, the limit, how the numbers read)
        measures = [
            (len(template.get("Resources", {})), MAX_RESOURCES, _count("resources")),
            (len(template.get("Outputs", {})), MAX_OUTPUTS, _count("outputs")),
            (template_path.stat().st_size, MAX_TEMPLATE_BYTES, _size),
        ]
        over = [shown(value, limit) for value, limit, shown in measures if value > limit]
        near = [
            shown(value, limit)
            for value, limit, shown in measures
            if self.share * limit < value <= limit
        ]
        violations = []
        if over:
            violations.append(
                self._violation(
                    stack_path,
                    template_path,
                    "error",
                    f"Stack {stack_path} has {' and '.join(over)}: CloudFormation refuses "
                    "the template. Split it (for example the audit layer, the workload and the "
                    "dashboard in stacks of their own).",
                )
            )
        if near:
            violations.append(
                self._violation(
                    stack_path,
                    template_path,
                    "warning",
                    f"Stack {stack_path} has {' and '.join(near)}: split it (for example the "
                    "audit layer, the workload and the dashboard in stacks of their own) "
                    "before a deployment is refused.",
                )
            )
        return violations

    @staticmethod
    def _violation(
        stack_path: str, template_path: Path, severity: str, description: str
    ) -> PolicyViolation:
        return PolicyViolation(
            rule_name=RULE_NAME,
            severity=severity,
            description=description,
            violating_resources=[
                PolicyViolatingResource(
                    construct_path=stack_path,
                    template_path=str(template_path),
                    locations=["Resources"],
                )
            ],
        )


def _count(what: str) -> Callable[[int, int], str]:
    def shown(value: int, limit: int) -> str:
        # Cross-stack references (a dashboard in a stack of its own, say) become outputs.
        return f"{value} {what}, {value / limit:.0%} of CloudFormation's {limit}"

    return shown


def _size(value: int, limit: int) -> str:
    return f"a {value / 1024:.0f} KiB template, {value / limit:.0%} of CloudFormation's 1 MiB"


def _warning_share(value: object) -> float:
    """The context value (a number, or its text from ``-c key=value``) as a share in (0, 1]."""
    if value is None:
        return DEFAULT_WARNING_SHARE
    share: float | None = None
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            share = float(value)
        except ValueError:
            share = None
    if share is None or not 0 < share <= 1:
        raise InvalidParameterError(
            "the app's context",
            CONTEXT_KEY,
            f"expected a share of the limits in (0, 1], such as 0.8, got {value!r}",
        )
    return share


_PLUGINS: weakref.WeakKeyDictionary[IConstruct, StackLimitsPlugin] = weakref.WeakKeyDictionary()


@jsii.implements(IValidation)
class _ResourceLimit:
    """Fails validation (before synthesis) when the stack holds more than 500 resources."""

    def __init__(self, stack: Stack) -> None:
        self._stack = stack

    def validate(self) -> list[str]:
        constructs = self._stack.node.find_all()
        resources = [c for c in constructs if isinstance(c, CfnResource)]
        if any(isinstance(c, _NestedStack) for c in constructs):
            # A nested stack's resources are in its own template.
            resources = [c for c in resources if c.stack is self._stack]
        if len(resources) <= MAX_RESOURCES:
            return []
        by_type = Counter(resource.cfn_resource_type for resource in resources)
        counts = ", ".join(f"{name} ({count})" for name, count in by_type.most_common())
        return [
            f"[{RULE_NAME}] Stack {self._stack.node.path} has {len(resources)} resources, more "
            f"than CloudFormation's {MAX_RESOURCES}: CloudFormation refuses the template. Split "
            "it (for example the audit layer, the workload and the dashboard in stacks of their "
            f"own). Resources by type: {counts}"
        ]


def watch_stack_limits(scope: IConstruct) -> None:
    """Include the stack of ``scope`` in the limit checks (registers the plugin once per app,
    and a resource-count validation once per stack; both run at synthesis). A stack already
    watched costs a dictionary lookup: its facts are cached (``private/scopes.py``)."""
    facts = stack_facts(scope)
    plugin = _PLUGINS.get(facts.root)
    if plugin is None:
        root = facts.root
        plugin = StackLimitsPlugin(_warning_share(root.node.try_get_context(CONTEXT_KEY)))
        _PLUGINS[root] = plugin
        Validations.of(root).add_plugins(plugin)
    if facts.path not in plugin.watched:
        plugin.watched.add(facts.path)
        facts.stack.node.add_validation(_ResourceLimit(facts.stack))
