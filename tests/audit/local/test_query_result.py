"""QueryResult: the rows as JSON, CSV and an aligned text table."""

from __future__ import annotations

import json
from typing import Final

from constructs_obs.audit import QueryResult

RESULT: Final = QueryResult(
    columns=("name", "count", "note"),
    rows=[("alpha", 3, None), ("b", 12, "line1\nline2, with a comma and a long tail")],
    files_scanned=(),
)


def test_to_json() -> None:
    assert json.loads(RESULT.to_json()) == [
        {"name": "alpha", "count": 3, "note": None},
        {"name": "b", "count": 12, "note": "line1\nline2, with a comma and a long tail"},
    ]
    assert "\n" not in RESULT.to_json(indent=None)


def test_to_csv() -> None:
    assert RESULT.to_csv() == (
        'name,count,note\nalpha,3,\nb,12,"line1\nline2, with a comma and a long tail"\n'
    )


def test_to_table() -> None:
    assert RESULT.to_table(max_width=20) == (
        "name  | count | note\n"
        "------+-------+---------------------\n"
        "alpha |     3 |\n"
        "b     |    12 | line1\\nline2, with …\n"
        "(2 rows)\n"
    )
    single = QueryResult(columns=("n",), rows=[(1,)], files_scanned=())
    assert single.to_table().endswith("(1 row)\n")
    empty = QueryResult(columns=("n",), rows=[], files_scanned=())
    assert empty.to_table() == "n\n-\n(0 rows)\n"
    assert "line2, with a comma and a long tail" in RESULT.to_table(max_width=None)
