"""The complexity of EventBridge wildcard filters, as AWS's matching library measures it.

EventBridge refuses a rule whose wildcards are "too complex" (``InvalidEventPatternException``:
"Rule is too complex - try using fewer wildcard characters or fewer repeating character
sequences after a wildcard character"; user guide, "Comparison operators", wildcard matching
complexity). AWS's matching library, event-ruler, defines the measure
(``MachineComplexityEvaluator``): the largest number of wildcard-pattern prefixes that one
worst-case input value can match at the same time. ``"*aa"`` scores 3 (after ``"aa"`` the
prefixes ``*``, ``*a`` and ``*aa`` are all alive), ``"*a*a*a*a*a*a*a*a*"`` scores 17, and the
patterns of one field add up.

:func:`wildcard_complexity` computes that number by running every pattern's automaton on every
input at once (a subset construction over the characters the patterns name, plus one for "any
other character"), stopping as soon as the count passes a cap.

AWS does not publish the limit. A public report places it: three ``"*:stack/<name>/*"``
patterns on one field (complexity 9) were accepted, four (complexity 12) refused. This module
refuses 12 and more, so it never refuses a rule EventBridge is known to accept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

__all__ = ["MAX_WILDCARD_COMPLEXITY", "wildcard_complexity", "wildcard_tokens"]

#: The highest complexity known to be accepted (see the module docstring).
MAX_WILDCARD_COMPLEXITY: Final = 11

_STAR: Final = None  # a token that matches any run of characters
_OTHER: Final = "\x00other"  # a character no pattern names

Token = str | None


def wildcard_tokens(pattern: str) -> tuple[Token, ...]:
    """A wildcard value as tokens: characters, and None for each unescaped ``*``.

    The value must already be valid (``\\*`` and ``\\\\`` are the only escapes).
    """
    tokens: list[Token] = []
    pos = 0
    while pos < len(pattern):
        char = pattern[pos]
        if char == "\\":
            tokens.append(pattern[pos + 1])
            pos += 2
            continue
        tokens.append(_STAR if char == "*" else char)
        pos += 1
    return tuple(tokens)


def _closure(tokens: Sequence[Token], states: Iterable[int]) -> frozenset[int]:
    """The states reached without reading a character (a ``*`` matches nothing too)."""
    found = set(states)
    pending = list(found)
    while pending:
        state = pending.pop()
        if state < len(tokens) and tokens[state] is _STAR and state + 1 not in found:
            found.add(state + 1)
            pending.append(state + 1)
    return frozenset(found)


def _step(tokens: Sequence[Token], states: frozenset[int], char: str) -> frozenset[int]:
    moved: set[int] = set()
    for state in states:
        if state > 0 and tokens[state - 1] is _STAR:
            moved.add(state)  # the run of a "*" goes on
        if state < len(tokens) and tokens[state] == char:
            moved.add(state + 1)
    return _closure(tokens, moved)


def wildcard_complexity(patterns: Iterable[str], cap: int = 1_000) -> int:
    """The event-ruler complexity of the wildcard values of one field (at most ``cap``).

    Identical values count once. A value without ``*`` scores 1.
    """
    automata = [wildcard_tokens(pattern) for pattern in sorted(set(patterns))]
    if not automata:
        return 0
    alphabet = sorted(
        {token for tokens in automata for token in tokens if token is not _STAR} | {_OTHER}
    )
    start = tuple(_closure(tokens, [0]) for tokens in automata)
    seen = {start}
    pending = [start]
    worst = 0
    while pending:
        current = pending.pop()
        for char in alphabet:
            following = tuple(
                _step(tokens, states, char)
                for tokens, states in zip(automata, current, strict=True)
            )
            worst = max(worst, sum(map(len, following)))
            if worst >= cap:
                return cap
            if following not in seen:
                seen.add(following)
                pending.append(following)
    return worst
