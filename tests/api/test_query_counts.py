"""The number of queries a read makes does not grow with the rows it returns."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    BlocFactory,
    CountryFactory,
    EventFactory,
    OrganizationFactory,
    PersonFactory,
    RoleFactory,
    SourceFactory,
    TopicFactory,
    make_position,
    make_quote,
)

D = datetime.date


def grow(n):
    """Add n of everything, linked the way the API's shapes nest them."""
    topic = TopicFactory(slug="membership")
    for _ in range(n):
        country = CountryFactory()
        BlocFactory().members.add(country)
        TopicFactory()
        organization = OrganizationFactory(country=country)
        role = RoleFactory(organization=organization, country=country)
        source = SourceFactory(publisher=organization, author=role.person)
        EventFactory()
        quote = make_quote(
            speaker=role.person,
            role=role,
            country=country,
            source=source,
            topics=[topic],
            event=EventFactory(),
        )
        make_position(topic=topic, country=country, evidence=[quote], valid_from=D(2023, 1, 1))
        make_position(
            topic=topic, country=country, evidence=[quote], value=-1, valid_from=D(2023, 6, 1)
        )
    PersonFactory()


PATHS = [
    "/api/v1/countries/",
    "/api/v1/blocs/",
    "/api/v1/topics/",
    "/api/v1/organizations/",
    "/api/v1/people/",
    "/api/v1/roles/",
    "/api/v1/events/",
    "/api/v1/sources/",
    "/api/v1/quotes/",
    "/api/v1/quotes/?q=war&topic=membership",
    "/api/v1/positions/",
    "/api/v1/positions/?as_of=2023-03-01&topic=membership",
    "/api/v1/matrix/?as_of=2023-07-01",
    "/api/v1/matrix/?as_of=2023-07-01&topics=membership&format=csv",
    "/api/v1/changes/?from=2023-03-01&to=2023-07-01",
]


def count_queries(client, path):
    cache.clear()  # matrix/ and changes/ keep their data per data version: measure a build
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(queries), response


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_queries_do_not_grow_with_rows(clients, db, path, who):
    client = clients[who]
    grow(2)
    client.get(path)  # a token records its first use once; measure the steady state
    small, first = count_queries(client, path)

    grow(6)
    large, second = count_queries(client, path)

    assert len(second.content) > len(first.content)
    assert small == large, f"{path}: {small} queries for few rows, {large} for more"
    assert large <= 9  # the matrix with signatures, as an editor (token and rights)


# The consensus on a day: the data version, the topic, its stances, the allies, their positions
# in force, the holdouts' histories (since when), their evidence. Its series: the data version,
# the topic, its stances, the months. An editor adds a token and two reads of rights.
CONSENSUS = {"/api/v1/consensus/?as_of=2023-07-01": 7, "/api/v1/consensus/series/": 4}


@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_the_consensus_and_its_series_cost_the_same_whatever_the_allies(clients, db, who):
    client = clients[who]
    grow(2)
    for path in CONSENSUS:
        client.get(path)
    few = {path: count_queries(client, path) for path in CONSENSUS}

    grow(6)
    more = {path: count_queries(client, path) for path in CONSENSUS}

    day = "/api/v1/consensus/?as_of=2023-07-01"
    earlier, later = few[day][1].json(), more[day][1].json()
    assert len(later["holdouts"]) > len(earlier["holdouts"]) > 0
    assert later["holdouts"][0]["evidence"]
    extra = 0 if who == "anonymous" else 3
    assert {p: n for p, (n, _) in few.items()} == {p: n + extra for p, n in CONSENSUS.items()}
    assert {p: n for p, (n, _) in more.items()} == {p: n + extra for p, n in CONSENSUS.items()}


@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_one_quote_by_id_is_one_query_with_its_topics(clients, db, who):
    """The quote with its attribution and its topics' slugs is one query (an array subquery,
    in the codebook's order), beside the data version (and an editor's token and rights)."""
    client = clients[who]
    topics = [TopicFactory(slug="timeline", order=2), TopicFactory(slug="membership", order=1)]
    quote = make_quote(topics=topics)
    client.get(f"/api/v1/quotes/{quote.pk}/")
    cache.clear()

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/quotes/{quote.pk}/")

    assert response.json()["topics"] == ["membership", "timeline"]
    reading = [q["sql"] for q in queries if "statements_quote" in q["sql"]]
    assert len(reading) == 1, reading
    assert len(queries) == (2 if who == "anonymous" else 4), [q["sql"][:80] for q in queries]
