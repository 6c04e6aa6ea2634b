"""Verify synthesized templates the way constructs-obs verifies its own: cfn-lint, checkov and
the IAM check.

cdk-nag runs inside synthesis (``Validations.of(app).add_plugins(...)``); this module reads what
synthesis wrote (the cloud assembly and its ``validation-report.json``) and lints every
template with cfn-lint (in process), checkov (through one long-lived worker process, since
checkov usually lives in a virtual environment of its own and takes seconds to start) and the
IAM check of ``constructs_obs.testing.iam_check`` (every policy's actions against the Service
Authorization Reference: an action without resource types granted on an ARN never applies).

checkov scans in its process while cfn-lint lints in this one: ``verify_assembly`` hands every
template to checkov first, then lints them, then collects checkov's answers. What the checkers
said about a template is kept for the life of the process, by the template's content (and stack
name, region and checkov interpreter): the same template checked again is not linted again.
Given an ``AnswerCache`` (``cache=``), what cfn-lint and checkov answered is also kept on disk,
for later processes, by what decides each answer (``_Check`` builds the keys: content, suffix,
region, checker versions and cfn-lint's settings).

An acknowledgement without a written reason (a checkov skip without a comment, a cfn-lint
ignore without a recorded reason) counts as a finding.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import json
import os
import subprocess
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import Any

from constructs_obs.acknowledge import MIN_REASON_LENGTH, REASONS_METADATA_KEY
from constructs_obs.testing.answer_cache import AnswerCache, checker_version, from_environment
from constructs_obs.testing.iam_check import check_policies

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


class VerificationError(AssertionError):
    """Synthesized templates have findings nobody acknowledged."""


@dataclass(frozen=True)
class Finding:
    """One finding of one checker at one place (a construct path or a template resource)."""

    tool: str
    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"[{self.tool}] {self.rule} at {self.where}: {self.message}"


@dataclass
class TemplateReport:
    """What the checkers said about the templates of one cloud assembly."""

    stacks: dict[str, Path] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    acknowledged: list[Finding] = field(default_factory=list)

    def raise_for_findings(self, headline: str = "templates have unacknowledged findings") -> None:
        if self.findings:
            raise VerificationError(format_findings(headline, self.findings))


def format_findings(headline: str, findings: Iterable[Finding]) -> str:
    listed = list(findings)
    lines = "\n".join(f"  - {finding}" for finding in listed)
    return f"{headline} ({len(listed)}):\n{lines}"


def validation_report_findings(
    outdir: str | os.PathLike[str], *, severities: Iterable[str]
) -> list[Finding]:
    """Findings of the validation plugins (cdk-nag, CloudFormation validation, annotations)
    from ``<outdir>/validation-report.json``."""
    wanted = set(severities)
    report_path = Path(outdir) / "validation-report.json"
    if not report_path.exists():
        return []
    report = json.loads(report_path.read_text())
    return [
        Finding(
            tool=plugin["pluginName"],
            rule=violation["ruleName"],
            where=construct["constructPath"],
            message=violation["description"],
        )
        for plugin in report.get("pluginReports", [])
        for violation in plugin.get("violations", [])
        if violation.get("severity") in wanted
        for construct in violation.get("violatingConstructs", [])
    ]


def acknowledged_rules(outdir: str | os.PathLike[str]) -> list[Finding]:
    """Rules acknowledged with ``Validations.of(scope).acknowledge(...)`` (cdk-nag and the
    other validation plugins), with their reasons, from the stacks' metadata files."""
    found: list[Finding] = []
    for metadata_file in sorted(Path(outdir).glob("**/*.metadata.json")):
        for path, entries in json.loads(metadata_file.read_text()).items():
            for entry in entries:
                if entry.get("type") != "aws:cdk:acknowledged-rules":
                    continue
                found += [
                    Finding("acknowledge", rule.removeprefix("Annotation::"), path, reason)
                    for rule, reason in entry["data"].items()
                ]
    return found


_DEFAULT_REGION = "us-east-1"  # cfn-lint's, for a template of no region


