"""Every change to editorial data leaves a history row: who, when, which door, before, after."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction

from apps.actors.models import Country
from apps.core.audit import audit_context
from apps.positions.imports import statements_import
from apps.positions.models import Position
from apps.positions.services import position_update
from apps.statements.models import Quote
from tests.factories import CountryFactory, PersonFactory, TopicFactory, make_position


def events(model, pk):
    return list(model.pgh_event_model.objects.filter(pgh_obj_id=pk).order_by("pgh_id"))


def context(event):
    return event.pgh_context.metadata if event.pgh_context_id else {}


def test_a_service_write_records_user_door_before_and_after(db, editor):
    # A draft: a change to a published position is a revision in review, not an update.
    position = make_position(summary="Before.", status="draft")

    with audit_context(door="command", user=editor):
        position_update(position=position, by=editor, summary="After.")

    history = events(Position, position.pk)
    assert [e.pgh_label for e in history] == ["insert", "update"]
    assert (history[0].summary, history[1].summary) == ("Before.", "After.")
    assert context(history[1]) == {"door": "command", "user": editor.pk}


def test_a_queryset_update_that_bypasses_signals_is_recorded(db):
    country = CountryFactory(name="Estonia")

    with audit_context(door="shell"):
        Country.objects.filter(pk=country.pk).update(name="Republic of Estonia")

    history = events(Country, country.pk)
    assert [(e.pgh_label, e.name) for e in history] == [
        ("insert", "Estonia"),
        ("update", "Republic of Estonia"),
    ]
    assert context(history[-1])["door"] == "shell"


def test_a_bulk_create_and_a_delete_are_recorded(db):
    created = Country.objects.bulk_create(
        [Country(code="XA", name="Xa"), Country(code="XB", name="Xb")]
    )
    Country.objects.filter(code="XB").delete()

    assert [e.pgh_label for e in events(Country, created[0].pk)] == ["insert"]
    assert [e.pgh_label for e in events(Country, created[1].pk)] == ["insert", "delete"]


def test_an_import_is_recorded_as_the_import_door(db, editor):
    TopicFactory(slug="membership")
    PersonFactory(slug="olaf")
    row = {
        "source_title": "R",
        "source_published_on": "2023-07-12",
        "source_kind": "analysis",
        "source_reliability": "secondary",
        "speaker": "olaf",
        "said_on": "2023-07-12",
        "topics": "membership",
        "text": "Words.",
    }

    with audit_context(door="import", user=editor):
        result = statements_import(rows=[row], by=editor)

    quote = Quote.objects.get()
    assert result.ok
    assert context(events(Quote, quote.pk)[0]) == {"door": "import", "user": editor.pk}


def test_evidence_changes_are_recorded(db):
    # A draft: a published position may not lose its last published evidence quote.
    position = make_position(status="draft")
    quote = position.evidence.get()

    position.evidence.remove(quote)

    through = Position.evidence.through
    from apps.positions.models import PositionEvidenceEvent

    labels = list(
        PositionEvidenceEvent.objects.filter(position_id=position.pk, quote_id=quote.pk)
        .order_by("pgh_id")
        .values_list("pgh_label", flat=True)
    )
    assert labels == ["insert", "delete"]
    assert not through.objects.filter(position=position).exists()


@pytest.mark.parametrize("statement", ["UPDATE {table} SET summary = 'x'", "DELETE FROM {table}"])
def test_the_history_is_append_only(db, statement):
    make_position(valid_from=datetime.date(2023, 1, 1))
    table = Position.pgh_event_model._meta.db_table

    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement.format(table=table))
