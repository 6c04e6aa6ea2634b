"""CloudWatch Logs filter patterns: terms, JSON, space-delimited, errors and properties."""

from __future__ import annotations

import json
import re
import types
from dataclasses import dataclass
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

# The JSON example of the CloudWatch Logs user guide ("JSON Metric Filter Examples").
GUIDE_EVENT: dict[str, Any] = {
    "eventType": "UpdateTrail",
    "sourceIPAddress": "111.111.111.111",
    "arrayKey": ["value", "another value"],
    "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
    "SomeObject": None,
    "ThisFlag": True,
}

# The compound-conditions example of the same guide.
COMPOUND_EVENT: dict[str, Any] = {
    "user": {"id": 1, "email": "John.Stiles@example.com"},
    "users": [
        {"id": 2, "email": "John.Doe@example.com"},
        {"id": 3, "email": "Jane.Doe@example.com"},
    ],
    "actions": ["GET", "PUT", "DELETE"],
    "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
}

# The space-delimited example of the guide (an Apache access log).
ACCESS_LOG = [
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534',
]


def matches(pattern: str, event: str | dict[str, Any]) -> bool:
    return compile_filter_pattern(pattern).matches(event)


# --------------------------------------------------------------------------------------------
# Match-all and term patterns
# --------------------------------------------------------------------------------------------


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


# The guide's OR example: three events and what each pattern matches.
GUIDE_LINES = ["ERROR WARN message", "ERROR message", "WARN message"]


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


def test_terms_read_a_parsed_event_as_its_compact_json_text() -> None:
    pattern = compile_filter_pattern('"\\"eventName\\":\\"ConsoleLogin\\""')
    assert pattern.matches({"eventName": "ConsoleLogin", "x": 1})
    # The same event written with spaces is another text.
    assert not pattern.matches('{"eventName": "ConsoleLogin"}')


def test_terms_keep_non_ascii_text_as_is() -> None:
    assert matches("Zürich", {"city": "Zürich"})


# --------------------------------------------------------------------------------------------
# JSON patterns
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        '{ $.eventType = "UpdateTrail" }',
        "{ $.sourceIPAddress != 123.123.* }",
        '{ $.arrayKey[0] = "value" }',
        "{ $.objectList[1].id = 2 }",
        "{ $.SomeObject IS NULL }",
        "{ $.SomeOtherObject NOT EXISTS }",
        "{ $.ThisFlag IS TRUE }",
    ],
)
def test_guide_json_examples_match(pattern: str) -> None:
    assert matches(pattern, GUIDE_EVENT)
    assert matches(pattern, json.dumps(GUIDE_EVENT))


@pytest.mark.parametrize(
    "pattern",
    [
        '{ $.eventType = "updatetrail" }',
        "{ $.sourceIPAddress != 111.111.* }",
        '{ $.arrayKey[1] = "value" }',
        "{ $.arrayKey[2] NOT EXISTS && $.arrayKey[9] = value }",
        "{ $.objectList[1].id = 1 }",
        "{ $.objectList[0].name.first = a }",
        "{ $.sourceIPAddress[0] = 1 }",  # not an array
        "{ $.SomeObject NOT EXISTS }",  # null is a value
        "{ $.Missing IS NULL }",  # missing is not null
        "{ $.ThisFlag IS FALSE }",
        "{ $.eventType IS TRUE }",
    ],
)
def test_guide_json_near_misses_do_not_match(pattern: str) -> None:
    assert not matches(pattern, GUIDE_EVENT)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', True),
        ('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', False),
        (
            '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch '
            "&& $.actions[2] = nomatch }",
            True,
        ),
        (
            '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) '
            "&& $.actions[2] = nomatch }",
            False,
        ),
        ("{ $.coordinates[2][0] = 7 && $.coordinates[1][2] >= 6 }", True),
    ],
)
def test_guide_compound_examples(pattern: str, expected: bool) -> None:
    assert matches(pattern, COMPOUND_EVENT) is expected


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


@pytest.mark.parametrize("field", ["users", "user", "missing"])
@pytest.mark.parametrize("op", ["=", "!="])
def test_comparisons_on_objects_arrays_and_missing_fields_are_false(field: str, op: str) -> None:
    """The guide: {$.users = 1} and {$.users != 1} both fail when users is an array."""
    assert not matches(f"{{ $.{field} {op} 1 }}", COMPOUND_EVENT)
    assert not matches(f'{{ $.{field} {op} "x*" }}', COMPOUND_EVENT)


@pytest.mark.parametrize("value", [None, True, False])
def test_comparisons_on_null_and_booleans_are_false(value: Any) -> None:
    event = {"field": value}
    assert not matches("{ $.field = x }", event)
    assert not matches("{ $.field != x }", event)
    assert not matches("{ $.field = * }", event)
    assert not matches("{ $.field = 1 }", event)
    assert not matches("{ $.field != 1 }", event)


