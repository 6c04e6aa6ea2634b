"""CloudWatch Logs filter patterns: compile once, then match log events offline.

Implements the syntax of the CloudWatch Logs user guide ("Filter pattern syntax for metric
filters, subscription filters, filter log events, and Live Tail"):

* the empty pattern matches every event;
* **terms** -- ``ERROR Exception`` (every term, case-sensitive substring), ``?ERROR ?WARN``
  (either), ``ERROR -Exiting`` (exclude), ``"Failed to process"`` (a phrase), ``%regex%``;
* **JSON** -- ``{ $.eventName = "ConsoleLogin" && $.errorCode NOT EXISTS }`` with selectors
  ``$.a.b`` and ``$.a[0]``, ``=``/``!=`` on strings (``*`` wildcard at the start and/or end,
  ``%regex%``), ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=`` on numbers, ``IS TRUE``,
  ``IS FALSE``, ``IS NULL``, ``NOT EXISTS``, ``&&`` binding tighter than ``||``, parentheses;
* **space-delimited** -- ``[ip, user, ..., status_code = 4* || status_code = 5*, bytes > 10]``.

Where the documentation is silent this module chooses, and documents, one behaviour:

* A comparison only applies to a value node (a string or a number). On a missing field, an
  object, an array, a boolean or ``null`` both ``=`` and ``!=`` are false; use ``NOT EXISTS``,
  ``IS NULL``, ``IS TRUE``/``IS FALSE`` for those (this is what the Security Hub root-usage
  pattern relies on).
* ``=``/``!=`` with a string compare the text of the field (a number's JSON text, ``400``);
  with an unquoted number they compare numbers (``1e3`` equals ``1000``) or, on a string
  field, the text as written. ``<``, ``<=``, ``>``, ``>=`` only apply to JSON numbers.
* ``*`` is a wildcard only as the first and/or last character (``Ev*ent`` is literal), quoted
  or not.
* In term patterns every ``?term`` starts an alternative; plain terms join the current
  alternative (``?ERROR MainThread ?WARN Deadlock`` is "both of the first two or both of the
  last two", what aws-cdk's ``FilterPattern.anyTermGroup`` writes) and ``-term`` excludes the
  event whatever the alternative.
* A JSON pattern never matches an event that is not a JSON object.

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
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from constructs_obs.detections._guards import Guard, GuardKey, Guards, all_of, any_of
from constructs_obs.detections.errors import FilterPatternSyntaxError

__all__ = [
    "MAX_PATTERN_LENGTH",
    "FilterPattern",
    "FilterPatternKind",
    "compact_json",
    "compile_filter_pattern",
    "split_fields",
]

#: CloudWatch Logs rejects longer filter patterns (PutMetricFilter ``filterPattern``).
MAX_PATTERN_LENGTH: Final = 1024
_MAX_NESTING: Final = 64


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Final = _Missing()

ObjectPredicate = Callable[[dict[str, Any]], bool]
TextPredicate = Callable[[str], bool]
_Step = str | int
_Path = tuple[_Step, ...]

_NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# Texts a finite JSON number can have, plus the non-finite ones Python's json module reads.
_NUMBER_TEXT: Final = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|-?Infinity|NaN")
_PROPERTY: Final = re.compile(r"[A-Za-z0-9_-]+")
_FIELD_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UNQUOTED_VALUE_CHARS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.*+-:/"
)
_REGEX_CHARS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    ":_#=@/;,-"  # supported symbol characters
    "^$?[]{}|\\*+."  # supported operators
)
_RELATIONAL: Final[Mapping[str, Callable[[Any, Any], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_SCALAR_TYPES: Final = frozenset({str, int, float})


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
    scanner = _Scanner(pattern, start)
    if stripped.startswith("{"):
        node = _JsonParser(scanner).parse()
        return FilterPattern(
            pattern,
            FilterPatternKind.JSON,
            object_predicate=_compile_json(node),
            guards=_json_guards(node),
        )
    if stripped.startswith("["):
        return FilterPattern(
            pattern,
            FilterPatternKind.SPACE_DELIMITED,
            text_predicate=_SpaceDelimitedParser(scanner).parse(),
        )
    return FilterPattern(
        pattern, FilterPatternKind.TERMS, text_predicate=_TermsParser(scanner).parse()
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


# --------------------------------------------------------------------------------------------
# Scanning
# --------------------------------------------------------------------------------------------


_T = TypeVar("_T")


class _Scanner:
    """A cursor over the pattern text that raises errors pointing at a column."""

    def __init__(self, text: str, pos: int = 0) -> None:
        self.text = text
        self.pos = pos
        self.end = len(text)

    def error(self, problem: str, at: int | None = None) -> FilterPatternSyntaxError:
        """The error to raise for a problem here (or at position ``at``)."""
        where = self.pos if at is None else at
        return FilterPatternSyntaxError(self.text, where + 1, problem)

    def skip_space(self) -> None:
        text, pos, end = self.text, self.pos, self.end
        while pos < end and text[pos].isspace():
            pos += 1
        self.pos = pos

    def at_end(self) -> bool:
        return self.pos >= self.end

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < self.end else ""

    def startswith(self, token: str) -> bool:
        return self.text.startswith(token, self.pos)

    def take(self, token: str) -> bool:
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def separated(self, parse: Callable[[], _T], operator: str) -> list[_T]:
        """One or more ``parse()`` results separated by ``operator`` (spaces around it)."""
        items = [parse()]
        while True:
            self.skip_space()
            if not self.take(operator):
                return items
            items.append(parse())

    def take_word(self, word: str) -> bool:
        """Take a keyword (any case) that is not the start of a longer name."""
        end = self.pos + len(word)
        if self.text[self.pos : end].upper() != word:
            return False
        if end < self.end and (self.text[end].isalnum() or self.text[end] == "_"):
            return False
        self.pos = end
        return True

    def describe_here(self) -> str:
        if self.at_end():
            return "the end of the pattern"
        return repr(self.text[self.pos])


@dataclass(frozen=True)
class _Literal:
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


def _scan_quoted(scanner: _Scanner) -> str:
    opening = scanner.pos
    scanner.pos += 1
    text, end = scanner.text, scanner.end
    chars: list[str] = []
    pos = scanner.pos
    while pos < end:
        char = text[pos]
        if char == "\\" and pos + 1 < end and text[pos + 1] in '"\\':
            chars.append(text[pos + 1])
            pos += 2
            continue
        if char == '"':
            scanner.pos = pos + 1
            return "".join(chars)
        chars.append(char)
        pos += 1
    raise scanner.error("unterminated string: no closing '\"'", opening)


def _scan_regex(scanner: _Scanner) -> re.Pattern[str]:
    opening = scanner.pos
    text, end = scanner.text, scanner.end
    pos = opening + 1
    while pos < end and text[pos] != "%":
        if text[pos] == "\\":
            pos += 1
        pos += 1
    if pos >= end:
        raise scanner.error("unterminated regular expression: no closing '%'", opening)
    body = text[opening + 1 : pos]
    for offset, char in enumerate(body):
        if char not in _REGEX_CHARS:
            shown = "a space" if char == " " else repr(char)
            raise scanner.error(
                f"{shown} is not supported in a regular expression (allowed: letters, digits, "
                "the symbols : _ # = @ / ; , - and the operators ^ $ ? [ ] { } | \\ * + .)",
                opening + 1 + offset,
            )
    if not body:
        raise scanner.error("empty regular expression '%%'", opening)
    try:
        compiled = re.compile(body)
    except re.error as error:
        raise scanner.error(
            f"invalid regular expression: {error.msg}", opening + 1 + (error.pos or 0)
        ) from None
    scanner.pos = pos + 1
    return compiled


def _scan_value(scanner: _Scanner, stop: str) -> _Literal:
    """A value after an operator: "quoted", %regex% or an unquoted run of allowed characters."""
    start = scanner.pos
    column = start + 1
    char = scanner.peek()
    if char == '"':
        return _Literal(_scan_quoted(scanner), quoted=True, column=column)
    if char == "%":
        regex = _scan_regex(scanner)
        return _Literal(scanner.text[start : scanner.pos], False, column, regex=regex)
    text, end = scanner.text, scanner.end
    pos = start
    while pos < end:
        char = text[pos]
        if char.isspace() or char in stop or text.startswith(("&&", "||"), pos):
            break
        if char not in _UNQUOTED_VALUE_CHARS:
            raise scanner.error(
                f"{char!r} must be inside a double-quoted value (unquoted values may only "
                "hold letters, digits and _ . - + : / *)",
                pos,
            )
        pos += 1
    if pos == start:
        raise scanner.error(f"expected a value, found {scanner.describe_here()}")
    scanner.pos = pos
    value = text[start:pos]
    number = float(value) if _NUMBER.fullmatch(value) else None
    return _Literal(value, quoted=False, column=column, number=number)


def _scan_comparison(scanner: _Scanner) -> str | None:
    for op in ("!=", "<=", ">=", "=", "<", ">"):
        if scanner.take(op):
            return op
    return None


# --------------------------------------------------------------------------------------------
# Value tests shared by JSON and space-delimited patterns
# --------------------------------------------------------------------------------------------


def _text_of(value: Any) -> str | None:
    """The text a value node has in the log event: a string, or a number's JSON text."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return str(value)
    if kind is float:
        return json.dumps(value)
    return None


