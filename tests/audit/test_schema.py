"""The CloudTrail table definition: AWS's documented columns, valid types, the partition keys."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import pytest
import sqlglot
from sqlglot import exp

from constructs_obs.audit import (
    COLUMNS,
    DAY_FORMAT,
    INPUT_FORMAT,
    JSON_TEXT_COLUMNS,
    OUTPUT_FORMAT,
    PARTITION_KEYS,
    SERDE,
    TABLE_NAME,
    Column,
    load_queries,
    storage_location_template,
)
from constructs_obs.audit.hive_types import (
    PrimitiveType,
    StructType,
    parse_hive_type,
    render_hive_type,
)
from constructs_obs.audit.schema import field_paths, json_key

#: A copy of AWS's documented DDL ("Create the table for CloudTrail logs in Athena using
#: partition projection", https://docs.aws.amazon.com/athena/latest/ug/
#: create-cloudtrail-table-partition-projection.html), kept beside this test.
AWS_DDL: Final = (Path(__file__).parent / "aws_cloudtrail_table.sql").read_text(encoding="utf-8")


def _split_top_level(text: str) -> list[str]:
    """``text`` split at the commas outside ``<...>``."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        depth += {"<": 1, ">": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def _documented_columns() -> list[tuple[str, str]]:
    """(name, canonical Hive type) of every column of AWS's DDL, in its order."""
    body = re.sub(r"--[^\n]*", "", AWS_DDL)
    inside = body[body.index("(") + 1 : body.index("PARTITIONED BY")]
    inside = inside[: inside.rindex(")")]
    columns = []
    for definition in _split_top_level(inside):
        name, hive_type = definition.split(None, 1)
        columns.append((name.lower(), render_hive_type(parse_hive_type(hive_type))))
    return columns


def _documented_properties() -> dict[str, str]:
    return dict(re.findall(r"'([a-z.]+)'='([^']*)'", AWS_DDL))


DOCUMENTED_COLUMNS: Final = _documented_columns()
SCHEMA_PATHS: Final = frozenset(
    path for column in COLUMNS for path in field_paths(column.parsed_type, (column.name,))
)


def test_table_and_storage_classes() -> None:
    assert TABLE_NAME == "cloudtrail_logs"
    assert SERDE == "org.apache.hive.hcatalog.data.JsonSerDe"
    assert INPUT_FORMAT == "com.amazon.emr.cloudtrail.CloudTrailInputFormat"
    assert OUTPUT_FORMAT == "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"


def test_columns_follow_the_documented_ddl() -> None:
    # GIVEN AWS's DDL, 29 columns, THEN the table has them all, in its order, with its types
    assert len(DOCUMENTED_COLUMNS) == 29
    assert [(column.name, column.hive_type) for column in COLUMNS] == DOCUMENTED_COLUMNS


def test_the_five_columns_added_to_the_ddl_in_2023_are_there() -> None:
    names = {column.name: column.hive_type for column in COLUMNS}
    assert names["vpcendpointaccountid"] == "string"
    assert names["eventcategory"] == "string"
    assert names["sessioncredentialfromconsole"] == "string"
    assert names["edgedevicedetails"] == "string"
    assert names["addendum"] == (
        "struct<reason:string,updatedfields:string,originalrequestid:string,originaleventid:string>"
    )


def test_the_storage_classes_and_day_projection_are_the_documented_ones() -> None:
    properties = _documented_properties()
    assert f"SERDE '{SERDE}'" in AWS_DDL
    assert f"INPUTFORMAT '{INPUT_FORMAT}'" in AWS_DDL
    assert f"OUTPUTFORMAT '{OUTPUT_FORMAT}'" in AWS_DDL
    assert properties["projection.timestamp.format"] == DAY_FORMAT
    assert properties["projection.timestamp.type"] == "date"
    assert properties["projection.timestamp.interval"] == "1"
    assert properties["projection.timestamp.interval.unit"] == "DAYS"


@pytest.mark.parametrize("column", COLUMNS + PARTITION_KEYS, ids=lambda column: column.name)
def test_every_column_has_a_canonical_hive_type_and_a_comment(column: Column) -> None:
    assert render_hive_type(parse_hive_type(column.hive_type)) == column.hive_type
    assert column.name == column.name.lower()
    assert column.comment.strip()
    assert len(column.comment) <= 255  # Glue's limit on a column comment


