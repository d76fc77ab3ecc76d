"""The consensus page (/consensus/, DESIGN §9): on a day, how the allies stand on a topic's
scale, who holds out below the threshold (each holdout's evidence a click away, in the
evidence dialog), NATO's own position apart; and the same distribution month by month, as a
stacked bar chart written here in SVG with its figures as a table."""

import math

from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.dates import MONTHS
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.dashboard import exports
from apps.dashboard.caching import cached_for_readers, conditional_page
from apps.dashboard.templatetags.dashboard import short_date
from apps.dashboard.views import ask, download, event_presets, render
from apps.positions.consensus import (
    ConsensusParams,
    Series,
    consensus,
    consensus_series,
    signed_value,
)


@require_GET
@conditional_page
@vary_on_headers("HX-Request")
@cached_for_readers
def consensus_view(request) -> TemplateResponse:
    """Who stands in the way on a day (?topic=, ?as_of=, ?threshold=): the page, its partial
    for htmx, or the API's answer as a download (?format=csv or json)."""
    form, valid = ask(request, ConsensusParams)
    context = {"form": form, "presets": event_presets(request.user), "result": None}
    if valid:
        # The page counts each holdout's quotes (they open in the dialog); a download
        # carries them.
        wanted = exports.wanted_format(request) is not None
        result = consensus(form.cleaned_data, evidence=wanted)
        if fetched := download(request, result, f"consensus-{result.topic.slug}-{result.as_of}"):
            return fetched
        series = consensus_series(
            {"topic": result.topic, "to": result.as_of},
            stances=[count.stance for count in result.counts],
        )
        query = urlencode({"topic": result.topic.slug, "to": result.as_of.isoformat()})
        series_address = reverse("api:consensus-series")
        context.update(
            result=result,
            series=series,
            chart=series_chart(series),
            series_rows=series_rows(series),
            series_downloads={
                fmt: f"{series_address}?{query}&format={fmt}" for fmt in ("csv", "json")
            },
        )
    status = 400 if form.errors else 200
    return render(request, "dashboard/consensus.html", "consensus-results", context, status)


# --- the chart, month by month -------------------------------------------------------------
# A bar per month, as tall as the alliance was that day, stacked from the bottom by the scale
# (−2 first: the values that stand in the way rise from the axis), allies with no public
# position on top as an outlined, empty band. Each value has its own pattern beside its colour
# (the legend and the table name them with their figures), so colour is never the only signal.
# Written in Python: 241 months of six bands cost a few hundred template nodes each otherwise.

PLOT_HEIGHT = 160
TOP = 14  # room above the bars for the scale's top number
LEFT = 30  # room for the scale's numbers
BOTTOM = 22  # room below for the years
RIGHT = 6
PLOT_WIDTH = 600  # the bars share this width, whatever their number
BAR_MAX = 36  # a bar is at most this wide (a few months), with a gap beside it
LABEL_WIDTH = 36  # a year's label, with room beside it
STACK = (-2, -1, 0, 1, 2)  # bottom to top
# A value's CSS name (as the stance classes: s-p2 … s-m2).
SUFFIX = {2: "p2", 1: "p1", 0: "0", -1: "m1", -2: "m2"}


def pattern_id(value: int | None) -> str:
    return f"cns-{SUFFIX[value]}" if value is not None else "cns-none"


# The patterns, one per value and one for "no public position": a stance colour under lines
# or dots of its own.
PATTERNS = (
    '<pattern id="cns-p2" width="6" height="6" patternUnits="userSpaceOnUse">'
    '<rect class="cns-p2" width="6" height="6"/></pattern>'
    '<pattern id="cns-p1" width="6" height="6" patternUnits="userSpaceOnUse">'
    '<rect class="cns-p1" width="6" height="6"/><circle class="cns-mark" cx="3" cy="3" r="1"/>'
    "</pattern>"
    '<pattern id="cns-0" width="6" height="6" patternUnits="userSpaceOnUse">'
    '<rect class="cns-0" width="6" height="6"/><path class="cns-line" d="M0 3H6"/></pattern>'
    '<pattern id="cns-m1" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect class="cns-m1" width="6" height="6"/>'
    '<path class="cns-line" d="M3 0V6"/></pattern>'
    '<pattern id="cns-m2" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect class="cns-m2" width="6" height="6"/>'
    '<path class="cns-line-light" d="M3 0V6M0 3H6"/></pattern>'
    '<pattern id="cns-none" width="6" height="6" patternUnits="userSpaceOnUse">'
    '<rect class="cns-none" width="6" height="6"/></pattern>'
)


