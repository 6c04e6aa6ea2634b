"""The checkers' answers kept on disk: asked once per template content and checker version."""

from __future__ import annotations

import json
import os
import re
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from constructs_obs.testing import answer_cache, verify
from constructs_obs.testing.answer_cache import AnswerCache, checker_version, from_environment
from tests.support.harness import CHECKOV, ROOT, Finding, verify_template

_BUCKET = {"B": {"Type": "AWS::S3::Bucket", "Properties": {}}}
_BAD_PARAMETER = {"P": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "No", "Value": "x"}}}


def _write(folder: Path, resources: dict[str, Any], name: str = "template") -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"Resources": resources}))
    return path


def _entries(cache: AnswerCache) -> list[Path]:
    return sorted(cache.directory.glob("??/*.json"))


def test_an_answer_is_kept_under_its_whole_key(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path / "cache")
    assert cache.get("cfn-lint", "1.0", "eu-west-1", "abc") is None
    cache.put([["cfn-lint", "E3030", "Resources/P", "bad"]], "cfn-lint", "1.0", "eu-west-1", "abc")
    assert cache.get("cfn-lint", "1.0", "eu-west-1", "abc") == [
        ["cfn-lint", "E3030", "Resources/P", "bad"]
    ]
    # Any other version, region or content is another question.
    assert cache.get("cfn-lint", "1.1", "eu-west-1", "abc") is None
    assert cache.get("cfn-lint", "1.0", "us-east-1", "abc") is None
    assert cache.get("cfn-lint", "1.0", "eu-west-1", "abd") is None
    assert (cache.hits, cache.misses) == (1, 4)
    # AND a later process (another cache object on the folder) finds it
    assert AnswerCache(tmp_path / "cache").get("cfn-lint", "1.0", "eu-west-1", "abc")


def test_a_change_to_the_checking_code_asks_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = AnswerCache(tmp_path / "cache")
    cache.put({"passed": 1}, "checkov", "3.0", "abc")
    # GIVEN a copy of the package's checking code, which the digest is read from
    code = tmp_path / "code"
    code.mkdir()
    package = Path(answer_cache.__file__).parent
    for name in ("verify.py", "_checkov_worker.py", "answer_cache.py"):
        (code / name).write_bytes((package / name).read_bytes())
    monkeypatch.setattr(answer_cache, "__file__", str(code / "answer_cache.py"))
    digests = []
    for name in ("verify.py", "_checkov_worker.py", "answer_cache.py"):
        monkeypatch.setattr(answer_cache, "_CODE_VERSION", None)
        digests.append(answer_cache.code_version())
        # WHEN one of the files changes
        (code / name).write_text((code / name).read_text() + "\n# changed\n")
    monkeypatch.setattr(answer_cache, "_CODE_VERSION", None)
    digests.append(answer_cache.code_version())
    # THEN each change gives another digest, and the stored answer is not found
    assert len(set(digests)) == 4
    assert cache.get("checkov", "3.0", "abc") is None


def test_unreadable_or_foreign_files_are_misses(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path)
    cache.put({"passed": 1}, "checkov", "3.0", "abc")
    (entry,) = _entries(cache)
    entry.write_text('{"key": ["checkov", "3.0", "other"], "answer": {"passed": 9}}')
    assert cache.get("checkov", "3.0", "abc") is None  # never another key's answer
    entry.write_text('{"key": ["checkov", "3.0", ')  # a torn write
    assert cache.get("checkov", "3.0", "abc") is None
    entry.write_text("[1, 2]")
    assert cache.get("checkov", "3.0", "abc") is None


