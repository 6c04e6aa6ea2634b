"""User-side resources for tests, built to pass the same checks as the library's own."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_obs import EncryptedLogGroup
from constructs_obs.acknowledge import (
    acknowledge_nag,
    ignore_cfn_lint,
    nag_ref,
    skip_checkov,
)

NO_VPC_REASON = "Test fixture: the function reaches only AWS APIs, no VPC resources."


def compliant_function(
    scope: Construct,
    id: str,
    *,
    timeout: cdk.Duration | None = None,
    reserved_concurrency: int = 10,
    with_dead_letter_queue: bool = True,
    code: lambda_.Code | None = None,
) -> lambda_.Function:
    """A Lambda function with its own role (customer managed policy), an encrypted log group,
    reserved concurrency and (by default) an encrypted dead-letter queue."""
    key = kms.Key(scope, f"{id}Key", enable_key_rotation=True)
    logs = EncryptedLogGroup(scope, f"{id}Logs", encryption_key=key)
    role = iam.Role(scope, f"{id}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    statements = [
        iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[logs.log_group.log_group_arn],
        ),
        iam.PolicyStatement(
            actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[key.key_arn]
        ),
    ]
    dlq: sqs.Queue | None = None
    if with_dead_letter_queue:
        dlq = sqs.Queue(
            scope,
            f"{id}DeadLetters",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
        )
        acknowledge_nag(dlq, "AwsSolutions-SQS3", "Test fixture: the function's dead-letter queue.")
        statements.append(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[dlq.queue_arn])
        )
    policy = iam.ManagedPolicy(scope, f"{id}Policy", roles=[role], statements=statements)
    acknowledge_nag(
        policy,
        f"AwsSolutions-IAM5[Resource::{nag_ref(scope, logs.log_group.log_group_arn)}]",
        "Test fixture: the log group ARN ends with :* to cover its streams.",
    )
    function = lambda_.Function(
        scope,
        id,
        runtime=lambda_.Runtime.PYTHON_3_14,
        handler="index.handler",
        code=code or lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
        timeout=timeout,
        role=role.without_policy_updates(),
        log_group=logs.log_group,
        reserved_concurrent_executions=reserved_concurrency,
        dead_letter_queue=dlq,
        environment_encryption=key,
    )
    cfn = function.node.default_child
    assert isinstance(cfn, lambda_.CfnFunction)
    acknowledge_nag(function, "NIST.800.53.R5-LambdaInsideVPC", NO_VPC_REASON)
    skip_checkov(cfn, "CKV_AWS_117", NO_VPC_REASON)
    skip_checkov(cfn, "CKV_AWS_272", "Test fixture: the test's own code, nothing to sign.")
    ignore_cfn_lint(cfn, "W3005", "aws-cdk-lib's Function always adds DependsOn on its role.")
    if dlq is None:
        no_dlq = "Test fixture: a synchronously invoked function has no DLQ to use."
        acknowledge_nag(function, "NIST.800.53.R5-LambdaDLQ", no_dlq)
        skip_checkov(cfn, "CKV_AWS_116", no_dlq)
    return function
