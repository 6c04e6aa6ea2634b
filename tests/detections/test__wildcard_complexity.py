"""Wildcard complexity, as event-ruler measures it; EventBridge refuses too complex rules.

The expected scores are those of event-ruler's ``MachineComplexityEvaluatorTest`` (AWS's
matching library); the limit is placed by a public report of rules EventBridge accepted and
refused (see :mod:`constructs_obs.detections._wildcard_complexity`).
"""

from __future__ import annotations

import pytest

from constructs_obs.detections import compile_event_pattern
from constructs_obs.detections._wildcard_complexity import (
    MAX_WILDCARD_COMPLEXITY,
    wildcard_complexity,
    wildcard_tokens,
)
from tests.detections.event_helpers import assert_invalid


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        (["*"], 1),
        (["abc"], 1),
        (["*ab"], 2),
        (["*aa"], 3),
        (["aa*"], 2),
        (["a*bbb"], 4),
        (["*ab*ad"], 4),
        (["*aba*"], 4),
        (["a*b*bb"], 5),
        (["a*b*cd"], 3),
        (["*ab*b*b*"], 7),
        (["*a*a*a*a*a*a*a*a*"], 17),
        (["ab*c", "x*xx"], 3),
        (["*abc", "*abcde"], 4),
        (["a*aaa", "aa*aa"], 7),
        (["a*aax", "aaa*x"], 5),
        (["ab*cd", "ab*wx", "ab*yz"], 6),
        (["ab*c", "ab*c"], 2),  # the same value twice counts once
    ],
    ids=repr,
)
def test_scores_agree_with_event_ruler(patterns: list[str], expected: int) -> None:
    assert wildcard_complexity(patterns) == expected


def test_the_score_stops_at_the_cap() -> None:
    assert wildcard_complexity(["*a*a*a*a*a*a*a*a*"], cap=5) == 5
    assert wildcard_complexity([]) == 0


def test_escaped_stars_are_characters() -> None:
    assert wildcard_tokens("a\\*b*") == ("a", "*", "b", None)
    assert wildcard_complexity(["\\*\\*\\*"]) == 1


def _stack_ids(count: int) -> dict[str, object]:
    names = ["Shared", "Monitoring", "App", "Data"][:count]
    return {"detail": {"stack-id": [{"wildcard": f"*:stack/{name}/*"} for name in names]}}


def test_a_rule_eventbridge_accepted_compiles() -> None:
    # GIVEN three "*:stack/<name>/*" wildcards on one field (reported accepted by EventBridge)
    # THEN the rule compiles and matches
    compiled = compile_event_pattern(_stack_ids(3))
    assert compiled.matches(
        {"detail": {"stack-id": "arn:aws:cloudformation:eu-west-1:1:stack/App/uuid"}}
    )
    assert wildcard_complexity(["*:stack/Shared/*", "*:stack/Monitoring/*", "*:stack/App/*"]) == 9


def test_a_rule_eventbridge_refused_as_too_complex_is_refused() -> None:
    # GIVEN four of them (reported refused: "Rule is too complex")
    # THEN compiling names the field and the limit
    assert_invalid(_stack_ids(4), "detail.stack-id", "too complex for EventBridge")
    assert_invalid(
        {"a": [{"wildcard": "*a*a*a*a*a*a*a*a*"}]},
        "a",
        f"at most {MAX_WILDCARD_COMPLEXITY} is known to be accepted",
    )


def test_wildcards_of_every_or_branch_count_together() -> None:
    branch = [{"f": [{"wildcard": "*a*a*a*"}]}, {"f": [{"wildcard": "*a*a*b*"}]}]
    assert wildcard_complexity(["*a*a*a*"]) == 7
    assert wildcard_complexity(["*a*a*a*", "*a*a*b*"]) == 13
    compile_event_pattern({"$or": [branch[0], {"g": ["x"]}]})
    assert_invalid({"$or": branch}, "f", "too complex")
