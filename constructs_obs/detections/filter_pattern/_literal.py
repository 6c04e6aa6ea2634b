"""Values written in a filter pattern, and the text tests they compile to.

A value after an operator (``$.a = value`` in a JSON pattern, ``field = value`` in a
space-delimited one) is a :class:`Literal`: a string, maybe with ``*`` wildcards, a number, or
a ``%regex%``. CloudWatch Logs treats ``*`` as a wildcard only as the first and/or last
character (``Ev*ent`` is literal); :func:`string_test` encodes that rule for both languages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["NUMBER", "Literal", "ObjectPredicate", "TextPredicate", "string_test"]

#: A compiled pattern (or part of one) on a parsed JSON event.
ObjectPredicate = Callable[[dict[str, Any]], bool]
#: A compiled pattern (or part of one) on the text of a log event.
TextPredicate = Callable[[str], bool]

#: An unquoted number as a pattern may write it (and as a space-delimited field may hold it).
NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class Literal:
    """A value written in a pattern: a string (maybe with wildcards), a number or a regex."""

    text: str
    quoted: bool
    column: int
    number: float | None = None
    regex: re.Pattern[str] | None = None

    @property
    def is_exact_string(self) -> bool:
        """A plain string compared for equality (no wildcard, no regex, not a number)."""
        return (
            self.regex is None
            and self.number is None
            and not self.text.startswith("*")
            and not self.text.endswith("*")
        )


def string_test(literal: Literal) -> Callable[[str], bool]:
    """Equality of a text with a literal: exact, wildcard at start/end, or regex."""
    if literal.regex is not None:
        search = literal.regex.search
        return lambda text: search(text) is not None
    core = literal.text
    leading = core.startswith("*")
    if leading:
        core = core[1:]
    trailing = core.endswith("*")
    if trailing:
        core = core[:-1]
    if leading and trailing:
        return lambda text: core in text
    if leading:
        return lambda text: text.endswith(core)
    if trailing:
        return lambda text: text.startswith(core)
    return lambda text: text == core
