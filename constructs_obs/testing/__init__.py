"""Test helpers for apps built with constructs-obs (and for constructs-obs itself).

``normalized_template`` returns a template without churn (asset hashes, version strings) for
snapshot tests.

``verify_assembly`` lints a synthesized cloud assembly with cfn-lint and checkov and reports
every finding nobody acknowledged with a written reason. Needs the ``testing`` extra
(cfn-lint) and a checkov installation (its own virtual environment is best).
"""

from __future__ import annotations

from constructs_obs.testing.snapshot import ASSET_HASH_PLACEHOLDER, normalized_template
from constructs_obs.testing.verify import (
    CheckovWorker,
    Finding,
    TemplateReport,
    VerificationError,
    acknowledged_rules,
    validation_report_findings,
    verify_assembly,
    verify_template,
)

__all__ = [
    "ASSET_HASH_PLACEHOLDER",
    "CheckovWorker",
    "Finding",
    "TemplateReport",
    "VerificationError",
    "acknowledged_rules",
    "normalized_template",
    "validation_report_findings",
    "verify_assembly",
    "verify_template",
]
