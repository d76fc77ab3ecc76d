"""The country page's step chart: each topic's published positions as steps over time, with
their dates, a gap where none was in force, cut at the page's as-of day, escaped, light, and
at a fixed number of queries."""

import datetime
import itertools
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.codebook.models import Stance
from apps.core.models import Status
from apps.dashboard.steps import DATE_SPACING, LEFT, PLOT, ROW, TOP, date_slots
from apps.dashboard.views import PEOPLE_ON_COUNTRY, QUOTES_ON_COUNTRY, TIMELINE_RECENT
from apps.positions.services import position_update
from tests.factories import (
    CountryFactory,
    PersonFactory,
    RoleFactory,
    TopicFactory,
    make_position,
    make_quote,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def chart(page: str, slug: str) -> str | None:
    """The SVG of a topic's chart on the page, or None."""
    match = re.search(
        rf'<div class="step-chart"[^>]*aria-labelledby="t-{slug}">(.*?)</svg></div>', page, re.S
    )
    return match.group(1) if match else None


def steps(svg: str) -> list[tuple[str, int, int, int]]:
    """Each drawn step, in time order: its stance class, where it starts, its level, where
    it ends."""
    drawn = [
        (css, int(x1), int(y), int(x2))
        for css, path in re.findall(r'<path class="step (s-[a-z0-9]+)" d="([^"]+)"/>', svg)
        for x1, y, x2 in re.findall(r"M(\d+) (\d+)H(\d+)", path)
    ]
    return sorted(drawn, key=lambda step: step[1])


def group(svg: str, name: str) -> list[str]:
    """The texts of one of the chart's groups (dates, values, scale)."""
    match = re.search(rf'<g class="{name}"[^>]*>(.*?)</g>', svg, re.S)
    return re.findall(r">([^<]+)</text>", match.group(1)) if match else []


def risers(svg: str) -> list[str]:
    """The vertical joins between steps, one per position followed on its last day."""
    match = re.search(r'<path class="riser" d="([^"]*)"', svg)
    return re.findall(r"M[^M]+", match.group(1)) if match else []


def level(value: int) -> int:
    return TOP + (2 - value) * ROW


@pytest.fixture
def history():
    """Synthetic Estonia on membership: +1 from 2019 that ended in 2020, nothing for a year,
    then −1 from 2021, followed on its last day by +2 from 2022."""
    country = CountryFactory(code="EE", name="Synthetic Estonia")
    topic = TopicFactory(slug="membership", name="Membership")
    make_position(
        country=country, topic=topic, value=1, valid_from=D(2019, 1, 1), valid_to=D(2020, 1, 1)
    )
    make_position(country=country, topic=topic, value=-1, valid_from=D(2021, 1, 1))
    make_position(country=country, topic=topic, value=2, valid_from=D(2022, 3, 15))
    return country, topic


def test_each_published_position_is_a_step_from_its_date(client, history):
    page = client.get("/countries/EE/").content.decode()
    svg = chart(page, "membership")

    drawn = steps(svg)
    assert [(css, y) for css, _, y, _ in drawn] == [
        ("s-p1", level(1)),
        ("s-m1", level(-1)),
        ("s-p2", level(2)),
    ]
    assert group(svg, "dates") == ["1 Jan 2019", "1 Jan 2021", "15 Mar 2022"]
    assert group(svg, "values") == ["+1", "−1", "+2"]
    # The x axis runs from the first position's year to today; the last step holds to today.
    assert drawn[0][1] == LEFT and drawn[-1][3] == LEFT + PLOT
    years = group(svg, "years")
    assert years[0] == "2019" and years[-1] == str(datetime.date.today().year)


def test_a_gap_where_no_position_was_in_force(client, history):
    svg = chart(client.get("/countries/EE/").content.decode(), "membership")

    (_, _, _, first_end), (_, second_start, _, second_end), (_, third_start, _, _) = steps(svg)
    # 2020 to 2021: nothing in force, nothing drawn, no join; −1 to +2 joined on the day.
    assert first_end < second_start
    assert second_end == third_start
    assert risers(svg) == [f"M{third_start} {level(-1)}V{level(2)}"]


def test_the_chart_names_itself_and_points_to_the_list(client, history):
    page = client.get("/countries/EE/").content.decode()
    svg = chart(page, "membership")

    assert 'role="img" aria-labelledby="steps-membership"' in svg
    assert 'aria-describedby="positions-membership"' in svg
    assert '<ol class="timeline-list" id="positions-membership">' in page
    assert (
        "Synthetic Estonia on membership, 2019 to today: 3 steps, now +2 Strongly for. "
        "Listed below with their dates." in svg
    )
    # Colour is never the only signal: the scale's values and labels are written.
    assert group(svg, "scale")[:5] == [
        "+2 Strongly for",
        "+1 For",
        "0 Neutral",
        "−1 Sceptical",
        "−2 Against",
    ]
    assert group(svg, "scale")[5:] == ["Year", "Took effect"]
    assert ">Stance</text>" in svg


@pytest.mark.parametrize("reader", ["analyst", "editor"])
def test_retracted_and_draft_positions_are_not_drawn(client, editor, history, reader):
    country, topic = history
    later = make_position(country=country, topic=topic, value=0, valid_from=D(2023, 5, 2))
    position_update(position=later, status=Status.RETRACTED, correction_note="Synthetic error.")
    make_position(
        country=country, topic=topic, value=-2, valid_from=D(2024, 2, 1), status=Status.DRAFT
    )
    if reader == "editor":
        client.force_login(editor)

    page = client.get("/countries/EE/").content.decode()
    svg = chart(page, "membership")

    assert group(svg, "dates") == ["1 Jan 2019", "1 Jan 2021", "15 Mar 2022"]
    assert [css for css, *_ in steps(svg)] == ["s-p1", "s-m1", "s-p2"]
    # The retraction reopened +2, which the retracted position had closed: it runs on.
    assert steps(svg)[-1][3] == LEFT + PLOT
    assert "3 steps, now +2 Strongly for." in svg
    # The retracted one is still listed with its note, as before; the draft is not.
    assert "Synthetic error." in page
    assert "1 Feb 2024" not in page


def test_as_of_cuts_the_chart(client, history):
    svg = chart(client.get("/countries/EE/?as_of=2021-06-30").content.decode(), "membership")

    drawn = steps(svg)
    assert [css for css, *_ in drawn] == ["s-p1", "s-m1"]
    assert group(svg, "dates") == ["1 Jan 2019", "1 Jan 2021"]
    assert drawn[-1][3] == LEFT + PLOT  # held on to the as-of day, the chart's right edge
    assert group(svg, "years")[-1] == "2021"
    assert "2019 to 30 June 2021: 2 steps, on 30 June 2021 −1 Sceptical." in svg


def test_as_of_before_any_position_draws_nothing(client, history):
    page = client.get("/countries/EE/?as_of=2018-12-31").content.decode()

    assert chart(page, "membership") is None
    assert "No public position on record." in page


def test_a_position_ended_before_the_as_of_day_leaves_a_gap_to_the_edge(client, history):
    svg = chart(client.get("/countries/EE/?as_of=2020-06-30").content.decode(), "membership")

    ((css, _, _, end),) = steps(svg)
    assert css == "s-p1" and end < LEFT + PLOT
    assert "on 30 June 2020 no public position." in svg


def test_labels_and_names_are_escaped(client, history):
    country, topic = history
    country.name = 'Synthetic <b>"land"</b>'
    country.save()
    Stance.objects.filter(topic=topic, value=2).update(label="<script>x</script> & co")
    topic.name = "Member<i>ship</i>"
    topic.save()

    svg = chart(client.get("/countries/EE/").content.decode(), "membership")

    assert "<script>" not in svg and "<b>" not in svg and "<i>" not in svg
    assert "+2 &lt;script&gt;x&lt;/script&gt; &amp; co" in svg
    assert "Synthetic &lt;b&gt;&quot;land&quot;&lt;/b&gt; on member&lt;i&gt;ship&lt;/i&gt;, " in svg


def test_a_long_label_is_cut_on_the_axis(client, history):
    _, topic = history
    Stance.objects.filter(topic=topic, value=0).update(label="Synthetic " + "long " * 30)

    svg = chart(client.get("/countries/EE/").content.decode(), "membership")

    assert group(svg, "scale")[2] == "0 Synthetic long long long…"


def test_the_page_charts_what_it_lists_and_the_whole_history_on_demand(client, history):
    country, topic = history
    for step in range(TIMELINE_RECENT):
        make_position(
            country=country,
            topic=topic,
            value=step % 5 - 2,
            valid_from=D(2023, 1, 1) + datetime.timedelta(days=20 * step),
        )

    newest = chart(client.get("/countries/EE/").content.decode(), "membership")
    whole = chart(client.get("/countries/EE/?history=membership").content.decode(), "membership")

    assert len(steps(newest)) == TIMELINE_RECENT
    assert group(newest, "dates")[0] == "1 Jan 2023"
    assert len(steps(whole)) == TIMELINE_RECENT + 3
    assert group(whole, "dates")[0] == "1 Jan 2019"


def test_dates_close_together_are_set_apart_in_order():
    slots = date_slots([200, 201, 202, 600, 601], low=188, high=604)

    assert slots == sorted(slots)
    assert all(b - a >= DATE_SPACING for a, b in itertools.pairwise(slots))
    assert slots[0] == 200 and slots[-1] <= 604


def test_a_long_history_widens_the_chart_to_keep_its_dates_apart(client, history):
    country, topic = history
    for step in range(40):
        make_position(
            country=country,
            topic=topic,
            value=step % 2,
            valid_from=D(2023, 1, 1) + datetime.timedelta(days=7 * step),
        )

    svg = chart(client.get("/countries/EE/?history=membership").content.decode(), "membership")

    width = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))
    assert width > LEFT + PLOT
    dates = re.search(r'<g class="dates"[^>]*>(.*?)</g>', svg).group(1)
    slots = [int(at) for at in re.findall(r'<text y="(\d+)">', dates)]
    assert len(slots) == 43 and all(b - a >= DATE_SPACING for a, b in itertools.pairwise(slots))


