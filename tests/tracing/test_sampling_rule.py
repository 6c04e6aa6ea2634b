"""SamplingRule: the rule X-Ray gets, its defaults, and the errors for values X-Ray refuses."""

from __future__ import annotations

import math
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match

from constructs_obs import InvalidParameterError
from constructs_obs.tracing import SamplingRule
from tests.support.harness import Synthesized, new_stack, synth


def _build(app: cdk.App) -> None:
    stack = new_stack(app, "Sampling")
    SamplingRule(
        stack,
        "OrdersCheckout",
        service_name="orders",
        fixed_rate=0.05,
        reservoir_size=2,
        priority=100,
        url_path="/api/checkout*",
        http_method="POST",
        attributes={"tenant": "gold"},
    )
    SamplingRule(
        stack,
        "Health",
        rule_name="orders-health-checks",
        service_name="orders*",
        fixed_rate=0,
        reservoir_size=0,
        priority=1,
        url_path="/health",
    )


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("tracing_sampling", _build)


def test_rule_with_matchers(synthesized: Synthesized) -> None:
    synthesized.template().has_resource_properties(
        "AWS::XRay::SamplingRule",
        {
            "SamplingRule": {
                "RuleName": "OrdersCheckout",
                "ServiceName": "orders",
                "FixedRate": 0.05,
                "ReservoirSize": 2,
                "Priority": 100,
                "URLPath": "/api/checkout*",
                "HTTPMethod": "POST",
                "Host": "*",
                "ServiceType": "*",
                "ResourceARN": "*",
                "Attributes": {"tenant": "gold"},
                "Version": 1,
            }
        },
    )


def test_rule_name_and_zero_rates(synthesized: Synthesized) -> None:
    synthesized.template().has_resource_properties(
        "AWS::XRay::SamplingRule",
        {
            "SamplingRule": Match.object_like(
                {
                    "RuleName": "orders-health-checks",
                    "ServiceName": "orders*",
                    "FixedRate": 0,
                    "ReservoirSize": 0,
                    "Priority": 1,
                    "URLPath": "/health",
                    "HTTPMethod": "*",
                }
            )
        },
    )
    assert len(synthesized.resources("AWS::XRay::SamplingRule")) == 2


# -- errors ----------------------------------------------------------------------------------


def _rule(stack: cdk.Stack, **overrides: Any) -> SamplingRule:
    kwargs: dict[str, Any] = {
        "service_name": "orders",
        "fixed_rate": 0.1,
        "reservoir_size": 1,
        "priority": 10,
    }
    kwargs.update(overrides)
    return SamplingRule(stack, "Rule", **kwargs)


@pytest.mark.parametrize(
    ("overrides", "parameter", "message"),
    [
        (
            {"fixed_rate": 1.5},
            "fixed_rate",
            "1.5 is not a share of requests; it must be between 0 and 1 (e.g. 0.05 for 5 %)",
        ),
        ({"fixed_rate": -0.1}, "fixed_rate", "it must be between 0 and 1"),
        # Found by the property tests: a TypeError from dict(-1).
        ({"attributes": -1}, "attributes", "expected a mapping of str -> str, got -1"),
        ({"fixed_rate": math.nan}, "fixed_rate", "expected a finite number, got nan"),
        ({"fixed_rate": "5%"}, "fixed_rate", "expected a finite number, got '5%'"),
        ({"priority": 0}, "priority", "must be >= 1 and <= 9999, got 0"),
        ({"priority": 10000}, "priority", "must be >= 1 and <= 9999, got 10000"),
        ({"priority": 1.5}, "priority", "expected an integer, got 1.5"),
        ({"reservoir_size": -1}, "reservoir_size", "must be >= 0, got -1"),
        ({"rule_name": "r" * 33}, "rule_name", "must be at most 32 characters, got 33"),
        ({"rule_name": "Default"}, "rule_name", "'Default' is reserved by X-Ray"),
        (
            {"rule_name": "orders rule"},
            "rule_name",
            "contain only letters, digits, '_', '.' and '-'",
        ),
        ({"service_name": "s" * 65}, "service_name", "must be at most 64 characters, got 65"),
        ({"url_path": "/" + "p" * 128}, "url_path", "must be at most 128 characters, got 129"),
        ({"http_method": "PROPPATCHES"}, "http_method", "must be at most 10 characters, got 11"),
        (
            {"attributes": {f"k{i}": "v" for i in range(6)}},
            "attributes",
            "X-Ray matches at most 5 attributes, got 6",
        ),
        ({"attributes": {"tenant": "v" * 33}}, "attributes", "must be at most 32 characters"),
    ],
)
def test_values_xray_refuses(
    stack: cdk.Stack, overrides: dict[str, Any], parameter: str, message: str
) -> None:
    with pytest.raises(InvalidParameterError) as info:
        _rule(stack, **overrides)
    assert info.value.parameter == parameter
    assert str(info.value).startswith("SamplingRule 'Rule': invalid ")
    assert message in str(info.value)


def test_a_long_construct_id_needs_a_rule_name(stack: cdk.Stack) -> None:
    with pytest.raises(InvalidParameterError, match="rule_name: must be at most 32 characters"):
        SamplingRule(
            stack,
            "OrdersCheckoutRequestsOfGoldTenants",
            service_name="orders",
            fixed_rate=0.1,
            reservoir_size=1,
            priority=10,
        )


def test_rule_names_are_unique_per_account_and_region(stack: cdk.Stack) -> None:
    _rule(stack, rule_name="orders")
    with pytest.raises(InvalidParameterError) as info:
        SamplingRule(
            stack,
            "Again",
            rule_name="orders",
            service_name="orders",
            fixed_rate=0.1,
            reservoir_size=1,
            priority=10,
        )
    assert info.value.parameter == "rule_name"
    assert "'orders' is already used by another X-Ray sampling rule" in str(info.value)


def test_same_rule_name_in_another_region_is_fine(stack: cdk.Stack) -> None:
    _rule(stack, rule_name="orders")
    app = stack.node.root
    assert isinstance(app, cdk.App)
    elsewhere = cdk.Stack(
        app,
        "UsEast",
        env=cdk.Environment(account="123456789012", region="us-east-1"),
    )
    rule = _rule(elsewhere, rule_name="orders")
    assert rule.rule_name == "orders"
