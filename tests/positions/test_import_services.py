"""The import writes sources, quotes and positions through their services: the same rules,
the same stamps and history as the admin and the API, and still all or nothing."""

import pytest

from apps.positions import imports
from apps.positions.imports import statements_import
from apps.positions.models import Position
from apps.statements.models import Quote, Source
from tests.factories import CountryFactory, EditorFactory, PersonFactory, TopicFactory

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
    for name in (*names, "position_record"):
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
    # Each row checked by the statements service's rules (one new source: the second row
    # finds it), then the file's sources and quotes stored by it, then each row's position.
    assert calls == [
        "source_check_new",
        "quote_check_new",
        "quote_check_new",
        "source_record_many",
        "quote_record_many",
        "position_record",
        "position_record",
    ]


def test_a_source_the_service_refuses_is_an_error_on_its_column_and_nothing_is_stored(world):
    bad = {**ROW, "source_kind": "gossip"}

    result = statements_import(rows=[ROW | {"source_title": "Fine"}, bad], by=EditorFactory())

    assert [(error.row, error.column) for error in result.errors] == [(3, "source_kind")]
    assert "gossip" in result.errors[0].message
    assert not Source.objects.exists() and not Quote.objects.exists()
