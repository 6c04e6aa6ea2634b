"""Dead-letter queues: SQS encrypted with a customer key that the producing services may use.

SNS subscriptions, EventBridge targets and asynchronous Lambda invocations park what they
could not deliver here. The key policy lets each producing service use the key only in this
account and region: SNS on behalf of its topics (``aws:SourceArn``, as SNS documents it), and
EventBridge for SQS queues (``kms:EncryptionContext:aws:sqs:arn``, which SQS always sets; AWS
documents no source condition for EventBridge writing to an encrypted queue). The queue
refuses non-TLS access.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_obs.acknowledge import acknowledge_nag
from constructs_obs.private.keys import add_service_statement

# Service principal -> (statement name, condition key, ARN service, resource pattern).
_PRODUCERS: dict[str, tuple[str, str, str, str]] = {
    "sns.amazonaws.com": ("Sns", "aws:SourceArn", "sns", "*"),
    "events.amazonaws.com": ("Events", "kms:EncryptionContext:aws:sqs:arn", "sqs", "*"),
}
DLQ_RETENTION = Duration.days(14)


def dead_letter_queue(
    scope: Construct,
    construct_id: str,
    *,
    encryption_key: kms.IKey,
    producers: Sequence[str],
) -> sqs.Queue:
    """An encrypted, TLS-only DLQ keeping messages 14 days (SQS's maximum)."""
    stack = Stack.of(scope)
    for service in producers:
        name, condition_key, arn_service, resource = _PRODUCERS[service]
        add_service_statement(
            scope,
            encryption_key,
            service=service,
            actions=("kms:GenerateDataKey", "kms:Decrypt"),
            conditions={
                "ArnLike": {
                    condition_key: f"arn:{stack.partition}:{arn_service}:{stack.region}:"
                    f"{stack.account}:{resource}"
                }
            },
            sid=f"Allow{name}DeadLetters",
        )
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=encryption_key,
        enforce_ssl=True,
        retention_period=DLQ_RETENTION,
        removal_policy=RemovalPolicy.RETAIN,
    )
    acknowledge_nag(
        queue,
        "AwsSolutions-SQS3",
        f"This queue is the dead-letter queue of {', '.join(producers)} deliveries; cdk-nag "
        "only recognises SQS-to-SQS redrive as dead-letter use.",
    )
    return queue