def _string_test(literal: _Literal) -> Callable[[str], bool]:
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


def _could_be_number_text(text: str) -> bool:
    return _NUMBER_TEXT.fullmatch(text) is not None


def _value_equals(literal: _Literal) -> Callable[[Any], bool]:
    """``field = literal`` for a JSON value node; False for anything but strings and numbers."""
    if literal.number is not None:
        number, written = literal.number, literal.text

        def equals_number(value: Any) -> bool:
            kind = type(value)
            if kind is int or kind is float:
                return bool(value == number)
            return kind is str and value == written

        return equals_number
    if literal.is_exact_string and not _could_be_number_text(literal.text):
        # No number has this text, so plain equality is exact (and False for non-strings).
        exact = literal.text
        return lambda value: bool(value == exact)
    test = _string_test(literal)

    def equals_text(value: Any) -> bool:
        text = _text_of(value)
        return text is not None and test(text)

    return equals_text


# --------------------------------------------------------------------------------------------
# JSON patterns
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Condition:
    path: _Path
    op: str  # a comparison, or "IS TRUE", "IS FALSE", "IS NULL", "NOT EXISTS"
    value: _Literal | None = None


@dataclass(frozen=True)
class _And:
    children: tuple[_JsonNode, ...]


@dataclass(frozen=True)
class _Or:
    children: tuple[_JsonNode, ...]


