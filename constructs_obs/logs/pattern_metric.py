"""From a log filter pattern to a metric: validation, the metric filter, the metric to alarm on.

Shared by ``EncryptedLogGroup.add_pattern_alarm`` and the CIS benchmark alarms.

CloudWatch Logs accepts a metric filter whose pattern it cannot parse, or whose metric value
names no field, only to reject it at deploy time (or to publish nothing). So the pattern is
compiled with the library's own parser (:func:`constructs_obs.detections.compile_filter_pattern`),
whose syntax error shows the column with a caret, and the metric value must be a number or a
field the pattern's language can address: ``$.field`` for a JSON pattern, ``$name`` (a named
field) for a space-delimited one; a terms pattern has no fields. The alarm's statistic must be
one CloudWatch computes (see "CloudWatch statistics definitions").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from constructs import Construct

from constructs_obs.detections import (
    FilterPattern,
    FilterPatternKind,
    FilterPatternSyntaxError,
    compile_filter_pattern,
)
from constructs_obs.private.metrics import MetricFacts, remember_metric
from constructs_obs.private.scopes import duration_seconds
from constructs_obs.private.validate import Check, is_token

MAX_PATTERN_LENGTH: Final = 1024
MAX_DIMENSIONS: Final = 3
_METRIC_TEXT = r"[^:*$]+"
_METRIC_TEXT_DOC = "must not contain ':', '*' or '$'"
_DIMENSION_NAME = r"[^:*$\s][^:*$]*"
# The selectors of the filter-pattern grammar: ``$.a.b[0]`` (JSON) and ``$name`` (a named field of
# a space-delimited pattern, a letter or '_' then letters, digits or '_').
_JSON_SELECTOR: Final = re.compile(r"\$(?:\.[A-Za-z0-9_-]+(?:\[\d+\])*)+")
_FIELD_SELECTOR: Final = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_NUMBER: Final = re.compile(r"-?\d+(?:\.\d+)?")
# In a space-delimited pattern, a field name follows '[', ',', '(', '&&' or '||'; quoted
# values and %regex% values are removed first (they may contain any of these).
_QUOTED_OR_REGEX: Final = re.compile(r'"(?:[^"\\]|\\.)*"|%(?:[^%\\]|\\.)*%')
_FIELD_NAME: Final = re.compile(r"(?:[\[,(]|&&|\|\|)\s*([A-Za-z_][A-Za-z0-9_]*)")

# Statistics (CloudWatch "statistics definitions"): numbers up to 10 decimal places.
_DECIMAL = r"\d{1,3}(?:\.\d{1,10})?"
_SHORTHAND_STATISTIC: Final = re.compile(rf"(p|tm|wm|tc|ts)({_DECIMAL})")
_BOUND = r"\d+(?:\.\d{1,10})?%?"
_RANGE_STATISTIC: Final = re.compile(rf"(tm|wm|tc|ts|pr)\(({_BOUND})?:({_BOUND})?\)")

_METRICS_INSIGHTS_FUNCTION: Final = {
    "sum": "SUM",
    "average": "AVG",
    "avg": "AVG",
    "maximum": "MAX",
    "max": "MAX",
    "minimum": "MIN",
    "min": "MIN",
    "samplecount": "COUNT",
    "n": "COUNT",
}


@dataclass(frozen=True)
class PatternMetricSpec:
    """A validated metric-filter definition."""

    pattern: str
    metric_name: str
    metric_namespace: str
    metric_value: str
    default_value: float | None
    unit: cloudwatch.Unit | None
    dimensions: Mapping[str, str]


def check_pattern(check: Check, pattern: object) -> str:
    """A non-empty filter pattern of at most 1,024 characters, kept verbatim."""
    if not isinstance(pattern, str) or not pattern.strip():
        check.fail(
            "pattern",
            "must be a non-empty filter pattern (an empty pattern matches every event; "
            "count all events with the IncomingLogEvents metric instead)",
        )
    return check.text("pattern", pattern, max_length=MAX_PATTERN_LENGTH)


def compile_pattern(check: Check, parameter: str, pattern: str) -> FilterPattern | None:
    """``pattern`` compiled by the library's parser (``None`` for a token); a syntax error is
    an ``InvalidParameterError`` for ``parameter`` that shows the column with a caret."""
    if is_token(pattern):
        return None
    try:
        return compile_filter_pattern(pattern)
    except FilterPatternSyntaxError as error:
        check.fail(parameter, f"CloudWatch Logs would reject it: {error}")


def _field_names(pattern: str) -> set[str]:
    """The named fields of a (valid) space-delimited pattern."""
    bare = _QUOTED_OR_REGEX.sub('""', pattern)
    return set(_FIELD_NAME.findall(bare))


def _selector_problem(compiled: FilterPattern | None, value: str) -> str | None:
    """Why ``value`` is not a field ``compiled`` can address, or None when it is."""
    if compiled is None:
        return None
    if compiled.kind is FilterPatternKind.JSON:
        if _JSON_SELECTOR.fullmatch(value):
            return None
        return "a JSON pattern addresses fields as '$.field' (or '$.a.b', '$.items[0]')"
    if compiled.kind is FilterPatternKind.SPACE_DELIMITED:
        named = _FIELD_SELECTOR.fullmatch(value)
        names = _field_names(compiled.pattern)
        if named is not None and named.group(1) in names:
            return None
        shown = ", ".join(f"${name}" for name in sorted(names)) or "none"
        return f"a space-delimited pattern addresses its named fields ({shown})"
    return "a terms pattern has no fields; use a JSON ({ ... }) or space-delimited ([ ... ]) one"


def _check_metric_value(check: Check, compiled: FilterPattern | None, value: object) -> str:
    """A number, or a field of the event that the pattern's language can address."""
    text = check.text("metric_value", value, max_length=100)
    if is_token(text) or _NUMBER.fullmatch(text):
        return text
    problem = _selector_problem(compiled, text)
    if problem is not None:
        check.fail(
            "metric_value",
            f"{text!r} is neither a number (such as '1') nor a field of the event: {problem}",
        )
    return text


