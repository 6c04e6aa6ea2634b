"""validate: is_token answers like aws-cdk-lib's Token.is_unresolved, without asking the jsii
kernel about plain Python strings and numbers."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import Duration, Fn, Token

from constructs_obs.private.validate import is_token

_STACK = cdk.Stack(cdk.App(), "Stack")


_VALUES = {
    "plain": "plain",
    "empty": "",
    "marker only": "${Token[",
    "space in key": "${Token[a b]}",
    "unclosed": "${Token[TOKEN.1]",
    "list marker": "#{Token[TOKEN.1]}",
    "control char": "a\x01b",
    "region": _STACK.region,
    "partition": _STACK.partition,
    "arn": f"arn:{_STACK.partition}:logs:{_STACK.region}:{_STACK.account}:log-group:*",
    "ref": Token.as_string({"Ref": "Thing"}),
    "join": Fn.join("-", ["a", _STACK.region]),
    "zero": 0,
    "int": 5,
    "negative": -3,
    "float": 1.5,
    "number token": Token.as_number({"Ref": "Number"}),
    "list token": Token.as_list({"Ref": "List"}),
    "list": ["plain"],
    "duration": Duration.minutes(5),
    "duration token": Duration.minutes(Token.as_number({"Ref": "Minutes"})),
    "none": None,
    "bool": True,
}


@pytest.mark.parametrize("name", sorted(_VALUES))
def test_is_token_agrees_with_aws_cdk_lib(name: str) -> None:
    value = _VALUES[name]
    expected = False if value is None else bool(Token.is_unresolved(value))
    assert is_token(value) is expected


def test_a_number_jsii_cannot_carry_is_no_token() -> None:
    # NaN and infinity are not JSON: they must not reach the jsii kernel.
    assert is_token(float("nan")) is False
    assert is_token(float("inf")) is False