_JsonNode = _Condition | _And | _Or


class _JsonParser:
    """``{ expr }`` where expr := and ('||' and)*, and := unary ('&&' unary)*."""

    def __init__(self, scanner: _Scanner) -> None:
        self.scanner = scanner
        self.depth = 0

    def parse(self) -> _JsonNode:
        scanner = self.scanner
        scanner.take("{")
        scanner.skip_space()
        if scanner.peek() == "}":
            raise scanner.error("empty JSON pattern: expected a condition such as $.field = value")
        node = self.parse_or()
        scanner.skip_space()
        if not scanner.take("}"):
            raise scanner.error(
                f"expected '&&', '||' or '}}' to close the JSON pattern, found "
                f"{scanner.describe_here()}"
            )
        scanner.skip_space()
        if not scanner.at_end():
            raise scanner.error("unexpected text after the closing '}' of the JSON pattern")
        return node

    def parse_or(self) -> _JsonNode:
        children = self.scanner.separated(self.parse_and, "||")
        return children[0] if len(children) == 1 else _Or(tuple(children))

    def parse_and(self) -> _JsonNode:
        children = self.scanner.separated(self.parse_unary, "&&")
        return children[0] if len(children) == 1 else _And(tuple(children))

    def parse_unary(self) -> _JsonNode:
        scanner = self.scanner
        scanner.skip_space()
        if scanner.peek() == "(":
            opening = scanner.pos
            self.depth += 1
            if self.depth > _MAX_NESTING:
                raise scanner.error(f"parentheses nested more than {_MAX_NESTING} deep")
            scanner.pos += 1
            node = self.parse_or()
            scanner.skip_space()
            if not scanner.take(")"):
                if scanner.at_end() or scanner.peek() == "}":
                    raise scanner.error("'(' is never closed", opening)
                raise scanner.error(f"expected '&&', '||' or ')', found {scanner.describe_here()}")
            self.depth -= 1
            return node
        return self.parse_condition()

    def parse_condition(self) -> _Condition:
        scanner = self.scanner
        path = self.parse_selector()
        scanner.skip_space()
        if scanner.take_word("IS"):
            scanner.skip_space()
            for word in ("TRUE", "FALSE", "NULL"):
                if scanner.take_word(word):
                    return _Condition(path, f"IS {word}")
            raise scanner.error("expected TRUE, FALSE or NULL after IS")
        if scanner.take_word("NOT"):
            scanner.skip_space()
            if scanner.take_word("EXISTS"):
                return _Condition(path, "NOT EXISTS")
            raise scanner.error("expected EXISTS after NOT")
        op_at = scanner.pos
        op = _scan_comparison(scanner)
        if op is None:
            raise scanner.error(
                "expected an operator (=, !=, <, <=, >, >=, IS TRUE, IS FALSE, IS NULL or "
                f"NOT EXISTS) after the selector, found {scanner.describe_here()}"
            )
        scanner.skip_space()
        if scanner.at_end():
            raise scanner.error(f"expected a value after '{op}'")
        value = _scan_value(scanner, stop="(){}")
        if op in _RELATIONAL and (value.number is None or value.quoted):
            raise scanner.error(
                f"'{op}' compares numbers: expected an unquoted number", value.column - 1
            )
        if op not in ("=", "!=") and value.regex is not None:
            raise scanner.error(f"a regular expression needs '=' or '!=', not '{op}'", op_at)
        return _Condition(path, op, value)

    def parse_selector(self) -> _Path:
        scanner = self.scanner
        if not scanner.take("$"):
            raise scanner.error(
                f"expected a selector starting with '$.' (or '('), found {scanner.describe_here()}"
            )
        steps: list[_Step] = []
        text = scanner.text
        while True:
            if scanner.take("."):
                match = _PROPERTY.match(text, scanner.pos)
                if match is None:
                    raise scanner.error(
                        "expected a property name (letters, digits, '-' and '_') after '.'"
                    )
                steps.append(match.group())
                scanner.pos = match.end()
            elif scanner.startswith("["):
                if not steps:
                    raise scanner.error("an array index must follow a property, as in $.items[0]")
                opening = scanner.pos
                scanner.pos += 1
                digits = re.compile(r"\d+").match(text, scanner.pos)
                if digits is None:
                    raise scanner.error(
                        "expected an array index such as [0] (only numeric indexes are supported)"
                    )
                scanner.pos = digits.end()
                if not scanner.take("]"):
                    raise scanner.error("expected ']' to close the array index", opening)
                steps.append(int(digits.group()))
            else:
                break
        if not steps:
            raise scanner.error("expected '.' and a property name after '$', as in $.eventName")
        return tuple(steps)


