"""The optimistic version check lives in the update services (expected_version), so the
admin and the API, which both pass it, refuse a stale change the same way."""

import pytest
from django.urls import reverse

from apps.core.services import VersionConflict
from apps.positions.models import Position
from apps.positions.services import position_update
from apps.statements.models import Quote, Source
from apps.statements.services import quote_update, source_update
from tests.factories import make_position


@pytest.fixture
def rows(db):
    position = make_position(summary="First wording.")
    quote = position.evidence.get()
    return {"quote": quote, "source": quote.source, "position": position}


UPDATE = {
    "quote": lambda row, **kw: quote_update(quote=row, **kw),
    "source": lambda row, **kw: source_update(source=row, **kw),
    "position": lambda row, **kw: position_update(position=row, **kw),
}
CHANGE = {
    "quote": {"channel": "told FP"},
    "source": {"title": "Corrected title"},
    "position": {"summary": "Corrected."},
}
MODEL = {"quote": Quote, "source": Source, "position": Position}
KINDS = list(UPDATE)


def fresh(kind, rows):
    return MODEL[kind].objects.get(pk=rows[kind].pk)


def stored(kind, rows):
    return MODEL[kind].objects.values("version", *CHANGE[kind]).get(pk=rows[kind].pk)


@pytest.mark.parametrize("kind", KINDS)
def test_the_expected_version_is_saved_and_counted(rows, kind):
    saved = UPDATE[kind](fresh(kind, rows), expected_version=1, **CHANGE[kind])

    assert saved.version == 2
    assert stored(kind, rows) == {"version": 2, **CHANGE[kind]}


@pytest.mark.parametrize("kind", KINDS)
def test_a_stale_version_is_refused_with_the_current_one_and_nothing_changes(rows, kind):
    UPDATE[kind](fresh(kind, rows))  # someone else saves: version 2
    before = stored(kind, rows)

    with pytest.raises(VersionConflict) as refused:
        UPDATE[kind](fresh(kind, rows), expected_version=1, **CHANGE[kind])

    assert (refused.value.expected, refused.value.current) == (1, 2)
    assert "version 2" in str(refused.value)
    assert stored(kind, rows) == before


@pytest.mark.parametrize("kind", KINDS)
def test_any_of_several_versions_will_do(rows, kind):
    UPDATE[kind](fresh(kind, rows))

    saved = UPDATE[kind](fresh(kind, rows), expected_version={1, 2}, **CHANGE[kind])

    assert saved.version == 3


@pytest.mark.parametrize("kind", KINDS)
def test_without_an_expected_version_a_stale_instance_counts_on_from_the_stored_one(rows, kind):
    stale = fresh(kind, rows)
    UPDATE[kind](fresh(kind, rows))  # version 2

    saved = UPDATE[kind](stale, **CHANGE[kind])

    assert saved.version == 3
    assert stored(kind, rows)["version"] == 3


def test_a_stale_version_is_refused_before_the_rules_and_nothing_is_saved(rows):
    quote = fresh("quote", rows)
    text = quote.text
    quote_update(quote=fresh("quote", rows), channel="first")

    # An invalid change on a stale version: the conflict is what the editor must see first
    # (what the other editor saved may change what they want).
    with pytest.raises(VersionConflict):
        quote_update(quote=quote, expected_version=1, text="")

    assert Quote.objects.values_list("text", "channel", "version").get(pk=quote.pk) == (
        text,
        "first",
        2,
    )


def test_the_admin_passes_the_loaded_version_and_shows_a_stale_save(client, editor, rows):
    quote = fresh("quote", rows)
    opened = {
        "text": quote.text,
        "translation": "",
        "language": "en",
        "speaker": quote.speaker_id,
        "speaker_label": "",
        "country": quote.country_id or "",
        "role": "",
        "said_on": quote.said_on.isoformat(),
        "said_precision": "day",
        "source": quote.source_id,
        "channel": "My channel",
        "event": "",
        "topics": [topic.pk for topic in quote.topics.all()],
        "implied_stance": "",
        "status": quote.status,
        "correction_note": "",
        "loaded_version": quote.version,
    }
    quote_update(quote=fresh("quote", rows), translation="Their translation.")
    client.force_login(editor)
    url = reverse("admin:statements_quote_change", args=[quote.pk])

    response = client.post(url, opened)

    assert response.status_code == 200
    text = response.content.decode()
    assert "while you were editing it (version 1 → 2)" in text
    assert "Their translation." in text
    assert response.context["adminform"].form["loaded_version"].value() == "2"
    assert stored("quote", rows) == {"version": 2, "channel": ""}

    merged = client.post(url, {**opened, "translation": "Their translation.", "loaded_version": 2})

    assert merged.status_code == 302
    assert stored("quote", rows) == {"version": 3, "channel": "My channel"}
