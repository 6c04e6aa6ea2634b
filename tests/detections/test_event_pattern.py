"""EventBridge event patterns: exact values, arrays, nulls, exists, $or, errors, properties."""

from __future__ import annotations

import json
import types
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constructs_obs.detections import EventPatternSyntaxError, compile_event_pattern
from tests.detections.event_helpers import EVENT, assert_invalid, detail, matches


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # Exact values: any of the array; all fields must match.
        ({"source": ["aws.ec2"]}, True),
        ({"source": ["aws.ec2", "aws.fargate"]}, True),
        ({"source": ["aws.s3"]}, False),
        ({"source": ["AWS.EC2"]}, False),  # no case folding
        ({"source": ["aws.ec2"], "detail-type": ["nope"]}, False),
        ({"source": ["aws.ec2"], "detail": {"state": ["terminated"]}}, True),
        ({"detail": {"state": ["running", "terminated"]}}, True),
        ({"detail": {"missing": ["terminated"]}}, False),
        ({"nope": {"state": ["terminated"]}}, False),
        # Numbers match by their JSON text: 301.8 but not 5.0 for 5.
        (detail(**{"c-count": [5]}), True),
        (detail(**{"c-count": [5.0]}), False),
        (detail(**{"x-limit": [301.8]}), True),
        (detail(**{"c-count": ["5"]}), False),
        # true, false, null and "" are values of their own.
        (detail(isDefault=[False]), True),
        (detail(isDefault=[0]), False),
        (detail(isDefault=[None]), False),
        (detail(responseElements=[None]), True),
        (detail(responseElements=[""]), False),
        (detail(eventVersion=[""]), True),
        (detail(eventVersion=[None]), False),
        # Arrays in the event: any element.
        ({"resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"]}, True),
        (detail(tags=["Insider", "Other"]), True),
        (detail(tags=["Other"]), False),
        (detail(empty=["x"]), False),
        # Objects in arrays: element by element, nested arrays flattened.
        (detail(employees={"firstName": ["Anna"]}), True),
        (detail(employees={"firstName": ["Peter"], "lastName": ["Jones"]}), True),
        (detail(employees={"firstName": ["Anna"], "lastName": ["Smith"]}), True),
        (detail(employees={"firstName": ["Anna"], "lastName": ["Jones"]}), False),
        # A pattern on a leaf does not match an object, and vice versa.
        (detail(nested=["x"]), False),
        (detail(state={"inner": ["x"]}), False),
        (detail(nested={"inner": {"leaf": ["x"]}}), True),
    ],
)
def test_exact_values_objects_and_arrays(pattern: dict[str, Any], expected: bool) -> None:
    assert matches(pattern) is expected


@pytest.mark.parametrize(
    ("content_filter", "field", "expected"),
    [
        ({"exists": True}, "state", True),
        ({"exists": True}, "responseElements", True),  # null is a value
        ({"exists": True}, "missing", False),
        ({"exists": True}, "nested", False),  # only leaves exist
        ({"exists": True}, "empty", False),
        ({"exists": False}, "missing", True),
        ({"exists": False}, "nested", True),
        ({"exists": False}, "empty", True),
        ({"exists": False}, "state", False),
    ],
)
def test_exists(content_filter: dict[str, Any], field: str, expected: bool) -> None:
    assert matches(detail(**{field: [content_filter]})) is expected


def test_alternatives_mix_values_and_filters() -> None:
    pattern = detail(state=["running", {"prefix": "term"}, {"exists": False}])
    assert matches(pattern)
    assert matches(pattern, {"detail": {}})
    assert not matches(pattern, {"detail": {"state": "pending"}})


def test_exists_true_and_false_together_match_anything() -> None:
    pattern = detail(state=[{"exists": True}, {"exists": False}])
    assert matches(pattern)
    assert matches(pattern, {"detail": {"state": {"nested": 1}}})
    assert matches(pattern, {})


def test_exists_false_when_parents_are_missing() -> None:
    pattern = {"detail": {"errorCode": [{"exists": False}]}}
    assert matches(pattern, {"detail": {"eventName": "x"}})
    assert matches(pattern, {"source": "aws.ec2"})
    assert matches(pattern, {"detail": "not an object"})
    assert not matches(pattern, {"detail": {"errorCode": "AccessDenied"}})
    assert not matches(pattern, {"detail": [{"errorCode": "AccessDenied"}]})


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (
            {"source": ["aws.ec2"], "$or": [detail(state=["running"]), detail(**{"c-count": [5]})]},
            True,
        ),
        (
            {"source": ["aws.s3"], "$or": [detail(state=["terminated"]), {"source": ["aws.ec2"]}]},
            False,
        ),
        ({"$or": [{"source": ["aws.s3"]}, {"detail-type": ["nope"]}]}, False),
        ({"detail": {"$or": [{"state": ["x"]}, {"c-count": [{"numeric": [">", 4]}]}]}}, True),
        # Parallel $or: both must hold.
        (
            {
                "$or": [{"source": ["aws.ec2"]}, {"region": ["nope"]}],
                "detail": {"$or": [{"state": ["x"]}, {"d-count": [3]}]},
            },
            True,
        ),
        # An $or alternative with an AND inside, and an $or inside an alternative.
        (
            {
                "$or": [
                    {"source": ["aws.ec2"], "region": ["eu-west-1"]},
                    {
                        "source": ["aws.ec2"],
                        "$or": [{"region": ["x"]}, {"account": ["111122223333"]}],
                    },
                ]
            },
            True,
        ),
        # Inside arrays of objects, $or alternatives apply to one element at a time.
        (detail(employees={"$or": [{"firstName": ["Anna"]}, {"lastName": ["Nobody"]}]}), True),
    ],
)
def test_or(pattern: dict[str, Any], expected: bool) -> None:
    assert matches(pattern) is expected