def _cfn_lint(template: dict[str, Any], region: str | None) -> list[Finding]:
    try:
        from cfnlint.decode.decode import decode_str  # noqa: PLC0415 -- optional dependency
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise VerificationError("cfn-lint is not installed (pip install cfn-lint)") from error
    # What cfnlint.api.lint does, with one runner (its ~300 rules loaded once) per region.
    decoded, errors = decode_str(json.dumps(template))
    matches = errors or list(_cfn_lint_runner(region or _DEFAULT_REGION).validate_template(decoded))
    return [
        Finding(
            tool="cfn-lint",
            rule=match.rule.id,
            where="/".join(str(part) for part in match.path) if match.path else "",
            message=match.message,
        )
        for match in matches
        # Errors and warnings count unless ignored in the resource's metadata (cfn-lint applies
        # those ignores itself; their reasons are checked in _acknowledged_in_metadata).
        if match.rule.id[0] in {"E", "W"}
    ]


@functools.cache
def _cfn_lint_runner(region: str) -> Any:
    """cfn-lint's runner with its default rules for ``region`` (as its command line runs many
    templates with one)."""
    from cfnlint.runner import Runner  # noqa: PLC0415 -- optional dependency

    return Runner(_cfn_lint_config(region))


@functools.cache
def _cfn_lint_config(region: str) -> Any:
    """cfn-lint's settings for ``region``: its defaults and any ``.cfnlintrc`` it finds (in
    the home and working folders), read once per process, as the runner reads them."""
    from cfnlint.config import ConfigMixIn, ManualArgs  # noqa: PLC0415 -- optional dependency

    return ConfigMixIn(**ManualArgs(regions=[region]))


#: The settings that change what cfn-lint answers (its rules and their configuration).
_CFN_LINT_SETTINGS = (
    "append_rules",
    "configure_rules",
    "custom_rules",
    "ignore_checks",
    "include_checks",
    "include_experimental",
    "mandatory_checks",
    "override_spec",
    "registry_schemas",
)


@functools.cache
def _cfn_lint_identity(region: str) -> str | None:
    """cfn-lint's version and a digest of its settings for ``region``: part of the key of its
    cached answers (None when its version is unknown: then it is always asked)."""
    version = checker_version("cfn-lint")
    if version is None:
        return None
    config = _cfn_lint_config(region)
    settings = {name: getattr(config, name, None) for name in _CFN_LINT_SETTINGS}
    digest = hashlib.sha256(json.dumps(settings, default=str, sort_keys=True).encode())
    return f"{version} {digest.hexdigest()[:16]}"


def _acknowledged_in_metadata(stack_name: str, template: dict[str, Any]) -> list[Finding]:
    """cfn-lint ignores in resource metadata, with the reasons constructs-obs recorded."""
    found: list[Finding] = []
    for logical_id, resource in template.get("Resources", {}).items():
        metadata = resource.get("Metadata", {})
        ignored = metadata.get("cfn-lint", {}).get("config", {}).get("ignore_checks", [])
        reasons = metadata.get(REASONS_METADATA_KEY, {}).get("cfn-lint", {})
        found += [
            Finding("cfn-lint", rule, f"{stack_name}/{logical_id}", reasons.get(rule, ""))
            for rule in ignored
        ]
    return found


