"""JSON patterns matched: the guide's examples, value nodes, wildcards, numbers, regexes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constructs_obs.detections import compile_filter_pattern
from tests.detections.filter_pattern.helpers import matches

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


@settings(max_examples=200, deadline=None)
@given(
    value=st.text(st.characters(blacklist_characters='"\\*'), max_size=8), other=st.text(max_size=8)
)
def test_quoted_exact_values_compare_exactly(value: str, other: str) -> None:
    pattern = compile_filter_pattern(f'{{ $.f = "{value}" }}')
    assert pattern.matches({"f": value})
    assert pattern.matches({"f": other}) is (other == value)
