"""JSON pattern grammar: precedence, parentheses, keywords, selectors and syntax errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constructs_obs.detections import FilterPatternSyntaxError, compile_filter_pattern
from tests.detections.filter_pattern.helpers import assert_syntax_error, matches


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # && binds tighter than ||: true || (false && false).
        ("{ $.a = 1 || $.b = 9 && $.c = 9 }", True),
        # (true || false) && false.
        ("{ ($.a = 1 || $.b = 9) && $.c = 9 }", False),
        # false || (true && true).
        ("{ $.a = 9 || $.b = 2 && $.c = 3 }", True),
        # (false || true) && false, nested parentheses.
        ("{ (($.a = 9) || ($.b = 2)) && (($.c = 9)) }", False),
        ("{ $.a = 9 && $.b = 2 || $.c = 3 }", True),
        ("{ $.a = 9 && ($.b = 2 || $.c = 3) }", False),
    ],
)
def test_and_binds_tighter_than_or(pattern: str, expected: bool) -> None:
    assert matches(pattern, {"a": 1, "b": 2, "c": 3}) is expected


def test_keywords_and_spacing_are_flexible() -> None:
    event = {"a": None, "b": True, "c": "x"}
    assert matches("{$.a is null&&$.b Is True&&$.z not exists&&$.c=x}", event)
    assert matches("{\n  $.a IS NULL\n  && $.c != y\n}", event)


def test_property_names_with_hyphens_and_underscores() -> None:
    event = {"x-amz-id-2": "abc", "snake_case": {"k-1": 3}}
    assert matches("{ $.x-amz-id-2 = abc && $.snake_case.k-1 = 3 }", event)


@pytest.mark.parametrize(
    ("pattern", "column", "problem"),
    [
        ("{ $.a = }", 9, "expected a value"),
        ("{ $.a = 1", 10, "to close the JSON pattern"),
        ("{ ($.a = 1 }", 3, "'(' is never closed"),
        ("{ $.a = 1) }", 10, "expected '&&', '||' or '}'"),
        ('{ $.a < "5" }', 9, "expected an unquoted number"),
        ("{ $.a >= x }", 10, "expected an unquoted number"),
        ("{ $a = 1 }", 4, "after '$'"),
        ("{ a = 1 }", 3, "starting with '$.'"),
        ("{ $.[0] = 1 }", 5, "property name"),
        ("{ $.a[*] = 1 }", 7, "only numeric indexes"),
        ("{ $.a[0 = 1 }", 6, "to close the array index"),
        ("{ $.a = b@c }", 10, "double-quoted value"),
        ('{ $.a = "abc }', 9, "unterminated string"),
        ("{ $.a == 1 }", 8, "double-quoted value"),
        ("{ $.a IS MAYBE }", 10, "TRUE, FALSE or NULL"),
        ("{ $.a NOT THERE }", 11, "EXISTS"),
        ("{ $.a ~ 1 }", 7, "expected an operator"),
        ("{ $.a = 1 & $.b = 2 }", 11, "expected '&&', '||'"),
        ("{ $.a = 1 && }", 14, "starting with '$.'"),
        ("{}", 2, "empty JSON pattern"),
        ("{ $.x = 1 } extra", 13, "after the closing '}'"),
        ("{ $.a = %ab(c)% }", 12, "not supported in a regular expression"),
        ("{ $.a = %a b% }", 11, "a space is not supported"),
        ("{ $.a = %[a% }", 10, "invalid regular expression"),
        ("{ $.a = %abc }", 9, "unterminated regular expression"),
        ("{ $.a > %1% }", 9, "expected an unquoted number"),
    ],
)
def test_syntax_errors_point_at_the_column(pattern: str, column: int, problem: str) -> None:
    assert_syntax_error(pattern, column, problem)


def test_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(FilterPatternSyntaxError, match="nested more than"):
        compile_filter_pattern("{ " + "(" * 300 + "$.a = 1" + ")" * 300 + " }")


# A small boolean language rendered as a filter pattern and evaluated directly in Python: the
# compiled pattern (precedence, parentheses, folded OR-chains) must agree with it.


@dataclass(frozen=True)
class Cond:
    field: str
    op: str
    value: str

    def render(self) -> str:
        return f"$.{self.field} {self.op} {self.value}"

    def holds(self, event: dict[str, Any]) -> bool:
        """Strings and numbers are value nodes (compared by their text); nothing else is."""
        value = event.get(self.field)
        if value is None or isinstance(value, bool | dict | list):
            return False
        equal = str(value) == self.value
        return equal if self.op == "=" else not equal


@dataclass(frozen=True)
class Op:
    kind: str  # "&&" or "||"
    left: Cond | Op
    right: Cond | Op

    def render(self) -> str:
        return f"({self.left.render()} {self.kind} {self.right.render()})"

    def holds(self, event: dict[str, Any]) -> bool:
        if self.kind == "&&":
            return self.left.holds(event) and self.right.holds(event)
        return self.left.holds(event) or self.right.holds(event)


_FIELDS = st.sampled_from(["a", "b", "c"])
_WORDS = st.sampled_from(["x", "y", "z"])
_CONDITIONS = st.builds(Cond, _FIELDS, st.sampled_from(["=", "!="]), _WORDS)
_TREES = st.recursive(
    _CONDITIONS,
    lambda children: st.builds(Op, st.sampled_from(["&&", "||"]), children, children),
    max_leaves=8,
)
_EVENTS = st.dictionaries(
    _FIELDS,
    _WORDS | st.integers(0, 2) | st.none() | st.booleans() | st.lists(_WORDS, max_size=1),
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(tree=_TREES, event=_EVENTS)
def test_parenthesized_patterns_agree_with_their_meaning(
    tree: Cond | Op, event: dict[str, Any]
) -> None:
    pattern = compile_filter_pattern("{ " + tree.render() + " }")
    assert pattern.matches(event) is tree.holds(event)


def _flat(kind: str, items: list[Cond]) -> str:
    return f" {kind} ".join(item.render() for item in items)


@settings(max_examples=300, deadline=None)
@given(
    groups=st.lists(st.lists(_CONDITIONS, min_size=1, max_size=3), min_size=1, max_size=4),
    event=_EVENTS,
)
def test_unparenthesized_and_binds_tighter(groups: list[list[Cond]], event: dict[str, Any]) -> None:
    text = " || ".join(_flat("&&", group) for group in groups)
    expected = any(all(cond.holds(event) for cond in group) for group in groups)
    assert compile_filter_pattern("{ " + text + " }").matches(event) is expected
