"""A claim about another government is shown as "reported by" its claimant wherever a quote
appears (the quote search, the evidence page and dialog, the country, person, source and
event pages, the editors' evidence lists), escaped, at no extra query."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.models import Status
from apps.positions.models import Confidence
from tests.factories import (
    CountryFactory,
    EditorFactory,
    EventFactory,
    OrganizationFactory,
    PersonFactory,
    SourceFactory,
    TopicFactory,
    make_position,
    make_quote,
)

CLAIMANT = "Synthetic <b>Ukraine</b>"
SHOWN = "Reported by Synthetic &lt;b&gt;Ukraine&lt;/b&gt;"


@pytest.fixture
def world(db):
    topic = TopicFactory(slug="timeline", name="Timeline")
    holder = CountryFactory(code="US", name="Synthetic States")
    claimant = CountryFactory(code="UA", name=CLAIMANT)
    speaker = PersonFactory(slug="synthetic-speaker", name="Synthetic Speaker", country=claimant)
    source = SourceFactory(title="Synthetic report")
    event = EventFactory(slug="synthetic-summit", name="Synthetic summit")
    claim = make_quote(
        text="Synthetic: from what I hear, they object.",
        speaker=speaker,
        country=holder,
        claimant_country=claimant,
        source=source,
        event=event,
        topics=[topic],
    )
    own = make_quote(
        text="Synthetic: our own words.",
        speaker=speaker,
        country=claimant,
        source=source,
        event=event,
        topics=[topic],
    )
    position = make_position(
        topic=topic,
        country=holder,
        value=-1,
        confidence=Confidence.REPORTED,
        evidence=[claim],
    )
    return locals()


def page(client, url, **headers) -> str:
    cache.clear()
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return response.content.decode()


def figure_of(html: str, quote) -> str:
    start = html.index(f'id="quote-{quote.pk}"')
    return html[start : html.index("</figure>", start)]


@pytest.mark.parametrize(
    "url",
    [
        "/quotes/",
        "/quotes/?q=hear",
        "/people/synthetic-speaker/",
        "/sources/{source}/",
        "/events/synthetic-summit/",
        "/countries/US/",
    ],
)
def test_every_page_listing_quotes_shows_the_claimant_escaped(client, world, url):
    html = page(client, url.format(source=world["source"].pk))

    assert SHOWN in figure_of(html, world["claim"])
    assert CLAIMANT not in html


def test_the_holders_own_words_are_not_marked(client, world):
    html = page(client, "/quotes/")

    assert "Reported by" not in figure_of(html, world["own"])


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_the_evidence_page_and_dialog_show_the_claimant(client, world, headers):
    html = page(client, f"/positions/{world['position'].pk}/evidence/", **headers)

    assert SHOWN in figure_of(html, world["claim"])


def test_an_organization_claimant_is_named(client, world):
    organization = OrganizationFactory(slug="synthetic-alliance", name="Synthetic Alliance")
    quote = make_quote(
        text="Synthetic: the alliance hears they object.",
        speaker=world["speaker"],
        country=world["holder"],
        claimant_organization=organization,
    )

    html = page(client, "/quotes/")

    assert "Reported by Synthetic Alliance" in figure_of(html, quote)


def test_the_editors_evidence_lists_show_the_claimant_escaped(client, world):
    editor = EditorFactory()
    client.force_login(editor)
    position = make_position(
        topic=world["topic"],
        country=world["holder"],
        value=-1,
        confidence=Confidence.REPORTED,
        evidence=[world["claim"]],
        valid_from=datetime.date(2023, 7, 1),
        status=Status.IN_REVIEW,
        by=EditorFactory(),
    )

    change = page(client, reverse("admin:positions_position_change", args=[position.pk]))
    review = page(client, reverse("admin:positions_position_review", args=[position.pk]))

    for html in (change, review):
        assert "(reported by Synthetic &lt;b&gt;Ukraine&lt;/b&gt;)" in html
        assert CLAIMANT not in html


def test_the_evidence_picker_names_the_claimant(client, world):
    client.force_login(EditorFactory())
    url = reverse("admin:statements_quote_autocomplete")

    response = client.get(
        url,
        {
            "term": "hear",
            "app_label": "positions",
            "model_name": "position",
            "field_name": "evidence",
        },
    )

    [result] = response.json()["results"]
    assert f"Synthetic Speaker (reported by {CLAIMANT})" in result["text"]


def claims_of(world, n: int, start: int) -> None:
    for i in range(start, start + n):
        claimant = CountryFactory(code=f"Q{chr(65 + i)}", name=f"Synthetic claimant {i}")
        quote = make_quote(
            text=f"Synthetic: they object, number {i}.",
            speaker=world["speaker"],
            country=world["holder"],
            claimant_country=claimant,
            source=world["source"],
            event=world["event"],
            topics=[world["topic"]],
        )
        world["position"].evidence.add(quote)


@pytest.mark.parametrize(
    "url",
    [
        "/quotes/",
        "/people/synthetic-speaker/",
        "/sources/{source}/",
        "/events/synthetic-summit/",
        "/countries/US/",
        "/positions/{position}/evidence/",
        "/api/v1/quotes/",
        "/api/v1/positions/",
    ],
)
def test_claims_cost_no_query_of_their_own(client, world, url):
    url = url.format(source=world["source"].pk, position=world["position"].pk)

    def queries() -> int:
        cache.clear()
        client.get(url)  # warm the per-process memos
        cache.clear()  # the readers' page cache, and the throttling counts
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    claims_of(world, 1, start=0)
    few = queries()
    claims_of(world, 5, start=1)
    more = queries()

    assert few == more
    assert page(client, url).count("Reported by Synthetic claimant") == (
        0 if url.startswith("/api/") else 6
    )


@pytest.mark.parametrize("url", ["/quotes/?claimant=UA", "/api/v1/quotes/?claimant=ua"])
def test_a_search_by_claimant_costs_the_same_whatever_the_claims(client, world, url):
    def claims(n: int, start: int) -> None:
        for i in range(start, start + n):
            make_quote(
                text=f"Synthetic: they object, number {i}.",
                speaker=world["speaker"],
                country=world["holder"],
                claimant_country=world["claimant"],
                topics=[world["topic"]],
            )

    def queries() -> tuple[int, int]:
        cache.clear()
        client.get(url)
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured), response.content.decode().count("Synthetic: they object")

    claims(1, start=0)
    few, shown_few = queries()
    claims(5, start=1)
    more, shown_more = queries()

    assert few == more
    assert shown_more > shown_few > 0