def _get_one(key: str) -> Callable[[dict[str, Any]], Any]:
    missing = _MISSING

    def get_one(event: dict[str, Any]) -> Any:
        return event.get(key, missing)

    return get_one


def _get_two(first: str, second: str) -> Callable[[dict[str, Any]], Any]:
    missing = _MISSING

    def get_two(event: dict[str, Any]) -> Any:
        value = event.get(first, missing)
        if type(value) is dict:
            return value.get(second, missing)
        return missing

    return get_two


def _getter(path: _Path) -> Callable[[dict[str, Any]], Any]:
    """Read a selector from a parsed event (a dict); ``_MISSING`` when it is not there."""
    names = [step for step in path if isinstance(step, str)]
    if len(names) == len(path) == 1:
        return _get_one(names[0])
    if len(names) == len(path) == 2:
        return _get_two(names[0], names[1])
    missing = _MISSING

    def get_path(event: dict[str, Any]) -> Any:
        value: Any = event
        for step in path:
            if type(step) is str:
                if type(value) is not dict:
                    return missing
                value = value.get(step, missing)
                if value is missing:
                    return missing
            else:
                if type(value) is not list or not isinstance(step, int) or step >= len(value):
                    return missing
                value = value[step]
        return value

    return get_path


_KEYWORD_TESTS: Final[Mapping[str, Callable[[Any], bool]]] = {
    "NOT EXISTS": lambda value: value is _MISSING,
    "IS NULL": lambda value: value is None,
    "IS TRUE": lambda value: value is True,
    "IS FALSE": lambda value: value is False,
}