def test_a_folder_that_cannot_be_written_leaves_answers_uncached(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    cache = AnswerCache(blocked / "cache")
    cache.put({"passed": 1}, "checkov", "3.0", "abc")  # no error: the check itself succeeded
    assert cache.get("checkov", "3.0", "abc") is None


def test_answers_unused_for_max_age_are_removed_when_a_cache_opens(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path)
    cache.put({"passed": 1}, "checkov", "3.0", "old")
    cache.put({"passed": 2}, "checkov", "3.0", "used")
    old, used = (cache._path(("checkov", "3.0", name)) for name in ("old", "used"))
    torn = old.with_name("answer-left-by-a-killed-process.part")
    writing = old.with_name("answer-being-written-now.part")
    foreign = old.with_name("notes.json")  # not a name the cache writes
    for path in (torn, writing, foreign):
        path.write_text("{")
    month_ago = time.time() - 31 * 24 * 3600
    for path in (old, used, torn, foreign):
        os.utime(path, (month_ago, month_ago))
    assert cache.get("checkov", "3.0", "used") == {"passed": 2}  # a hit counts as a use
    AnswerCache(tmp_path)
    assert not old.exists()
    assert not torn.exists()
    assert used.exists()
    assert writing.exists()
    assert foreign.exists()


def test_a_folder_the_cache_did_not_tag_is_never_pruned(tmp_path: Path) -> None:
    # GIVEN a folder of old files named as the cache names them, but without its tag
    cache = AnswerCache(tmp_path)
    cache.put({"passed": 1}, "checkov", "3.0", "old")
    (entry,) = _entries(cache)
    (tmp_path / "CACHEDIR.TAG").unlink()
    month_ago = time.time() - 31 * 24 * 3600
    os.utime(entry, (month_ago, month_ago))
    # WHEN a cache opens on it, THEN nothing is removed
    AnswerCache(tmp_path)
    assert entry.exists()


def test_answers_are_readable_by_whoever_may_read_the_folder(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path)
    cache.put({"passed": 1}, "checkov", "3.0", "abc")
    (entry,) = _entries(cache)
    mask = os.umask(0o022)
    os.umask(mask)
    assert entry.stat().st_mode & 0o777 == 0o666 & ~mask


def test_checker_versions_are_read_without_starting_the_checker(tmp_path: Path) -> None:
    assert checker_version("cfn-lint") == metadata.version("cfn-lint")
    assert checker_version("no-such-distribution") is None
    # checkov's own environment, read from its dist-info folder: the version the lock pins
    pinned = re.search(r"^checkov==(\S+)$", (ROOT / "requirements-checkov.lock").read_text(), re.M)
    assert pinned
    assert CHECKOV.version == pinned.group(1)
    (tmp_path / "empty/bin").mkdir(parents=True)
    assert checker_version("checkov", tmp_path / "empty/bin/python") is None
    site = tmp_path / "venv/lib/python3.12/site-packages"
    (site / "checkov-3.2.1.dist-info").mkdir(parents=True)
    assert checker_version("checkov", tmp_path / "venv/bin/python") == "3.2.1"
    # two installed versions: which one imports is not known, so no version (always asked)
    (tmp_path / "two/lib/python3.12/site-packages/checkov-3.10.0.dist-info").mkdir(parents=True)
    (tmp_path / "two/lib/python3.12/site-packages/checkov-3.9.0.dist-info").mkdir(parents=True)
    assert checker_version("checkov", tmp_path / "two/bin/python") is None


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """No answers remembered in this process: only the cache on disk."""
    monkeypatch.setattr(verify, "_CHECKED", {})


def _idle_checkov(version: str | None) -> verify.CheckovWorker:
    """A checkov worker that cannot start: asking it fails the test."""
    worker = verify.CheckovWorker(Path("/nonexistent/bin/python"))
    worker.version = version
    return worker


def _cfn_lint_forbidden(_template: dict[str, Any], _region: str | None) -> list[Finding]:
    raise AssertionError("cfn-lint ran although its answer was cached")


@pytest.mark.usefixtures("fresh_process")
def test_a_cached_template_is_neither_linted_nor_scanned_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a template with a cfn-lint error and checkov failures, checked once with a cache
    cache = AnswerCache(tmp_path / "cache")
    path = _write(tmp_path, {**_BUCKET, **_BAD_PARAMETER})
    first = verify_template(path, "H", region="eu-west-1", checkov=CHECKOV, cache=cache)
    assert {f.tool for f in first[0]} == {"cfn-lint", "checkov"}
    assert len(_entries(cache)) == 2
    # WHEN a later process checks it again, with neither checker able to run
    monkeypatch.setattr(verify, "_CHECKED", {})
    monkeypatch.setattr(verify, "_cfn_lint", _cfn_lint_forbidden)
    again = verify_template(
        path, "H", region="eu-west-1", checkov=_idle_checkov(CHECKOV.version), cache=cache
    )
    # THEN the findings are the same, from the cache
    assert again == first
    assert cache.hits == 2


@pytest.mark.usefixtures("fresh_process")
def test_what_decides_an_answer_asks_the_checker_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = AnswerCache(tmp_path / "cache")
    path = _write(tmp_path, _BUCKET)
    verify_template(path, "H", region="eu-west-1", checkov=CHECKOV, cache=cache)
    idle = _idle_checkov(CHECKOV.version)
    # other content: checkov is asked (cfn-lint too, and may answer)
    other = _write(tmp_path, {"C": _BUCKET["B"]}, "other")
    with pytest.raises(AssertionError, match="checkov's Python"):
        verify_template(other, "H", region="eu-west-1", checkov=idle, cache=cache)
    # the same content under another suffix: checkov reads by suffix, so it is asked
    text = tmp_path / "template.txt"
    text.write_bytes(path.read_bytes())
    with pytest.raises(AssertionError, match="checkov's Python"):
        verify_template(text, "H", region="eu-west-1", checkov=idle, cache=cache)
    monkeypatch.setattr(verify, "_cfn_lint", _cfn_lint_forbidden)
    checks = [
        # another checkov version: checkov is asked (and cannot start)
        (path, "eu-west-1", _idle_checkov("0.0.1"), "checkov's Python"),
        # a checkov of unknown version is always asked
        (path, "eu-west-1", _idle_checkov(None), "checkov's Python"),
        # another region: cfn-lint is asked
        (path, "us-east-1", idle, "cfn-lint ran"),
        # other content: cfn-lint is asked
        (_write(tmp_path, {"D": _BUCKET["B"]}, "third"), "eu-west-1", CHECKOV, "cfn-lint ran"),
    ]
    for template, region, worker, asked in checks:
        verify._CHECKED.clear()
        with pytest.raises(AssertionError, match=asked):
            verify_template(template, "H", region=region, checkov=worker, cache=cache)


@pytest.mark.usefixtures("fresh_process")
def test_cfn_lint_settings_are_part_of_its_question(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a template's cfn-lint answer, cached under the default settings
    cache = AnswerCache(tmp_path / "cache")
    path = _write(tmp_path, _BAD_PARAMETER)
    findings, _ = verify_template(path, "H", region="eu-west-1", checkov=CHECKOV, cache=cache)
    assert "E3030" in {f.rule for f in findings}
    # WHEN a .cfnlintrc in the working folder ignores that rule (a later process reads it)
    (tmp_path / ".cfnlintrc").write_text("ignore_checks:\n  - E3030\n")
    monkeypatch.chdir(tmp_path)
    for cached in (verify._cfn_lint_config, verify._cfn_lint_identity, verify._cfn_lint_runner):
        cached.cache_clear()
    try:
        verify._CHECKED.clear()
        findings, _ = verify_template(path, "H", region="eu-west-1", checkov=CHECKOV, cache=cache)
    finally:
        for cached in (verify._cfn_lint_config, verify._cfn_lint_identity, verify._cfn_lint_runner):
            cached.cache_clear()
    # THEN cfn-lint is asked again under its new settings, not answered from the cache
    assert "E3030" not in {f.rule for f in findings}


@pytest.mark.usefixtures("fresh_process")
def test_checkov_errors_are_not_kept(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path / "cache")
    failing = verify.CheckovWorker(CHECKOV.python)

    def scan(path: str | os.PathLike[str]) -> dict[str, Any]:
        raise verify.VerificationError(f"checkov could not scan {path}: scan failed")

    failing.scan = scan  # type: ignore[method-assign]
    with pytest.raises(verify.VerificationError, match="scan failed"):
        verify_template(_write(tmp_path, _BUCKET), "H", checkov=failing, cache=cache)
    keys = [json.loads(entry.read_text())["key"][0] for entry in _entries(cache)]
    assert keys == ["cfn-lint"]


@pytest.mark.usefixtures("fresh_process")
def test_calls_given_no_cache_use_the_folder_the_environment_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN CONSTRUCTS_OBS_VERIFY_CACHE, as a user's CI job would set it
    monkeypatch.setenv("CONSTRUCTS_OBS_VERIFY_CACHE", str(tmp_path / "from-env"))
    # WHEN a template is checked without a cache argument
    verify_template(_write(tmp_path, _BUCKET), "H", checkov=CHECKOV)
    # THEN both answers are kept there
    assert from_environment() is not None
    assert len(list((tmp_path / "from-env").glob("??/*.json"))) == 2
    # AND empty, there is no cache, even with a default (how `make test` checks afresh)
    monkeypatch.setenv("CONSTRUCTS_OBS_VERIFY_CACHE", "")
    assert from_environment() is None
    assert from_environment(default=tmp_path / "default") is None
    # AND unset, the default folder if one is given (the suite's .test-out/verify-cache)
    monkeypatch.delenv("CONSTRUCTS_OBS_VERIFY_CACHE")
    assert from_environment() is None
    cache = from_environment(default=tmp_path / "default")
    assert cache is not None
    assert cache.directory == (tmp_path / "default").absolute()
