"""ObservabilityDashboard: one screen built from what the library's constructs created.

No hand-written list: the dashboard reads what the library recorded under a scope (by default
the whole app) and lays it out deterministically:

- an alarm-status widget with every alarm (split in widgets of 100, CloudWatch's limit);
- one section per monitored resource, a graph per alarm with its threshold (or its
  anomaly-detection band) drawn on the metric;
- a Logs Insights widget per encrypted log group with pattern alarms, querying the events
  that match those patterns (translated from filter-pattern syntax);
- the security detections' counts (CIS metric filters and security rules);
- the library's own monitors (dead letters, failed deliveries).

CloudWatch allows 500 metrics per widget and 2,500 per dashboard: graphs are split so that no
widget passes the first, and the sections are spread over several dashboards (``<name>-2``,
...) so that none passes the second (or 500 widgets).

The dashboard often sits in a stack of its own. Whatever it shows of other stacks is written
out (``written_out``) rather than referenced, so that it needs no stack exports: under CDK's
default (strong) references an export pins its producer, and CloudFormation allows 200 outputs
per template. Alarms (every alarm of the library has a name) are listed by their ARN; metric
dimensions and log group names are written out when their stack holds them literally; an
alarm whose metric names a resource named only at deploy time is drawn by an alarm widget (by
ARN: CloudWatch draws the alarm's own metric). Only what has neither a literal name nor an alarm
is still referenced. Metrics of a stack in another region or account are drawn from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import groupby
from typing import Final

import jsii
from aws_cdk import Annotations, Aspects, Duration, IAspect
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct, IConstruct

from constructs_obs.dashboard.written_out import WrittenOut, literal_alarm_name, portable
from constructs_obs.detections.logs_insights import logs_insights_filter
from constructs_obs.private.metrics import graph_metric_count
from constructs_obs.private.registry import (
    AlarmKind,
    AlarmRecord,
    DetectionRecord,
    LogPatternRecord,
    Registry,
    registry_of,
)
from constructs_obs.private.scopes import stack_facts
from constructs_obs.private.validate import Check, is_token

__all__ = [
    "MAX_ALARMS_PER_STATUS_WIDGET",
    "MAX_METRICS_PER_DASHBOARD",
    "MAX_METRICS_PER_WIDGET",
    "MAX_WIDGETS_PER_DASHBOARD",
    "ObservabilityDashboard",
]

MAX_METRICS_PER_WIDGET: Final = 500
MAX_METRICS_PER_DASHBOARD: Final = 2500
MAX_WIDGETS_PER_DASHBOARD: Final = 500
MAX_ALARMS_PER_STATUS_WIDGET: Final = 100
GRID: Final = 24
GRAPH_WIDTH: Final = 6
STALE_WARNING_ID: Final = "constructs-obs:dashboard-built-too-early"
CROSS_ENVIRONMENT_WARNING_ID: Final = "constructs-obs:dashboard-cross-environment"
_SEVERITY_ORDER: Final = {"critical": 0, "warning": 1}
_SEVERITY_COLOUR: Final = {"critical": cloudwatch.Color.RED, "warning": cloudwatch.Color.ORANGE}


@dataclass(frozen=True)
class _Widget:
    widget: cloudwatch.IWidget
    metrics: int
    width: int = 24  # the widget's width in grid columns, as it was created


_Row = list[_Widget]
_Env = tuple[str, str]


def _alarm_name(record: AlarmRecord) -> str | None:
    """The alarm's literal name: recorded by the library, else read from its template."""
    return record.name if record.name is not None else literal_alarm_name(record.alarm)


def _construct_at(scope: IConstruct, path: str) -> IConstruct | None:
    """The construct at ``path`` in ``scope``'s app (None when it is not found)."""
    node: IConstruct | None = scope.node.root
    for part in path.split("/"):
        if node is None:
            return None
        node = node.node.try_find_child(part)
    return node