def _compile_condition(condition: _Condition) -> ObjectPredicate:
    get = _getter(condition.path)
    op = condition.op
    keyword_test = _KEYWORD_TESTS.get(op)
    if keyword_test is not None:
        return lambda event: keyword_test(get(event))
    literal = condition.value
    assert literal is not None
    if op in _RELATIONAL:
        compare, bound = _RELATIONAL[op], literal.number

        def relational(event: dict[str, Any]) -> bool:
            value = get(event)
            kind = type(value)
            return (kind is int or kind is float) and compare(value, bound)

        return relational
    equals = _value_equals(literal)
    if op == "=":
        return lambda event: equals(get(event))

    def not_equal(event: dict[str, Any]) -> bool:
        value = get(event)
        return type(value) in _SCALAR_TYPES and not equals(value)

    return not_equal


def _compile_in_set(path: _Path, values: frozenset[str]) -> ObjectPredicate:
    get = _getter(path)

    def in_set(event: dict[str, Any]) -> bool:
        value = get(event)
        return type(value) is str and value in values

    return in_set


def _any(predicates: list[ObjectPredicate]) -> ObjectPredicate:
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        first, second = predicates
        return lambda event: first(event) or second(event)
    ordered = tuple(predicates)

    def any_of_them(event: dict[str, Any]) -> bool:
        return any(predicate(event) for predicate in ordered)

    return any_of_them


def _all(predicates: list[ObjectPredicate]) -> ObjectPredicate:
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        first, second = predicates
        return lambda event: first(event) and second(event)
    ordered = tuple(predicates)

    def all_of_them(event: dict[str, Any]) -> bool:
        return all(predicate(event) for predicate in ordered)

    return all_of_them


def _flatten(node: _And | _Or, kind: type[_And] | type[_Or]) -> Iterable[_JsonNode]:
    for child in node.children:
        if isinstance(child, kind):
            yield from _flatten(child, kind)
        else:
            yield child


def _is_set_member(node: _JsonNode) -> bool:
    """``$.a.b = "text"`` on plain properties: a member of an OR-chain of equalities."""
    return (
        isinstance(node, _Condition)
        and node.op == "="
        and node.value is not None
        and node.value.is_exact_string
        and not _could_be_number_text(node.value.text)
        and all(isinstance(step, str) for step in node.path)
    )


