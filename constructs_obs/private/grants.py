"""Grants through a customer managed policy the library owns.

``iam.Grant.add_to_principal`` writes into the grantee role's inline default policy, which the
NIST 800-53 packs flag, and object-level grants need a ``bucket/*`` resource that AwsSolutions
flags too: the user would have to acknowledge findings the library caused. For a role, the
library attaches a managed policy of its own instead and acknowledges, with the reason, what it
knows is required.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_obs.private.acknowledge import acknowledge_nag, nag_ref


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
    policy = iam.ManagedPolicy(
        scope, id, description=description, roles=[principal], statements=list(statements)
    )
    for resource in wildcard_resources:
        acknowledge_nag(
            policy, f"AwsSolutions-IAM5[Resource::{nag_ref(scope, resource)}]", wildcard_reason
        )
    return iam.Grant.drop(grantee, f"the permissions are in the managed policy {policy.node.path}")
