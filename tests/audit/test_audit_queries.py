"""AuditQueries: the Glue table with partition projection, the workgroup, the deployed queries,
queries over a trail made elsewhere, and bad input."""

from __future__ import annotations

import datetime as dt
import json
import re
from importlib import resources
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from constructs_obs import InvalidParameterError
from constructs_obs.audit import (
    COLUMNS,
    COMMERCIAL_REGIONS,
    PARTITION_KEYS,
    TABLE_NAME,
    AccountProjection,
    AuditQueries,
    TableProjection,
    TrailLogLocation,
    load_queries,
)
from tests.audit.audit_stacks import MEMBERS, ORG, one, table_of
from tests.support.harness import Synthesized

# -- the Glue table -----------------------------------------------------------------------


def test_table_has_the_documented_columns_and_partitions(synthesized: Synthesized) -> None:
    table = table_of(synthesized)
    assert table["Name"] == TABLE_NAME
    columns = [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]]
    assert columns == [(c.name, c.hive_type) for c in COLUMNS]
    assert [p["Name"] for p in table["PartitionKeys"]] == [p.name for p in PARTITION_KEYS]
    descriptor = table["StorageDescriptor"]
    assert descriptor["InputFormat"] == "com.amazon.emr.cloudtrail.CloudTrailInputFormat"
    assert (
        descriptor["SerdeInfo"]["SerializationLibrary"] == "org.apache.hive.hcatalog.data.JsonSerDe"
    )


def test_partition_projection_without_crawler(synthesized: Synthesized) -> None:
    parameters = table_of(synthesized)["Parameters"]
    assert parameters["projection.enabled"] == "true"
    assert parameters["projection.day.type"] == "date"
    assert parameters["projection.day.format"] == "yyyy/MM/dd"
    assert parameters["projection.day.range"] == "2024/01/01,NOW"
    assert parameters["projection.region.values"] == "eu-west-1,us-east-1"
    assert parameters["projection.account.values"] == "123456789012"
    template = json.dumps(parameters["storage.location.template"])
    assert "/AWSLogs/${account}/CloudTrail/${region}/${day}" in template
    # Partitions come from projection alone: every table projects, and no query (the package
    # files, nor what is deployed) loads partitions with MSCK REPAIR TABLE or ADD PARTITION.
    for stack in ("Audit", "OrgAudit", "Forensics"):
        assert table_of(synthesized, stack)["Parameters"]["projection.enabled"] == "true", stack
    texts = {
        entry.name: entry.read_text()
        for entry in resources.files("constructs_obs.audit").joinpath("queries").iterdir()
        if entry.name.endswith(".sql")
    }
    texts.update(
        (logical_id, json.dumps(query["Properties"]))
        for type_ in ("AWS::Athena::NamedQuery", "AWS::Athena::PreparedStatement")
        for logical_id, query in synthesized.resources(type_, "Audit").items()
    )
    assert len(texts) == 3 * len(load_queries())
    for name, text in texts.items():
        assert re.search(r"\bMSCK\b|\bREPAIR\b|\bADD\s+PARTITION\b", text, re.I) is None, name


def test_organization_table_projects_member_accounts_under_the_org(
    synthesized: Synthesized,
) -> None:
    parameters = table_of(synthesized, "OrgAudit")["Parameters"]
    assert parameters["projection.account.values"] == ",".join(MEMBERS)
    assert f"/cloudtrail/AWSLogs/{ORG}/${{account}}/CloudTrail/" in json.dumps(
        parameters["storage.location.template"]
    )
    # Every commercial region by default.
    assert parameters["projection.region.values"] == ",".join(COMMERCIAL_REGIONS)


# -- the workgroup and the queries --------------------------------------------------------


def test_workgroup_enforces_encrypted_results_and_a_scan_cutoff(synthesized: Synthesized) -> None:
    workgroup = one(synthesized, "AWS::Athena::WorkGroup")["Properties"]
    configuration = workgroup["WorkGroupConfiguration"]
    assert configuration["EnforceWorkGroupConfiguration"] is True
    assert configuration["BytesScannedCutoffPerQuery"] == 10 * 1024**3
    results = configuration["ResultConfiguration"]
    assert results["EncryptionConfiguration"]["EncryptionOption"] == "SSE_KMS"
    assert "TrailQueriesResults" in json.dumps(results["OutputLocation"])
    buckets = synthesized.resources("AWS::S3::Bucket", "Audit")
    (results_bucket,) = [b for k, b in buckets.items() if k.startswith("TrailQueriesResults")]
    rules = results_bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert {"Id": "ExpireResults", "ExpirationInDays": 30, "Status": "Enabled"} in rules