def _compile_json(node: _JsonNode) -> ObjectPredicate:
    if isinstance(node, _Condition):
        return _compile_condition(node)
    if isinstance(node, _And):
        return _all([_compile_json(child) for child in _flatten(node, _And)])
    # An OR-chain of equalities on one selector becomes one set lookup.
    predicates: list[ObjectPredicate] = []
    members: dict[_Path, set[str]] = {}
    for child in _flatten(node, _Or):
        if _is_set_member(child):
            assert isinstance(child, _Condition)
            assert child.value is not None
            members.setdefault(child.path, set()).add(child.value.text)
        else:
            predicates.append(_compile_json(child))
    for path, values in members.items():
        predicates.insert(0, _compile_in_set(path, frozenset(values)))
    return _any(predicates)


def _json_guards(node: _JsonNode) -> dict[GuardKey, Guard]:
    if isinstance(node, _And):
        return all_of(_json_guards(child) for child in node.children)
    if isinstance(node, _Or):
        return any_of(_json_guards(child) for child in node.children)
    if node.op == "NOT EXISTS" or not all(isinstance(step, str) for step in node.path):
        return {}
    key: GuardKey = tuple(str(step) for step in node.path)
    if _is_set_member(node):
        assert node.value is not None
        return {key: Guard(frozenset({node.value.text}))}
    # Every other test needs the field to be there (IS NULL: present and null).
    return {key: Guard(None)}


# --------------------------------------------------------------------------------------------
# Term patterns
# --------------------------------------------------------------------------------------------


class _TermsParser:
    """Terms, ``?term`` alternatives, ``-term`` exclusions, quoted phrases and %regex%."""

    def __init__(self, scanner: _Scanner) -> None:
        self.scanner = scanner

    def parse(self) -> TextPredicate:
        scanner = self.scanner
        alternatives: list[list[TextPredicate]] = []
        excluded: list[TextPredicate] = []
        current: list[TextPredicate] | None = None
        while True:
            scanner.skip_space()
            if scanner.at_end():
                break
            marker = scanner.peek() if scanner.peek() in "?-" else ""
            if marker:
                marker_at = scanner.pos
                scanner.pos += 1
                scanner.skip_space()
                if scanner.at_end():
                    raise scanner.error(f"expected a term after '{marker}'", marker_at)
            test = self.parse_term()
            if marker == "-":
                excluded.append(test)
            elif marker == "?" or current is None:
                current = [test]
                alternatives.append(current)
            else:
                current.append(test)
        return _terms_predicate(alternatives, excluded)

    def parse_term(self) -> TextPredicate:
        scanner = self.scanner
        char = scanner.peek()
        if char == '"':
            phrase = _scan_quoted(scanner)
            return lambda message: phrase in message
        if char == "%":
            search = _scan_regex(scanner).search
            return lambda message: search(message) is not None
        text, end = scanner.text, scanner.end
        start = pos = scanner.pos
        while pos < end and not text[pos].isspace():
            if text[pos] == '"':
                raise scanner.error(
                    "a '\"' inside a term: put the whole term in double quotes", pos
                )
            pos += 1
        scanner.pos = pos
        term = text[start:pos]
        return lambda message: term in message


def _terms_predicate(
    alternatives: list[list[TextPredicate]], excluded: list[TextPredicate]
) -> TextPredicate:
    if not excluded and len(alternatives) == 1 and len(alternatives[0]) == 1:
        return alternatives[0][0]
    groups = [tuple(group) for group in alternatives] or [()]
    exclusions = tuple(excluded)

    def matches(message: str) -> bool:
        if any(test(message) for test in exclusions):
            return False
        return any(all(test(message) for test in group) for group in groups)

    return matches


# --------------------------------------------------------------------------------------------
# Space-delimited patterns
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FieldTest:
    name: str
    op: str | None  # None: the name only binds the field
    value: _Literal | None = None


@dataclass(frozen=True)
class _FieldAll:
    children: tuple[_FieldNode, ...]


@dataclass(frozen=True)
class _FieldAny:
    children: tuple[_FieldNode, ...]


_FieldNode = _FieldTest | _FieldAll | _FieldAny
_Bindings = dict[str, str]
_FieldPredicate = Callable[[_Bindings], bool]


