"""DataEventSelector: the advanced event selectors of S3 and Lambda data events."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

from constructs_obs.audit import DataEventSelector, ReadWrite


def test_named_buckets_are_selected_by_arn_prefix(stack: cdk.Stack) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Orders", "orders-bucket")
    rendered = DataEventSelector.s3([bucket], read_write=ReadWrite.READ_ONLY).render(
        exclude=["arn:aws:s3:::trail-bucket/"]
    )
    fields = stack.resolve(rendered)["fieldSelectors"]
    # The named buckets only: the exclusions apply to an every-bucket selector.
    assert fields[2:] == [
        {
            "field": "resources.ARN",
            "startsWith": [
                {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::orders-bucket/"]]}
            ],
        },
        {"field": "readOnly", "equalTo": ["true"]},
    ]


def test_every_function_write_only(stack: cdk.Stack) -> None:
    # GIVEN a selector of every function's invocations that write
    rendered = DataEventSelector.lambda_(read_write=ReadWrite.WRITE_ONLY).render()
    # THEN it names the data category, the resource type and readOnly=false only
    assert stack.resolve(rendered) == {
        "name": "Lambda data events",
        "fieldSelectors": [
            {"field": "eventCategory", "equalTo": ["Data"]},
            {"field": "resources.type", "equalTo": ["AWS::Lambda::Function"]},
            {"field": "readOnly", "equalTo": ["false"]},
        ],
    }


def test_every_bucket_leaves_out_the_excluded_prefixes(stack: cdk.Stack) -> None:
    rendered = DataEventSelector.s3().render(exclude=["arn:aws:s3:::trail-bucket/"])
    fields = stack.resolve(rendered)["fieldSelectors"]
    assert fields[1:] == [
        {"field": "resources.type", "equalTo": ["AWS::S3::Object"]},
        {"field": "resources.ARN", "notStartsWith": ["arn:aws:s3:::trail-bucket/"]},
    ]