class CheckovWorker:
    """One checkov process fed template paths line by line (one start for many scans).

    ``python`` is the interpreter of the environment checkov is installed in. Default: the
    ``CONSTRUCTS_OBS_CHECKOV_PYTHON`` environment variable, else ``.venv-checkov/bin/python``
    under the current directory.
    """

    def __init__(self, python: str | os.PathLike[str] | None = None) -> None:
        default = os.environ.get(
            "CONSTRUCTS_OBS_CHECKOV_PYTHON", str(Path(".venv-checkov") / "bin" / "python")
        )
        # absolute(), not resolve(): a venv interpreter is a symlink that must stay unresolved.
        self.python = Path(python or default).absolute()
        #: checkov's version in that environment (None: unknown, its answers are not cached).
        self.version = checker_version("checkov", self.python)
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        # One thread (started on first use) waits for the worker's answers while the caller
        # lints; scans stay in order, as the worker answers one request at a time.
        self._waiter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checkov")

    def _start(self) -> subprocess.Popen[str]:
        if not self.python.exists():
            raise VerificationError(
                f"checkov's Python ({self.python}) is missing; create its virtual environment "
                "(in this repository: make setup) or set CONSTRUCTS_OBS_CHECKOV_PYTHON"
            )
        process = subprocess.Popen(  # noqa: S603 -- our own worker script, no shell
            [str(self.python), str(Path(__file__).with_name("_checkov_worker.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        assert process.stdout is not None
        ready = process.stdout.readline()
        if '"ready"' not in ready:
            process.kill()
            raise VerificationError(f"the checkov worker did not start: {ready!r}")
        atexit.register(process.kill)
        return process

    def scan(self, path: str | os.PathLike[str]) -> dict[str, Any]:
        """Scan one template: ``{"passed": n, "failed": [...], "skipped": [...]}``."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._process = self._start()
            assert self._process.stdin is not None
            assert self._process.stdout is not None
            self._process.stdin.write(json.dumps({"file": str(Path(path).resolve())}) + "\n")
            self._process.stdin.flush()
            answer: dict[str, Any] = json.loads(self._process.stdout.readline())
        if "error" in answer:
            raise VerificationError(f"checkov could not scan {path}: {answer['error']}")
        return answer

    def submit(self, path: str | os.PathLike[str]) -> Future[dict[str, Any]]:
        """Scan one template in the background; the future's result is what ``scan`` returns."""
        return self._waiter.submit(self.scan, path)

    def close(self) -> None:
        with self._lock:
            if self._process is not None:
                self._process.kill()
                self._process = None


_DEFAULT_WORKER: CheckovWorker | None = None


def _default_worker() -> CheckovWorker:
    global _DEFAULT_WORKER  # noqa: PLW0603 -- one worker per process, started on first use
    if _DEFAULT_WORKER is None:
        _DEFAULT_WORKER = CheckovWorker()
    return _DEFAULT_WORKER


# (template sha256, stack name, region, checkov's Python) -> (findings, acknowledged)
_Key = tuple[str, str, str | None, str]
_CHECKED: dict[_Key, tuple[tuple[Finding, ...], tuple[Finding, ...]]] = {}
_CHECKED_LOCK = threading.Lock()


def verify_template(
    path: str | os.PathLike[str],
    stack_name: str,
    *,
    region: str | None = None,
    checkov: CheckovWorker | None = None,
    cache: AnswerCache | None = None,
) -> tuple[list[Finding], list[Finding]]:
    """cfn-lint, checkov and the IAM check over one template file: (unacknowledged findings,
    acknowledged). IAM findings name ``<stack_name>/<logical id>``, the statement and the action;
    they cannot be acknowledged. checkov scans while cfn-lint lints; a template already checked
    in this process (same content, stack name, region and checkov) is not checked again, nor
    linted or scanned again when ``cache`` (default: ``CONSTRUCTS_OBS_VERIFY_CACHE``'s folder,
    if set) holds the checkers' answers."""
    worker, answers = checkov or _default_worker(), cache or from_environment()
    return _Check(Path(path), stack_name, region, worker, answers).result()


class _Check:
    """One template's check: checkov's scan starts when the check is made, the rest runs in
    ``result``."""

    def __init__(
        self,
        path: Path,
        stack_name: str,
        region: str | None,
        worker: CheckovWorker,
        cache: AnswerCache | None,
    ) -> None:
        self.path, self.stack_name, self.region, self.cache = path, stack_name, region, cache
        text = path.read_bytes()
        digest = hashlib.sha256(text).hexdigest()
        self.key: _Key = (digest, stack_name, region, str(worker.python))
        with _CHECKED_LOCK:
            self.known = _CHECKED.get(self.key)
        self.template: dict[str, Any] = {} if self.known else json.loads(text)
        # Keys name the checker's version (and cfn-lint's settings); a checker of unknown
        # version is always asked. checkov reads a file by its suffix (it skips a template
        # named .txt), so the suffix is part of its question.
        lint = _cfn_lint_identity(region or _DEFAULT_REGION)
        self.lint_key = ("cfn-lint", lint, region or "", digest) if lint else None
        self.scan_key = ("checkov", worker.version, path.suffix, digest) if worker.version else None
        self.scanned = None if self.known else self._cached(self.scan_key)
        self.answer = None if self.known or self.scanned is not None else worker.submit(path)

    def _cached(self, key: tuple[str, ...] | None) -> Any:
        return None if self.cache is None or key is None else self.cache.get(*key)

    def _keep(self, answer: Any, key: tuple[str, ...] | None) -> None:
        if self.cache is not None and key is not None:
            self.cache.put(answer, *key)

    def result(self) -> tuple[list[Finding], list[Finding]]:
        if self.known is None:
            findings, acknowledged = self._check()
            with _CHECKED_LOCK:
                self.known = _CHECKED[self.key] = (tuple(findings), tuple(acknowledged))
        return list(self.known[0]), list(self.known[1])

    def _check(self) -> tuple[list[Finding], list[Finding]]:
        stack_name, template = self.stack_name, self.template
        linted = self._cached(self.lint_key)
        if linted is not None:
            findings = [Finding(*fields) for fields in linted]
        else:
            findings = _cfn_lint(template, self.region)
            self._keep([astuple(f) for f in findings], self.lint_key)
        findings += [
            Finding("iam", problem.rule, problem.where, problem.message)
            for problem in check_policies(template, stack_name)
        ]
        answer = self.scanned
        if answer is None:
            assert self.answer is not None
            answer = self.answer.result()  # raises on checkov's errors: those are not kept
            self._keep(answer, self.scan_key)
        findings += [
            Finding("checkov", c["check_id"], f"{stack_name}/{c['resource']}", c["name"])
            for c in answer["failed"]
        ]
        acknowledged = [
            Finding("checkov", c["check_id"], f"{stack_name}/{c['resource']}", c["comment"] or "")
            for c in answer["skipped"]
        ]
        acknowledged += _acknowledged_in_metadata(stack_name, template)
        findings += [
            Finding(f.tool, f.rule, f.where, "acknowledged without a written reason")
            for f in acknowledged
            if len(f.message.strip()) < MIN_REASON_LENGTH
        ]
        # A cfn-lint error is a template CloudFormation (or its schema) refuses: never acceptable.
        findings += [
            Finding(f.tool, f.rule, f.where, "a cfn-lint error cannot be acknowledged")
            for f in acknowledged
            if f.tool == "cfn-lint" and f.rule.startswith("E")
        ]
        return findings, acknowledged


def verify_assembly(
    outdir: str | os.PathLike[str],
    *,
    checkov: CheckovWorker | None = None,
    cache: AnswerCache | None = None,
) -> TemplateReport:
    """cfn-lint, checkov and the IAM check over every stack template of the cloud assembly in
    ``outdir`` (nested stages included). checkov gets every template first and scans them
    while cfn-lint lints them here; answers ``cache`` holds (default:
    ``CONSTRUCTS_OBS_VERIFY_CACHE``'s folder, if set) are not asked again."""
    report = TemplateReport()
    worker, answers = checkov or _default_worker(), cache or from_environment()
    checks = [
        _Check(template_path, stack_name, region, worker, answers)
        for stack_name, template_path, region in _stack_templates(Path(outdir))
    ]
    for check in checks:
        report.stacks[check.stack_name] = check.path
        findings, acknowledged = check.result()
        report.findings += findings
        report.acknowledged += acknowledged
    return report


def _stack_templates(outdir: Path) -> list[tuple[str, Path, str | None]]:
    manifest = json.loads((outdir / "manifest.json").read_text())
    found: list[tuple[str, Path, str | None]] = []
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") == "cdk:cloud-assembly":
            found += _stack_templates(outdir / artifact["properties"]["directoryName"])
        elif artifact.get("type") == "aws:cloudformation:stack":
            environment = artifact.get("environment", "")
            region = environment.rsplit("/", 1)[-1]
            found.append(
                (
                    artifact.get("displayName", artifact_id),
                    outdir / artifact["properties"]["templateFile"],
                    None if region in {"", "unknown-region"} else region,
                )
            )
    return found