# The country page at the largest scale measured (a million quotes): a dozen topics, each
# listing its newest TIMELINE_RECENT positions, sixty officials, twenty quotes. Its charts
# included, the page stays within this.
PAGE_MAX_BYTES = 150_000
TOPICS_AT_SCALE = 12


def test_the_page_at_its_fullest_stays_light(client, history):
    country, _ = history
    country.name = "Synthetic Republic of the Long Country Name"
    country.save()
    said = "Synthetic words: the alliance will decide when conditions allow, and not before. " * 2
    quotes = [
        make_quote(country=country, text=f"{said}Number {n}.", speaker=PersonFactory())
        for n in range(QUOTES_ON_COUNTRY)
    ]
    for n in range(TOPICS_AT_SCALE):
        topic = TopicFactory(slug=f"synthetic-topic-{n}", name=f"Synthetic topic number {n}")
        Stance.objects.filter(topic=topic).update(label="Synthetic label of a long stance")
        for step in range(TIMELINE_RECENT + 2):
            make_position(
                country=country,
                topic=topic,
                value=step % 5 - 2,
                valid_from=D(2008, 4, 3) + datetime.timedelta(days=600 * step + n),
                conditionality="after_war",
                conditionality_note="As stated at the time.",
                summary="Coded from statements around 2008-04-03.",
                evidence=quotes[:1],
            )
    for person in PersonFactory.create_batch(PEOPLE_ON_COUNTRY, country=country):
        RoleFactory(person=person, title="Synthetic deputy minister of foreign affairs")

    page = client.get("/countries/EE/").content

    charts = re.findall(rb'<div class="step-chart".*?</svg></div>', page, re.S)
    assert len(charts) == TOPICS_AT_SCALE + 1
    assert all(len(steps(c.decode())) == TIMELINE_RECENT for c in charts[1:])
    assert len(page) <= PAGE_MAX_BYTES


def queries(client, path: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_country_page_costs_the_same_queries_with_more_positions(
    client, history, django_assert_num_queries
):
    country, topic = history
    other = TopicFactory(slug="guarantees", name="Guarantees")
    queries(client, "/countries/EE/")  # per-process memos warm
    small = queries(client, "/countries/EE/")

    for step in range(TIMELINE_RECENT + 5):
        for subject in (topic, other):
            make_position(
                country=country,
                topic=subject,
                value=step % 5 - 2,
                valid_from=D(2023, 1, 1) + datetime.timedelta(days=9 * step),
            )
    cache.clear()
    with django_assert_num_queries(small):
        page = client.get("/countries/EE/").content.decode()

    assert len(steps(chart(page, "membership"))) == TIMELINE_RECENT
    assert len(steps(chart(page, "guarantees"))) == TIMELINE_RECENT