def test_the_deployed_query_texts_are_the_package_files(synthesized: Synthesized) -> None:
    queries = load_queries()
    named = {
        q["Properties"]["Name"]: q["Properties"]
        for q in synthesized.resources("AWS::Athena::NamedQuery", "Audit").values()
    }
    prepared = {
        q["Properties"]["StatementName"]: q["Properties"]
        for q in synthesized.resources("AWS::Athena::PreparedStatement", "Audit").values()
    }
    assert set(named) == set(prepared) == set(queries)
    for name, query in queries.items():
        assert named[name]["QueryString"] == query.sql
        assert prepared[name]["QueryStatement"] == query.body
        assert query.sql.endswith(query.body)
        assert "day BETWEEN ? AND ?" in query.sql


def test_queries_for_a_trail_made_elsewhere(synthesized: Synthesized) -> None:
    table = table_of(synthesized, "Forensics")
    parameters = table["Parameters"]
    assert parameters["projection.region.values"] == "eu-west-1"
    assert parameters["projection.day.range"] == "2025/06/01,NOW"
    assert parameters["projection.day.format"] == "yyyy/MM/dd"
    assert parameters["projection.day.interval"] == "1"
    assert parameters["projection.day.interval.unit"] == "DAYS"
    # The trail's bucket comes from the other stack (its folder layout projected).
    template = json.dumps(parameters["storage.location.template"])
    assert "Fn::ImportValue" in template  # a strong cross-stack reference
    assert "/AWSLogs/${account}/CloudTrail/${region}/${day}" in template
    assert parameters["projection.account.values"] == "123456789012"
    # Its results bucket logs access in its own stack (no policy edit in the trail's stack).
    assert "Forensics" not in json.dumps(synthesized.raw("KeepForever"))
    forensics = synthesized.resources("AWS::S3::Bucket", "Forensics")
    assert any(k.startswith("QueriesResultsAccessLogs") for k in forensics)
    workgroup = one(synthesized, "AWS::Athena::WorkGroup", "Forensics")["Properties"]
    assert workgroup["Name"] == "forensics"
    configuration = workgroup["WorkGroupConfiguration"]
    assert configuration["BytesScannedCutoffPerQuery"] == 2 * 1024**3
    buckets = synthesized.resources("AWS::S3::Bucket", "Forensics")
    (results,) = [
        b for k, b in buckets.items() if k.startswith("QueriesResults") and "Access" not in k
    ]
    rules = results["Properties"]["LifecycleConfiguration"]["Rules"]
    assert {"Id": "ExpireResults", "ExpirationInDays": 7, "Status": "Enabled"} in rules
    assert len(synthesized.resources("AWS::Athena::NamedQuery", "Forensics")) == len(load_queries())


# -- bad input ----------------------------------------------------------------------------


_FUTURE = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)).strftime("%Y/%m/%d")


#: Keyword arguments of AuditQueries (``location``: of its TrailLogLocation) and the error.
QUERIES_CASES: list[tuple[dict[str, Any], str]] = [
    (
        {"results_expiration": cdk.Duration.hours(12)},
        "results_expiration: must be a whole number of days, got 12 hours",
    ),
    ({"results_expiration": cdk.Duration.days(0)}, "results_expiration: must be >= 1, got 0"),
    ({"results_expiration": 30}, "results_expiration: expected a Duration, got 30"),
    ({"projection_start": "2025/13/40"}, "projection_start: '2025/13/40' is not a day of the"),
    ({"projection_start": "2025/02/29"}, "projection_start: '2025/02/29' is not a day of the"),
    ({"projection_start": "2025-01-01"}, "projection_start: '2025-01-01' must be a day as"),
    ({"projection_start": _FUTURE}, f"projection_start: '{_FUTURE}' is in the future"),
    (
        {"bytes_scanned_cutoff": cdk.Size.mebibytes(1)},
        "bytes_scanned_cutoff: must be >= 10000000, got 1048576",
    ),
    ({"bytes_scanned_cutoff": 10**9}, "bytes_scanned_cutoff: expected a Size"),
    (
        {"regions": ["eu-west-1", "us-east-1", "eu-west-1"]},
        "regions: 'eu-west-1' is given more than once",
    ),
    ({"regions": []}, "regions: name at least one"),
    (
        {"accounts": ["111111111111", "111111111111"]},
        "accounts: '111111111111' is given more than once",
    ),
    (
        {"workgroup_name": "audit queries"},
        "workgroup_name: 'audit queries' must be 1-128 letters, digits, '.', '_' or '-'",
    ),
    ({"workgroup_name": "w" * 129}, "workgroup_name: must be at most 128 characters, got 129"),
    ({"workgroup_name": ""}, "workgroup_name: must not be empty"),
    (
        {"database_name": "CloudTrail"},
        "database_name: 'CloudTrail' must be 1-255 lower-case letters, digits or '_'",
    ),
    ({"database_name": "cloud-trail"}, "database_name: 'cloud-trail' must be 1-255"),
    ({"database_name": "d" * 256}, "database_name: must be at most 255 characters, got 256"),
    (
        {"location": {"organization_id": "org-1"}, "accounts": MEMBERS},
        "trail.organization_id: 'org-1' must look like o-",
    ),
    (
        {"location": {"s3_key_prefix": "/logs/"}},
        "trail.s3_key_prefix: '/logs/' must be a relative key prefix",
    ),
    ({"location": {"organization_id": ORG}}, "accounts: an organization trail writes one"),
    ({"trail": "trail-logs"}, "trail: expected an AuditTrail or a TrailLogLocation"),
    ({"account_projection": "injected"}, "account_projection: expected AccountProjection.ENUM"),
    (
        {"account_projection": AccountProjection.INJECTED, "accounts": MEMBERS},
        "accounts: an injected account projection lists no accounts",
    ),
]