@dataclass(frozen=True)
class _Slot:
    name: str
    test: _FieldPredicate
    names: frozenset[str]  # every field name the slot's conditions read


_ELLIPSIS: Final = "..."
_ANONYMOUS: Final = _Slot("", lambda _bindings: True, frozenset())


class _SpaceDelimitedParser:
    """``[slot, slot, ...]`` where a slot is ``...`` or conditions on named fields."""

    def __init__(self, scanner: _Scanner) -> None:
        self.scanner = scanner
        self.depth = 0

    def parse(self) -> TextPredicate:
        scanner = self.scanner
        opening = scanner.pos
        scanner.take("[")
        slots: list[_Slot | str] = []
        while True:
            scanner.skip_space()
            if scanner.at_end():
                raise scanner.error("'[' is never closed", opening)
            if scanner.peek() in ",]":
                # An empty slot, as in "[..., status_code,]": a field without a name.
                slots.append(_ANONYMOUS)
            elif scanner.take(_ELLIPSIS):
                if not slots or slots[-1] is not _ELLIPSIS:
                    slots.append(_ELLIPSIS)
            else:
                slots.append(self.parse_slot())
            scanner.skip_space()
            if scanner.take(","):
                continue
            if scanner.peek() == "]":
                break
            raise scanner.error(f"expected ',' or ']', found {scanner.describe_here()}")
        if slots == [_ANONYMOUS]:
            raise scanner.error("empty space-delimited pattern: name at least one field")
        scanner.take("]")
        scanner.skip_space()
        if not scanner.at_end():
            raise scanner.error(
                "unexpected text after the closing ']' of the space-delimited pattern"
            )
        return _space_delimited_predicate(slots)

    def parse_slot(self) -> _Slot:
        node = self.parse_any()
        names = frozenset(_field_names(node))
        return _Slot(_first_name(node), _compile_fields(node), names)

    def parse_any(self) -> _FieldNode:
        children = self.scanner.separated(self.parse_all, "||")
        return children[0] if len(children) == 1 else _FieldAny(tuple(children))

    def parse_all(self) -> _FieldNode:
        children = self.scanner.separated(self.parse_unary, "&&")
        return children[0] if len(children) == 1 else _FieldAll(tuple(children))

    def parse_unary(self) -> _FieldNode:
        scanner = self.scanner
        scanner.skip_space()
        if scanner.peek() == "(":
            opening = scanner.pos
            self.depth += 1
            if self.depth > _MAX_NESTING:
                raise scanner.error(f"parentheses nested more than {_MAX_NESTING} deep")
            scanner.pos += 1
            node = self.parse_any()
            scanner.skip_space()
            if not scanner.take(")"):
                raise scanner.error("'(' is never closed", opening)
            self.depth -= 1
            return node
        match = _FIELD_NAME.match(scanner.text, scanner.pos)
        if match is None:
            raise scanner.error(
                f"expected a field name (a letter or '_', then letters, digits or '_'), found "
                f"{scanner.describe_here()}"
            )
        scanner.pos = match.end()
        name = match.group()
        scanner.skip_space()
        op = _scan_comparison(scanner)
        if op is None:
            return _FieldTest(name, None)
        scanner.skip_space()
        if scanner.at_end():
            raise scanner.error(f"expected a value after '{op}'")
        value = _scan_value(scanner, stop=",[]()")
        if op in _RELATIONAL and (value.number is None or value.quoted):
            raise scanner.error(
                f"'{op}' compares numbers: expected an unquoted number", value.column - 1
            )
        if op not in ("=", "!=") and value.regex is not None:
            raise scanner.error(f"a regular expression needs '=' or '!=', not '{op}'")
        return _FieldTest(name, op, value)


def _field_names(node: _FieldNode) -> Iterable[str]:
    if isinstance(node, _FieldTest):
        yield node.name
    else:
        for child in node.children:
            yield from _field_names(child)


