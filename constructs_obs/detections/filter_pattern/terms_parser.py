"""Term patterns: ``ERROR``, ``?ERROR ?WARN``, ``ERROR -Exiting``, ``"a phrase"``, ``%regex%``.

The CloudWatch Logs user guide's rules for patterns that are neither JSON nor space-delimited:
every plain term must appear in the message (a case-sensitive substring), a quoted phrase must
appear as written, ``-term`` excludes the event, and ``?term`` starts an alternative. Where the
guide is silent this module chooses one reading: plain terms after a ``?term`` join that
alternative (``?ERROR MainThread ?WARN Deadlock`` is "both of the first two or both of the last
two", what aws-cdk's ``FilterPattern.anyTermGroup`` writes), and an exclusion applies whatever
the alternative.
"""

from __future__ import annotations

from constructs_obs.detections.filter_pattern._literal import TextPredicate
from constructs_obs.detections.filter_pattern._scanner import Scanner, scan_quoted, scan_regex

__all__ = ["TermsParser"]


class TermsParser:
    """Terms, ``?term`` alternatives, ``-term`` exclusions, quoted phrases and %regex%."""

    def __init__(self, scanner: Scanner) -> None:
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
            phrase = scan_quoted(scanner)
            return lambda message: phrase in message
        if char == "%":
            search = scan_regex(scanner).search
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
