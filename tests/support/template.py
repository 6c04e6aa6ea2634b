"""Reading values out of synthesized templates."""

from __future__ import annotations

from typing import Any


def render(value: Any) -> str:
    """A CloudFormation string value with every intrinsic except ``Fn::Join`` replaced by the
    placeholder ``REF`` (JSON-safe, so a joined JSON document still parses)."""
    if isinstance(value, str):
        return value
    (function, argument), *_ = value.items()
    if function == "Fn::Join":
        return str(argument[0]).join(render(part) for part in argument[1])
    return "REF"
