"""/consensus/ on the seeded report: the counts, the holdouts with their evidence a click
away, NATO apart, the chart with its figures and the series' download; its partial, its
refusals and its place in the main menu."""

import datetime
import re

import pytest

from apps.actors.models import Country
from apps.positions.models import Topic
from tests.factories import make_position, make_quote

pytestmark = pytest.mark.usefixtures("seeded")

EVE_OF_VILNIUS = "/consensus/?as_of=2023-07-10"


def page(client, url, **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_the_eve_of_vilnius_counts_the_allies_and_names_the_holdout(client):
    html = page(client, EVE_OF_VILNIUS)

    assert "On 10 July 2023, 1 of the 31 allies held out on membership (a stance below +1)" in html
    assert "1 stood at +1 or above, and 29 had no public position." in html
    holdouts = html[html.index('class="holdouts-table"') : html.index("Apart, not counted")]
    assert ">United States</a>" in holdouts and "Estonia" not in holdouts
    assert "Not now" in holdouts and "1 June 2023" in holdouts
    # The evidence opens in the dialog (or, without JavaScript, on its page).
    link = re.search(
        r'<a href="(/positions/(\d+)/evidence/)" data-opens-evidence>(\d) quotes', holdouts
    )
    assert link, holdouts
    assert client.get(link.group(1)).status_code == 200
    assert '<dialog id="evidence-panel"' in html
    # NATO apart, not counted: 1 + 1 + 29 = 31.
    apart = html[html.index("Apart, not counted") :]
    assert "<strong>NATO</strong>" in apart and "Alliance formula" in apart
    assert re.search(r"All allies</th><td class=\"number\">31</td>", html)


def test_a_holdout_known_only_from_others_claims_is_marked(client):
    membership = Topic.objects.get(slug="membership")
    germany, estonia = Country.objects.get(code="DE"), Country.objects.get(code="EE")
    claim = make_quote(
        text="Synthetic words for a test: Berlin will not agree.",
        speaker_label="a synthetic official",
        country=germany,
        claimant_country=estonia,
        topics=[membership],
        said_on=datetime.date(2023, 6, 10),
    )
    make_position(
        topic=membership,
        country=germany,
        value=-1,
        valid_from=datetime.date(2023, 6, 10),
        confidence="reported",
        evidence=[claim],
    )

    html = page(client, EVE_OF_VILNIUS)

    holdouts = html[html.index('class="holdouts-table"') : html.index("Apart, not counted")]
    germany_row = holdouts[holdouts.index(">Germany</a>") : holdouts.index(">United States</a>")]
    assert "Unconfirmed: only what Estonia said of it" in germany_row
    assert "Unconfirmed" not in holdouts[holdouts.index(">United States</a>") :]


def test_the_chart_says_it_in_words_and_figures(client):
    html = page(client, EVE_OF_VILNIUS)

    chart = html[html.index('<figure class="consensus-chart">') : html.index("</figure>")]
    assert 'role="img"' in chart and "Stacked bar chart" in chart
    # Each value has its own pattern, and the key names it with its figure.
    for pattern in ("cns-p2", "cns-p1", "cns-0", "cns-m1", "cns-m2", "cns-none"):
        assert f'<pattern id="{pattern}"' in chart
    assert re.search(r"−1 Not now: <strong>1</strong>", chart)
    assert re.search(r"No public position: <strong>29</strong>", chart)
    figures = html[html.index('class="series-figures"') :]
    assert '<th scope="row"><time datetime="2023-06-30">30 Jun 2023</time></th>' in figures
    assert "<td>31</td><td>0</td><td>1</td><td>0</td><td>1</td><td>0</td><td>29</td>" in figures
    assert (
        'href="/api/v1/consensus/series/?topic=membership&amp;to=2023-07-10&amp;format=csv"' in html
    )


def test_before_any_position_the_chart_says_so(client):
    html = page(client, "/consensus/?as_of=2008-04-01")

    assert "On 1 April 2008, 0 of the 26 allies held out" in html
    assert "No ally had a published position on membership up to 1 April 2008." in html
    assert "<svg" not in html[html.index("over-time-heading") :]


def test_the_presets_keep_the_topic_and_threshold(client):
    html = page(client, "/consensus/?topic=timeline&threshold=0")

    assert (
        'href="/consensus/?as_of=2023-07-10&amp;threshold=0&amp;topic=timeline" '
        'hx-get="/consensus/?as_of=2023-07-10&amp;threshold=0&amp;topic=timeline" '
        'hx-target="#consensus-results"' in html
    )
    assert "Eve of NATO Vilnius Summit" in html
    assert '<option value="0" selected>0</option>' in html
    assert '<option value="timeline" selected>Timeline</option>' in html


def test_an_htmx_request_gets_the_results_alone(client):
    html = page(client, EVE_OF_VILNIUS, HX_Request="true")

    assert "<html" not in html
    assert html.lstrip().startswith('<section id="consensus-results">')


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("threshold=3", "Give a whole number from -2 to 2."),
        ("threshold=-1.5", "Give a whole number from -2 to 2."),
        ("topic=%3Cb%3Enope", "Unknown topic “&lt;b&gt;nope”."),
        ("as_of=2999-01-01", "The date cannot be in the future."),
        ("bloc=nato", "Unknown parameter: bloc. This page takes: as_of, format, threshold, topic."),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, query, message):
    response = client.get(f"/consensus/?{query}")

    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_main_menu_leads_here(client):
    home = page(client, "/")
    here = page(client, "/consensus/")

    assert '<a href="/consensus/">Consensus</a>' in home
    assert '<a href="/consensus/" aria-current="page">Consensus</a>' in here
