"""Alarm names that say what broke.

A name reads ``<prefix>-<resource>-<signal>-<severity>``, e.g. ``shop-orders-db-cpu-critical``:
the prefix comes from the routing (or the stack name), the resource and signal from the
construct that creates the alarm. Names are unique per account and region:
``constructs_obs.private.names`` refuses a second alarm with the same name at construct time.
"""

from __future__ import annotations

import re

from constructs_obs.alarms.severity import Severity

__all__ = ["alarm_name", "name_part"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.]+")


def name_part(text: str) -> str:
    """``text`` reduced to letters, digits, ``_`` and ``.``, other runs turned into ``-``."""
    return _UNSAFE.sub("-", text).strip("-").lower()


def alarm_name(prefix: str, resource: str, signal: str, severity: Severity) -> str:
    parts = [name_part(prefix), name_part(resource), name_part(signal), severity.value]
    return "-".join(part for part in parts if part)
