"""Errors raised by constructs-obs at construct time.

Every error names the construct, the parameter and what is allowed, so that a user sees a
plain Python traceback pointing at their own call instead of a jsii/JavaScript stack trace or
a template that CloudFormation rejects at deploy time.
"""

from __future__ import annotations

__all__ = ["ConstructsObsError", "InvalidParameterError"]


class ConstructsObsError(Exception):
    """Base class of every error this library raises on purpose."""


class InvalidParameterError(ConstructsObsError, ValueError):
    """A parameter has a value the construct (or the AWS service behind it) does not accept.

    Parameters
    ----------
    owner:
        What was being configured, e.g. ``"EncryptedLogGroup 'AppLogs'"``.
    parameter:
        The keyword argument at fault, e.g. ``"retention"``.
    problem:
        What is wrong and what is allowed instead.
    """

    def __init__(self, owner: str, parameter: str, problem: str) -> None:
        self.owner = owner
        self.parameter = parameter
        self.problem = problem
        super().__init__(f"{owner}: invalid {parameter}: {problem}")
