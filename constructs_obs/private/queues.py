"""Dead-letter queues: SQS encrypted with a customer key that the producing services may use.

SNS subscriptions, EventBridge targets and asynchronous Lambda invocations park what they
could not deliver here. The key policy lets each producing service use the key only on behalf
of its own resources in this account and region (``aws:SourceArn``), and the queue refuses
non-TLS access.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_obs.private.acknowledge import acknowledge_nag
from constructs_obs.private.keys import add_service_statement

# Service principal -> (ARN service, resource pattern) of the resources that may send.
_PRODUCERS: dict[str, tuple[str, str]] = {
    "sns.amazonaws.com": ("sns", "*"),
    "events.amazonaws.com": ("events", "rule/*"),
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
        arn_service, resource = _PRODUCERS[service]
        add_service_statement(
            scope,
            encryption_key,
            service=service,
            actions=("kms:GenerateDataKey", "kms:Decrypt"),
            conditions={
                "ArnLike": {
                    "aws:SourceArn": f"arn:{stack.partition}:{arn_service}:{stack.region}:"
                    f"{stack.account}:{resource}"
                }
            },
            sid=f"Allow{arn_service.capitalize()}DeadLetters",
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
