"""The Hive type parser accepts what Glue stores and names the offset of what it does not."""

from __future__ import annotations

import pytest

from constructs_obs.audit import HiveTypeError
from constructs_obs.audit.hive_types import (
    ArrayType,
    MapType,
    PrimitiveType,
    StructType,
    parse_hive_type,
    render_hive_type,
)


def test_nested_types() -> None:
    parsed = parse_hive_type("array<struct<arn:string,tags:map<string,string>,n:decimal(10,2)>>")
    assert parsed == ArrayType(
        StructType(
            (
                ("arn", PrimitiveType("string")),
                ("tags", MapType(PrimitiveType("string"), PrimitiveType("string"))),
                ("n", PrimitiveType("decimal", (10, 2))),
            )
        )
    )


def test_blanks_and_upper_case_keywords_render_canonically() -> None:
    text = "STRUCT< type : STRING,\n  attributes: MAP<string, varchar(20)> >"
    assert render_hive_type(parse_hive_type(text)) == (
        "struct<type:string,attributes:map<string,varchar(20)>>"
    )


def test_struct_field_lookup() -> None:
    parsed = parse_hive_type("struct<a:int,b:string>")
    assert isinstance(parsed, StructType)
    assert parsed.field("b") == PrimitiveType("string")
    with pytest.raises(KeyError):
        parsed.field("c")


@pytest.mark.parametrize(
    ("text", "position", "problem"),
    [
        ("strin", 0, "unknown type 'strin'"),
        ("struct<a:string", 15, "expected ','"),
        ("struct<Type:string>", 7, "lower-case field name"),
        ("struct<a:string,a:int>", 16, "duplicate struct field 'a'"),
        ("map<struct<a:int>,string>", 4, "map key must be a primitive"),
        ("string string", 7, "unexpected text after the type"),
        ("varchar", 0, "varchar needs a length"),
        ("decimal(1,2,3)", 0, "decimal takes 1 to 2 arguments"),
        ("int(3)", 3, "int takes no arguments"),
        ("array<>", 6, "expected a type name"),
        ("", 0, "expected a type name"),
    ],
)
def test_invalid_types(text: str, position: int, problem: str) -> None:
    with pytest.raises(HiveTypeError, match=problem) as info:
        parse_hive_type(text)
    assert info.value.position == position
    assert info.value.type_string == text
