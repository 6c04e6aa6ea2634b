"""Filter patterns translated to Logs Insights filter expressions (for dashboards)."""

from __future__ import annotations

import pytest

from constructs_obs.detections import FilterPatternSyntaxError
from constructs_obs.detections.logs_insights import logs_insights_filter


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ('{ $.level = "ERROR" }', 'level = "ERROR"'),
        ("{ $.latency >= 2000 }", "latency >= 2000"),
        ('{ $.level = "ERROR" && $.latency > 100 }', '(level = "ERROR" and latency > 100)'),
        ("{ ($.a = 1 || $.b = 2) && $.c != x }", '((a = 1 or b = 2) and c != "x")'),
        ('{ $.errorCode = "AccessDenied*" }', "errorCode like /^AccessDenied/"),
        ('{ $.errorCode = "*UnauthorizedOperation" }', "errorCode like /UnauthorizedOperation$/"),
        ('{ $.path = "*/v1.0/*" }', r"path like /\/v1\.0\//"),
        ("{ $.items[0].id = 7 }", "items.0.id = 7"),
        ("{ $.userIdentity.invokedBy NOT EXISTS }", "not ispresent(userIdentity.invokedBy)"),
        ("{ $.cached IS FALSE }", "cached = 0"),
        ("{ $.user-name = bob }", '`user-name` = "bob"'),
        ("ERROR", '@message like "ERROR"'),
        ('"Task timed out"', '@message like "Task timed out"'),
        ("ERROR Exception", '@message like "ERROR" and @message like "Exception"'),
        ('?ERROR ?"timed out"', '(@message like "ERROR" or @message like "timed out")'),
        ("ERROR -DEBUG", '(@message like "ERROR") and @message not like "DEBUG"'),
    ],
)
def test_translations(pattern: str, expected: str) -> None:
    assert logs_insights_filter(pattern) == expected


@pytest.mark.parametrize(
    "pattern",
    [
        "",
        "[ip, user, status_code = 4*]",
        "{ $.value IS NULL }",
        "{ $.name = %ab+c% }",
        "%ERROR|WARN%",
        '{ $.a = "x*y*" }',
    ],
)
def test_untranslatable_patterns_give_none(pattern: str) -> None:
    assert logs_insights_filter(pattern) is None


def test_invalid_patterns_raise_with_the_column() -> None:
    with pytest.raises(FilterPatternSyntaxError) as info:
        logs_insights_filter("{ $.a = }")
    assert info.value.column > 0
