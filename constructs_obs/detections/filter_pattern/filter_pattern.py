"""CloudWatch Logs filter patterns: compile once, then match log events offline.

Implements the syntax of the CloudWatch Logs user guide ("Filter pattern syntax for metric
filters, subscription filters, filter log events, and Live Tail"); this module reads which
language a pattern is written in and hands it to that language's parser:

* the empty pattern matches every event;
* **terms** -- ``ERROR Exception`` (every term, case-sensitive substring), ``?ERROR ?WARN``
  (either), ``ERROR -Exiting`` (exclude), ``"Failed to process"`` (a phrase), ``%regex%``
  (:mod:`.terms_parser`);
* **JSON** -- ``{ $.eventName = "ConsoleLogin" && $.errorCode NOT EXISTS }``
  (:mod:`.json_parser`, :mod:`.json_pattern`);
* **space-delimited** -- ``[ip, user, ..., status_code = 4* || status_code = 5*, bytes > 10]``
  (:mod:`.space_delimited_parser`, :mod:`.space_delimited_pattern`).

CloudWatch Logs rejects patterns longer than 1,024 characters; so does
:func:`compile_filter_pattern`. A JSON pattern never matches an event that is not a JSON
object; the other patterns read a parsed event as its compact JSON text, the text CloudTrail
writes to CloudWatch Logs.

Example
-------
>>> pattern = compile_filter_pattern('{ ($.eventName = "ConsoleLogin") && ($.errorCode NOT EXISTS) }')
>>> pattern.matches('{"eventName": "ConsoleLogin"}')
True
>>> pattern.matches({"eventName": "ConsoleLogin", "errorCode": "AccessDenied"})
False
"""  # noqa: E501

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from typing import Any, Final

from constructs_obs.detections._guards import Guards
from constructs_obs.detections.errors import FilterPatternSyntaxError
from constructs_obs.detections.filter_pattern._literal import ObjectPredicate, TextPredicate
from constructs_obs.detections.filter_pattern._scanner import Scanner
from constructs_obs.detections.filter_pattern.json_parser import JsonParser
from constructs_obs.detections.filter_pattern.json_pattern import compile_json, json_guards
from constructs_obs.detections.filter_pattern.space_delimited_parser import SpaceDelimitedParser
from constructs_obs.detections.filter_pattern.terms_parser import TermsParser

__all__ = [
    "MAX_PATTERN_LENGTH",
    "FilterPattern",
    "FilterPatternKind",
    "compact_json",
    "compile_filter_pattern",
]

#: CloudWatch Logs rejects longer filter patterns (PutMetricFilter ``filterPattern``).
MAX_PATTERN_LENGTH: Final = 1024


class FilterPatternKind(enum.Enum):
    """Which of the filter-pattern languages a pattern is written in."""

    MATCH_ALL = "match_all"
    TERMS = "terms"
    JSON = "json"
    SPACE_DELIMITED = "space_delimited"


class FilterPattern:
    """A compiled CloudWatch Logs filter pattern; build it with :func:`compile_filter_pattern`.

    Attributes
    ----------
    pattern:
        The pattern text, as given.
    kind:
        The pattern language (terms, JSON, space-delimited, or match-all).
    """

    __slots__ = ("_guards", "_object_predicate", "_text_predicate", "kind", "pattern")

    def __init__(
        self,
        pattern: str,
        kind: FilterPatternKind,
        *,
        object_predicate: ObjectPredicate | None = None,
        text_predicate: TextPredicate | None = None,
        guards: Guards | None = None,
    ) -> None:
        self.pattern = pattern
        self.kind = kind
        self._object_predicate = object_predicate
        self._text_predicate = text_predicate
        self._guards: Guards = guards or {}

    @property
    def is_json(self) -> bool:
        """True for ``{ ... }`` patterns, which read fields of a JSON event."""
        return self.kind is FilterPatternKind.JSON

    def matches(self, event: str | Mapping[str, Any]) -> bool:
        """Whether the pattern matches one log event.

        Parameters
        ----------
        event:
            The raw log message, or an already-parsed JSON event. A JSON pattern parses a
            message as JSON (a message that is not a JSON object never matches); the other
            patterns read the message text, which for a parsed event is its compact JSON text
            (serialized only when needed).
        """
        if isinstance(event, str):
            return self.matches_text(event)
        if not isinstance(event, Mapping):
            raise TypeError(
                f"a log event is a str or a Mapping of a parsed JSON event, got "
                f"{type(event).__name__}"
            )
        plain = event if type(event) is dict else _plain_json(event)
        if self._object_predicate is not None:
            return self._object_predicate(plain)
        return self.matches_text(compact_json(plain))

    def matches_text(self, message: str) -> bool:
        """Whether the pattern matches a raw log message."""
        if self._text_predicate is not None:
            return self._text_predicate(message)
        assert self._object_predicate is not None
        try:
            parsed = json.loads(message)
        except (ValueError, RecursionError):
            return False
        return type(parsed) is dict and self._object_predicate(parsed)

    def __repr__(self) -> str:
        return f"compile_filter_pattern({self.pattern!r})"


def compact_json(event: Mapping[str, Any]) -> str:
    """The compact JSON text of an event, as CloudTrail writes a record to CloudWatch Logs."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


def compile_filter_pattern(pattern: str) -> FilterPattern:
    """Compile a CloudWatch Logs filter pattern.

    Parameters
    ----------
    pattern:
        The filter pattern, as given to a metric filter or subscription filter.

    Returns
    -------
    FilterPattern
        The compiled pattern; compile once and call ``matches`` for every event.

    Raises
    ------
    FilterPatternSyntaxError
        The pattern is not valid; the message and ``.column`` point at the problem.
    """
    if not isinstance(pattern, str):
        raise TypeError(f"a filter pattern is a str, got {type(pattern).__name__}")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise FilterPatternSyntaxError(
            pattern,
            MAX_PATTERN_LENGTH + 1,
            f"the pattern is {len(pattern)} characters long; CloudWatch Logs allows at most "
            f"{MAX_PATTERN_LENGTH}",
        )
    stripped = pattern.strip()
    if not stripped:
        return FilterPattern(pattern, FilterPatternKind.MATCH_ALL, text_predicate=_always)
    start = len(pattern) - len(pattern.lstrip())
    scanner = Scanner(pattern, start)
    if stripped.startswith("{"):
        node = JsonParser(scanner).parse()
        return FilterPattern(
            pattern,
            FilterPatternKind.JSON,
            object_predicate=compile_json(node),
            guards=json_guards(node),
        )
    if stripped.startswith("["):
        return FilterPattern(
            pattern,
            FilterPatternKind.SPACE_DELIMITED,
            text_predicate=SpaceDelimitedParser(scanner).parse(),
        )
    return FilterPattern(
        pattern, FilterPatternKind.TERMS, text_predicate=TermsParser(scanner).parse()
    )


def _always(_message: str) -> bool:
    return True


def _plain_json(value: Any) -> Any:
    """A Mapping/sequence tree as the dicts and lists json.loads would have produced."""
    if isinstance(value, Mapping):
        return {str(key): _plain_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_json(item) for item in value]
    return value
