"""The synth-time check of the alarms ``AlarmRemediation.add_action`` names.

The function acts for an alarm by its name, and CloudWatch invokes it only for alarms whose
``AlarmActions`` include it (CloudWatch's native Lambda alarm action, which ``AlarmRouting``
adds for the severities that list the remediation). So a configured name must be:

- an alarm of this app: a name that matches none is a typo (the action never runs), or the
  name of an alarm someone may create later in the account to trigger it;
- in the function's account and region: the handler refuses the alarms of any other;
- an alarm whose actions are enabled and include the function: otherwise nothing invokes the
  function for it.

Alarms may be created after ``add_action``, so the check runs when the app is synthesized
(after references between stacks are resolved). The app's alarms are those the library
recorded (``private/registry.py``) plus any alarm construct given to ``add_action`` itself;
``allow_external=True`` skips the check for an alarm made elsewhere.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Final

import jsii
from aws_cdk import Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from constructs import Construct, IConstruct, IValidation

from constructs_obs.errors import InvalidParameterError
from constructs_obs.private.registry import registry_of
from constructs_obs.private.scopes import path_of, stack_facts
from constructs_obs.private.validate import is_token

__all__ = ["ConfiguredAlarms", "literal_alarm_name"]

_NEAREST: Final = 3


@dataclass(frozen=True)
class _AppAlarm:
    name: str
    alarm: cloudwatch.IAlarm
    severity: str | None


@jsii.implements(IValidation)
class ConfiguredAlarms:
    """The alarms a remediation ``owner`` acts on, checked against the app at synthesis.

    ``owner`` is how errors name the construct (``AlarmRemediation 'Fixer'``).
    """

    def __init__(self, remediation: Construct, function: lambda_.IFunction, owner: str) -> None:
        self._remediation = remediation
        self._function = function
        self._owner = owner
        self._registry = registry_of(remediation)
        self._expected: dict[str, cloudwatch.IAlarm | None] = {}

    def expect(self, name: str, alarm: cloudwatch.IAlarm | None) -> None:
        """``name`` must be an alarm of the app that invokes the function; ``alarm`` is the
        construct when ``add_action`` was given one (it need not be a library alarm)."""
        self._expected[name] = alarm

    def validate(self) -> list[str]:
        if not self._expected:
            return []
        known = self._app_alarms()
        problems: list[str] = []
        for name, given in self._expected.items():
            if given is not None:
                severity = next((a.severity for a in known if _same(a.alarm, given)), None)
                problems += self._check_alarm(name, _AppAlarm(name, given, severity))
                continue
            named = [a for a in known if a.name == name]
            local = [a for a in named if _same_env(a.alarm, self._remediation)]
            if local:
                problems += self._check_alarm(name, local[0])
            elif named:
                problems += self._check_alarm(name, named[0])
            else:
                problems.append(self._unknown(name, known))
        return problems

    def _app_alarms(self) -> list[_AppAlarm]:
        """The named alarms the library recorded in this app."""
        found = []
        for record in self._registry.alarms:
            # The name the library recorded, else the one in the alarm's template.
            name = record.name if record.name is not None else literal_alarm_name(record.alarm)
            if name is not None:
                found.append(_AppAlarm(name, record.alarm, record.severity))
        return found

    def _problem(self, problem: str) -> str:
        return str(InvalidParameterError(self._owner, "actions", problem))

    def _unknown(self, name: str, known: list[_AppAlarm]) -> str:
        candidates = sorted({a.name for a in known if _same_env(a.alarm, self._remediation)})
        nearest = difflib.get_close_matches(name, candidates, n=_NEAREST)
        hint = f"; nearest names: {', '.join(map(repr, nearest))}" if nearest else ""
        return self._problem(
            f"alarm {name!r} is not an alarm of this app (no alarm the library created in this "
            f"account and region has that name{hint}). Use the name of one, pass the alarm "
            "itself, or, for an alarm made elsewhere, add_action(..., allow_external=True)"
        )

    def _check_alarm(self, name: str, found: _AppAlarm) -> list[str]:
        alarm = found.alarm
        path = path_of(alarm)
        if not _same_env(alarm, self._remediation):
            return [
                self._problem(
                    f"alarm {name!r} ({path}) is in another account or region than the "
                    "function, which refuses the alarms of any other: create the "
                    "AlarmRemediation in the alarm's stack's account and region"
                )
            ]
        cfn: Any = alarm.node.default_child
        stack = Stack.of(alarm)
        if stack.resolve(cfn.actions_enabled) is False:
            return [
                self._problem(
                    f"alarm {name!r} ({path}) has its actions disabled, so it never invokes "
                    "the function: enable its actions"
                )
            ]
        if not self._invoked_by(stack, cfn):
            route = (
                f"It is a {found.severity} alarm: list this AlarmRemediation among the "
                f"{found.severity} targets of its routing (AlarmRouting(..., "
                f"{found.severity}=[..., remediation]))"
                if found.severity
                else "Route it through an AlarmRouting that lists this AlarmRemediation among "
                "the targets of its severity"
            )
            return [
                self._problem(
                    f"alarm {name!r} ({path}) does not invoke the function: its alarm actions "
                    f"do not include it, so the action would never run. {route}, or add the "
                    "function to the alarm's actions"
                )
            ]
        return []

    def _invoked_by(self, stack: Stack, cfn: Any) -> bool:
        actions = stack.resolve(cfn.alarm_actions) or []
        try:
            # In the alarm's stack: a reference to a function of another stack resolves to
            # the import the alarm's template uses, if it uses one.
            target = stack.resolve(self._function.function_arn)
        except RuntimeError:
            # Another stack's function that this stack never references.
            return False
        return target in actions


def literal_alarm_name(alarm: cloudwatch.IAlarm) -> str | None:
    """The alarm's name as written in its template (or its imported ARN); ``None`` when
    CloudFormation generates it."""
    cfn = alarm.node.default_child
    name = getattr(cfn, "alarm_name", None) if cfn is not None else alarm.alarm_name
    if not isinstance(name, str) or is_token(name):
        return None
    return name


def _same(one: IConstruct, other: IConstruct) -> bool:
    return path_of(one) == path_of(other)


def _same_env(one: IConstruct, other: IConstruct) -> bool:
    """False only when both stacks name different accounts or regions."""
    first, second = stack_facts(one), stack_facts(other)
    for a, b in ((first.account, second.account), (first.region, second.region)):
        if not is_token(a) and not is_token(b) and a != b:
            return False
    return True
