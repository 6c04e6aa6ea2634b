"""Test helpers for apps built with constructs-obs (and for constructs-obs itself).

``verify_assembly`` lints a synthesized cloud assembly with cfn-lint and checkov and reports
every finding nobody acknowledged with a written reason. Needs the ``testing`` extra
(cfn-lint) and a checkov installation (its own virtual environment is best).
"""

from __future__ import annotations

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
    "CheckovWorker",
    "Finding",
    "TemplateReport",
    "VerificationError",
    "acknowledged_rules",
    "validation_report_findings",
    "verify_assembly",
    "verify_template",
]
