"""Space-delimited patterns matched: the guide's access log, ORs, numbers, many ellipses."""

from __future__ import annotations

import pytest

from constructs_obs.detections import compile_filter_pattern
from tests.detections.filter_pattern.helpers import matches

# The space-delimited example of the guide (an Apache access log).
ACCESS_LOG = [
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534',
]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[ip, user, username, timestamp, request, status_code, bytes]", [True, True, True]),
        ("[ip, user, username, timestamp, request, status_code]", [False, False, False]),
        ("[..., status_code, bytes]", [True, True, True]),
        ("[ip, user, ..., status_code, bytes]", [True, True, True]),
        ("[ip, user, ...]", [True, True, True]),
        ("[ip, ..., ..., bytes]", [True, True, True]),
        (
            "[ip, user, username, timestamp, request, status_code, bytes > 1534]",
            [False, True, False],
        ),
        (
            "[ip, user, username, timestamp, request, status_code = 200, bytes]",
            [True, False, False],
        ),
        ("[ip, user, username, timestamp, request, status_code = 4*, bytes]", [False, False, True]),
        (
            "[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]",
            [False, False, True],
        ),
        (
            "[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, "
            "bytes]",
            [False, False, True],
        ),
        (
            "[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, "
            "bytes]",
            [False, False, True],
        ),
        # A condition may read another field of the line.
        (
            "[ip, user, username, timestamp, request, status_code, "
            "bytes = 1534 && status_code = 2*]",
            [True, False, False],
        ),
        # The guide's trailing comma: an unnamed last field.
        ("[..., request=*.html*, status_code=4*,]", [False, False, True]),
        ("[ip = 127.0.0.1, user = -, username = frank, ...]", [True, True, True]),
        ('[..., request = "GET /apache_pb.gif HTTP/1.0", status_code, bytes]', [True, True, False]),
        ("[..., timestamp = *13:25:15*, request, status_code, bytes]", [True, False, True]),
        ("[ip, ..., status_code != 200, bytes < 5000]", [False, False, True]),
        ("[ip, ..., status_code = %^5[0-9][0-9]$%, bytes]", [False, True, False]),
    ],
)
def test_space_delimited(pattern: str, expected: list[bool]) -> None:
    assert [matches(pattern, line) for line in ACCESS_LOG] == expected


def test_numeric_field_compares_numbers() -> None:
    pattern = compile_filter_pattern("[code = 200, size >= 1e3]")
    assert pattern.matches("200.0 1000")
    assert pattern.matches("200 1500.5")
    assert not pattern.matches("200 999")
    assert not pattern.matches("200 big")
    assert not pattern.matches("OK 1000")


def test_many_ellipses_stay_fast() -> None:
    pattern = compile_filter_pattern("[..., a = x, ..., b = y, ..., c = z, ...]")
    line = " ".join(["w"] * 300)
    assert not pattern.matches(line)
    assert pattern.matches(" ".join(["w"] * 100 + ["x", "w", "y"] + ["w"] * 100 + ["z"]))