def test_not_equal_needs_the_field() -> None:
    pattern = compile_filter_pattern('{ $.additionalEventData.MFAUsed != "Yes" }')
    assert pattern.matches({"additionalEventData": {"MFAUsed": "No"}})
    assert not pattern.matches({"additionalEventData": {"MFAUsed": "Yes"}})
    assert not pattern.matches({"additionalEventData": {}})
    assert not pattern.matches({})


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        ("PutEvent", "*Event", True),
        ("GetEvent", '"*Event"', True),
        ("EventId", "Event*", True),
        ("EventName", '"Event*"', True),
        ("PutEvents", "*Event", False),
        ("AnEvent", "Event*", False),
        ("Ev*ent", "Ev*ent", True),  # a star inside is literal
        ("Event", "Ev*ent", False),
        ("xUnauthorizedOperationx", "*UnauthorizedOperation*", True),
        ("UnauthorizedOperation", "*UnauthorizedOperation*", True),
        ("", "*", True),
        ("anything", "*", True),
        ("123.123.0.1", "123.123.*", True),
        ("10.123.123.1", "123.123.*", False),
    ],
)
def test_string_wildcards(value: str, pattern: str, expected: bool) -> None:
    assert matches(f"{{ $.field = {pattern} }}", {"field": value}) is expected
    assert matches(f"{{ $.field != {pattern} }}", {"field": value}) is not expected


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("{ $.latency >= 500 }", 500, True),
        ("{ $.latency >= 500 }", 499.9, False),
        ("{ $.latency > 500 }", 500, False),
        ("{ $.latency < 10e3 }", 9999, True),
        ("{ $.latency < 10e-3 }", 0.001, True),
        ("{ $.latency < 10e-3 }", 0.01, False),
        ("{ $.latency <= 55.5 }", 55.5, True),
        ("{ $.latency = 400 }", 400, True),
        ("{ $.latency = 400 }", 400.0, True),
        ("{ $.latency = 4e2 }", 400, True),
        ("{ $.latency != 500 }", 400, True),
        ("{ $.latency != 500 }", 500, False),
        ("{ $.latency > +1000 }", 1001, True),
        ("{ $.latency > -1 }", 0, True),
        ("{ $.latency < -1.5 }", -2, True),
        ("{ $.latency > 5 }", "10", False),  # relational comparisons need a JSON number
        ("{ $.latency > 5 }", True, False),
        ("{ $.latency = 400 }", "400", True),  # a string field: the text as written
        ("{ $.latency = 400 }", "400.0", False),
        ("{ $.latency = * }", 12, True),  # the guide's "{ $.latency = * }" for numbers
        ('{ $.latency = "400" }', 400, True),  # a quoted value compares the field's text
        ("{ $.latency = 4* }", 404, True),
    ],
)
def test_numbers(pattern: str, value: Any, expected: bool) -> None:
    assert matches(pattern, {"latency": value}) is expected


def test_regex_values() -> None:
    pattern = compile_filter_pattern("{ $.sourceIPAddress = %^10\\.0\\.[0-9]+\\.[0-9]+$% }")
    assert pattern.matches({"sourceIPAddress": "10.0.3.4"})
    assert not pattern.matches({"sourceIPAddress": "110.0.3.4"})
    negated = compile_filter_pattern("{ $.eventName != %^Describe% }")
    assert negated.matches({"eventName": "RunInstances"})
    assert not negated.matches({"eventName": "DescribeInstances"})
    assert not negated.matches({})


def test_keywords_and_spacing_are_flexible() -> None:
    event = {"a": None, "b": True, "c": "x"}
    assert matches("{$.a is null&&$.b Is True&&$.z not exists&&$.c=x}", event)
    assert matches("{\n  $.a IS NULL\n  && $.c != y\n}", event)


def test_property_names_with_hyphens_and_underscores() -> None:
    event = {"x-amz-id-2": "abc", "snake_case": {"k-1": 3}}
    assert matches("{ $.x-amz-id-2 = abc && $.snake_case.k-1 = 3 }", event)


def test_an_or_chain_of_equalities_mixed_with_other_conditions() -> None:
    """OR-chains on one selector are folded into one lookup; the rest must still count."""
    pattern = compile_filter_pattern(
        "{ $.eventName = A || $.eventName = B || $.errorCode = X* || $.eventName = C "
        "|| $.other.eventName = D }"
    )
    assert pattern.matches({"eventName": "B"})
    assert pattern.matches({"eventName": "C"})
    assert pattern.matches({"eventName": "Q", "errorCode": "Xyz"})
    assert pattern.matches({"other": {"eventName": "D"}})
    assert not pattern.matches({"eventName": "D"})
    assert not pattern.matches({"eventName": ["A"]})


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


