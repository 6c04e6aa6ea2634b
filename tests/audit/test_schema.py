"""The CloudTrail table definition: AWS's documented columns, valid types, the partition keys."""

from __future__ import annotations

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

# The column order of AWS's CloudTrail DDL ("Create the table for CloudTrail logs in Athena
# using partition projection").
DOCUMENTED_ORDER: Final = (
    "eventversion",
    "useridentity",
    "eventtime",
    "eventsource",
    "eventname",
    "awsregion",
    "sourceipaddress",
    "useragent",
    "errorcode",
    "errormessage",
    "requestparameters",
    "responseelements",
    "additionaleventdata",
    "requestid",
    "eventid",
    "readonly",
    "resources",
    "eventtype",
    "apiversion",
    "recipientaccountid",
    "serviceeventdetails",
    "sharedeventid",
    "vpcendpointid",
    "tlsdetails",
)
SCHEMA_PATHS: Final = frozenset(
    path for column in COLUMNS for path in field_paths(column.parsed_type, (column.name,))
)


def test_table_and_storage_classes() -> None:
    assert TABLE_NAME == "cloudtrail_logs"
    assert SERDE == "org.apache.hive.hcatalog.data.JsonSerDe"
    assert INPUT_FORMAT == "com.amazon.emr.cloudtrail.CloudTrailInputFormat"
    assert OUTPUT_FORMAT == "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"


def test_columns_follow_the_documented_ddl() -> None:
    assert tuple(column.name for column in COLUMNS) == DOCUMENTED_ORDER


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
    assert not {key.name for key in PARTITION_KEYS} & set(DOCUMENTED_ORDER)


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
