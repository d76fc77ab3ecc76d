"""A country page at scale: the newest positions of each topic, the whole history on demand."""

import datetime
import re

import pytest

from apps.dashboard.views import PEOPLE_ON_COUNTRY, TIMELINE_RECENT
from tests.factories import CountryFactory, PersonFactory, TopicFactory, make_position

pytestmark = pytest.mark.django_db

STEPS = TIMELINE_RECENT + 3


@pytest.fixture
def long_history():
    country = CountryFactory(code="EE", name="Estonia")
    topic = TopicFactory(slug="membership", name="Membership")
    other = TopicFactory(slug="guarantees", name="Guarantees")
    for step in range(STEPS):
        make_position(
            country=country,
            topic=topic,
            value=1 if step % 2 else 2,
            valid_from=datetime.date(2020, 1, 1) + datetime.timedelta(days=30 * step),
            summary=f"Step {step:02d} on membership.",
        )
    make_position(country=country, topic=other, summary="The only one on guarantees.")
    return country


def test_each_topic_shows_its_newest_positions_and_links_to_the_rest(client, long_history):
    page = client.get("/countries/EE/").content.decode()

    shown = [f"Step {step:02d}" for step in range(STEPS) if f"Step {step:02d}" in page]
    assert shown == [f"Step {step:02d}" for step in range(STEPS - TIMELINE_RECENT, STEPS)]
    assert f"The newest {TIMELINE_RECENT} of {STEPS} positions." in page
    assert 'href="?history=membership#t-membership"' in page
    assert "The only one on guarantees." in page
    assert page.count("Show the whole history") == 1  # guarantees has nothing earlier


def test_the_whole_history_of_one_topic(client, long_history):
    page = client.get("/countries/EE/?history=membership").content.decode()

    assert all(f"Step {step:02d}" in page for step in range(STEPS))
    assert "The only one on guarantees." not in page
    assert "Show the whole history" not in page
    assert "Back to every topic" in page


def test_an_unknown_history_topic_is_a_400_naming_the_topics(client, long_history):
    # A bad value is named, as every other bad parameter is, rather than silently ignored.
    response = client.get("/countries/EE/?history=nothing")

    assert response.status_code == 400
    assert "history: give a topic (membership, guarantees)" in response.content.decode()


def test_officials_are_listed_up_to_a_limit_with_the_rest_counted(client, long_history):
    PersonFactory.create_batch(PEOPLE_ON_COUNTRY + 2, country=long_history)

    page = client.get("/countries/EE/").content.decode()

    assert page.count('href="/people/') >= PEOPLE_ON_COUNTRY
    assert "And 2 more." in page


def test_each_position_counts_its_quotes_and_opens_them_on_demand(client, long_history):
    page = client.get("/countries/EE/").content.decode()
    quotes = client.get("/countries/EE/?history=guarantees").content.decode()

    # Counted on the timeline; the words load when the details open (or on the evidence page).
    assert "<summary>1 quote</summary>" in quotes
    assert 'hx-trigger="toggle once"' in page and "Read the quotes</a>" in page
    evidence = re.search(r'<a href="(/positions/\d+/evidence/)">Read the quotes', page).group(1)
    assert client.get(evidence).status_code == 200
