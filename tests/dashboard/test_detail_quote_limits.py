"""Person, source and event pages list their newest quotes up to a limit, and say when there
are more (with a way to all of them where the search has the filter)."""

import datetime

import pytest

from apps.dashboard import views
from tests.factories import EventFactory, PersonFactory, SourceFactory, make_quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(monkeypatch):
    monkeypatch.setattr(views, "QUOTES_ON_DETAIL", 2)
    person = PersonFactory(slug="juri-luik", name="Jüri Luik")
    source = SourceFactory(published_on=datetime.date(2023, 7, 31))
    event = EventFactory(slug="vilnius")
    for day in (10, 11, 12):
        make_quote(
            speaker=person,
            source=source,
            event=event,
            said_on=datetime.date(2023, 7, day),
            text=f"Said on the {day}th.",
        )
    return {"person": person, "source": source, "event": event}


def test_a_person_page_lists_the_newest_and_links_to_the_rest(client, many):
    page = client.get("/people/juri-luik/").content.decode()

    assert "Said on the 12th." in page and "Said on the 11th." in page
    assert "Said on the 10th." not in page
    assert "Only the newest 2 are listed." in page
    assert 'href="/quotes/?speaker=juri-luik"' in page


def test_a_source_page_says_its_count_is_a_floor(client, many):
    page = client.get(f"/sources/{many['source'].pk}/").content.decode()

    assert "Quotes (2+)" in page
    assert f'href="/quotes/?source={many["source"].pk}"' in page


def test_an_event_page_says_it_lists_only_the_newest(client, many):
    page = client.get("/events/vilnius/").content.decode()

    assert "Said on the 10th." not in page
    assert "Only the newest 2 are listed." in page


def test_nothing_is_said_when_everything_is_listed(client, many, monkeypatch):
    monkeypatch.setattr(views, "QUOTES_ON_DETAIL", 3)

    for path in ["/people/juri-luik/", f"/sources/{many['source'].pk}/", "/events/vilnius/"]:
        page = client.get(path).content.decode()
        assert "Said on the 10th." in page
        assert "Only the newest" not in page
    assert "Quotes (3)" in client.get(f"/sources/{many['source'].pk}/").content.decode()
