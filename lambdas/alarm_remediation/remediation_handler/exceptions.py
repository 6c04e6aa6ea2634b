"""The errors the remediation handler raises.

A bad config or a refused event is reported and never crashes an invocation; only a failure to
verify an alarm or to act (``RemediationError`` or an AWS error) is raised, so that Lambda's
retries and the on-failure destination keep the event and the function's errors alarm fires.
"""

from __future__ import annotations


class InvalidActionConfigError(ValueError):
    """A ``REMEDIATION_ACTIONS`` entry is not a valid action config."""


class MalformedEventError(ValueError):
    """A Lambda alarm action payload with a missing or mistyped field."""


class InvalidFunctionArnError(ValueError):
    """The invocation's ``invoked_function_arn`` is not a Lambda function ARN."""


class RemediationError(RuntimeError):
    """An action could not be performed for a reason the AWS API did not raise itself."""
