"""The volume detections count what they should: their metric filters, from the template.

Each metric filter is taken from the synthesized template (tests/security/conftest.py) and run
by the library's offline evaluator over records as CloudWatch Logs receives them. The records
are SYNTHETIC: AWS's documented IAM CreateUser record (06) and S3 data event (10) turned into
the call under test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from constructs_obs import SecurityDetection
from constructs_obs.security.catalogue_volume import VOLUME
from tests.detections.helpers import api_call, changed, sample
from tests.security.conftest import Catalogue

Case = Callable[[], dict[str, Any]]
D = SecurityDetection


def _ssm(name: str, decrypt: object) -> Case:
    parameters: dict[str, Any] = {"name": "/prod/db/password"}
    if decrypt is not None:
        parameters["withDecryption"] = decrypt
    return lambda: api_call("ssm", name, readOnly=True, requestParameters=parameters)


POSITIVE: dict[SecurityDetection, dict[str, Case]] = {
    D.BULK_SECRET_READS: {
        "one secret": lambda: api_call("secretsmanager", "GetSecretValue", readOnly=True),
        "a batch": lambda: api_call("secretsmanager", "BatchGetSecretValue", readOnly=True),
        "refused": lambda: api_call(
            "secretsmanager", "GetSecretValue", errorCode="AccessDeniedException"
        ),
    },
    D.BULK_PARAMETER_DECRYPTION: {
        "one parameter": _ssm("GetParameter", decrypt=True),
        "several": _ssm("GetParameters", decrypt=True),
        "a path": _ssm("GetParametersByPath", decrypt=True),
    },
    D.MASS_DELETION: {
        "bucket deleted": lambda: api_call("s3", "DeleteBucket"),
        "instances terminated": lambda: api_call("ec2", "TerminateInstances"),
        "object deleted (data event)": lambda: changed(sample("10"), {"eventName": "DeleteObject"}),
    },
}

NEGATIVE: dict[SecurityDetection, dict[str, Case]] = {
    D.BULK_SECRET_READS: {
        "secret described": lambda: api_call("secretsmanager", "DescribeSecret", readOnly=True),
        "secrets listed": lambda: api_call("secretsmanager", "ListSecrets", readOnly=True),
        "same name, other service": lambda: api_call("ssm", "GetSecretValue"),
    },
    D.BULK_PARAMETER_DECRYPTION: {
        "without decryption": _ssm("GetParameter", decrypt=False),
        "decryption not asked": _ssm("GetParameter", decrypt=None),
        "decryption as a string": _ssm("GetParameter", decrypt="true"),
        "parameter written": lambda: api_call("ssm", "PutParameter"),
    },
    D.MASS_DELETION: {
        "deletion refused": lambda: api_call("s3", "DeleteBucket", errorCode="AccessDenied"),
        "bucket created": lambda: api_call("s3", "CreateBucket"),
        "service event": lambda: changed(
            api_call("kms", "DeleteImportedKeyMaterial"), {"eventType": "AwsServiceEvent"}
        ),
    },
}


def _cases(table: dict[SecurityDetection, dict[str, Case]]) -> list[Any]:
    return [
        pytest.param(detection, build, id=f"{detection.value}-{name}")
        for detection, cases in table.items()
        for name, build in cases.items()
    ]


def test_every_volume_detection_has_positives_and_near_misses() -> None:
    volume = {spec.detection for spec in VOLUME}
    assert set(POSITIVE) == set(NEGATIVE) == volume
    for detection in volume:
        assert len(POSITIVE[detection]) >= 3, detection
        assert len(NEGATIVE[detection]) >= 3, detection


@pytest.mark.parametrize(("detection", "build"), _cases(POSITIVE))
def test_volume_filter_counts(
    catalogue: Catalogue, detection: SecurityDetection, build: Case
) -> None:
    assert catalogue.fires(detection.value, build())


@pytest.mark.parametrize(("detection", "build"), _cases(NEGATIVE))
def test_volume_filter_does_not_count(
    catalogue: Catalogue, detection: SecurityDetection, build: Case
) -> None:
    assert not catalogue.fires(detection.value, build())


def test_a_harvest_reaches_the_threshold_and_routine_reads_do_not(catalogue: Catalogue) -> None:
    # GIVEN 60 secret reads in one batch of records, among 40 other calls
    reads = [api_call("secretsmanager", "GetSecretValue", readOnly=True)] * 60
    other = [api_call("secretsmanager", "DescribeSecret", readOnly=True)] * 40
    # WHEN the filter counts them
    report = catalogue.detections.evaluate(reads + other)
    # THEN the count reaches the alarm's threshold of 50 (in the template), the 40 do not count
    counted = len(report.fired(catalogue.ids[D.BULK_SECRET_READS.value]))
    assert counted == 60
    alarms = [
        r["Properties"]
        for r in catalogue.template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
        and r["Properties"].get("MetricName") == "BulkSecretReads"
    ]
    assert [alarm["Threshold"] for alarm in alarms] == [50]
    assert counted >= alarms[0]["Threshold"] > 40