def check_namespace(check: Check, namespace: str, parameter: str = "metric_namespace") -> None:
    check.text(
        parameter, namespace, max_length=255, pattern=_METRIC_TEXT, pattern_doc=_METRIC_TEXT_DOC
    )
    if namespace.startswith("AWS/"):
        check.fail(parameter, "namespaces starting with 'AWS/' are reserved by AWS")


def check_metric_names(check: Check, metric_name: str, metric_namespace: str) -> None:
    check.text(
        "metric_name",
        metric_name,
        max_length=255,
        pattern=_METRIC_TEXT,
        pattern_doc=_METRIC_TEXT_DOC,
    )
    check_namespace(check, metric_namespace)


def _check_dimensions(
    check: Check, compiled: FilterPattern | None, dimensions: Mapping[str, str]
) -> None:
    if len(dimensions) > MAX_DIMENSIONS:
        check.fail(
            "dimensions",
            f"a metric filter takes at most {MAX_DIMENSIONS} dimensions, got {len(dimensions)}",
        )
    for key, selector in dimensions.items():
        check.text(
            "dimensions",
            key,
            max_length=255,
            pattern=_DIMENSION_NAME,
            pattern_doc="(a dimension name) must not contain ':', '*' or '$'",
        )
        check.text("dimensions", selector, max_length=255)
        if compiled is not None and compiled.kind is FilterPatternKind.TERMS:
            check.fail(
                "dimensions",
                "dimensions need a JSON ({ ... }) or space-delimited ([ ... ]) pattern that "
                "names the fields",
            )
        problem = _selector_problem(compiled, selector)
        if problem is not None:
            check.fail(
                "dimensions",
                f"{key}={selector!r}: a dimension value must be a field of the event: {problem}",
            )


def pattern_metric_spec(
    check: Check,
    *,
    pattern: object,
    metric_name: str,
    metric_namespace: str,
    metric_value: str = "1",
    default_value: float | None,
    default_value_given: bool,
    unit: cloudwatch.Unit | None = None,
    dimensions: Mapping[str, str] | None = None,
) -> PatternMetricSpec:
    """Validate a metric-filter definition; the default value is 0 unless dimensions are set
    (CloudWatch refuses a default value on a filter with dimensions)."""
    pattern = check_pattern(check, pattern)
    compiled = compile_pattern(check, "pattern", pattern)
    check_metric_names(check, metric_name, metric_namespace)
    _check_metric_value(check, compiled, metric_value)
    if dimensions is not None and not isinstance(dimensions, Mapping):
        check.fail(
            "dimensions",
            f"expected a mapping of dimension name to field, got {type(dimensions).__name__}",
        )
    dims = dict(dimensions or {})
    _check_dimensions(check, compiled, dims)
    if not default_value_given:
        default_value = None if dims else 0
    elif default_value is not None:
        default_value = check.finite("default_value", default_value)
        if dims:
            check.fail(
                "default_value",
                "CloudWatch does not allow a default value on a metric filter with "
                "dimensions; leave default_value unset",
            )
    return PatternMetricSpec(
        pattern=pattern,
        metric_name=metric_name,
        metric_namespace=metric_namespace,
        metric_value=metric_value,
        default_value=default_value,
        unit=unit,
        dimensions=dims,
    )


