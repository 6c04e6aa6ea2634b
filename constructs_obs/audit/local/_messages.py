"""How the local engine words what it reports, in results and in one-line errors.

DuckDB and sqlglot explain a failure over several lines (the statement, a caret, hints); the
engine's errors keep the first line so the command line can print each on one line. SQL
given as text rather than by query name is reported as ``"ad-hoc SQL"``.
"""

from __future__ import annotations

from typing import Final

__all__ = ["AD_HOC", "first_line"]

#: The query name of SQL given as text (``run_sql``), in results and errors.
AD_HOC: Final = "ad-hoc SQL"


def first_line(message: str) -> str:
    """The first non-blank line of ``message``, stripped (the message itself if it has none)."""
    lines = message.strip().splitlines()
    return lines[0].strip() if lines else message