# --------------------------------------------------------------------------------------------
# Space-delimited patterns
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[ip, user, username, timestamp, request, status_code, bytes]", [True, True, True]),
        ("[ip, user, username, timestamp, request, status_code]", [False, False, False]),
        ("[..., status_code, bytes]", [True, True, True]),
        ("[ip, user, ..., status_code, bytes]", [True, True, True]),
        ("[ip, user, ...]", [True, True, True]),
        ("[ip, ..., ..., bytes]", [True, True, True]),
        (
            "[ip, user, username, timestamp, request, status_code, bytes > 1534]",
            [False, True, False],
        ),
        (
            "[ip, user, username, timestamp, request, status_code = 200, bytes]",
            [True, False, False],
        ),
        ("[ip, user, username, timestamp, request, status_code = 4*, bytes]", [False, False, True]),
        (
            "[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]",
            [False, False, True],
        ),
        (
            "[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, "
            "bytes]",
            [False, False, True],
        ),
        (
            "[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, "
            "bytes]",
            [False, False, True],
        ),
        # A condition may read another field of the line.
        (
            "[ip, user, username, timestamp, request, status_code, "
            "bytes = 1534 && status_code = 2*]",
            [True, False, False],
        ),
        # The guide's trailing comma: an unnamed last field.
        ("[..., request=*.html*, status_code=4*,]", [False, False, True]),
        ("[ip = 127.0.0.1, user = -, username = frank, ...]", [True, True, True]),
        ('[..., request = "GET /apache_pb.gif HTTP/1.0", status_code, bytes]', [True, True, False]),
        ("[..., timestamp = *13:25:15*, request, status_code, bytes]", [True, False, True]),
        ("[ip, ..., status_code != 200, bytes < 5000]", [False, False, True]),
        ("[ip, ..., status_code = %^5[0-9][0-9]$%, bytes]", [False, True, False]),
    ],
)
def test_space_delimited(pattern: str, expected: list[bool]) -> None:
    assert [matches(pattern, line) for line in ACCESS_LOG] == expected


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


def test_numeric_field_compares_numbers() -> None:
    pattern = compile_filter_pattern("[code = 200, size >= 1e3]")
    assert pattern.matches("200.0 1000")
    assert pattern.matches("200 1500.5")
    assert not pattern.matches("200 999")
    assert not pattern.matches("200 big")
    assert not pattern.matches("OK 1000")


def test_many_ellipses_stay_fast() -> None:
    pattern = compile_filter_pattern("[..., a = x, ..., b = y, ..., c = z, ...]")
    line = " ".join(["w"] * 300)
    assert not pattern.matches(line)
    assert pattern.matches(" ".join(["w"] * 100 + ["x", "w", "y"] + ["w"] * 100 + ["z"]))


# --------------------------------------------------------------------------------------------
# Syntax errors
# --------------------------------------------------------------------------------------------


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
        ("[a, b", 6, "expected ',' or ']'"),
        ("[", 1, "'[' is never closed"),
        ("[a, (b = 1", 5, "'(' is never closed"),
        ("[]", 2, "empty space-delimited pattern"),
        ("[a b]", 4, "expected ',' or ']'"),
        ("[1a]", 2, "expected a field name"),
        ("[a = ]", 6, "expected a value"),
        ("[a] tail", 5, "after the closing ']'"),
        ("[a > x]", 6, "expected an unquoted number"),
        ('"abc', 1, "unterminated string"),
        ('ERROR "abc', 7, "unterminated string"),
        ('ab"c', 3, "put the whole term in double quotes"),
        ("ERROR -", 7, "expected a term after '-'"),
        ("?", 1, "expected a term after '?'"),
        ("%abc", 1, "unterminated regular expression"),
    ],
)
def test_syntax_errors_point_at_the_column(pattern: str, column: int, problem: str) -> None:
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


def test_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(FilterPatternSyntaxError, match="nested more than"):
        compile_filter_pattern("{ " + "(" * 300 + "$.a = 1" + ")" * 300 + " }")


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


@settings(max_examples=200, deadline=None)
@given(
    value=st.text(st.characters(blacklist_characters='"\\*'), max_size=8), other=st.text(max_size=8)
)
def test_quoted_exact_values_compare_exactly(value: str, other: str) -> None:
    pattern = compile_filter_pattern(f'{{ $.f = "{value}" }}')
    assert pattern.matches({"f": value})
    assert pattern.matches({"f": other}) is (other == value)


def test_the_error_message_is_readable() -> None:
    with pytest.raises(FilterPatternSyntaxError) as raised:
        compile_filter_pattern('{ $.eventName = "ConsoleLogin" && $.x }')
    assert re.fullmatch(
        r"invalid filter pattern at column 39: expected an operator .* found '}'\n"
        r"  \{ \$\.eventName = \"ConsoleLogin\" && \$\.x \}\n"
        r" {40}\^",
        str(raised.value),
    )
