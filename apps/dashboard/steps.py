"""The stance step chart of a country page: for one topic, the ally's published positions as
steps over time, drawn here as SVG (as maps.py draws the topic map), light enough for a dozen
topics on one page.

The chart draws the positions the page lists under it: the newest few of each topic, or with
"Show the whole history" the whole history of the topic asked about. The list is then its text
alternative, date for date, and the chart costs no query of its own. Every topic's whole
history would cost one more query and, at the largest scale measured (a dozen topics of about
forty positions each), more than twice the weight of the newest ten (roughly 85 KB where those
take 35), past the page's 150 KB."""

import datetime
from dataclasses import dataclass

from django.utils.dates import MONTHS
from django.utils.html import escape
from django.utils.safestring import mark_safe

from apps.core.models import Status
from apps.dashboard.templatetags.dashboard import short_date, signed, stance_class

# The geometry, in the SVG's own units (it scales to the page's width).
LEFT = 184  # the scale's labels, and the axes' titles
PLOT = 430  # the steps' area at least; wider when the dates need the room
RIGHT = 16
YEARS_Y = 14  # the years' baseline
TOP = 34  # the highest value's line (+2)
ROW = 26  # between two values
AXIS = TOP + 4 * ROW + 14  # the time axis, under the lowest value (−2)
DATES_Y = AXIS + 12  # where each step's date starts, written upward
HEIGHT = DATES_Y + 66
DATE_SPACING = 13  # two dates written upward need this much room side by side
YEAR_SPACING = 40  # ... and two years written along the axis this much
VALUE_ROOM = 22  # a step this wide has its value written on it
LABEL_CHARS = 26  # a longer stance label is cut (the list below says it whole)


@dataclass(frozen=True)
class Step:
    """A published position on the chart: its stance, the day it took effect, and the day the
    chart draws it to (the day it ended, or the chart's last day while it held on)."""

    value: int
    label: str
    start: datetime.date
    end: datetime.date
    held_on: bool  # still in force on the chart's last day


def long_date(day: datetime.date) -> str:
    """ "12 July 2023", as the pages' date filter writes "j F Y"."""
    return f"{day.day} {MONTHS[day.month]} {day.year}"


def chart_steps(positions, last_day: datetime.date) -> list[Step]:
    """The steps of one topic's timeline (positions oldest first, stance loaded): its published
    positions that had begun by `last_day`, each cut at that day. Retracted positions are
    left out; so are drafts, which the page never lists."""
    steps = []
    for position in positions:
        if position.status != Status.PUBLISHED or position.valid_from > last_day:
            continue
        ended = position.valid_to is not None and position.valid_to <= last_day
        steps.append(
            Step(
                value=position.stance.value,
                label=position.stance.label,
                start=position.valid_from,
                end=position.valid_to if ended else last_day,
                held_on=not ended,
            )
        )
    return steps


def cut(label: str) -> str:
    """A stance label as the chart writes it: cut at LABEL_CHARS (the list below says it
    whole)."""
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def date_slots(xs: list[int], low: int, high: int) -> list[int]:
    """Where to write each step's date: at its step where there is room, pushed aside (in
    order, DATE_SPACING apart, between low and high) where two steps begin close together."""
    slots: list[int] = []
    for x in xs:
        slots.append(max(x, low, slots[-1] + DATE_SPACING) if slots else max(x, low))
    limit = high
    for index in range(len(slots) - 1, -1, -1):
        slots[index] = min(slots[index], limit)
        limit = slots[index] - DATE_SPACING
    return slots