def test_or_as_an_object_is_an_ordinary_field_name() -> None:
    pattern = {"$or": {"a": ["x"]}}
    assert matches(pattern, {"$or": {"a": "x"}})
    assert not matches(pattern, {"a": "x"})


def test_pattern_as_text_and_as_mapping_agree() -> None:
    pattern = {"source": ["aws.ec2"], "detail": {"c-count": [{"numeric": [">", 4]}]}}
    as_text = compile_event_pattern(json.dumps(pattern))
    assert as_text.matches(EVENT)
    assert as_text.pattern == pattern
    assert as_text.text == json.dumps(pattern, separators=(",", ":"))


def test_last_duplicate_key_of_a_text_pattern_wins() -> None:
    """The guide: with a key given twice, only the last one is evaluated."""
    pattern = compile_event_pattern(
        '{"detail": {"state": [{"prefix": "run"}], "state": [{"anything-but": "running"}]}}'
    )
    assert pattern.matches(EVENT)


def test_matches_a_mapping_that_is_not_a_dict() -> None:
    event = types.MappingProxyType({"detail": types.MappingProxyType({"state": "x"})})
    assert compile_event_pattern(detail(state=["x"])).matches(event)
    with pytest.raises(TypeError, match="Mapping"):
        compile_event_pattern(detail(state=["x"])).matches(["x"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pattern", "path", "problem"),
    [
        ("{not json", "<pattern>", "not valid JSON"),
        ("[1]", "<pattern>", "is a JSON object, got an array"),
        ({}, "<pattern>", "at least one field"),
        ({"source": "aws.ec2"}, "source", 'write ["aws.ec2"]'),
        ({"detail": {"c-count": 5}}, "detail.c-count", "got a number"),
        ({"detail": {}}, "detail", "empty object"),
        ({"a": [["x"]]}, "a[0]", "cannot hold an array"),
        ({"a": [{"exists": "yes"}]}, "a[0].exists", "true or false"),
        ({"$or": [{"a": ["x"]}]}, "$or", "at least two"),
        ({"$or": [{"a": ["x"]}, "b"]}, "$or", "at least two non-empty objects"),
        ({"$or": [{"a": ["x"]}, {"b": "y"}]}, "$or[1].b", "must be an array"),
        ({"a": [float("inf")]}, "a[0]", "not a JSON number"),
    ],
)
def test_invalid_patterns_name_the_path(pattern: Any, path: str, problem: str) -> None:
    assert_invalid(pattern, path, problem)


def test_deep_patterns_are_a_syntax_error_not_a_crash() -> None:
    deep: dict[str, Any] = {"leaf": ["x"]}
    for _ in range(200):
        deep = {"a": deep}
    with pytest.raises(EventPatternSyntaxError, match="nested more than"):
        compile_event_pattern(deep)
    with pytest.raises(EventPatternSyntaxError):
        compile_event_pattern('{"a":' * 100_000)


def test_compile_rejects_other_types() -> None:
    with pytest.raises(TypeError, match="Mapping or JSON text"):
        compile_event_pattern(["x"])  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

_SCALARS = st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-5, 5) | st.text(max_size=4)
_JSON = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["a", "b", "prefix", "numeric", "$or", "exists"]), children, max_size=3
        )
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(pattern=_JSON, event=st.dictionaries(st.sampled_from(["a", "b"]), _JSON, max_size=3))
def test_compiling_never_fails_with_anything_but_a_syntax_error(
    pattern: Any, event: dict[str, Any]
) -> None:
    for candidate in (pattern, {"a": pattern}, {"a": [pattern]}, {"a": {"b": pattern}}):
        try:
            compiled = compile_event_pattern(candidate)
        except EventPatternSyntaxError:
            continue
        except TypeError:
            assert not isinstance(candidate, dict)
            continue
        assert isinstance(compiled.matches(event), bool)


def _leaf_patterns(value: Any) -> Any:
    """A pattern of exact values built from an event: it must match that event."""
    if isinstance(value, dict):
        fields = {key: _leaf_patterns(item) for key, item in value.items()}
        return {key: item for key, item in fields.items() if item is not None} or None
    if isinstance(value, list):
        return None
    return [value]


@settings(max_examples=300, deadline=None)
@given(
    event=st.dictionaries(
        st.sampled_from(["a", "b", "c"]),
        st.dictionaries(st.sampled_from(["x", "y"]), _SCALARS, max_size=2) | _SCALARS,
        min_size=1,
        max_size=3,
    )
)
def test_a_pattern_of_an_events_own_values_matches_it(event: dict[str, Any]) -> None:
    pattern = _leaf_patterns(event)
    if pattern is None:
        return
    assert compile_event_pattern(pattern).matches(event)
    assert compile_event_pattern(pattern).matches(json.loads(json.dumps(event)))


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ({"resources": []}, "resources"),
        ({"detail": {"eventName": []}}, "detail.eventName"),
        ({"$or": [{"a": ["x"]}, {"b": []}]}, "$or[1].b"),
    ],
    ids=["resources", "nested", "in-or"],
)
def test_empty_value_arrays_are_refused_as_eventbridge_does(pattern: Any, path: str) -> None:
    # GIVEN a field whose array of values is empty (it could never match)
    # THEN compiling refuses it, as AWS's compiler does (event-ruler JsonRuleCompiler:
    # "Empty arrays are not allowed"), naming the field
    assert_invalid(pattern, path, "Empty arrays are not allowed")
