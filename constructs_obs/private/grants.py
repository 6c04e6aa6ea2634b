"""Grants through a customer managed policy the library owns.

``iam.Grant.add_to_principal`` writes into the grantee role's inline default policy, which the
NIST 800-53 packs flag, and object-level grants need a ``bucket/*`` resource that AwsSolutions
flags too: the user would have to acknowledge findings the library caused. For a role, the
library attaches a managed policy of its own instead and acknowledges, with the reason, what it
knows is required.
"""

from __future__ import annotations

from collections.abc import Sequence

import jsii
from aws_cdk import Names, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct, IValidation

from constructs_obs.acknowledge import acknowledge_nag, nag_ref


def grant_with_policy(
    scope: Construct,
    id: str,
    grantee: iam.IGrantable,
    statements: Sequence[iam.PolicyStatement],
    *,
    description: str,
    wildcard_resources: Sequence[str] = (),
    wildcard_reason: str = "",
) -> iam.Grant:
    """Give ``grantee`` ``statements``: in a managed policy for a role, else through the
    principal's own policy. ``wildcard_resources`` are acknowledged with ``wildcard_reason``."""
    principal = grantee.grant_principal
    if not isinstance(principal, iam.Role):
        grants = [
            iam.Grant.add_to_principal(
                grantee=grantee,
                actions=list(statement.actions),
                resource_arns=list(statement.resources),
                conditions=statement.conditions or None,
            )
            for statement in statements
        ]
        combined = grants[0]
        for grant in grants[1:]:
            combined = combined.combine(grant)
        return combined
    # The policy lives with the role: a role in another stack then depends on the stack
    # holding the resources (as a consumer should), never the other way round.
    home = Stack.of(principal)
    if home is Stack.of(scope):
        policy = iam.ManagedPolicy(
            scope, id, description=description, roles=[principal], statements=list(statements)
        )
    else:
        policy = iam.ManagedPolicy(
            home,
            f"{Names.unique_id(scope)}{id}",
            description=description,
            roles=[principal],
            statements=list(statements),
        )
    if home is Stack.of(scope):
        for resource in wildcard_resources:
            acknowledge_nag(
                policy, f"AwsSolutions-IAM5[Resource::{nag_ref(scope, resource)}]", wildcard_reason
            )
    elif wildcard_resources:
        # Across stacks the ARNs become references to the other stack's outputs, named only
        # when the app is prepared for synthesis: acknowledge them then.
        policy.node.add_validation(_AcknowledgeLater(policy, wildcard_resources, wildcard_reason))
    return iam.Grant.drop(grantee, f"the permissions are in the managed policy {policy.node.path}")


@jsii.implements(IValidation)
class _AcknowledgeLater:
    """Acknowledges the wildcard resources of a policy once cross-stack references resolve
    (validation runs after the app is prepared, before cdk-nag's findings are matched)."""

    def __init__(self, policy: iam.ManagedPolicy, resources: Sequence[str], reason: str) -> None:
        self._policy = policy
        self._resources = tuple(resources)
        self._reason = reason

    def validate(self) -> list[str]:
        for resource in self._resources:
            rendered = nag_ref(self._policy, resource)
            acknowledge_nag(self._policy, f"AwsSolutions-IAM5[Resource::{rendered}]", self._reason)
        return []
