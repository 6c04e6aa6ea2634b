"""The JSON type name of a decoded value, for messages about configs and events.

Messages name JSON types ("object", "array", "number") rather than Python ones, because the
people reading them wrote JSON: the ``REMEDIATION_ACTIONS`` variable or an alarm event.
"""

from __future__ import annotations


def json_type(value: object) -> str:
    """The JSON name of a decoded value's type (``null``, ``object``, ``array``, ...)."""
    names: dict[type, str] = {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
    }
    return "null" if value is None else names.get(type(value), type(value).__name__)
