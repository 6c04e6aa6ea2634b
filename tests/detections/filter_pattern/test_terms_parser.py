"""Term patterns: every term, ?alternatives, -exclusions, quoted phrases and %regex%."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constructs_obs.detections import compile_filter_pattern
from tests.detections.filter_pattern.helpers import GUIDE_LINES, assert_syntax_error, matches


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("ERROR", [True, True, False]),
        ("?ERROR ?WARN", [True, True, True]),
        ("ERROR WARN", [True, False, False]),
        ("ERROR -WARN", [False, True, False]),
        ('"ERROR" - "WARN"', [False, True, False]),
        ("-ERROR", [False, False, True]),
        ("?WARN -ERROR", [False, False, True]),
        ("error", [False, False, False]),  # case-sensitive
        ("RROR", [True, True, False]),  # substring: "ERROR" matches "ERRORCODE: -1" too
    ],
)
def test_terms(pattern: str, expected: list[bool]) -> None:
    assert [matches(pattern, line) for line in GUIDE_LINES] == expected


def test_quoted_phrase_matches_the_exact_phrase() -> None:
    pattern = compile_filter_pattern('"Failed to process the request"')
    assert pattern.matches("[WARN] Failed to process the request")
    assert not pattern.matches("[WARN] Failed to process request the")


def test_unquoted_terms_each_match_anywhere() -> None:
    pattern = compile_filter_pattern("Failed to process the request")
    assert pattern.matches("[ERROR] the request: Failed to process")
    assert not pattern.matches("[ERROR] Failed to process")


def test_quoted_term_escapes() -> None:
    pattern = compile_filter_pattern(r'"say \"hi\" C:\\temp"')
    assert pattern.matches(r'they say "hi" C:\temp now')
    assert not pattern.matches(r"they say hi C:\temp now")


def test_or_alternatives_group_following_terms() -> None:
    """aws-cdk's anyTermGroup(["ERROR", "MainThread"], ["WARN", "Deadlock"]) form."""
    pattern = compile_filter_pattern('?"ERROR" "MainThread" ?"WARN" "Deadlock"')
    assert pattern.matches("ERROR in MainThread")
    assert pattern.matches("WARN Deadlock detected")
    assert not pattern.matches("ERROR in worker")
    assert not pattern.matches("WARN MainThread")


def test_exclusion_applies_to_every_alternative() -> None:
    pattern = compile_filter_pattern("?ERROR ?WARN -DEBUG")
    assert pattern.matches("WARN x")
    assert not pattern.matches("ERROR DEBUG")
    assert not pattern.matches("WARN DEBUG")


def test_regex_term() -> None:
    pattern = compile_filter_pattern("%AUTHORIZED%")
    assert pattern.matches("[ERROR 401] UNAUTHORIZED REQUEST")
    assert pattern.matches("[SUCCESS 200] AUTHORIZED REQUEST")
    assert not pattern.matches("[SUCCESS 200] OK")
    anchored = compile_filter_pattern("%^\\[ERROR\\s[0-9]+\\]%")
    assert anchored.matches("[ERROR 401] UNAUTHORIZED")
    assert not anchored.matches("x [ERROR 401]")


@pytest.mark.parametrize(
    ("pattern", "column", "problem"),
    [
        ('"abc', 1, "unterminated string"),
        ('ERROR "abc', 7, "unterminated string"),
        ('ab"c', 3, "put the whole term in double quotes"),
        ("ERROR -", 7, "expected a term after '-'"),
        ("?", 1, "expected a term after '?'"),
        ("%abc", 1, "unterminated regular expression"),
    ],
)
def test_syntax_errors_point_at_the_column(pattern: str, column: int, problem: str) -> None:
    assert_syntax_error(pattern, column, problem)


@settings(max_examples=200, deadline=None)
@given(
    terms=st.lists(
        st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=4),
        min_size=1,
        max_size=4,
    ),
    message=st.text(max_size=30),
)
def test_unquoted_terms_are_all_required_substrings(terms: list[str], message: str) -> None:
    pattern = compile_filter_pattern(" ".join(terms))
    assert pattern.matches(message) is all(term in message for term in terms)
    assert compile_filter_pattern(" ".join("?" + term for term in terms)).matches(message) is any(
        term in message for term in terms
    )
