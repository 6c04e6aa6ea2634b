"""Dotted keys: ``"state.status"`` is the path state -> status, in patterns and in events.

AWS's matching library joins the keys of a path with ``.`` when it compiles a pattern and when
it flattens an event (event-ruler README, "Caveat: Compiled rules and JSON keys with dots"), so
both spellings of a rule match both spellings of an event.
"""

from __future__ import annotations

from typing import Any

import pytest

from constructs_obs.detections import DetectionSet, compile_event_pattern
from constructs_obs.detections._dotted import expand_object, nest_pattern
from tests.detections.helpers import api_call
from tests.detections.sample_template import rule

NESTED_RULE = {"detail": {"state": {"status": ["running"]}}}
DOTTED_RULE = {"detail": {"state.status": ["running"]}}
NESTED_EVENT = {"detail": {"state": {"status": "running"}}}
DOTTED_EVENT = {"detail": {"state.status": "running"}}


@pytest.mark.parametrize("event", [NESTED_EVENT, DOTTED_EVENT], ids=["nested", "dotted"])
@pytest.mark.parametrize("pattern", [NESTED_RULE, DOTTED_RULE], ids=["nested", "dotted"])
def test_both_spellings_of_a_rule_match_both_spellings_of_an_event(
    pattern: dict[str, Any], event: dict[str, Any]
) -> None:
    # GIVEN the event-ruler README's two rules and two events
    # WHEN one is matched against the other
    # THEN it matches, and a different value does not
    compiled = compile_event_pattern(pattern)
    assert compiled.matches(event)
    assert not compiled.matches({"detail": {"state": {"status": "stopped"}}})
    assert not compiled.matches({"detail": {"state.status": "stopped"}})


def test_a_dotted_key_at_the_top_reaches_into_detail() -> None:
    # GIVEN a pattern written with one flattened path
    compiled = compile_event_pattern({"source": ["aws.iam"], "detail.eventName": ["CreateUser"]})
    # THEN it reads detail.eventName, and keeps the text as written
    assert compiled.matches({"source": "aws.iam", "detail": {"eventName": "CreateUser"}})
    assert not compiled.matches({"source": "aws.iam", "detail": {"eventName": "GetUser"}})
    assert '"detail.eventName"' in compiled.text


def test_dotted_and_nested_fields_of_one_pattern_are_all_required() -> None:
    compiled = compile_event_pattern(
        {"detail.a": ["1"], "detail": {"b": ["2"]}, "$or": [{"x.y": ["3"]}, {"z": ["4"]}]}
    )
    assert compiled.matches({"detail": {"a": "1", "b": "2"}, "x": {"y": "3"}})
    assert compiled.matches({"detail": {"a": "1", "b": "2"}, "z": "4"})
    assert not compiled.matches({"detail": {"a": "1"}, "z": "4"})
    assert not compiled.matches({"detail": {"a": "1", "b": "2"}, "x": {"y": "4"}})


def test_a_field_spelled_both_ways_is_read_through_its_nested_spelling() -> None:
    # The documented choice: dotted keys are read where the plain spelling is missing.
    compiled = compile_event_pattern({"a": {"b": ["nested"]}})
    assert compiled.matches({"a": {"b": "nested"}, "a.b": "dotted"})
    assert compiled.matches({"a.b": "nested", "c": 1})
    assert not compiled.matches({"a.c": "nested"})
    # expanding an object merges what both spellings hold
    assert expand_object({"a.b": 1, "a": {"b": 2, "c": 3}}) == {"a": {"b": [1, 2], "c": 3}}


def test_dotted_keys_inside_or_branches() -> None:
    compiled = compile_event_pattern({"$or": [{"a": {"b": ["1"]}}, {"c": ["2"]}]})
    assert compiled.matches({"a.b": "1"})
    assert compiled.matches({"x": {"y": 1}, "c": "2"})
    assert not compiled.matches({"a.b": "2"})


def test_the_later_spelling_of_a_field_wins_in_a_pattern() -> None:
    # event-ruler's compiler writes each field once, the later value replacing the earlier.
    assert nest_pattern({"a.b": ["1"], "a": {"b": ["2"]}}) == {"a": {"b": ["2"]}}
    assert nest_pattern({"a": {"b": ["1"]}, "a.c": ["2"]}) == {"a": {"b": ["1"], "c": ["2"]}}


def test_a_record_with_a_dotted_key_fires_the_rule_on_its_nested_path() -> None:
    # GIVEN a rule on detail.userIdentity.type and a CloudTrail record that spells the path
    # with a dotted key (the evaluator skips rules by reading that path first)
    detections = DetectionSet.from_template(
        {"Resources": {"RootRule": rule({"detail": {"userIdentity": {"type": ["Root"]}}})}}
    )
    record = api_call("iam", "CreateUser")
    record["userIdentity.type"] = "Root"
    del record["userIdentity"]
    # WHEN it is evaluated
    report = detections.evaluate([record])
    # THEN the rule fires
    assert report.fired("RootRule") == [0]
