"""A synth-time warning when a stack the library adds to nears CloudFormation's limits.

CloudFormation refuses a template with more than 500 resources, more than 200 outputs (cross-stack
references become outputs of the stack referenced) or larger than 1 MB (uploaded through S3, as
the CDK does). Observability grows with the workload (an alarm per signal,
a filter per pattern), so the library registers, once per app, a validation plugin that reads
the synthesized templates and warns for every stack it added to that passes 80 % of either
limit (the share can be set with the context key ``constructs-obs:stack-limit-warning``).
"""

from __future__ import annotations

import json
import weakref
from pathlib import Path
from typing import Final

import jsii
from aws_cdk import (
    IPolicyValidationContext,
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    Stack,
    Validations,
)
from constructs import IConstruct

from constructs_obs.errors import InvalidParameterError

MAX_RESOURCES: Final = 500
MAX_OUTPUTS: Final = 200
MAX_TEMPLATE_BYTES: Final = 1_048_576
DEFAULT_WARNING_SHARE: Final = 0.8
CONTEXT_KEY: Final = "constructs-obs:stack-limit-warning"
RULE_NAME: Final = "constructs-obs:stack-limits"


@jsii.implements(IPolicyValidationPlugin)
class StackLimitsPlugin:
    """Warns (never fails) for the watched stacks whose template nears a limit."""

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
        return PolicyValidationPluginReport(success=True, violations=violations)

    def _check(self, stack_path: str, template_path: Path) -> list[PolicyViolation]:
        template = json.loads(template_path.read_text())
        resources = len(template.get("Resources", {}))
        size = template_path.stat().st_size
        findings = []
        if resources > self.share * MAX_RESOURCES:
            findings.append(
                f"{resources} resources, {resources / MAX_RESOURCES:.0%} of CloudFormation's "
                f"{MAX_RESOURCES}"
            )
        outputs = len(template.get("Outputs", {}))
        if outputs > self.share * MAX_OUTPUTS:
            # Cross-stack references (a dashboard in a stack of its own, say) become outputs.
            findings.append(
                f"{outputs} outputs, {outputs / MAX_OUTPUTS:.0%} of CloudFormation's {MAX_OUTPUTS}"
            )
        if size > self.share * MAX_TEMPLATE_BYTES:
            findings.append(
                f"a {size / 1024:.0f} KiB template, {size / MAX_TEMPLATE_BYTES:.0%} of "
                "CloudFormation's 1 MiB"
            )
        if not findings:
            return []
        return [
            PolicyViolation(
                rule_name=RULE_NAME,
                severity="warning",
                description=f"Stack {stack_path} has {' and '.join(findings)}: split it (for "
                "example the audit layer, the workload and the dashboard in stacks of their "
                "own) before a deployment is refused.",
                violating_resources=[
                    PolicyViolatingResource(
                        construct_path=stack_path,
                        template_path=str(template_path),
                        locations=["Resources"],
                    )
                ],
            )
        ]


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


def watch_stack_limits(scope: IConstruct) -> None:
    """Include the stack of ``scope`` in the size warnings (registers the plugin once)."""
    root = scope.node.root
    plugin = _PLUGINS.get(root)
    if plugin is None:
        plugin = StackLimitsPlugin(_warning_share(root.node.try_get_context(CONTEXT_KEY)))
        _PLUGINS[root] = plugin
        Validations.of(root).add_plugins(plugin)
    plugin.watched.add(Stack.of(scope).node.path)
