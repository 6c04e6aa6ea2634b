"""Construct-time validation helpers.

A :class:`Check` is bound to the construct being configured, so each failing check raises an
:class:`~constructs_obs.errors.InvalidParameterError` that names the construct, the parameter
and what is allowed. Values that are unresolved CDK tokens are not validated (their value is
only known at deploy time), like aws-cdk-lib does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable
from typing import NoReturn, TypeVar

from aws_cdk import Duration, Token

from constructs_obs.errors import InvalidParameterError
from constructs_obs.private.scopes import duration_exact_seconds

_T = TypeVar("_T")


# Every string token aws-cdk-lib encodes reads ``${Token[<key>]}`` (its STRING_TOKEN_REGEX: the
# key is made of a-z, A-Z, 0-9, ':', '.', '_', '-'); a number token is a double near -1.9e289.
# A Python string or number is tested here, without a round trip to the jsii kernel (the bulk of
# synthesis time in a large app); only what can hold a token otherwise (a list, a Duration, ...)
# is asked.
_STRING_TOKEN = re.compile(r"\$\{Token\[[a-zA-Z0-9:._-]+\]\}")
_NUMBER_TOKEN_MAGNITUDE = 1e280


def is_token(value: object) -> bool:
    """True when ``value`` is (or contains) a CDK token resolved only at deploy time."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, str):
        return _STRING_TOKEN.search(value) is not None
    if isinstance(value, int | float) and (
        not math.isfinite(value) or abs(value) < _NUMBER_TOKEN_MAGNITUDE
    ):
        return False
    return bool(Token.is_unresolved(value))


class Check:
    """Validation bound to one construct (its kind and id) for readable errors."""

    def __init__(self, kind: str, construct_id: str) -> None:
        self.owner = f"{kind} '{construct_id}'"

    def fail(self, parameter: str, problem: str) -> NoReturn:
        raise InvalidParameterError(self.owner, parameter, problem)

    def finite(self, parameter: str, value: object) -> float:
        """A real, finite number (not bool, not NaN, not infinity)."""
        # Check finiteness before anything reaches jsii: NaN and infinity are not JSON and
        # would crash the jsii kernel. (Number tokens are large finite negative numbers.)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.fail(parameter, f"expected a finite number, got {value!r}")
        return float(value)

    def integer(
        self, parameter: str, value: object, *, minimum: int, maximum: int | None = None
    ) -> int:
        """An int in ``[minimum, maximum]``."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(parameter, f"expected an integer, got {value!r}")
        if is_token(value):
            return value
        if value < minimum or (maximum is not None and value > maximum):
            upper = "" if maximum is None else f" and <= {maximum}"
            self.fail(parameter, f"must be >= {minimum}{upper}, got {value}")
        return value

    def seconds(
        self, parameter: str, value: object, *, minimum: int, maximum: int | None = None
    ) -> int:
        """A literal ``Duration`` of a whole number of seconds in ``[minimum, maximum]``."""
        return self._whole(parameter, value, "seconds", minimum=minimum, maximum=maximum)

    def whole_days(
        self, parameter: str, value: object, *, minimum: int, maximum: int | None = None
    ) -> int:
        """A literal ``Duration`` of a whole number of days in ``[minimum, maximum]``."""
        return self._whole(parameter, value, "days", minimum=minimum, maximum=maximum)

    def _whole(
        self, parameter: str, value: object, unit: str, *, minimum: int, maximum: int | None
    ) -> int:
        if not isinstance(value, Duration):
            self.fail(parameter, f"expected a Duration, got {value!r}")
        if unit == "seconds":
            # Kept per Duration object (private/scopes.py): later reads cost no round trip.
            seconds = duration_exact_seconds(value)
            if seconds is None:
                self.fail(parameter, "must be a literal Duration, not a token")
            amount = seconds
        else:
            if value.is_unresolved():
                self.fail(parameter, "must be a literal Duration, not a token")
            amount = value.to_days(integral=False)
        if amount != int(amount):
            self.fail(parameter, f"must be a whole number of {unit}, got {value.to_human_string()}")
        return self.integer(parameter, int(amount), minimum=minimum, maximum=maximum)

    def choice(self, parameter: str, value: _T, allowed: Collection[_T], shown: str) -> _T:
        """One of ``allowed``; ``shown`` lists the allowed values for the message."""
        if value not in allowed:
            self.fail(parameter, f"{value!r} is not allowed; allowed: {shown}")
        return value

    def text(
        self,
        parameter: str,
        value: object,
        *,
        max_length: int,
        pattern: str | None = None,
        pattern_doc: str = "",
        allow_empty: bool = False,
    ) -> str:
        """A string of at most ``max_length`` characters, optionally matching ``pattern``."""
        if not isinstance(value, str):
            self.fail(parameter, f"expected a string, got {type(value).__name__}")
        if is_token(value):
            return value
        if not allow_empty and not value.strip():
            self.fail(parameter, "must not be empty or only whitespace")
        if len(value) > max_length:
            self.fail(parameter, f"must be at most {max_length} characters, got {len(value)}")
        if pattern is not None and re.fullmatch(pattern, value) is None:
            self.fail(parameter, f"{value!r} {pattern_doc or f'must match {pattern}'}")
        return value

    def exclusive(self, **given: object) -> None:
        """At most one of the keyword arguments may be set (not None)."""
        names = [name for name, value in given.items() if value is not None]
        if len(names) > 1:
            self.fail(
                " and ".join(names),
                f"pass at most one of {', '.join(given)}; they configure the same thing",
            )

    def unique(self, parameter: str, values: Iterable[str]) -> None:
        seen: set[str] = set()
        for value in values:
            if value in seen:
                self.fail(parameter, f"{value!r} is given more than once")
            seen.add(value)
