"""Space-delimited pattern grammar: && binding tighter than ||, parentheses, syntax errors."""

from __future__ import annotations

import pytest

from tests.detections.filter_pattern.helpers import GUIDE_LINES, assert_syntax_error, matches


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[w1=ERROR, w2]", [False, True, False]),
        ("[w1=ERROR || w1=WARN, w2]", [False, True, True]),
        ("[w1!=ERROR&&w1!=WARN, w2]", [False, False, False]),
        ("[w1, w2, w3]", [True, False, False]),
        ("[(w1 = ERROR || w1 = WARN) && w1 != WARN, ...]", [True, True, False]),
    ],
)
def test_space_delimited_or_examples(pattern: str, expected: list[bool]) -> None:
    assert [matches(pattern, line) for line in GUIDE_LINES] == expected


@pytest.mark.parametrize(
    ("pattern", "column", "problem"),
    [
        ("[a, b", 6, "expected ',' or ']'"),
        ("[", 1, "'[' is never closed"),
        ("[a, (b = 1", 5, "'(' is never closed"),
        ("[a b]", 4, "expected ',' or ']'"),
        ("[1a]", 2, "expected a field name"),
        ("[a = ]", 6, "expected a value"),
        ("[a] tail", 5, "after the closing ']'"),
        ("[a > x]", 6, "expected an unquoted number"),
    ],
)
def test_syntax_errors_point_at_the_column(pattern: str, column: int, problem: str) -> None:
    assert_syntax_error(pattern, column, problem)


@pytest.mark.parametrize("pattern", ["[]", "[ ]", " [] "])
def test_an_empty_space_delimited_pattern_is_accepted_as_aws_accepts_it(pattern: str) -> None:
    # GIVEN "[]", which CloudWatch Logs accepts (PutMetricFilter takes it)
    # WHEN it is compiled
    # THEN it compiles, names no field and sets no condition: every event matches
    assert all(matches(pattern, line) for line in [*GUIDE_LINES, "", "one"])