def _first_name(node: _FieldNode) -> str:
    return next(iter(_field_names(node)))


def _field_value_test(op: str, literal: _Literal) -> Callable[[str], bool]:
    """A condition on the text of a space-delimited field."""
    if op in _RELATIONAL:
        compare, bound = _RELATIONAL[op], literal.number
        return lambda text: _NUMBER.fullmatch(text) is not None and compare(float(text), bound)
    equals = _string_test(literal) if literal.number is None else _text_equals_number(literal)
    if op == "=":
        return equals
    return lambda text: not equals(text)


def _text_equals_number(literal: _Literal) -> Callable[[str], bool]:
    """A field equals an unquoted number: numerically when it is a number, else as written."""
    number, written = literal.number, literal.text

    def equals(text: str) -> bool:
        if _NUMBER.fullmatch(text) is not None:
            return float(text) == number
        return text == written

    return equals


def _compile_fields(node: _FieldNode) -> _FieldPredicate:
    if isinstance(node, _FieldTest):
        if node.op is None or node.value is None:
            return lambda _bindings: True
        name = node.name
        test = _field_value_test(node.op, node.value)

        def field_test(bindings: _Bindings) -> bool:
            text = bindings.get(name)
            return text is not None and test(text)

        return field_test
    children = tuple(_compile_fields(child) for child in node.children)
    if isinstance(node, _FieldAll):
        return lambda bindings: all(child(bindings) for child in children)
    return lambda bindings: any(child(bindings) for child in children)


def split_fields(message: str) -> list[str]:
    """The fields of a space-delimited log event.

    Fields are separated by whitespace; the characters between double quotes or between
    square brackets form one field, without the quotes or brackets.
    """
    fields: list[str] = []
    pos, end = 0, len(message)
    while pos < end:
        char = message[pos]
        if char.isspace():
            pos += 1
            continue
        if char in '"[':
            closing = message.find('"' if char == '"' else "]", pos + 1)
            if closing < 0:
                closing = end
            fields.append(message[pos + 1 : closing])
            pos = closing + 1
            continue
        start = pos
        while pos < end and not message[pos].isspace():
            pos += 1
        fields.append(message[start:pos])
    return fields


def _space_delimited_predicate(slots: list[_Slot | str]) -> TextPredicate:
    count = len(slots)
    # need[i]: how many fields slots i.. need at least (ellipses need none).
    need = [0] * (count + 1)
    for index in range(count - 1, -1, -1):
        need[index] = need[index + 1] + (0 if slots[index] is _ELLIPSIS else 1)
    # A slot whose conditions only read its own field is checked as soon as it is placed;
    # one that reads other fields waits until every field is placed.
    immediate = [isinstance(slot, _Slot) and slot.names <= {slot.name} for slot in slots]
    deferred = [
        slot
        for slot, now in zip(slots, immediate, strict=True)
        if isinstance(slot, _Slot) and not now
    ]
    has_ellipsis = _ELLIPSIS in slots

    def matches(message: str) -> bool:
        fields = split_fields(message)
        total = len(fields)
        if total < need[0] or (not has_ellipsis and total != count):
            return False
        bindings: _Bindings = {}
        failed: set[tuple[int, int]] = set()

        def place(index: int, field: int) -> bool:
            while index < count:
                slot = slots[index]
                if not isinstance(slot, _Slot):
                    break
                if field >= total:
                    return False
                bindings[slot.name] = fields[field]
                if immediate[index] and not slot.test(bindings):
                    return False
                index += 1
                field += 1
            if index == count:
                return field == total and all(slot.test(bindings) for slot in deferred)
            # An ellipsis: try every number of fields it could absorb.
            if not deferred and (index, field) in failed:
                return False
            for skip_to in range(field, total - need[index + 1] + 1):
                if place(index + 1, skip_to):
                    return True
            failed.add((index, field))
            return False

        return place(0, 0)

    return matches
