"""Which data events an ``AuditTrail`` records, as CloudTrail advanced event selectors.

Data events (S3 object reads and writes, Lambda invocations) are off by default in
CloudTrail and billed per event, so a trail records them only for the selectors it is given.
CloudTrail's advanced event selectors name the event category (``Data``), the resource type
and, optionally, ARN prefixes and read-only or write-only events. A selector without
resources covers every bucket or function; for S3 the trail then leaves out its own log and
access-log buckets, whose every delivery would otherwise be logged again (CIS 3.8/3.9).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

__all__ = ["DataEventSelector", "ReadWrite"]


class ReadWrite(Enum):
    """Which data events to record."""

    ALL = "all"
    READ_ONLY = "read"
    WRITE_ONLY = "write"


@dataclass(frozen=True)
class DataEventSelector:
    """Data events to record, as an advanced event selector. Build with ``s3`` or ``lambda_``."""

    name: str
    resource_type: str
    resource_arn_prefixes: tuple[str, ...]
    read_write: ReadWrite

    @classmethod
    def s3(
        cls, buckets: Sequence[s3.IBucket] | None = None, read_write: ReadWrite = ReadWrite.ALL
    ) -> DataEventSelector:
        """S3 object-level events of ``buckets`` (default: every bucket but the trail's own
        log and access-log buckets, whose every delivery would otherwise be logged again;
        CIS 3.8/3.9)."""
        prefixes = tuple(bucket.arn_for_objects("") for bucket in buckets or ())
        return cls("S3 data events", "AWS::S3::Object", prefixes, read_write)

    @classmethod
    def lambda_(
        cls,
        functions: Sequence[lambda_.IFunction] | None = None,
        read_write: ReadWrite = ReadWrite.ALL,
    ) -> DataEventSelector:
        """Lambda invocations of ``functions`` (default: every function)."""
        prefixes = tuple(function.function_arn for function in functions or ())
        return cls("Lambda data events", "AWS::Lambda::Function", prefixes, read_write)

    def render(
        self, exclude: Sequence[str] = ()
    ) -> cloudtrail.CfnTrail.AdvancedEventSelectorProperty:
        """The advanced event selector; ``exclude`` lists ARN prefixes left out of a selector
        that names no resources (every bucket or function)."""
        selectors = [
            cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(
                field="eventCategory", equal_to=["Data"]
            ),
            cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(
                field="resources.type", equal_to=[self.resource_type]
            ),
        ]
        if self.resource_arn_prefixes:
            selectors.append(
                cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(
                    field="resources.ARN", starts_with=list(self.resource_arn_prefixes)
                )
            )
        elif exclude:
            selectors.append(
                cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(
                    field="resources.ARN", not_starts_with=list(exclude)
                )
            )
        if self.read_write is not ReadWrite.ALL:
            read_only = "true" if self.read_write is ReadWrite.READ_ONLY else "false"
            selectors.append(
                cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(
                    field="readOnly", equal_to=[read_only]
                )
            )
        return cloudtrail.CfnTrail.AdvancedEventSelectorProperty(
            name=self.name, field_selectors=selectors
        )
