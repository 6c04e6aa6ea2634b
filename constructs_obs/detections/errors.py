"""Errors raised by the offline detection evaluator.

Each one is a :class:`~constructs_obs.errors.ConstructsObsError` (so ``except
ConstructsObsError`` catches everything this library raises on purpose) and a ``ValueError``
(the input had the right type but a wrong value). Messages name what was being read: the
column of a filter pattern, the path inside an event pattern, the file of a record set or
the logical id of a template resource.
"""

from __future__ import annotations

from constructs_obs.errors import ConstructsObsError

__all__ = [
    "DetectionTemplateError",
    "EventPatternSyntaxError",
    "FilterPatternSyntaxError",
    "RecordLoadError",
]


class FilterPatternSyntaxError(ConstructsObsError, ValueError):
    """A CloudWatch Logs filter pattern that CloudWatch Logs would not accept.

    The message shows the pattern with a caret under the offending character.

    Parameters
    ----------
    pattern:
        The whole filter pattern.
    column:
        1-based position of the problem in ``pattern`` (``len(pattern) + 1`` means "at the
        end").
    problem:
        What is wrong, e.g. ``"expected '}' to close the JSON pattern"``.
    """

    def __init__(self, pattern: str, column: int, problem: str) -> None:
        self.pattern = pattern
        self.column = column
        self.problem = problem
        # Tabs and line breaks would move the caret off its character: show them as spaces.
        shown = pattern.translate(_ONE_CELL)
        caret = " " * (column - 1) + "^"
        super().__init__(
            f"invalid filter pattern at column {column}: {problem}\n  {shown}\n  {caret}"
        )


_ONE_CELL = str.maketrans({"\t": " ", "\n": " ", "\r": " ", "\f": " ", "\v": " "})


class EventPatternSyntaxError(ConstructsObsError, ValueError):
    """An Amazon EventBridge event pattern that EventBridge would reject.

    Parameters
    ----------
    path:
        Where the bad part is, e.g. ``"detail.eventName[2]"`` (``"<pattern>"`` for the
        whole pattern).
    problem:
        What is wrong and what is allowed instead.
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"invalid event pattern at {path}: {problem}")


class RecordLoadError(ConstructsObsError, ValueError):
    """CloudTrail records could not be read from a file, a folder or a value.

    Parameters
    ----------
    source:
        The file or folder (or a description of the value) being read.
    problem:
        What is wrong with it.
    """

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"cannot load CloudTrail records from {source}: {problem}")


class DetectionTemplateError(ConstructsObsError, ValueError):
    """A CloudFormation template (or one of its detections) could not be read.

    Parameters
    ----------
    where:
        The template and, when known, the logical id, e.g. ``"audit.template.json: RootUsage"``.
    problem:
        What is wrong.
    """

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")
