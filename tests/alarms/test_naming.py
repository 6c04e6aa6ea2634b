"""Alarm names: ``<prefix>-<resource>-<signal>-<severity>``, reduced to characters that read
well in a name and match the routing's ``<prefix>-*-<severity>`` patterns."""

from __future__ import annotations

import pytest

from constructs_obs import Severity
from constructs_obs.alarms.naming import alarm_name, name_part


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("orders-db", "orders-db"),
        ("Shop.Prod", "shop.prod"),
        ("/shop/orders", "shop-orders"),
        ("queue depth (p99)", "queue-depth-p99"),
        ("--cpu__max--", "cpu__max"),
        ("!!!", ""),
    ],
)
def test_name_part_keeps_letters_digits_underscores_and_dots(text: str, part: str) -> None:
    assert name_part(text) == part


@pytest.mark.parametrize(
    ("prefix", "resource", "signal", "severity", "name"),
    [
        ("shop", "orders-db", "cpu", Severity.CRITICAL, "shop-orders-db-cpu-critical"),
        (
            "Shop",
            "/shop/orders",
            "OrderErrors",
            Severity.WARNING,
            "shop-shop-orders-ordererrors-warning",
        ),
        # A part with nothing left is dropped rather than leaving '--' in the name.
        ("", "Orders", "queue depth", Severity.WARNING, "orders-queue-depth-warning"),
        ("shop", "***", "cpu", Severity.CRITICAL, "shop-cpu-critical"),
    ],
)
def test_alarm_name_reads_prefix_resource_signal_severity(
    prefix: str, resource: str, signal: str, severity: Severity, name: str
) -> None:
    assert alarm_name(prefix, resource, signal, severity) == name
