"""The import writes sources, quotes and positions through their services: the same rules,
the same stamps and history as the admin and the API, and still all or nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from apps.actors.models import Country
from apps.core.audit import audit_context
from apps.core.models import Status
from apps.positions import imports
from apps.positions.imports import statements_import
from apps.positions.models import Position, PositionEvidence, Topic
from apps.positions.services import position_check_new, position_record, position_record_many
from apps.statements.models import Quote, Source
from tests.factories import (
    CountryFactory,
    EditorFactory,
    OrganizationFactory,
    PersonFactory,
    TopicFactory,
)

ROW = {
    "source_title": "Second report",
    "source_published_on": "2023-07-12",
    "source_kind": "news_report",
    "source_reliability": "secondary",
    "text": "Not now.",
    "speaker": "olaf",
    "country": "DE",
    "said_on": "2023-07-12",
    "topics": "membership",
    "position_topic": "membership",
    "position_stance": "-1",
    "position_country": "DE",
    "position_confidence": "stated",
}


@pytest.fixture
def world(db):
    TopicFactory(slug="membership")
    CountryFactory(code="DE", name="Germany")
    PersonFactory(slug="olaf")


def test_a_new_source_is_recorded_and_stamped_like_the_other_doors(world):
    editor = EditorFactory()

    result = statements_import(rows=[ROW], by=editor)

    assert result.ok, result.errors
    source = Source.objects.get()
    assert (source.created_by, source.updated_by, source.version) == (editor, editor, 1)
    quote, position = Quote.objects.get(), Position.objects.get()
    assert (quote.created_by, position.created_by) == (editor, editor)
    assert list(position.evidence.all()) == [quote]


def test_every_write_goes_through_a_service(world, monkeypatch):
    calls = []
    names = ("source_check_new", "source_record_many", "quote_check_new", "quote_record_many")
    for name in (*names, "position_check_new", "position_record_many", "position_record"):
        service = getattr(imports, name)
        monkeypatch.setattr(
            imports,
            name,
            lambda *args, _service=service, _name=name, **kwargs: (
                calls.append(_name) or _service(*args, **kwargs)
            ),
        )

    result = statements_import(rows=[ROW, {**ROW, "text": "Still not now."}], by=EditorFactory())

    assert result.ok, result.errors
    # Each row's quote and position checked by their services' rules (one new source: the
    # second row finds it), then the file's sources, quotes and positions stored by them.
    assert calls == [
        "source_check_new",
        "quote_check_new",
        "position_check_new",
        "quote_check_new",
        "position_check_new",
        "source_record_many",
        "quote_record_many",
        "position_record_many",
    ]


def test_a_source_the_service_refuses_is_an_error_on_its_column_and_nothing_is_stored(world):
    bad = {**ROW, "source_kind": "gossip"}

    result = statements_import(rows=[ROW | {"source_title": "Fine"}, bad], by=EditorFactory())

    assert [(error.row, error.column) for error in result.errors] == [(3, "source_kind")]
    assert "gossip" in result.errors[0].message
    assert not Source.objects.exists() and not Quote.objects.exists()


# --- positions that go to review: checked in Python, stored together -------------------


def event_of(model, **filters):
    """The one history event recorded for the row (an insert), with its context."""
    [event] = model.pgh_event_model.objects.filter(**filters).select_related("pgh_context")
    return event


def test_positions_in_review_are_stored_together_with_evidence_author_and_history(world):
    editor = EditorFactory()
    rows = [
        {**ROW, "position_status": "in_review"},
        {**ROW, "text": "Still not now.", "position_stance": "-2", "position_valid_to": ""},
    ]

    with audit_context(door="import", user=editor):
        result = statements_import(rows=rows, by=editor)

    assert result.ok, result.errors
    assert result.positions == 2
    for position in Position.objects.select_related("stance"):
        quote = position.evidence.get()
        assert (position.created_by, position.updated_by) == (editor, editor)
        assert (position.version, position.confidence) == (1, "stated")
        assert position.valid_from == quote.said_on  # position_valid_from defaults to said_on
        # The history triggers record a stored-together position as one saved alone.
        event = event_of(Position, pgh_obj_id=position.pk)
        assert (event.pgh_label, event.stance_id, event.created_by_id) == (
            "insert",
            position.stance_id,
            editor.pk,
        )
        assert event.pgh_context.metadata == {"door": "import", "user": editor.pk}
        link = event_of(PositionEvidence, position_id=position.pk)
        assert (link.pgh_label, link.quote_id) == ("insert", quote.pk)
        assert link.pgh_context_id == event.pgh_context_id
    assert set(Position.objects.values_list("status", "stance__value")) == {
        ("in_review", -1),
        ("draft", -2),
    }


def test_a_position_stored_together_has_the_history_of_one_recorded_alone(world):
    editor = EditorFactory()
    with audit_context(door="import", user=editor):
        assert statements_import(rows=[ROW], by=editor).ok
    imported = Position.objects.get()
    quote = imported.evidence.get()
    with audit_context(door="import", user=editor):
        # The day before: a second position of the same day would be a duplicate.
        alone = position_record(
            topic=imported.topic,
            stance=imported.stance,
            country=imported.country,
            valid_from=imported.valid_from - datetime.timedelta(days=1),
            confidence="stated",
            evidence=[quote],
            by=editor,
        )

    def recorded(position):
        event = event_of(Position, pgh_obj_id=position.pk)
        link = event_of(PositionEvidence, position_id=position.pk)
        fields = ("pgh_label", "status", "stance_id", "country_id")
        fields += ("valid_to", "created_by_id", "updated_by_id", "version", "confidence")
        return (
            [getattr(event, name) for name in fields],
            event.pgh_context.metadata,
            (link.pgh_label, link.quote_id),
        )

    assert recorded(imported) == recorded(alone)


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        (
            {"position_valid_from": "2023-07-12", "position_valid_to": "2023-07-01"},
            "position_valid_to",
            "must end after it starts",
        ),
        ({"position_valid_from": "2999-01-01"}, "position_valid_from", "cannot be in the future"),
        ({"position_valid_from": "1899-12-31"}, "position_valid_from", "Dates start in 1900"),
        ({"position_organization": "nato"}, "position_country", "exactly one"),
        ({"position_country": ""}, "position_country", "exactly one"),
        ({"position_conditionality": "whenever"}, "position_conditionality", "not a valid choice"),
        ({"position_confidence": "rumoured"}, "position_confidence", "not a valid choice"),
        ({"position_summary": "   "}, "position_summary", "cannot be blank"),
    ],
)
def test_a_position_the_rules_refuse_is_an_error_on_its_row_and_column_and_nothing_is_stored(
    world, changes, column, message
):
    OrganizationFactory(slug="nato")
    rows = [ROW, {**ROW, "text": "Other words.", **changes}]

    result = statements_import(rows=rows, by=EditorFactory())

    assert [(error.row, error.column) for error in result.errors] == [(3, column)]
    assert message in result.errors[0].message
    assert not Source.objects.exists() and not Quote.objects.exists()
    assert not Position.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"valid_to": datetime.date(2023, 7, 1)},
        {"valid_from": datetime.date(2999, 1, 1)},
        {"country": None},
        {"conditionality": "whenever"},
        {"summary": "\x00"},
        {"status": "retracted"},
    ],
)
def test_position_check_new_refuses_what_position_record_refuses(world, changes):
    topic = Topic.objects.get(slug="membership")
    fields = {
        "topic": topic,
        "stance": topic.stances.get(value=1),
        "country": Country.objects.get(code="DE"),
        "valid_from": datetime.date(2023, 7, 12),
        "confidence": "stated",
        **changes,
    }
    editor = EditorFactory()

    with pytest.raises(ValidationError) as alone:
        position_record(by=editor, **fields)
    with pytest.raises(ValidationError) as checked:
        position_check_new(by=editor, **fields)

    assert checked.value.message_dict == alone.value.message_dict
    assert not Position.objects.exists()


def test_a_published_position_is_never_stored_together(world):
    topic = Topic.objects.get(slug="membership")
    fields = {
        "topic": topic,
        "stance": topic.stances.get(value=1),
        "country": Country.objects.get(code="DE"),
        "valid_from": datetime.date(2023, 7, 12),
        "confidence": "stated",
    }

    with pytest.raises(ValueError, match="position_record"):
        position_check_new(status=Status.PUBLISHED, **fields)
    with pytest.raises(ValueError, match="position_record"):
        position_record_many([(Position(status=Status.PUBLISHED, **fields), [])])


@pytest.mark.parametrize("count", [5, 50])
def test_the_queries_of_an_import_with_positions_do_not_grow_with_the_rows(
    world, count, django_assert_max_num_queries
):
    editor = EditorFactory()
    rows = [{**ROW, "text": f"Words {n}.", "position_status": "in_review"} for n in range(count)]

    with django_assert_max_num_queries(IMPORT_QUERIES):
        result = statements_import(rows=rows, by=editor)

    assert result.ok, result.errors
    assert (result.quotes, result.positions) == (count, count)
    assert Position.objects.filter(evidence__isnull=False, created_by=editor).count() == count


# Lookups (a query per kind of name), the stored quotes, the positions stored on the same
# days, and the three stores (sources, quotes and their topics, positions and their
# evidence) with their key checks, and the "stated, not on claims alone" check made at each
# statement of the positions' store: per file.
IMPORT_QUERIES = 28


def test_a_file_stored_in_parts_links_each_position_to_its_own_quote(world, monkeypatch):
    monkeypatch.setattr(imports, "STORE_ROWS", 2)
    rows = [{**ROW, "text": f"Words {n}.", "position_summary": f"Words {n}."} for n in range(5)]
    checked = []

    result = statements_import(rows=rows, by=EditorFactory(), progress=checked.append)

    assert (result.quotes, result.positions) == (5, 5)
    for position in Position.objects.all():
        assert position.evidence.get().text == position.summary
    # After each row checked, then before each part stored: 3 parts of quotes, 3 of positions.
    assert checked == [1, 2, 3, 4, 5] + [5] * 6
