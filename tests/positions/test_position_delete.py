"""Deleting a published position leaves no hole in its holder's history: the position it had
closed runs on, as after a retraction, whatever the door (the service, the admin's delete
page and bulk action, the API); the database refuses an ORM or SQL delete that leaves the
hole."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from apps.core.models import Status
from apps.positions.models import Position
from apps.positions.services import position_delete
from apps.statements.models import Quote
from tests.api.conftest import token_client
from tests.factories import CountryFactory, EditorFactory, TopicFactory, make_position

D = datetime.date


@pytest.fixture
def topic(db):
    return TopicFactory(slug="membership", name="Membership")


@pytest.fixture
def country(db):
    return CountryFactory(code="EE", name="Estonia")


@pytest.fixture
def history(topic, country):
    """Three published positions, each closing the one before."""
    return [
        make_position(topic=topic, country=country, value=value, valid_from=valid_from)
        for value, valid_from in [(-1, D(2022, 1, 1)), (1, D(2023, 6, 1)), (2, D(2023, 9, 1))]
    ]


def periods(topic, country):
    return list(
        Position.objects.filter(country=country, topic=topic, status=Status.PUBLISHED)
        .order_by("valid_from")
        .values_list("valid_from", "valid_to")
    )


def check_at_commit():
    """Run the checks PostgreSQL keeps for the commit, which a test never reaches."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_history_is_seamless_before_any_delete(history, topic, country):
    assert periods(topic, country) == [
        (D(2022, 1, 1), D(2023, 6, 1)),
        (D(2023, 6, 1), D(2023, 9, 1)),
        (D(2023, 9, 1), None),
    ]


# --- the service -----------------------------------------------------------------------------


def test_deleting_a_middle_position_lets_its_predecessor_run_to_the_next(history, topic, country):
    first, middle, _ = history
    editor = EditorFactory()

    position_delete(position=middle, by=editor)
    check_at_commit()

    assert periods(topic, country) == [(D(2022, 1, 1), D(2023, 9, 1)), (D(2023, 9, 1), None)]
    first.refresh_from_db()
    assert (first.updated_by, first.version) == (editor, 3)


def test_deleting_the_latest_position_reopens_its_predecessor(history, topic, country):
    position_delete(position=history[2], by=None)
    check_at_commit()

    assert periods(topic, country) == [(D(2022, 1, 1), D(2023, 6, 1)), (D(2023, 6, 1), None)]


def test_deleting_the_first_position_changes_no_other(history, topic, country):
    position_delete(position=history[0], by=None)
    check_at_commit()

    assert periods(topic, country) == [(D(2023, 6, 1), D(2023, 9, 1)), (D(2023, 9, 1), None)]


def test_deleting_a_draft_touches_no_published_position(history, topic, country):
    draft = make_position(
        topic=topic, country=country, status=Status.DRAFT, valid_from=D(2023, 7, 1)
    )

    position_delete(position=draft, by=None)
    check_at_commit()

    assert not Position.objects.filter(pk=draft.pk).exists()
    assert len(periods(topic, country)) == 3


def test_the_evidence_quotes_stay(history):
    quotes = list(history[1].evidence.all())

    position_delete(position=history[1], by=None)
    check_at_commit()

    assert Quote.objects.filter(pk__in=[quote.pk for quote in quotes]).count() == len(quotes)


# --- the ORM and SQL -------------------------------------------------------------------------


def test_an_orm_delete_leaving_a_hole_is_refused_at_commit(history, topic, country):
    with pytest.raises(IntegrityError, match="leaving a hole from 2023-06-01") as refused:
        with transaction.atomic():
            Position.objects.get(pk=history[1].pk).delete()
            check_at_commit()

    assert refused.value.__cause__.diag.constraint_name == "published_history_no_hole"
    assert len(periods(topic, country)) == 3


def test_an_orm_delete_that_reopens_the_predecessor_passes(history, topic, country):
    first, middle, last = history

    Position.objects.filter(pk=middle.pk).delete()
    Position.objects.filter(pk=first.pk).update(valid_to=last.valid_from)
    check_at_commit()

    assert periods(topic, country) == [(D(2022, 1, 1), D(2023, 9, 1)), (D(2023, 9, 1), None)]


def test_an_orm_delete_of_a_draft_passes(topic, country, history):
    draft = make_position(
        topic=topic, country=country, status=Status.DRAFT, valid_from=D(2023, 7, 1)
    )

    Position.objects.filter(pk=draft.pk).delete()
    check_at_commit()

    assert len(periods(topic, country)) == 3


# --- the admin -------------------------------------------------------------------------------


@pytest.fixture
def as_admin(client, superuser):
    client.force_login(superuser)
    return client


def test_the_admin_delete_page_reopens_the_predecessor(as_admin, history, topic, country):
    url = reverse("admin:positions_position_delete", args=[history[1].pk])

    response = as_admin.post(url, {"post": "yes"})
    check_at_commit()

    assert response.status_code == 302
    assert periods(topic, country) == [(D(2022, 1, 1), D(2023, 9, 1)), (D(2023, 9, 1), None)]


def test_the_admin_bulk_delete_leaves_no_hole(as_admin, history, topic, country):
    response = as_admin.post(
        reverse("admin:positions_position_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [history[1].pk, history[2].pk],
            "post": "yes",
        },
    )
    check_at_commit()

    assert response.status_code == 302
    assert periods(topic, country) == [(D(2022, 1, 1), None)]


# --- the API ---------------------------------------------------------------------------------


def test_the_api_delete_reopens_the_predecessor(superuser, history, topic, country):
    response = token_client(superuser).delete(f"/api/v1/positions/{history[2].pk}/")
    check_at_commit()

    assert response.status_code == 204, response.content
    assert periods(topic, country) == [(D(2022, 1, 1), D(2023, 6, 1)), (D(2023, 6, 1), None)]
    history[1].refresh_from_db()
    assert history[1].updated_by == superuser
