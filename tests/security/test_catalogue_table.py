"""The README's catalogue table is the catalogue: generated from the data, held equal here."""

from __future__ import annotations

from pathlib import Path

from constructs_obs import SecurityDetection
from constructs_obs.security.catalogue_table import catalogue_table, matched_calls
from constructs_obs.security.security_detections import SECURITY_DETECTIONS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_holds_the_generated_table() -> None:
    # If this fails, paste the output of `python -m constructs_obs.security.catalogue_table`
    # into the README's "Security detections from CloudTrail" section.
    assert catalogue_table() in README.read_text()


def test_one_row_per_detection_with_its_facts() -> None:
    rows = catalogue_table().splitlines()[2:]
    assert len(rows) == len(SecurityDetection) == 47
    row = next(r for r in rows if r.startswith("| `administrator-access-attached` |"))
    assert row == (
        "| `administrator-access-attached` | EventBridge rule | critical | T1098.003 | "
        "Persistence | The AdministratorAccess policy was attached to a user, group or role. | "
        "iam: AttachUserPolicy, AttachGroupPolicy, AttachRolePolicy |"
    )
    bedrock = next(r for r in rows if "`bedrock-invoked-by-unlisted-principal`" in r)
    assert "Needs `settings.bedrock_principals`." in bedrock
    volume = next(r for r in rows if r.startswith("| `mass-deletion` |"))
    assert "| metric filter | critical | T1485 | Impact |" in volume
    assert "Threshold 100 per period." in volume


def test_the_calls_column_shortens_long_lists_and_reads_prefixes() -> None:
    organizations = SECURITY_DETECTIONS[SecurityDetection.ORGANIZATIONS_CHANGES]
    assert matched_calls(organizations).endswith("… (21 calls)")
    lambda_public = SECURITY_DETECTIONS[SecurityDetection.LAMBDA_MADE_PUBLIC]
    assert matched_calls(lambda_public) == (
        "lambda: AddPermission*, CreateFunctionUrlConfig*, UpdateFunctionUrlConfig*"
    )
    assert matched_calls(SECURITY_DETECTIONS[SecurityDetection.MASS_DELETION]) == "—"
