"""EventBridge content filters: prefix, suffix, wildcard, anything-but, numeric, cidr, errors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.detections.event_helpers import assert_invalid, detail, matches


@pytest.mark.parametrize(
    ("content_filter", "field", "expected"),
    [
        ({"prefix": "term"}, "state", True),
        ({"prefix": "Term"}, "state", False),
        ({"prefix": ""}, "state", True),
        ({"prefix": {"equals-ignore-case": "TERM"}}, "state", True),
        ({"prefix": "5"}, "c-count", False),  # prefix only applies to strings
        ({"suffix": "nated"}, "state", True),
        ({"suffix": "NATED"}, "state", False),
        ({"suffix": {"equals-ignore-case": "NATED"}}, "state", True),
        ({"equals-ignore-case": "TERMINATED"}, "state", True),
        ({"equals-ignore-case": "TERMINATE"}, "state", False),
        ({"wildcard": "ter*ted"}, "state", True),
        ({"wildcard": "*"}, "state", True),
        ({"wildcard": "t*r*d"}, "state", True),
        ({"wildcard": "ter*"}, "instance-id", False),
        ({"wildcard": "C:\\\\logs\\\\\\*.txt"}, "path", True),  # escaped \ and *
        ({"wildcard": "C:\\\\logs\\\\x*"}, "path", False),
        ({"wildcard": "Custom*"}, "tags", True),
        ({"numeric": [">", 0, "<=", 5]}, "c-count", True),
        ({"numeric": [">", 0, "<", 5]}, "c-count", False),
        ({"numeric": [">=", 5]}, "c-count", True),
        ({"numeric": ["<", 10]}, "d-count", True),
        ({"numeric": ["=", 3.018e2]}, "x-limit", True),
        ({"numeric": ["=", 301]}, "x-limit", False),
        ({"numeric": [">", 0]}, "state", False),  # numeric only applies to numbers
        ({"numeric": [">", -1]}, "isDefault", False),  # false is not 0
        ({"cidr": "10.0.0.0/24"}, "source-ip", True),
        ({"cidr": "10.0.1.0/24"}, "source-ip", False),
        ({"cidr": "10.0.0.33/32"}, "source-ip", True),
        ({"cidr": "2001:db8::/32"}, "source-ipv6", True),
        ({"cidr": "2001:db9::/32"}, "source-ipv6", False),
        ({"cidr": "2001:db8::/32"}, "source-ip", False),  # other IP version
        ({"cidr": "0.0.0.0/0"}, "state", False),  # not an IP address
    ],
)
def test_content_filters(content_filter: dict[str, Any], field: str, expected: bool) -> None:
    assert matches(detail(**{field: [content_filter]})) is expected


@pytest.mark.parametrize(
    ("operand", "field", "expected"),
    [
        ("initializing", "state", True),
        ("terminated", "state", False),
        (["stopped", "overloaded"], "state", True),
        (["stopped", "terminated"], "state", False),
        (123, "c-count", True),
        (5, "c-count", False),
        ([100, 200, 300], "x-limit", True),
        ([301.8], "x-limit", False),
        ("terminated", "c-count", True),  # a number is anything but that string
        ({"prefix": "init"}, "state", True),
        ({"prefix": "term"}, "state", False),
        ({"suffix": ".txt"}, "state", True),
        ({"suffix": "ated"}, "state", False),
        ({"wildcard": "*/lib/*"}, "state", True),
        ({"wildcard": ["*min*", "t*d"]}, "state", False),
        ({"equals-ignore-case": ["Stopped", "TERMINATED"]}, "state", False),
        ({"equals-ignore-case": "Stopped"}, "state", True),
        ({"prefix": "term"}, "c-count", True),  # not a string: not a string with that prefix
        ("x", "missing", False),  # anything-but needs the field
        ("Insider", "tags", True),  # some element is not "Insider"
        (["Insider", "Custom_Alert"], "tags", False),
    ],
)
def test_anything_but(operand: Any, field: str, expected: bool) -> None:
    assert matches(detail(**{field: [{"anything-but": operand}]})) is expected


@pytest.mark.parametrize(
    ("pattern", "path", "problem"),
    [
        ({"a": ["x", {"prefix": 1}]}, "a[1].prefix", "takes a string"),
        (
            {"a": [{"prefix": {"equals-ignore-case": 1}}]},
            "a[0].prefix.equals-ignore-case",
            "string",
        ),
        ({"a": [{"prefix": {"other": "x"}}]}, "a[0].prefix", "equals-ignore-case"),
        ({"a": [{"prefix": "x", "suffix": "y"}]}, "a[0]", "exactly one operator"),
        ({"a": [{"unknown": 1}]}, "a[0].unknown", "unknown operator 'unknown'"),
        ({"a": [{"wildcard": "a**b"}]}, "a[0].wildcard", "consecutive '*'"),
        ({"a": [{"wildcard": "a\\b"}]}, "a[0].wildcard", "backslash"),
        ({"a": [{"numeric": [">", 1, ">", 2]}]}, "a[0].numeric", "one lower bound"),
        ({"a": [{"numeric": ["=", 1, "<", 2]}]}, "a[0].numeric", "one lower bound"),
        ({"a": [{"numeric": [">"]}]}, "a[0].numeric", "[op, number]"),
        ({"a": [{"numeric": ["~", 1]}]}, "a[0].numeric[0]", "expected one of"),
        ({"a": [{"numeric": [">", "1"]}]}, "a[0].numeric[1]", "expected a number"),
        ({"a": [{"numeric": [">", True]}]}, "a[0].numeric[1]", "expected a number"),
        ({"a": [{"cidr": "10.0.0.0/33"}]}, "a[0].cidr", "CIDR block"),
        ({"a": [{"anything-but": [1, "x"]}]}, "a[0].anything-but", "only strings or only numbers"),
        ({"a": [{"anything-but": []}]}, "a[0].anything-but", "at least one value"),
        ({"a": [{"anything-but": True}]}, "a[0].anything-but", "a string, a number"),
        (
            {"a": [{"anything-but": {"numeric": [">", 1]}}]},
            "a[0].anything-but.numeric",
            "cannot hold",
        ),
        ({"a": [{"anything-but": {"prefix": "x", "suffix": "y"}}]}, "a[0].anything-but", "one of"),
        ({"a": [{"anything-but": {"wildcard": [1]}}]}, "a[0].anything-but.wildcard[0]", "string"),
    ],
)
def test_invalid_patterns_name_the_path(pattern: Any, path: str, problem: str) -> None:
    assert_invalid(pattern, path, problem)


@settings(max_examples=200, deadline=None)
@given(
    value=st.text(max_size=6),
    prefix=st.text(min_size=1, max_size=3),  # anything-but prefix/suffix "" is refused
    excluded=st.lists(st.text(max_size=3), min_size=1, max_size=3),
)
def test_anything_but_is_the_negation_of_its_positive_form(
    value: str, prefix: str, excluded: list[str]
) -> None:
    event = {"f": value}
    for positive in ({"prefix": prefix}, {"suffix": prefix}, {"equals-ignore-case": prefix}):
        assert matches({"f": [positive]}, event) is not matches(
            {"f": [{"anything-but": positive}]}, event
        )
    assert matches({"f": excluded}, event) is not matches(
        {"f": [{"anything-but": excluded}]}, event
    )


@pytest.mark.parametrize(
    ("content_filter", "problem"),
    [
        ({"anything-but": {"prefix": ""}}, "Null prefix/suffix not allowed"),
        ({"anything-but": {"suffix": ""}}, "Null prefix/suffix not allowed"),
        ({"numeric": [">", 5, "<", 1]}, "Bottom must be less than top"),
        ({"numeric": [">=", 5, "<=", 5]}, "Bottom must be less than top"),
        ({"numeric": ["<", 10, ">", 0]}, "lower bound (> or >=) then one upper bound"),
    ],
    ids=["anything-but-prefix", "anything-but-suffix", "upside-down", "empty", "upper-first"],
)
def test_filters_eventbridge_refuses_are_refused(content_filter: Any, problem: str) -> None:
    # GIVEN a filter AWS's compiler refuses (event-ruler JsonRuleCompiler and Range: an empty
    # anything-but prefix/suffix, a range whose bottom is not below its top, a range that does
    # not start with its lower bound)
    # THEN compiling refuses it too, naming the filter
    path = (
        "a[0].anything-but." + next(iter(content_filter["anything-but"]))
        if ("anything-but" in content_filter)
        else "a[0].numeric"
    )
    assert_invalid({"a": [content_filter]}, path, problem)


def test_the_filters_next_to_the_refused_ones_still_compile() -> None:
    # A plain prefix "" is the documented catch-all; a one-sided range and a proper range work.
    assert matches({"detail": {"state": [{"prefix": ""}]}})
    assert matches({"detail": {"c-count": [{"numeric": [">", 4.99, "<", 5.01]}]}})
    assert matches({"detail": {"state": [{"anything-but": {"prefix": "run"}}]}})