class ObservabilityDashboard(Construct):
    """A CloudWatch dashboard of every alarm and metric the library created under ``source``.

    Create it after the constructs it shows (a synth-time warning says when constructs were
    added afterwards).

    Parameters
    ----------
    name:
        The dashboard name (then ``<name>-2``, ... for further pages). Default: generated.
    sources:
        Whose constructs to show (e.g. some stacks). Default: the whole app.
    title:
        The heading: non-blank text of at most 10,000 characters. Default: the name, or
        "Observability".
    max_metrics_per_dashboard / max_widgets_per_dashboard:
        Where to split pages; no page passes either (at least what the largest graph draws,
        and 2 widgets: the heading and one more). Default: CloudWatch's limits (2,500
        metrics, 500 widgets).
    logs_query_limit:
        How many matching log events each Logs Insights widget lists. Default: 50.

    Attributes
    ----------
    dashboards:
        The CloudWatch dashboards, in page order.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str | None = None,
        sources: Sequence[IConstruct] | None = None,
        title: str | None = None,
        max_metrics_per_dashboard: int = MAX_METRICS_PER_DASHBOARD,
        max_widgets_per_dashboard: int = MAX_WIDGETS_PER_DASHBOARD,
        logs_query_limit: int = 50,
    ) -> None:
        super().__init__(scope, id)
        check = Check("ObservabilityDashboard", id)
        _check_options(check, name, max_metrics_per_dashboard, max_widgets_per_dashboard)
        if title is not None:
            check.text("title", title, max_length=10_000)
        check.integer("logs_query_limit", logs_query_limit, minimum=1, maximum=10_000)
        scopes = _check_sources(check, sources) or [self.node.root]
        where = ", ".join(scope.node.path or "the app" for scope in scopes)
        registry = registry_of(self)
        records = registry.under(*scopes)
        if records.size == 0:
            check.fail(
                "sources",
                f"nothing built by constructs-obs under {where}; create the dashboard after the "
                "constructs it should show",
            )
        seen = records.size
        self._home = stack_facts(self)
        self._written = WrittenOut()
        records = self._drop_unportable(self._write_out(records))
        self._title = title or name or "Observability"
        self._logs_query_limit = logs_query_limit
        self._max_metrics = max_metrics_per_dashboard
        self._imported_alarms = 0
        rows = self._rows(records)
        _check_largest_graph(check, rows, max_metrics_per_dashboard)
        pages = _paginate(rows, max_metrics_per_dashboard, max_widgets_per_dashboard)
        self.dashboards = self._create_dashboards(name, where, pages)
        Aspects.of(self).add(_StaleCheck(self, registry, scopes, seen))

    def _create_dashboards(
        self, name: str | None, where: str, pages: list[list[_Row]]
    ) -> list[cloudwatch.Dashboard]:
        """One CloudWatch dashboard per page, each under a heading that names the sources."""
        dashboards: list[cloudwatch.Dashboard] = []
        for number, page in enumerate(pages, start=1):
            heading = _text(
                f"# {self._title}"
                + (f" ({number}/{len(pages)})" if len(pages) > 1 else "")
                + "\nBuilt by constructs-obs from the alarms, log groups and detections of "
                f"{where}. Edit the code, not this dashboard.",
                height=2,
            )
            # One row per list, as add_widgets would lay them out, in one call to jsii.
            dashboard = cloudwatch.Dashboard(
                self,
                "Resource" if number == 1 else f"Page{number}",
                dashboard_name=None
                if name is None
                else (name if number == 1 else f"{name}-{number}"),
                default_interval=Duration.hours(6),
                widgets=[[heading], *([item.widget for item in row] for row in page)],
            )
            dashboards.append(dashboard)
        return dashboards

    # -- layout --------------------------------------------------------------------------------

    def _rows(self, records: Registry) -> list[_Row]:
        rows: list[_Row] = []
        rows += self._alarm_status_rows(records.alarms)
        watched = sorted(
            (r for r in records.alarms if r.kind in (AlarmKind.THRESHOLD, AlarmKind.ANOMALY)),
            key=lambda r: (r.resource, _SEVERITY_ORDER.get(r.severity, 9), r.signal, r.path),
        )
        for resource, group in groupby(watched, key=lambda r: r.resource):
            rows.append([_Widget(_text(f"## {resource}", height=1), 0)])
            rows += _pack([self._alarm_graph(record) for record in group])
        patterned = [g for g in records.log_groups if g.patterns]
        if patterned:
            rows.append([_Widget(_text("## Log events matching the pattern alarms", height=1), 0)])
            rows += _pack([self._logs(group) for group in sorted(patterned, key=lambda g: g.path)])
        if records.detections:
            rows.append(
                [_Widget(_text("## Security detections (count over the time range)", height=1), 0)]
            )
            rows += _detection_rows(
                min(MAX_METRICS_PER_WIDGET, self._max_metrics),
                [
                    (record, self._env_of(_construct_at(self, record.path)))
                    for record in sorted(
                        records.detections, key=lambda d: (d.kind, d.label, d.path)
                    )
                ],
            )
        monitors = sorted(
            (r for r in records.alarms if r.kind is AlarmKind.MONITOR),
            key=lambda r: (r.resource, r.signal, r.path),
        )
        if monitors:
            rows.append(
                [_Widget(_text("## Delivery health (the library's own monitors)", height=1), 0)]
            )
            rows += _pack([self._alarm_graph(record) for record in monitors])
        return rows

    def _foreign(self, construct: IConstruct | None) -> bool:
        """Whether ``construct`` is deployed to another account or region than the board."""
        if construct is None:
            return False
        home, there = self._home, stack_facts(construct)
        if there.stack is home.stack:
            return False
        pairs = ((home.account, there.account), (home.region, there.region))
        if not any(is_token(value) for pair in pairs for value in pair):
            return any(mine != theirs for mine, theirs in pairs)
        stack = home.stack
        return any(stack.resolve(mine) != there.stack.resolve(theirs) for mine, theirs in pairs)

    def _write_out(self, records: Registry) -> Registry:
        """The records with the metrics of other stacks written out where those stacks name
        every dimension literally (unchanged otherwise)."""

        def alarm(record: AlarmRecord) -> AlarmRecord:
            if record.metric is None or self._at_home(record.alarm):
                return record
            metric = self._written.metric(record.metric, record.alarm)
            return record if metric is None else replace(record, metric=metric)

        def detection(record: DetectionRecord) -> DetectionRecord:
            construct = _construct_at(self, record.path)
            if construct is None or self._at_home(construct):
                return record
            metric = self._written.metric(record.metric, construct)
            if isinstance(metric, cloudwatch.Metric):
                return replace(record, metric=metric)
            return record

        return Registry(
            alarms=[alarm(r) for r in records.alarms],
            log_groups=records.log_groups,
            detections=[detection(r) for r in records.detections],
        )

    def _log_group_name(self, record: LogPatternRecord) -> str | None:
        """The log group's name, written out for another stack's (None: named at deploy time)."""
        name = record.log_group.log_group_name
        if self._at_home(record.log_group):
            return name
        return self._written.name(name, record.log_group)

    def _alarm_graph(self, record: AlarmRecord) -> _Widget:
        """The alarm's metric and threshold; for another stack's alarm whose metric names a
        resource named at deploy time, an alarm widget by ARN (no reference to that stack)."""
        env = self._env_of(record.alarm)
        if self._at_home(record.alarm) or record.metric is None:
            return _graph(record, env)
        listed = self._listed(record) if not portable(record.metric) else record.alarm
        if listed is record.alarm:
            return _graph(record, env)
        widget = cloudwatch.AlarmWidget(
            alarm=listed,
            title=f"{record.signal} ({record.severity})",
            region=env[1] if env is not None else None,
            width=GRAPH_WIDTH,
            height=6,
        )
        band = 1 if record.kind is AlarmKind.ANOMALY else 0
        return _Widget(widget, graph_metric_count(record.metric) + band, GRAPH_WIDTH)

    def _drop_unportable(self, records: Registry) -> Registry:
        """Leave out what lives in another environment but is named only at deploy time:
        CloudFormation cannot reference it from here. A warning lists what was left out."""

        def alarm_ok(record: AlarmRecord) -> bool:
            if not self._foreign(record.alarm):
                return True
            # A metric named at deploy time is drawn by an alarm widget (_alarm_graph).
            return self._env_of(record.alarm) is not None and _alarm_name(record) is not None

        def log_group_ok(record: LogPatternRecord) -> bool:
            if self._at_home(record.log_group):
                return True
            named = self._log_group_name(record) is not None
            if self._foreign(record.log_group):
                return self._env_of(record.log_group) is not None and named
            # Same environment, another stack: a Logs Insights widget (one per group with
            # patterns) names its group; a name known only at deploy time would be a stack
            # export (Fn::ImportValue), which pins that stack.
            return named or not record.patterns

        def detection_ok(record: DetectionRecord) -> bool:
            construct = _construct_at(self, record.path)
            if not self._foreign(construct):
                return True
            return self._env_of(construct) is not None and portable(record.metric)

        kept = Registry(
            alarms=[r for r in records.alarms if alarm_ok(r)],
            log_groups=[r for r in records.log_groups if log_group_ok(r)],
            detections=[r for r in records.detections if detection_ok(r)],
        )
        left_out = sorted(
            {r.path for r in records.alarms if r not in kept.alarms}
            | {r.path for r in records.log_groups if r not in kept.log_groups}
            | {r.path for r in records.detections if r not in kept.detections}
        )
        if left_out:
            Annotations.of(self).add_warning_v2(
                CROSS_ENVIRONMENT_WARNING_ID,
                f"{len(left_out)} item(s) of other stacks are named only at deploy time, so this "
                "dashboard cannot show them without a stack export or, across accounts and "
                "regions, at all (give them names, or add a dashboard in their stack): "
                f"{', '.join(left_out)}",
            )
        return kept

    def _env_of(self, construct: IConstruct | None) -> _Env | None:
        """The (account, region) of ``construct``'s stack when it is literal and not the
        dashboard's own: its metrics must name them."""
        if construct is None:
            return None
        home, there = self._home, stack_facts(construct)
        if there.stack is home.stack or is_token(there.account) or is_token(there.region):
            return None
        if (there.account, there.region) == (home.account, home.region):
            return None
        return there.account, there.region

    def _alarm_status_rows(self, alarms: Sequence[AlarmRecord]) -> list[_Row]:
        ordered = sorted(alarms, key=lambda r: (_SEVERITY_ORDER.get(r.severity, 9), r.path))
        rows: list[_Row] = []
        for start in range(0, len(ordered), MAX_ALARMS_PER_STATUS_WIDGET):
            chunk = ordered[start : start + MAX_ALARMS_PER_STATUS_WIDGET]
            widget = cloudwatch.AlarmStatusWidget(
                title=f"Alarms {start + 1}-{start + len(chunk)} of {len(ordered)}",
                alarms=[self._listed(record) for record in chunk],
                sort_by=cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
                width=GRID,
                height=max(3, 1 + (len(chunk) + 3) // 4),
            )
            rows.append([_Widget(widget, 0)])
        return rows

    def _at_home(self, construct: IConstruct) -> bool:
        return stack_facts(construct).stack is self._home.stack

    def _listed(self, record: AlarmRecord) -> cloudwatch.IAlarm:
        """``alarm``, or for an alarm of another stack with a literal name and environment,
        the same alarm by its written-out ARN (no stack output needed)."""
        alarm = record.alarm
        there = stack_facts(alarm)
        if there.stack is self._home.stack:
            return alarm
        name = _alarm_name(record)
        if name is None or is_token(there.account) or is_token(there.region):
            return alarm
        self._imported_alarms += 1
        arn = f"arn:{self._home.partition}:cloudwatch:{there.region}:{there.account}:alarm:{name}"
        return cloudwatch.Alarm.from_alarm_arn(self, f"Listed{self._imported_alarms}", arn)

    def _logs(self, group: LogPatternRecord) -> _Widget:
        filters = [logs_insights_filter(pattern) for _, pattern in group.patterns]
        translated = [f for f in filters if f is not None]
        query = ["fields @timestamp, @logStream, @message"]
        if translated and len(translated) == len(filters):
            query.append("filter " + " or ".join(f"({f})" for f in translated))
            title = f"{group.name}: events matching {', '.join(n for n, _ in group.patterns)}"
        else:
            title = f"{group.name}: latest events (a pattern has no Logs Insights equivalent)"
        query += ["sort @timestamp desc", f"limit {self._logs_query_limit}"]
        env = self._env_of(group.log_group)
        widget = cloudwatch.LogQueryWidget(
            title=title[:200],
            log_group_names=[self._log_group_name(group) or group.log_group.log_group_name],
            region=env[1] if env is not None else None,
            query_lines=query,
            width=12,
            height=6,
        )
        return _Widget(widget, 0, 12)


def _check_sources(check: Check, sources: object) -> list[IConstruct]:
    """None, or a list of constructs (stacks, stages or any scope) - not their names."""
    if sources is None:
        return []
    if isinstance(sources, str | bytes) or not isinstance(sources, Sequence):
        check.fail("sources", f"expected a list of constructs, got {type(sources).__name__}")
    for source in sources:
        if not hasattr(source, "node"):
            check.fail("sources", f"expected constructs (e.g. a Stack), got {source!r}")
    return list(sources)


def _check_options(
    check: Check,
    name: str | None,
    max_metrics_per_dashboard: int,
    max_widgets_per_dashboard: int,
) -> None:
    if name is not None:
        check.text(
            "name",
            name,
            max_length=250,
            pattern=r"[A-Za-z0-9_-]+",
            pattern_doc="may contain only letters, digits, '-' and '_'",
        )
    check.integer(
        "max_metrics_per_dashboard",
        max_metrics_per_dashboard,
        minimum=1,
        maximum=MAX_METRICS_PER_DASHBOARD,
    )
    check.integer(
        "max_widgets_per_dashboard",
        max_widgets_per_dashboard,
        minimum=2,
        maximum=MAX_WIDGETS_PER_DASHBOARD,
    )


def _check_largest_graph(check: Check, rows: list[_Row], max_metrics: int) -> None:
    """A single graph cannot be split over pages: it must fit the metric limit of one."""
    largest = max((item.metrics for row in rows for item in row), default=0)
    if largest > max_metrics:
        check.fail(
            "max_metrics_per_dashboard",
            f"a graph here draws {largest} metrics (an alarm's metric math, or an anomaly "
            f"band), more than {max_metrics}: allow at least {largest}",
        )


def _text(markdown: str, *, height: int) -> cloudwatch.TextWidget:
    return cloudwatch.TextWidget(markdown=markdown, width=GRID, height=height)


def _in_env(metric: cloudwatch.IMetric, env: _Env | None) -> cloudwatch.IMetric:
    """``metric`` drawn from another account and region (a math expression searches there)."""
    if env is None:
        return metric
    account, region = env
    if isinstance(metric, cloudwatch.Metric):
        return metric.with_(account=account, region=region)
    if isinstance(metric, cloudwatch.MathExpression):
        return metric.with_(search_account=account, search_region=region)
    return metric


def _graph(record: AlarmRecord, env: _Env | None) -> _Widget:
    assert record.metric is not None
    metric = _in_env(record.metric, env)
    metrics: list[cloudwatch.IMetric] = [metric]
    annotations: list[cloudwatch.HorizontalAnnotation] = []
    if record.kind is AlarmKind.ANOMALY and record.band_width is not None:
        metrics.append(
            cloudwatch.MathExpression(
                expression=f"ANOMALY_DETECTION_BAND(m1, {record.band_width:g})",
                using_metrics={"m1": metric},
                label=f"expected band ({record.band_width:g} standard deviations)",
            )
        )
    elif record.threshold is not None:
        annotations.append(
            cloudwatch.HorizontalAnnotation(
                value=record.threshold,
                label=f"{record.severity} threshold",
                color=_SEVERITY_COLOUR.get(record.severity) or cloudwatch.Color.GREY,
            )
        )
    widget = cloudwatch.GraphWidget(
        title=f"{record.signal} ({record.severity})",
        left=metrics,
        left_annotations=annotations or None,
        width=GRAPH_WIDTH,
        height=6,
    )
    return _Widget(widget, sum(graph_metric_count(metric) for metric in metrics), GRAPH_WIDTH)


def _detection_rows(
    per_widget: int, detections: Sequence[tuple[DetectionRecord, _Env | None]]
) -> list[_Row]:
    rows: list[_Row] = []
    for start in range(0, len(detections), per_widget):
        chunk = detections[start : start + per_widget]
        widget = cloudwatch.SingleValueWidget(
            metrics=[
                _in_env(
                    d.metric.with_(label=d.label[:80], statistic="Sum", period=Duration.days(1)),
                    env,
                )
                for d, env in chunk
            ],
            set_period_to_time_range=True,
            width=GRID,
            height=max(3, 3 * ((len(chunk) + 5) // 6)),
        )
        rows.append([_Widget(widget, len(chunk))])
    return rows


def _pack(widgets: Sequence[_Widget]) -> list[_Row]:
    """Left to right, a new row when the 24-column grid is full."""
    rows: list[_Row] = []
    row: _Row = []
    width = 0
    for item in widgets:
        item_width = item.width
        if width + item_width > GRID and row:
            rows.append(row)
            row, width = [], 0
        row.append(item)
        width += item_width
    if row:
        rows.append(row)
    return rows


def _paginate(rows: list[_Row], max_metrics: int, max_widgets: int) -> list[list[_Row]]:
    """Rows over as few dashboards as the limits allow (the heading takes a widget each).

    A row that alone passes a limit is laid out one widget per row; a single widget never
    passes one (the constructor checks the graphs; the other widgets are chunked to fit).
    """
    pages: list[list[_Row]] = [[]]
    metrics, widgets = 0, 1
    for row in rows:
        fits_alone = sum(i.metrics for i in row) <= max_metrics and 1 + len(row) <= max_widgets
        for piece in [row] if fits_alone else [[item] for item in row]:
            piece_metrics = sum(item.metrics for item in piece)
            full = metrics + piece_metrics > max_metrics or widgets + len(piece) > max_widgets
            if pages[-1] and full:
                pages.append([])
                metrics, widgets = 0, 1
            pages[-1].append(piece)
            metrics += piece_metrics
            widgets += len(piece)
    return pages


@jsii.implements(IAspect)
class _StaleCheck:
    """At synthesis: warn when library constructs were added under the source afterwards."""

    def __init__(
        self,
        dashboard: ObservabilityDashboard,
        registry: Registry,
        sources: Sequence[IConstruct],
        seen: int,
    ) -> None:
        self._dashboard = dashboard
        self._registry = registry
        self._sources = sources
        self._seen = seen

    def visit(self, node: IConstruct) -> None:
        if node is not self._dashboard:
            return
        now = self._registry.under(*self._sources).size
        if now > self._seen:
            Annotations.of(self._dashboard).add_warning_v2(
                STALE_WARNING_ID,
                f"{now - self._seen} alarm(s), log group(s) or detection(s) were created after "
                "this dashboard and are not on it: create the dashboard last.",
            )
