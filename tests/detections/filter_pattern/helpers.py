"""Shared by the filter-pattern tests: one-shot matching, the guide's lines, syntax errors."""

from __future__ import annotations

from typing import Any

import pytest

from constructs_obs.detections import FilterPatternSyntaxError, compile_filter_pattern

# The guide's OR example: three events and what each pattern matches.
GUIDE_LINES = ["ERROR WARN message", "ERROR message", "WARN message"]


def matches(pattern: str, event: str | dict[str, Any]) -> bool:
    return compile_filter_pattern(pattern).matches(event)


def assert_syntax_error(pattern: str, column: int, problem: str) -> None:
    """Compiling fails with ``problem``, and the message's caret is under ``column``."""
    with pytest.raises(FilterPatternSyntaxError) as raised:
        compile_filter_pattern(pattern)
    error = raised.value
    assert problem in error.problem
    assert error.column == column
    assert error.pattern == pattern
    lines = str(error).splitlines()
    assert lines[0].startswith(f"invalid filter pattern at column {column}: ")
    assert lines[1] == f"  {pattern}"
    assert lines[2] == "  " + " " * (column - 1) + "^"