def stance_steps_chart(
    *,
    holder: str,
    topic,
    scale: dict[int, str],
    steps: list[Step],
    last_day: datetime.date,
    as_of: bool,
    described_by: str,
) -> str:
    """The step chart of one topic, as SVG: y the topic's scale (−2 to +2, each value with its
    label), x the years from the first step's to `last_day` (today, or the page's as-of day).
    A step per published position, drawn in its stance's colour with its value written on it
    where there is room, its start marked and dated under the axis; a gap where no position
    was in force. Named by its <title>, described by the element `described_by` (the list of
    the same positions with their dates). Empty when there is no step."""
    if not steps:
        return ""
    plot = max(PLOT, DATE_SPACING * (len(steps) + 1))
    width = LEFT + plot + RIGHT
    right = LEFT + plot
    first = datetime.date(steps[0].start.year, 1, 1)
    span = max((last_day - first).days, 1)

    # Whole units: a unit is about a pixel, and the page carries a dozen of these charts.
    def x(day: datetime.date) -> int:
        return round(LEFT + plot * (day - first).days / span)

    def y(value: int) -> int:
        return TOP + (2 - value) * ROW

    slug = escape(topic.slug)
    title_id = f"steps-{slug}"
    now = steps[-1]
    held = f"{signed(now.value)} {cut(now.label)}" if now.held_on else "no public position"
    title = (
        f"{holder} on {topic.name.lower()}, {steps[0].start.year} to "
        f"{long_date(last_day) if as_of else 'today'}: {len(steps)} step"
        f"{'' if len(steps) == 1 else 's'}, {f'on {long_date(last_day)}' if as_of else 'now'} "
        f"{held}{'' if held.endswith('…') else '.'} Listed below with their dates."
    )
    out = [
        f'<div class="step-chart" role="group" tabindex="0" aria-labelledby="t-{slug}">'
        f'<svg viewBox="0 0 {width} {HEIGHT}" role="img" aria-labelledby="{title_id}" '
        f'aria-describedby="{escape(described_by)}">'
        f'<title id="{title_id}">{escape(title)}</title>'
    ]
    # The axes: the scale's values with their labels, the years, the titles. Groups moved
    # into place spare each text its repeated coordinates.
    levels = "".join(f"M{LEFT} {y(v)}H{right}" for v in range(2, -3, -1))
    out.append(
        f'<path class="level" d="{levels}"/><g class="scale" transform="translate({LEFT - 8} 4)">'
    )
    for value in range(2, -3, -1):
        out.append(
            f'<text y="{y(value)}">{signed(value)} {escape(cut(scale.get(value, "")))}</text>'
        )
    out.append(
        f'<text y="{YEARS_Y - 4}">Year</text><text y="{DATES_Y + 8}">Took effect</text></g>'
        f'<text class="axis-title" transform="rotate(-90 12 {y(0)})" x="12" y="{y(0)}">'
        "Stance</text>"
    )
    year_width = plot * 365.25 / span
    every = next((n for n in (1, 2, 5, 10, 20, 50) if n * year_width >= YEAR_SPACING), 100)
    lines, labels, labelled = [], [], -YEAR_SPACING
    for year in range(first.year, last_day.year + 1):
        at = x(datetime.date(year, 1, 1))
        if year % every and year != first.year or at - labelled < YEAR_SPACING:
            continue
        lines.append(f"M{at} {TOP - 10}V{AXIS}")
        if at + YEAR_SPACING - 6 <= right:
            labels.append(f'<text x="{at}">{year}</text>')
            labelled = at
    out.append(
        f'<path class="year" d="{"".join(lines)}"/>'
        f'<g class="years" transform="translate(3 {YEARS_Y})">{"".join(labels)}</g>'
        f'<path class="axis" d="M{LEFT} {AXIS}H{right}"/>'
    )
    # The steps: an edge under each (so the palest colour shows on white), the colour (one
    # path per stance), the risers where one position followed another on the same day, a dot
    # at each start with a line down to its date (written upward under the axis, set aside
    # where steps begin close together), and the values where there is room.
    starts = [x(step.start) for step in steps]
    ends = [x(step.end) for step in steps]
    slots = date_slots(starts, LEFT + 4, right + RIGHT - 6)
    edges, risers, dots, leaders, values, dates = [], [], [], [], [], []
    coloured: dict[int, list[str]] = {}
    for index, step in enumerate(steps):
        x1, x2, level, slot = starts[index], ends[index], y(step.value), slots[index]
        edges.append(f"M{x1} {level}H{x2}")
        coloured.setdefault(step.value, []).append(f"M{x1} {level}H{x2}")
        before = steps[index - 1] if index else None
        if before and before.end == step.start and before.value != step.value:
            risers.append(f"M{x1} {y(before.value)}V{level}")
        dots.append(f"M{x1} {level}h0")
        bend = f"V{AXIS + 4}L{slot} " if slot != x1 else "V"
        leaders.append(f"M{x1} {level + 6}{bend}{DATES_Y - 3}")
        if x2 - x1 >= VALUE_ROOM:
            values.append(f'<text x="{x1 + 6}" y="{level - 7}">{signed(step.value)}</text>')
        dates.append(f'<text y="{slot + 4}">{short_date(step.start)}</text>')
    out.append(
        f'<path class="leader" d="{"".join(leaders)}"/>'
        f'<path class="edge" d="{"".join(edges)}"/>'
        + "".join(
            f'<path class="step {stance_class(value)}" d="{"".join(paths)}"/>'
            for value, paths in sorted(coloured.items(), reverse=True)
        )
        + (f'<path class="riser" d="{"".join(risers)}"/>' if risers else "")
        + f'<path class="start" d="{"".join(dots)}"/>'
        + (f'<g class="values">{"".join(values)}</g>' if values else "")
        + f'<g class="dates" transform="rotate(-90) translate(-{DATES_Y} 0)">'
        f"{''.join(dates)}</g></svg></div>"
    )
    return mark_safe("".join(out))
