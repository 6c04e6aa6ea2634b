"""Tests for the entry module Lambda imports (lambdas/alarm_remediation/index.py).

Lambda unpacks the asset, puts its root on ``sys.path`` and imports ``index`` as a top-level
module, so the handler package must be importable by its top-level name from there, with
nothing of this repository (``lambdas``, ``constructs_obs``) on the path. The function as
packaged is also run against moto, in a fresh interpreter (its top-level ``index`` and
``remediation_handler`` would otherwise sit beside this repository's copy of them).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

from tests.lambdas.conftest import ACCOUNT_ID, REGION

# Run in a fresh interpreter (-I: no current directory or PYTHONPATH on sys.path), as Lambda
# would, with the copied asset first on the path.
_IMPORT_AS_LAMBDA = """
import json, sys
sys.path.insert(0, sys.argv[1])
import index
from remediation_handler import handler
print(json.dumps({
    "is_handler": index.lambda_handler is handler.lambda_handler,
    "index_file": index.__file__,
    "handler_module": handler.__name__,
    "repository_modules": sorted(
        name for name in sys.modules
        if name.partition(".")[0] in {"lambdas", "constructs_obs", "tests"}
    ),
}))
"""


# The asset's handler, run as Lambda would, against AWS served by moto (started in the child):
# a forged event, then CloudWatch's genuine event twice. Prints what it returned and wrote.
_RUN_AS_LAMBDA_UNDER_MOTO = """
import contextlib, io, json, os, sys
asset, account, region = sys.argv[1:4]
sys.path.insert(0, asset)
import boto3
from moto import mock_aws

class Context:
    function_name = "alarm-remediation"
    function_version = "$LATEST"
    invoked_function_arn = f"arn:aws:lambda:{region}:{account}:function:alarm-remediation"
    memory_limit_in_mb = 256
    aws_request_id = "52fdfc07-2182-454f-963f-5f0f9a621d72"
    log_group_name = "/aws/lambda/alarm-remediation"
    log_stream_name = "2024/05/01/[$LATEST]abc"

    def get_remaining_time_in_millis(self):
        return 60_000

with mock_aws():
    ec2 = boto3.client("ec2", region_name=region)
    reservation = ec2.run_instances(ImageId="ami-03cf127a", MinCount=1, MaxCount=1)
    instance_id = reservation["Instances"][0]["InstanceId"]
    boto3.client("dynamodb", region_name=region).create_table(
        TableName="idempotency",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    cloudwatch = boto3.client("cloudwatch", region_name=region)
    cloudwatch.put_metric_alarm(
        AlarmName="web-1-status", Namespace="Test", MetricName="Errors", Statistic="Sum",
        Period=60, EvaluationPeriods=1, Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName="web-1-status", StateValue="ALARM", StateReason="test")
    [alarm] = cloudwatch.describe_alarms(AlarmNames=["web-1-status"])["MetricAlarms"]
    os.environ.update(
        REMEDIATION_ACTIONS=json.dumps(
            {"web-1-status": {"action": "stop_ec2_instance", "instance_id": instance_id}}
        ),
        DRY_RUN="false",
        IDEMPOTENCY_TABLE="idempotency",
        POWERTOOLS_SERVICE_NAME="alarm-remediation",
    )
    timestamp = alarm["StateUpdatedTimestamp"].isoformat(timespec="milliseconds")
    genuine = {
        "source": "aws.cloudwatch",
        "alarmArn": alarm["AlarmArn"],
        "accountId": account,
        "time": timestamp,
        "region": region,
        "alarmData": {
            "alarmName": "web-1-status",
            "state": {"value": "ALARM", "reason": "test", "timestamp": timestamp},
            "previousState": {"value": "OK"},
        },
    }
    forged = {
        **genuine,
        "alarmArn": alarm["AlarmArn"].replace(f":{account}:", ":999999999999:"),
        "accountId": "999999999999",
    }
    written = io.StringIO()
    with contextlib.redirect_stdout(written):
        import index
        results = [
            index.lambda_handler(event, Context())["results"][0]
            for event in (forged, genuine, genuine)
        ]
    state = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
print(json.dumps({
    "results": [(result["outcome"], result["reason"]) for result in results],
    "instance": state["State"]["Name"],
    "written": [json.loads(line) for line in written.getvalue().splitlines() if line.strip()],
    "index_file": index.__file__,
}))
"""


def _asset_copy(destination: Path) -> Path:
    """The folder the construct packages (``library_code``), copied as the asset would be."""
    folder = resources.files("constructs_obs._lambdas") / "alarm_remediation"
    asset = destination / "asset"
    shutil.copytree(str(folder), asset, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return asset


def test_lambda_imports_the_handler_from_the_asset_root(tmp_path: Path) -> None:
    # GIVEN the asset as Lambda unpacks it
    asset = _asset_copy(tmp_path)
    assert (asset / "remediation_handler" / "handler.py").is_file()

    # WHEN Lambda imports index with the asset root on sys.path
    result = subprocess.run(
        [sys.executable, "-I", "-c", _IMPORT_AS_LAMBDA, str(asset)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )

    # THEN index.lambda_handler is the handler function, and the asset needed nothing else
    imported = json.loads(result.stdout)
    assert imported == {
        "is_handler": True,
        "index_file": str(asset / "index.py"),
        "handler_module": "remediation_handler.handler",
        "repository_modules": [],
    }


def test_the_packaged_function_refuses_a_forged_alarm_and_acts_once_on_the_genuine_one(
    tmp_path: Path,
) -> None:
    # GIVEN the asset as Lambda unpacks it, and AWS (moto) with an instance and an alarm in ALARM
    asset = _asset_copy(tmp_path)

    # WHEN its handler gets an event forged in another account, then the genuine event twice
    result = subprocess.run(
        [sys.executable, "-I", "-c", _RUN_AS_LAMBDA_UNDER_MOTO, str(asset), ACCOUNT_ID, REGION],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )

    # THEN the forged event is refused, the genuine one acted on once, the replay refused
    ran = json.loads(result.stdout)
    assert ran["index_file"] == str(asset / "index.py")
    forged, genuine, replayed = ran["results"]
    assert forged == ["refused", "foreign_account"]
    assert genuine[0] == "acted"
    assert genuine[1].startswith("requested a stop of EC2 instance i-")
    assert replayed == ["refused", "replay"]
    assert ran["instance"] == "stopped"
    refused = [
        (line["reason"], line["function_account"])
        for line in ran["written"]
        if line.get("decision") == "refused"
    ]
    assert refused == [("foreign_account", ACCOUNT_ID), ("replay", ACCOUNT_ID)]
    refused_metrics = [
        (blob["_aws"]["CloudWatchMetrics"][0]["Dimensions"], blob["Reason"])
        for blob in ran["written"]
        if "Refused" in blob
    ]
    assert refused_metrics == [([["Reason"]], "foreign_account"), ([["Reason"]], "replay")]