@pytest.mark.parametrize(("kwargs", "message"), QUERIES_CASES)
def test_bad_queries_input(stack: cdk.Stack, kwargs: dict[str, Any], message: str) -> None:
    kwargs = dict(kwargs)
    location = TrailLogLocation(
        bucket=s3.Bucket.from_bucket_name(stack, "Logs", "trail-logs"),
        **kwargs.pop("location", {}),
    )
    kwargs.setdefault("trail", location)
    with pytest.raises(InvalidParameterError, match=message):
        AuditQueries(stack, "Queries", **kwargs)


def test_queries_accept_the_edges_of_what_aws_allows(stack: cdk.Stack) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Logs", "trail-logs")
    today = dt.datetime.now(dt.UTC).date().strftime("%Y/%m/%d")
    queries = AuditQueries(
        stack,
        "Queries",
        trail=TrailLogLocation(bucket=bucket, organization_id=ORG, s3_key_prefix="org/trail"),
        accounts=MEMBERS,
        projection_start=today,
        results_expiration=cdk.Duration.days(1),
        bytes_scanned_cutoff=cdk.Size.bytes(10_000_000),
        database_name="d" * 255,
        workgroup_name="W.g_-" + "w" * 123,
    )
    assert queries.database_name == "d" * 255


# -- projection that scales with the organization ------------------------------------------


def test_an_injected_account_projection_lists_no_account(stack: cdk.Stack) -> None:
    # GIVEN an organization trail of any size, its accounts injected by each query
    bucket = s3.Bucket.from_bucket_name(stack, "Logs", "trail-logs")
    queries = AuditQueries(
        stack,
        "Queries",
        trail=TrailLogLocation(bucket=bucket, organization_id=ORG),
        regions=["eu-west-1"],
        projection_start="2025/01/01",
        account_projection=AccountProjection.INJECTED,
    )
    template = Template.from_stack(stack)
    # THEN the table lists no account, and every deployed query names its account
    template.has_resource_properties(
        "AWS::Glue::Table",
        {
            "TableInput": Match.object_like(
                {
                    "Parameters": Match.object_like(
                        {
                            "projection.account.type": "injected",
                            "projection.account.values": Match.absent(),
                            "projection.region.values": "eu-west-1",
                        }
                    )
                }
            )
        },
    )
    statements = template.find_resources("AWS::Athena::PreparedStatement")
    assert len(statements) == len(load_queries())
    for statement in statements.values():
        text = statement["Properties"]["QueryStatement"]
        assert "day BETWEEN ? AND ? AND account = ?" in text
        assert "(parameters: start_day, end_day, account" in statement["Properties"]["Description"]
    root = queries.queries["root_activity"]
    assert root.params == ("start_day", "end_day", "account")
    assert "-- params: start_day, end_day, account\n" in root.sql
    # AND the local engine can hold itself to the same projection
    assert queries.projection == TableProjection(
        start_day="2025/01/01",
        regions=("eu-west-1",),
        accounts=None,
        account_projection=AccountProjection.INJECTED,
    )


def test_an_enum_projection_is_exposed_for_the_local_engine(stack: cdk.Stack) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Logs", "trail-logs")
    queries = AuditQueries(
        stack,
        "Queries",
        trail=TrailLogLocation(bucket=bucket, organization_id=ORG),
        accounts=MEMBERS,
    )
    assert queries.projection == TableProjection(
        start_day="2024/01/01", regions=COMMERCIAL_REGIONS, accounts=tuple(MEMBERS)
    )
    assert queries.queries["bucket_access"].params == ("start_day", "end_day", "bucket_name")
