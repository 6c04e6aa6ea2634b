"""The cloudtrail_logs view: Athena's columns and names, partition values from the paths, the
fields a query reads, and files DuckDB must be told are large."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from constructs_obs.audit import COLUMNS, LocalAuditEngine
from constructs_obs.audit.local.source_view import (
    SourceView,
    larger_object_size,
    object_size_for,
)
from tests.audit.conftest import WEEK
from tests.audit.fixture_logs import ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, LogFileSpec, event_id
from tests.audit.local.local_logs import TABLE_COLUMNS, good_file, record, run_in, write_log


def test_columns_of_the_table(engine: LocalAuditEngine) -> None:
    result = engine.run_sql("SELECT * FROM cloudtrail_logs LIMIT 0")
    assert result.columns == TABLE_COLUMNS


def test_struct_field_names_are_lower_case(engine: LocalAuditEngine) -> None:
    sql = (
        "SELECT useridentity, resources, tlsdetails FROM cloudtrail_logs "
        "WHERE day BETWEEN ? AND ? AND eventid = ?"
    )
    result = run_in(engine, sql, WEEK, event_id(12))
    ((identity, resources, tls),) = result.rows
    assert identity == {
        "type": "AssumedRole",
        "principalid": "AROAJBNCAL3UTR5C42U4M:user-SomeRole",
        "arn": "arn:aws:sts::123456789012:assumed-role/SomeRole/user-SomeRole",
        "accountid": "123456789012",
        "invokedby": None,
        "accesskeyid": "AZYCAIJERO6H7",
        "username": None,
        "onbehalfof": None,
        "sessioncontext": {
            "attributes": {"mfaauthenticated": "false", "creationdate": "2020-05-22T08:10:21Z"},
            "sessionissuer": {
                "type": "Role",
                "principalid": "AROAJBNCAL3UTR5C42U4M",
                "arn": "arn:aws:iam::123456789012:role/SomeRole",
                "accountid": "123456789012",
                "username": "SomeRole",
            },
            "ec2roledelivery": None,
            "webidfederationdata": None,
        },
    }
    # CloudTrail writes "ARN" in resources; the table calls it arn, as Athena does.
    assert resources == [
        {"arn": "arn:aws:s3:::BUCKETNAME/OBJECTKEY", "accountid": None, "type": "AWS::S3::Object"},
        {"arn": "arn:aws:s3:::BUCKETNAME", "accountid": ACCOUNT_B, "type": "AWS::S3::Bucket"},
    ]
    assert tls is None


def test_free_form_fields_are_json_text(engine: LocalAuditEngine) -> None:
    sql = (
        "SELECT requestparameters, responseelements, additionaleventdata, serviceeventdetails, "
        "readonly FROM cloudtrail_logs WHERE day BETWEEN ? AND ? AND eventid IN (?, ?, ?) "
        "ORDER BY eventid"
    )
    result = run_in(engine, sql, WEEK, event_id(8), event_id(9), event_id(16))
    create_user, attach_policy, rotate_key = result.rows
    assert json.loads(create_user[0]) == {"userName": "Bob"}
    assert json.loads(create_user[1])["user"]["arn"] == "arn:aws:iam::123456789012:user/Bob"
    assert create_user[3:] == (None, None)  # no serviceEventDetails, no readOnly field
    assert (
        json.loads(attach_policy[0])["policyArn"] == "arn:aws:iam::aws:policy/AdministratorAccess"
    )
    assert attach_policy[1] is None  # JSON null is SQL NULL, as in Athena
    assert attach_policy[4] == "false"  # a JSON boolean in a string column
    assert json.loads(rotate_key[3]) == {"keyId": "7944f0ec-EXAMPLE"}
    assert rotate_key[2] is None


def test_partition_columns_come_from_the_path(engine: LocalAuditEngine) -> None:
    sql = (
        "SELECT account, region, day, count(*) AS records FROM cloudtrail_logs "
        "WHERE day BETWEEN ? AND ? GROUP BY 1, 2, 3 ORDER BY 3, 1, 2"
    )
    result = engine.run_sql(
        sql, ["2024/02/29", "2024/03/05"], start_day="2024/02/29", end_day="2024/03/05"
    )
    assert result.rows == [
        (ACCOUNT_B, "us-east-2", "2024/02/29", 1),
        (ACCOUNT_A, "us-east-1", "2024/03/01", 5),
        (ACCOUNT_A, "us-east-2", "2024/03/01", 2),
        (ACCOUNT_B, "eu-west-1", "2024/03/02", 4),
        (ACCOUNT_B, "us-east-2", "2024/03/02", 5),
        (ACCOUNT_A, "us-east-1", "2024/03/03", 4),
        (ACCOUNT_B, "eu-west-1", "2024/03/03", 2),
        (ACCOUNT_C, "us-east-2", "2024/03/03", 3),
        (ACCOUNT_A, "us-east-1", "2024/03/04", 2),
        (ACCOUNT_B, "us-east-2", "2024/03/04", 2),
        (ACCOUNT_A, "us-east-2", "2024/03/05", 1),
        (ACCOUNT_C, "us-east-2", "2024/03/05", 1),
    ]


def test_the_account_partition_is_the_folder_not_the_caller(engine: LocalAuditEngine) -> None:
    sql = (
        "SELECT account, useridentity.accountid FROM cloudtrail_logs "
        "WHERE day BETWEEN ? AND ? AND eventid = ?"
    )
    result = run_in(engine, sql, WEEK, event_id(6))
    assert result.rows == [(ACCOUNT_A, ACCOUNT_C)]  # JohnDoe of 7777... assumed a role in 1111...


def test_pruned_and_full_reads_agree(engine: LocalAuditEngine) -> None:
    pruned = engine.run_sql(
        "SELECT eventid, useridentity.arn FROM cloudtrail_logs ORDER BY eventid"
    )
    full = engine.run_sql(
        "SELECT eventid, useridentity.arn FROM (SELECT * FROM cloudtrail_logs) ORDER BY eventid"
    )
    assert pruned.rows == full.rows
    assert len(pruned.rows) == 33
    assert engine.run_sql("SELECT count(*) FROM cloudtrail_logs").rows == [(33,)]


def test_a_quote_in_a_path(tmp_path: Path) -> None:
    good_file(tmp_path / "it's here" / "AWSLogs", 1)
    result = LocalAuditEngine(tmp_path).run_sql("SELECT eventid FROM cloudtrail_logs")
    assert result.rows == [(event_id(1),)]


def test_a_log_file_larger_than_duckdbs_default_object_size(tmp_path: Path) -> None:
    sample = record(1)
    sample["requestParameters"] = {"padding": "x" * 2000}
    records = [{**sample, "eventID": event_id(number)} for number in range(10_000)]
    body = json.dumps({"Records": records}).encode()
    assert len(body) > 16 * 1024 * 1024
    path = tmp_path / "AWSLogs" / ACCOUNT_A / "CloudTrail" / "us-east-1" / "2024" / "05" / "01"
    path.mkdir(parents=True)
    (path / "big.json.gz").write_bytes(gzip.compress(body, compresslevel=1))
    result = LocalAuditEngine(tmp_path).run_sql("SELECT count(*) FROM cloudtrail_logs")
    assert result.rows == [(10_000,)]
    assert result.skipped_files == ()


def test_only_the_fields_a_query_reads_are_typed() -> None:
    # GIVEN the field paths of a query reading useridentity.arn and eventname
    view = SourceView.for_paths(frozenset({("useridentity", "arn"), ("eventname",)}))
    # THEN only those are read, under CloudTrail's JSON keys, in the table's column order
    assert [name for name, _ in view.columns] == ["useridentity", "eventname"]
    assert view.record_type() == 'STRUCT("userIdentity" STRUCT("arn" VARCHAR), "eventName" VARCHAR)'
    # A query that reads no field (count(*)) still reads one; a * reads them all.
    assert SourceView.for_paths(frozenset()).record_type() == 'STRUCT("eventID" VARCHAR)'
    assert len(SourceView.for_paths(None).columns) == len(COLUMNS)


def test_object_size_fits_the_largest_file_and_grows_when_duckdb_asks(tmp_path: Path) -> None:
    # GIVEN a log file of 20 MiB uncompressed, and one too short to be gzip
    big = LogFileSpec(
        ACCOUNT_A, "us-east-1", "20240501T0900Z", raw=gzip.compress(b" " * (20 << 20))
    )
    short = LogFileSpec(ACCOUNT_A, "us-east-1", "20240501T0930Z", raw=b"")
    paths = [write_log(tmp_path / "AWSLogs", spec) for spec in (big, short)]
    engine_files = LocalAuditEngine(tmp_path).list_files()
    assert [log_file.path for log_file in engine_files] == sorted(paths)
    # THEN the size doubles from 16 MiB until the largest file fits (the short one is DuckDB's
    # to report)
    assert object_size_for(engine_files) == 32 << 20
    assert object_size_for([]) == 16 << 20
    # AND grows fourfold, up to 4 GiB - 1, when DuckDB names maximum_object_size
    assert larger_object_size("... increase maximum_object_size ...", 16 << 20) == 64 << 20
    assert larger_object_size("maximum_object_size", (3 << 30)) == (4 << 30) - 1
    assert larger_object_size("maximum_object_size", (4 << 30) - 1) is None
    assert larger_object_size("Malformed JSON", 16 << 20) is None
