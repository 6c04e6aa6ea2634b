"""compile_filter_pattern and FilterPattern: which language, match-all, events, errors."""

from __future__ import annotations

import json
import re
import types
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from constructs_obs.detections import (
    FilterPatternKind,
    FilterPatternSyntaxError,
    compile_filter_pattern,
)
from constructs_obs.errors import ConstructsObsError
from tests.detections.filter_pattern.helpers import assert_syntax_error, matches


@pytest.mark.parametrize("pattern", ["", "   ", '""'])
def test_empty_pattern_matches_every_event(pattern: str) -> None:
    compiled = compile_filter_pattern(pattern)
    assert compiled.matches("anything at all")
    assert compiled.matches("")
    assert compiled.matches({"a": 1})


def test_empty_pattern_kind() -> None:
    assert compile_filter_pattern("").kind is FilterPatternKind.MATCH_ALL
    assert compile_filter_pattern("ERROR").kind is FilterPatternKind.TERMS
    assert compile_filter_pattern("{ $.a = 1 }").is_json
    assert compile_filter_pattern("[a, b]").kind is FilterPatternKind.SPACE_DELIMITED


def test_terms_read_a_parsed_event_as_its_compact_json_text() -> None:
    pattern = compile_filter_pattern('"\\"eventName\\":\\"ConsoleLogin\\""')
    assert pattern.matches({"eventName": "ConsoleLogin", "x": 1})
    # The same event written with spaces is another text.
    assert not pattern.matches('{"eventName": "ConsoleLogin"}')


def test_terms_keep_non_ascii_text_as_is() -> None:
    assert matches("Zürich", {"city": "Zürich"})


def test_json_patterns_never_match_non_json_text() -> None:
    pattern = compile_filter_pattern("{ $.a NOT EXISTS }")
    assert pattern.matches("{}")
    assert not pattern.matches("not json")
    assert not pattern.matches('["a", "b"]')  # JSON, but not an object
    assert not pattern.matches("1")
    assert not pattern.matches("")
    assert not pattern.matches("[" * 100_000)


def test_a_mapping_that_is_not_a_dict() -> None:
    event = types.MappingProxyType({"a": types.MappingProxyType({"b": "x"}), "c": ("1", "2")})
    assert matches("{ $.a.b = x && $.c[1] = 2 }", event)  # type: ignore[arg-type]


def test_matches_rejects_other_types() -> None:
    with pytest.raises(TypeError, match="a str or a Mapping"):
        compile_filter_pattern("{ $.a = 1 }").matches(["a"])  # type: ignore[arg-type]


def test_syntax_error_is_a_library_error_and_a_value_error() -> None:
    with pytest.raises(ConstructsObsError):
        compile_filter_pattern("{")
    with pytest.raises(ValueError, match="column"):
        compile_filter_pattern("{")


def test_caret_stays_under_the_character_when_the_pattern_has_tabs() -> None:
    with pytest.raises(FilterPatternSyntaxError) as raised:
        compile_filter_pattern("{\t$.a\t=\t}")
    assert str(raised.value).splitlines()[1:] == ["  { $.a = }", "          ^"]


def test_patterns_longer_than_cloudwatch_allows_are_rejected() -> None:
    pattern = "{ " + " || ".join(f"$.e = v{index}" for index in range(200)) + " }"
    assert len(pattern) > 1024
    with pytest.raises(FilterPatternSyntaxError, match="at most 1024") as raised:
        compile_filter_pattern(pattern)
    assert raised.value.column == 1025


def test_compile_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        compile_filter_pattern(None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

_PATTERN_ALPHABET = st.sampled_from(list('{}[]()$.=!<>&|?-"%*, \t01aZ_:/@\\eISNOTEXISTRUFL'))
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "e", "x"]), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pattern=st.text(_PATTERN_ALPHABET, max_size=60) | st.text(max_size=40),
    event=st.dictionaries(st.sampled_from(["a", "b", "e", "x"]), _JSON_VALUES, max_size=4),
    line=st.text(max_size=40),
)
@example(pattern="{ $.a = 1 ", event={}, line="")
@example(pattern="[a, ..., b = 2*,]", event={}, line="1 2 3")
def test_compiling_never_fails_with_anything_but_a_syntax_error(
    pattern: str, event: dict[str, Any], line: str
) -> None:
    try:
        compiled = compile_filter_pattern(pattern)
    except FilterPatternSyntaxError as error:
        column = error.column
    else:
        column = 0
    if column:
        assert 1 <= column <= len(pattern) + 1
        return
    assert isinstance(compiled.matches(event), bool)
    assert isinstance(compiled.matches(line), bool)
    assert isinstance(compiled.matches(json.dumps(event)), bool)


def test_the_error_message_is_readable() -> None:
    with pytest.raises(FilterPatternSyntaxError) as raised:
        compile_filter_pattern('{ $.eventName = "ConsoleLogin" && $.x }')
    assert re.fullmatch(
        r"invalid filter pattern at column 39: expected an operator .* found '}'\n"
        r"  \{ \$\.eventName = \"ConsoleLogin\" && \$\.x \}\n"
        r" {40}\^",
        str(raised.value),
    )


@pytest.mark.parametrize(
    ("pattern", "column"),
    [
        ("%a% %b% %c%", 9),
        ("{ $.a = %x% || $.b = %y% || $.c = %z% }", 35),
        ("[w1 = %a%, w2 = %b%, w3 = %c%]", 27),
    ],
    ids=["terms", "json", "space-delimited"],
)
def test_a_third_regular_expression_is_refused(pattern: str, column: int) -> None:
    # GIVEN three %regex% terms (CloudWatch Logs' quota is "two regular expression patterns
    # within a single filter pattern", PutMetricFilter API reference)
    # THEN compiling refuses the pattern, pointing at the third one
    assert_syntax_error(pattern, column, "at most 2 regular expressions")


def test_two_regular_expressions_are_accepted() -> None:
    assert matches("%ERR[O]R% %[0-9]+%", "ERROR 42")
    assert not matches("%ERR[O]R% %[0-9]+%", "ERROR none")
    assert matches("{ $.a = %^x% || $.b = %y$% }", {"b": "ay"})