def test_every_documented_nested_field() -> None:
    user_identity = COLUMNS[1].parsed_type
    assert isinstance(user_identity, StructType)
    assert [name for name, _ in user_identity.fields] == [
        "type",
        "principalid",
        "arn",
        "accountid",
        "invokedby",
        "accesskeyid",
        "username",
        "onbehalfof",
        "sessioncontext",
    ]
    assert {
        ("useridentity", "onbehalfof", "identitystorearn"),
        ("useridentity", "sessioncontext", "attributes", "mfaauthenticated"),
        ("useridentity", "sessioncontext", "sessionissuer", "arn"),
        ("useridentity", "sessioncontext", "ec2roledelivery"),
        ("useridentity", "sessioncontext", "webidfederationdata", "attributes"),
        ("resources", "arn"),
        ("resources", "accountid"),
        ("resources", "type"),
        ("tlsdetails", "clientprovidedhostheader"),
    } <= SCHEMA_PATHS
    assert render_hive_type(COLUMNS[16].parsed_type) == (
        "array<struct<arn:string,accountid:string,type:string>>"
    )


def test_free_form_parts_are_json_text_in_string_columns() -> None:
    by_name = {column.name: column for column in COLUMNS}
    assert {
        "requestparameters",
        "responseelements",
        "additionaleventdata",
        "serviceeventdetails",
        "edgedevicedetails",
    } == JSON_TEXT_COLUMNS
    for name in JSON_TEXT_COLUMNS:
        assert by_name[name].parsed_type == PrimitiveType("string")


def test_partition_keys() -> None:
    assert (
        Column("account", "string", PARTITION_KEYS[0].comment),
        Column("region", "string", PARTITION_KEYS[1].comment),
        Column("day", "string", "yyyy/MM/dd"),
    ) == PARTITION_KEYS
    assert DAY_FORMAT == "yyyy/MM/dd"
    assert not {key.name for key in PARTITION_KEYS} & {name for name, _ in DOCUMENTED_COLUMNS}


@pytest.mark.parametrize("path", sorted(SCHEMA_PATHS), ids=".".join)
def test_every_field_has_its_cloudtrail_json_key(path: tuple[str, ...]) -> None:
    assert json_key(path).lower() == path[-1]


def test_json_keys_spelled_as_cloudtrail_writes_them() -> None:
    assert json_key(("sourceipaddress",)) == "sourceIPAddress"
    assert json_key(("eventid",)) == "eventID"
    assert json_key(("useridentity", "arn")) == "arn"
    assert json_key(("resources", "arn")) == "ARN"
    with pytest.raises(KeyError):
        json_key(("nosuchfield",))


def _query_paths(sql: str) -> set[tuple[str, ...]]:
    paths = set()
    top_level = {column.name for column in COLUMNS} | {key.name for key in PARTITION_KEYS}
    for column in sqlglot.parse_one(sql, read="athena").find_all(exp.Column):
        parts = [part.name.lower() for part in column.parts]
        if parts[0] in top_level:
            paths.add(tuple(parts))
    return paths


def test_the_fields_the_queries_use_exist() -> None:
    used = set().union(*(_query_paths(query.sql) for query in load_queries().values()))
    partitions = {(key.name,) for key in PARTITION_KEYS}
    assert used - partitions <= SCHEMA_PATHS, used - partitions - SCHEMA_PATHS
    assert {
        ("useridentity", "type"),
        ("useridentity", "arn"),
        ("useridentity", "principalid"),
        ("useridentity", "invokedby"),
        ("useridentity", "accesskeyid"),
        ("useridentity", "username"),
        ("useridentity", "sessioncontext", "sessionissuer", "arn"),
        ("day",),
        ("account",),
    } <= used


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, "s3://logs/AWSLogs/${account}/CloudTrail/${region}/${day}"),
        ({"prefix": "/audit/"}, "s3://logs/audit/AWSLogs/${account}/CloudTrail/${region}/${day}"),
        (
            {"organization_id": "o-aa111bb222"},
            "s3://logs/AWSLogs/o-aa111bb222/${account}/CloudTrail/${region}/${day}",
        ),
    ],
)
def test_storage_location_template(kwargs: dict[str, str], expected: str) -> None:
    assert storage_location_template("logs", **kwargs) == expected
