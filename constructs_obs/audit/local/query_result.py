"""What a local query returned: its rows, the files it read and skipped, and how to print them.

A :class:`QueryResult` holds the rows DuckDB returned with the log files behind them: the
files read (:attr:`QueryResult.files_scanned`, the files of the queried days, as Athena's
partition projection would read) and the files skipped because they could not be read
(:class:`SkippedFile`, with DuckDB's reason). It renders as an aligned text table, CSV or
JSON, the output formats of ``constructs-obs-audit run``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constructs_obs.audit.local._messages import AD_HOC

__all__ = ["QueryResult", "SkippedFile"]


@dataclass(frozen=True)
class SkippedFile:
    """A log file that could not be read, and why."""

    path: Path
    reason: str


@dataclass(frozen=True)
class QueryResult:
    """What a query returned, and which files it read.

    Parameters
    ----------
    columns:
        Column names, in order.
    rows:
        One tuple per row; strings, integers or ``None`` for the shipped queries.
    files_scanned:
        The log files whose records went into the query, in path order.
    skipped_files:
        Files in the day range that could not be read, with the reason.
    query:
        The query name, or ``"ad-hoc SQL"``.
    duckdb_sql:
        The SQL DuckDB ran, as transpiled from Athena's dialect.
    elapsed_seconds:
        Wall time of the run, listing and reading included.
    outside_projection:
        Files in the day range that Athena would not read (outside the table's projection),
        with the reason; read (and warned about) unless ``only_projected``.
    only_projected:
        Whether the files outside the projection were left out.
    worker_cpu_seconds:
        CPU time of the processes that decoded log files for this run
        (:mod:`~constructs_obs.audit.local.record_decoder`), which this process's own CPU
        time does not count.
    """

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    files_scanned: tuple[Path, ...]
    skipped_files: tuple[SkippedFile, ...] = ()
    query: str = AD_HOC
    duckdb_sql: str = ""
    elapsed_seconds: float = 0.0
    outside_projection: tuple[SkippedFile, ...] = ()
    only_projected: bool = False
    worker_cpu_seconds: float = 0.0

    @property
    def warnings(self) -> tuple[str, ...]:
        """One line per file Athena would not have read and this result did (or did not)."""
        verb = "left out" if self.only_projected else "read, though Athena would not"
        return tuple(f"{item.path}: {verb}: {item.reason}" for item in self.outside_projection)

    def to_records(self) -> list[dict[str, Any]]:
        """Return the rows as dictionaries keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return the rows as a JSON array of objects (values that JSON lacks as strings)."""
        return json.dumps(self.to_records(), indent=indent, ensure_ascii=False, default=str)

    def to_csv(self) -> str:
        """Return the rows as CSV with a header line; ``None`` becomes an empty field."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow(["" if value is None else value for value in row])
        return buffer.getvalue()

    def to_table(self, *, max_width: int | None = 60) -> str:
        """Return the rows as an aligned text table, with a row count at the end.

        Parameters
        ----------
        max_width:
            Longest cell shown; longer values are cut with ``…``. ``None``: no limit.
            Default: - 60 characters.
        """
        cells = [[_cell(value, max_width) for value in row] for row in self.rows]
        widths = [
            max([len(name), *(len(row[index]) for row in cells)])
            for index, name in enumerate(self.columns)
        ]
        numeric = [
            bool(self.rows) and all(isinstance(row[index], int | float) for row in self.rows)
            for index in range(len(self.columns))
        ]

        def line(values: Sequence[str]) -> str:
            padded = (
                value.rjust(width) if right else value.ljust(width)
                for value, width, right in zip(values, widths, numeric, strict=True)
            )
            return " | ".join(padded).rstrip()

        count = len(self.rows)
        lines = [line(self.columns), "-+-".join("-" * width for width in widths)]
        lines.extend(line(row) for row in cells)
        lines.append(f"({count} row{'' if count == 1 else 's'})")
        return "\n".join(lines) + "\n"


def _cell(value: object, max_width: int | None) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    if max_width is not None and len(text) > max_width:
        return text[: max(max_width - 1, 0)] + "…"
    return text
