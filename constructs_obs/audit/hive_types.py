"""Hive/Glue column type strings: a parser and a canonical renderer.

The Glue table that Athena queries declares nested CloudTrail fields with Hive type strings
such as ``struct<type:string,arn:string>``. :func:`parse_hive_type` turns one into a small
tree (:class:`PrimitiveType`, :class:`StructType`, :class:`ArrayType`, :class:`MapType`) so that
the schema can be checked and the local engine can derive DuckDB types from the same source;
:func:`render_hive_type` writes the canonical, compact form Glue stores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from constructs_obs.audit.errors import HiveTypeError

__all__ = [
    "PRIMITIVE_TYPES",
    "ArrayType",
    "HiveType",
    "MapType",
    "PrimitiveType",
    "StructType",
    "parse_hive_type",
    "render_hive_type",
]

#: The Hive primitive types Athena reads (``decimal``, ``char`` and ``varchar`` also take
#: their ``(precision[,scale])`` / ``(length)`` arguments).
PRIMITIVE_TYPES: Final = frozenset(
    {
        "boolean",
        "tinyint",
        "smallint",
        "int",
        "integer",
        "bigint",
        "float",
        "double",
        "decimal",
        "char",
        "varchar",
        "string",
        "binary",
        "date",
        "timestamp",
    }
)
_WITH_ARGUMENTS: Final = {"decimal": (1, 2), "char": (1, 1), "varchar": (1, 1)}
_FIELD_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class PrimitiveType:
    """A scalar type, e.g. ``string`` or ``decimal(10,2)``."""

    name: str
    arguments: tuple[int, ...] = ()


@dataclass(frozen=True)
class StructType:
    """``struct<name:type,...>``: named fields, in declaration order."""

    fields: tuple[tuple[str, HiveType], ...]

    def field(self, name: str) -> HiveType:
        """Return the type of the field ``name``; raise ``KeyError`` if there is none."""
        for field_name, field_type in self.fields:
            if field_name == name:
                return field_type
        raise KeyError(name)


@dataclass(frozen=True)
class ArrayType:
    """``array<element>``."""

    element: HiveType


@dataclass(frozen=True)
class MapType:
    """``map<key,value>``."""

    key: HiveType
    value: HiveType


HiveType = PrimitiveType | StructType | ArrayType | MapType


def parse_hive_type(text: str) -> HiveType:
    """Parse a Hive/Glue column type string.

    Keywords are case-insensitive and blanks are allowed between tokens, as in Athena DDL;
    struct field names must be lower-case identifiers, as Glue stores them.

    Parameters
    ----------
    text:
        The type string, e.g. ``"array<struct<arn:string,type:string>>"``.

    Returns
    -------
    HiveType
        The parsed type tree.

    Raises
    ------
    HiveTypeError
        If ``text`` is not a valid type; the message gives the offset of the problem.
    """
    parser = _Parser(text)
    result = parser.parse_type()
    parser.skip_blanks()
    if parser.position != len(text):
        raise HiveTypeError(text, parser.position, "unexpected text after the type")
    return result


def render_hive_type(hive_type: HiveType) -> str:
    """Write ``hive_type`` in the canonical form: lower-case keywords, no blanks."""
    match hive_type:
        case PrimitiveType(name, ()):
            return name
        case PrimitiveType(name, arguments):
            return f"{name}({','.join(str(argument) for argument in arguments)})"
        case StructType(fields):
            inner = ",".join(f"{name}:{render_hive_type(value)}" for name, value in fields)
            return f"struct<{inner}>"
        case ArrayType(element):
            return f"array<{render_hive_type(element)}>"
        case MapType(key, value):
            return f"map<{render_hive_type(key)},{render_hive_type(value)}>"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def skip_blanks(self) -> None:
        while self.position < len(self.text) and self.text[self.position].isspace():
            self.position += 1

    def expect(self, token: str) -> None:
        self.skip_blanks()
        if not self.text.startswith(token, self.position):
            found = self.text[self.position : self.position + 1] or "the end"
            raise HiveTypeError(self.text, self.position, f"expected {token!r}, found {found!r}")
        self.position += len(token)

    def peek(self, token: str) -> bool:
        self.skip_blanks()
        return self.text.startswith(token, self.position)

    def word(self, pattern: re.Pattern[str], what: str) -> str:
        self.skip_blanks()
        match = pattern.match(self.text, self.position)
        if match is None:
            raise HiveTypeError(self.text, self.position, f"expected {what}")
        self.position = match.end()
        return match.group()

    def parse_type(self) -> HiveType:
        start = self.position
        keyword = self.word(_WORD, "a type name").lower()
        if keyword == "struct":
            return self.parse_struct()
        if keyword == "array":
            self.expect("<")
            element = self.parse_type()
            self.expect(">")
            return ArrayType(element)
        if keyword == "map":
            self.expect("<")
            self.skip_blanks()
            key_at = self.position
            key = self.parse_type()
            if not isinstance(key, PrimitiveType):
                raise HiveTypeError(self.text, key_at, "a map key must be a primitive type")
            self.expect(",")
            value = self.parse_type()
            self.expect(">")
            return MapType(key, value)
        if keyword not in PRIMITIVE_TYPES:
            raise HiveTypeError(
                self.text,
                start,
                f"unknown type {keyword!r} (allowed: struct, array, map, "
                f"{', '.join(sorted(PRIMITIVE_TYPES))})",
            )
        return PrimitiveType(keyword, self.parse_arguments(keyword, start))

    def parse_arguments(self, keyword: str, start: int) -> tuple[int, ...]:
        if not self.peek("("):
            if keyword in ("char", "varchar"):
                raise HiveTypeError(self.text, start, f"{keyword} needs a length: {keyword}(n)")
            return ()
        if keyword not in _WITH_ARGUMENTS:
            raise HiveTypeError(self.text, self.position, f"{keyword} takes no arguments")
        self.expect("(")
        arguments = [int(self.word(_NUMBER, "a number"))]
        while self.peek(","):
            self.expect(",")
            arguments.append(int(self.word(_NUMBER, "a number")))
        self.expect(")")
        low, high = _WITH_ARGUMENTS[keyword]
        if not low <= len(arguments) <= high:
            raise HiveTypeError(self.text, start, f"{keyword} takes {low} to {high} arguments")
        return tuple(arguments)

    def parse_struct(self) -> StructType:
        self.expect("<")
        fields: list[tuple[str, HiveType]] = []
        seen: set[str] = set()
        while True:
            self.skip_blanks()
            name_at = self.position
            name = self.word(_FIELD_NAME, "a lower-case field name")
            if name in seen:
                raise HiveTypeError(self.text, name_at, f"duplicate struct field {name!r}")
            seen.add(name)
            self.expect(":")
            fields.append((name, self.parse_type()))
            if self.peek(">"):
                self.expect(">")
                return StructType(tuple(fields))
            self.expect(",")
