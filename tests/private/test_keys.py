"""keys: one CloudWatch Logs statement per key, shared by every log group the key encrypts."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from constructs_obs import EncryptedLogGroup
from constructs_obs.private.keys import LOGS_KEY_ACTIONS, LOGS_SID, allow_cloudwatch_logs
from tests.support.harness import new_stack


def _logs_statements(template: Template) -> list[dict[str, Any]]:
    (key,) = template.find_resources("AWS::KMS::Key").values()
    statements: list[dict[str, Any]] = key["Properties"]["KeyPolicy"]["Statement"]
    return [s for s in statements if s.get("Sid") == LOGS_SID]


def test_log_groups_of_one_key_share_one_statement() -> None:
    # GIVEN one key and three log groups encrypted with it
    stack = new_stack(cdk.App(), "Shared")
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    groups = [EncryptedLogGroup(stack, f"Logs{i}", encryption_key=key) for i in range(3)]
    # THEN the key policy holds one statement for CloudWatch Logs, scoped by the encryption
    # context to the log groups of the stack's account and region
    (statement,) = _logs_statements(Template.from_stack(stack))
    assert statement["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert statement["Action"] == list(LOGS_KEY_ACTIONS)
    assert statement["Condition"] == {
        "ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":logs:eu-west-1:123456789012:log-group:*",
                    ],
                ]
            }
        }
    }
    assert all(group.key_policy_updated for group in groups)


def test_a_key_is_allowed_once_per_account_and_region() -> None:
    # GIVEN a key already allowed for the log groups of its stack
    stack = new_stack(cdk.App(), "Once")
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    assert allow_cloudwatch_logs(stack, key)
    # WHEN it is allowed again for the same account and region
    assert allow_cloudwatch_logs(stack, key)
    # THEN the policy is unchanged: one statement
    assert len(_logs_statements(Template.from_stack(stack))) == 1


def test_an_environment_agnostic_stack_scopes_the_statement_by_its_pseudo_parameters() -> None:
    stack = cdk.Stack(cdk.App(), "Agnostic")
    EncryptedLogGroup(stack, "Logs")
    (statement,) = _logs_statements(Template.from_stack(stack))
    assert statement["Principal"] == {
        "Service": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}
    }
    condition = statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert condition == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":logs:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":log-group:*",
            ],
        ]
    }