def check_statistic(check: Check, statistic: object) -> str:
    """A statistic CloudWatch computes: SampleCount, Sum, Average, Minimum, Maximum (or the
    short forms aws-cdk-lib reads: n, avg, min, max), IQM, a percentile ``pNN(.NN)``, the
    shorthands ``tmNN``, ``wmNN``, ``tcNN``, ``tsNN``, or a range ``TM(10%:90%)``,
    ``WM(..)``, ``TC(..)``, ``TS(..)``, ``PR(..)`` of percentages or absolute values."""
    text = check.text("statistic", statistic, max_length=100)
    if not is_token(text) and not _is_statistic(text.lower()):
        hint = "; for the median use 'p50'" if text.lower() == "median" else ""
        check.fail(
            "statistic",
            f"{text!r} is not a statistic CloudWatch computes{hint}; allowed: SampleCount, "
            "Sum, Average, Minimum, Maximum, IQM, a percentile such as 'p99' or 'p99.9', "
            "'tm90', 'wm90', 'tc90', 'ts90', or a range such as 'TM(10%:90%)' or 'PR(:300)'",
        )
    return text


def _is_statistic(lowered: str) -> bool:
    if lowered in _METRICS_INSIGHTS_FUNCTION or lowered == "iqm":
        return True
    shorthand = _SHORTHAND_STATISTIC.fullmatch(lowered)
    if shorthand is not None:
        return _is_share(shorthand[2], allow_zero=shorthand[1] == "p")
    ranged = _RANGE_STATISTIC.fullmatch(lowered)
    return ranged is not None and _range_bounds_ok(ranged[1], ranged[2], ranged[3])


def _is_share(number: str, *, allow_zero: bool) -> bool:
    value = float(number)
    return (value >= 0 if allow_zero else value > 0) and value <= 100


def _range_bounds_ok(kind: str, lower: str | None, upper: str | None) -> bool:
    """At least one bound, in increasing order; percentages (not for PR, a percentile rank of
    absolute values) within 0-100, and both bounds of one kind."""
    bounds = [bound for bound in (lower, upper) if bound]
    percent = {bound.endswith("%") for bound in bounds}
    if not bounds or len(percent) > 1 or (kind == "pr" and True in percent):
        return False
    shares = [float(bound[:-1]) for bound in bounds if bound.endswith("%")]
    if any(not 0 <= share <= 100 for share in shares):
        return False
    numbers = [float(bound.rstrip("%")) for bound in bounds]
    return len(numbers) == 1 or numbers[0] < numbers[1]


def check_statistic_for(check: Check, spec: PatternMetricSpec, statistic: object) -> str:
    """A statistic CloudWatch computes, and, for a filter with dimensions, one a Metrics
    Insights query can aggregate across them."""
    statistic = check_statistic(check, statistic)
    if spec.dimensions and statistic.lower() not in _METRICS_INSIGHTS_FUNCTION:
        check.fail(
            "statistic",
            f"{statistic!r} cannot aggregate across dimensions; use one of Sum, Average, "
            "Maximum, Minimum, SampleCount",
        )
    return statistic


def create_metric_filter(
    scope: Construct, construct_id: str, log_group: logs.ILogGroup, spec: PatternMetricSpec
) -> logs.MetricFilter:
    return logs.MetricFilter(
        scope,
        construct_id,
        log_group=log_group,
        filter_pattern=logs.FilterPattern.literal(spec.pattern),
        metric_name=spec.metric_name,
        metric_namespace=spec.metric_namespace,
        metric_value=spec.metric_value,
        default_value=spec.default_value,
        dimensions=dict(spec.dimensions) or None,
        unit=spec.unit,
    )


def alarm_metric(
    spec: PatternMetricSpec, metric_filter: logs.MetricFilter, *, statistic: str, period: Duration
) -> cloudwatch.IMetric:
    """The metric to alarm on. With dimensions, a Metrics Insights query that aggregates every
    dimension value (an alarm on the dimensionless metric would never see a datapoint). What it
    is built from is remembered, so the alarm's checks need not read it back."""
    seconds = duration_seconds(period)
    if not spec.dimensions:
        metric = metric_filter.metric(statistic=statistic, period=period, unit=spec.unit)
        facts = MetricFacts(seconds, statistic=statistic, namespace=spec.metric_namespace)
        return remember_metric(metric, facts)
    function = _METRICS_INSIGHTS_FUNCTION[statistic.lower()]
    dimension_list = ", ".join(_quote(key) for key in spec.dimensions)
    # Not SQL: a Metrics Insights query over validated, quoted metric and dimension names.
    query = (
        f"SELECT {function}({_quote(spec.metric_name)}) "  # noqa: S608 -- see above
        f"FROM SCHEMA({_quote(spec.metric_namespace)}, {dimension_list})"
    )
    expression = cloudwatch.MathExpression(
        expression=query,
        period=period,
        label=f"{spec.metric_name} (all {', '.join(spec.dimensions)})",
    )
    return remember_metric(expression, MetricFacts(seconds))


def _quote(name: str) -> str:
    """A Metrics Insights identifier or string, double-quoted."""
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
