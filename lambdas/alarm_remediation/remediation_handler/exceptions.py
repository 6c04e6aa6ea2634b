"""The errors the remediation handler raises.

A bad config or a malformed event is reported and never crashes an invocation; only an action
that fails (``RemediationError`` or an AWS error) is re-raised, so that Lambda's retries and the
on-failure destination keep the event.
"""

from __future__ import annotations


class InvalidActionConfigError(ValueError):
    """A ``REMEDIATION_ACTIONS`` entry is not a valid action config."""


class MalformedEventError(ValueError):
    """An incoming event (or SNS record) is not an alarm state change this handler understands."""


class RemediationError(RuntimeError):
    """An action could not be performed for a reason the AWS API did not raise itself."""