def month_name(day) -> str:
    return f"{MONTHS[day.month]} {day.year}"


def _num(value: float) -> str:
    """A coordinate, to a tenth of a unit."""
    return f"{value:.1f}".removesuffix(".0")


def series_chart(series: Series) -> dict:
    """The chart's SVG (safe markup) and what its legend and caption say."""
    points = series.points
    if not points or not series.held:
        return {"svg": "", "points": len(points)}
    labels = {stance.value: stance.label for stance in series.stances}
    n = len(points)
    step = PLOT_WIDTH / n
    bar = min(BAR_MAX, step * 0.8 if step >= 4 else step)
    scale = max(point.members for point in points) or 1
    unit = PLOT_HEIGHT / scale
    base = TOP + PLOT_HEIGHT
    width = LEFT + PLOT_WIDTH + RIGHT
    height = base + BOTTOM
    # A year's label under its January (and the first month), every `every` years so that
    # labels never overlap.
    every = max(1, math.ceil(LABEL_WIDTH / (12 * step)))
    labelled: float = -LABEL_WIDTH  # where the last year's label was written
    first, last = points[0].day, points[-1].day
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="consensus-chart-title">'
        f'<title id="consensus-chart-title">Stacked bar chart: how the allies stood on '
        f"{escape(series.topic.name)} month by month, {month_name(first)} to "
        f"{month_name(last)}. Each bar is the allies of that day, by stance; the figures are "
        "in the table beside it.</title>"
        f"<defs>{PATTERNS}</defs>"
        f'<line class="grid" x1="{LEFT}" y1="{TOP}" x2="{width - RIGHT}" y2="{TOP}"/>'
        f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{scale}</text>'
        f'<text x="{LEFT - 4}" y="{base}" text-anchor="end">0</text>'
    ]
    # One path per band (a rectangle per month in each), then a transparent target per month
    # that names its figures on hover: a tenth of the weight of a rectangle per band and month.
    bands: dict[int | None, list[str]] = {value: [] for value in (*STACK, None)}
    targets, years = [], []
    for index, point in enumerate(points):
        x = LEFT + index * step
        left = _num(x + (step - bar) / 2)
        below = 0
        for value in bands:
            count = point.none if value is None else point.counts.get(value, 0)
            if count:
                top, height_ = base - (below + count) * unit, count * unit
                bands[value].append(
                    f"M{left} {_num(top)}h{_num(bar)}v{_num(height_)}h-{_num(bar)}z"
                )
                below += count
        figures = " · ".join(
            f"{signed_value(value)}: {point.counts.get(value, 0)}" for value in reversed(STACK)
        )
        targets.append(
            f'<rect x="{_num(x)}" y="{TOP}" width="{_num(step)}" height="{PLOT_HEIGHT}">'
            f"<title>{short_date(point.day)}: {figures} · none: {point.none} "
            f"(of {point.members})</title></rect>"
        )
        january = point.day.month == 1 and point.day.year % every == 0
        if (index == 0 or january) and x - labelled >= LABEL_WIDTH:
            years.append(f'<text x="{left}" y="{base + 16}">{point.day.year}</text>')
            labelled = x
    for value, shapes in bands.items():
        if shapes:
            css = ' class="cns-empty"' if value is None else ""
            parts.append(f'<path{css} fill="url(#{pattern_id(value)})" d="{"".join(shapes)}"/>')
    parts.append(f'<g class="cns-targets">{"".join(targets)}</g>{"".join(years)}')
    parts.append(
        f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{width - RIGHT}" y2="{base}"/></svg>'
    )
    latest = points[-1]
    legend = [
        {
            "pattern": pattern_id(value),
            "name": f"{signed_value(value)} {labels.get(value, '')}",
            "count": latest.counts.get(value, 0),
        }
        for value in reversed(STACK)
    ] + [{"pattern": pattern_id(None), "name": "No public position", "count": latest.none}]
    return {
        "svg": mark_safe("".join(parts)),
        "legend": legend,
        "latest": latest,
        "first": first,
        "points": n,
    }


def series_rows(series: Series) -> SafeString:
    """The chart's figures: a table row per month, oldest first, named by the day counted
    (written here for the same reason as the chart)."""
    rows = []
    for point in series.points:
        cells = "".join(f"<td>{point.counts.get(value, 0)}</td>" for value in reversed(STACK))
        rows.append(
            f'<tr><th scope="row"><time datetime="{point.day.isoformat()}">'
            f"{short_date(point.day)}</time></th><td>{point.members}</td>{cells}"
            f"<td>{point.none}</td></tr>"
        )
    return mark_safe("\n".join(rows))
