"""Stored dates start in 1900 at every door: the API and the admin refuse an earlier date
with the message, the database refuses it for the ORM and plain SQL, and no page's date
arithmetic ("the eve of …") can leave the calendar."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from apps.core.dates import day_before
from apps.core.validators import EARLIEST_DATE, EARLY_MESSAGE
from apps.statements.models import Event
from tests.api.conftest import token_client
from tests.factories import (
    CountryFactory,
    EventFactory,
    PersonFactory,
    RoleFactory,
    SourceFactory,
    TopicFactory,
    make_position,
    make_quote,
)

ANCIENT = "0001-01-01"


# --- the API and the admin -------------------------------------------------------------------


@pytest.mark.parametrize("field", ["start_date", "end_date"])
def test_the_api_refuses_an_event_before_1900(superuser, field):
    body = {"slug": "old", "name": "Old summit", "kind": "summit", "start_date": "2020-01-01"}
    body[field] = ANCIENT

    response = token_client(superuser).post("/api/v1/events/", body, format="json")

    assert response.status_code == 400, response.content
    assert EARLY_MESSAGE in response.json()[field]
    assert not Event.objects.exists()


def test_the_api_refuses_a_position_before_1900(superuser):
    make_position(topic=TopicFactory(slug="membership"), country=CountryFactory(code="EE"))
    body = {
        "country": "EE",
        "topic": "membership",
        "stance": 1,
        "valid_from": ANCIENT,
        "confidence": "stated",
    }

    response = token_client(superuser).post("/api/v1/positions/", body, format="json")

    assert response.status_code == 400, response.content
    assert EARLY_MESSAGE in response.json()["valid_from"]


def test_the_admin_refuses_an_event_before_1900(client, superuser):
    client.force_login(superuser)
    data = {"slug": "old", "name": "Old summit", "kind": "summit", "start_date": ANCIENT}

    response = client.post(reverse("admin:statements_event_add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["start_date"] == [EARLY_MESSAGE]
    assert not Event.objects.exists()


# --- the database ----------------------------------------------------------------------------


def test_the_orm_cannot_save_an_event_before_1900(db):
    event = Event(slug="old", name="Old summit", kind="summit", start_date=datetime.date(1, 1, 1))

    with pytest.raises(IntegrityError, match="event_start_from_1900"):
        with transaction.atomic():
            event.save()

    assert not Event.objects.exists()


def _role():
    return RoleFactory(person=PersonFactory(), title="Minister", start=datetime.date(2020, 1, 1))


def _position():
    return make_position(topic=TopicFactory(), country=CountryFactory())


# (make a row, table, column, its constraint, an end-after-start rule the date would also break)
ROWS = [
    (lambda: EventFactory(), "statements_event", "start_date", "event_start_from_1900", None),
    (
        lambda: EventFactory(),
        "statements_event",
        "end_date",
        "event_end_from_1900",
        "event_end_after_start",
    ),
    (
        lambda: SourceFactory(),
        "statements_source",
        "published_on",
        "source_published_from_1900",
        None,
    ),
    (lambda: make_quote(), "statements_quote", "said_on", "quote_said_from_1900", None),
    (_position, "positions_position", "valid_from", "position_valid_from_1900", None),
    (
        _position,
        "positions_position",
        "valid_to",
        "position_valid_to_1900",
        "position_ends_after_start",
    ),
    (_role, "actors_role", "start", "role_start_from_1900", None),
    (_role, "actors_role", "end", "role_end_from_1900", "role_end_after_start"),
    (
        lambda: CountryFactory(),
        "actors_country",
        "nato_joined",
        "country_nato_joined_from_1900",
        None,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("make, table, column, constraint, also", ROWS, ids=[r[3] for r in ROWS])
def test_plain_sql_cannot_store_a_date_before_1900(make, table, column, constraint, also):
    row = make()

    with pytest.raises(IntegrityError) as refused:
        with transaction.atomic(), connection.cursor() as cursor:
            if also:
                # Out of the way for this (rolled back) statement: the 1900 rule alone refuses.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks to block
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {also}")
            cursor.execute(
                f'UPDATE {table} SET "{column}" = %s WHERE id = %s',
                [datetime.date(1899, 12, 31), row.pk],
            )

    assert refused.value.__cause__.diag.constraint_name == constraint


def test_the_first_day_itself_is_stored(db):
    event = EventFactory(start_date=EARLIEST_DATE)

    assert Event.objects.get(pk=event.pk).start_date == EARLIEST_DATE


# --- the pages' arithmetic -------------------------------------------------------------------


def test_the_day_before_never_leaves_the_calendar():
    assert day_before(datetime.date(2023, 7, 11)) == datetime.date(2023, 7, 10)
    assert day_before(datetime.date(1900, 1, 2)) == EARLIEST_DATE
    assert day_before(EARLIEST_DATE) == EARLIEST_DATE
    assert day_before(datetime.date.min) == EARLIEST_DATE


@pytest.fixture
def first_summit(db):
    event = EventFactory(slug="first", name="First summit", start_date=EARLIEST_DATE)
    make_position(topic=TopicFactory(slug="membership"), country=CountryFactory(code="EE"))
    return event


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/events/first/",
        "/topics/membership/",
        "/changes/?from_event=first",
        "/api/v1/changes/?from_event=first",
    ],
)
def test_pages_with_an_event_on_the_first_day_answer(client, first_summit, url):
    response = client.get(url)

    assert response.status_code == 200, response.content[:500]
