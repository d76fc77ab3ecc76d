"""Each object's history in the admin, restore, and the stale save between two editors."""

import datetime

import pytest
from django.urls import reverse

from apps.core.models import Status
from apps.positions.models import Position
from tests.factories import CountryFactory, EditorFactory, TopicFactory, make_position

D = datetime.date


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def position(db):
    topic = TopicFactory(slug="membership", name="Membership")
    return make_position(
        topic=topic,
        country=CountryFactory(code="EE", name="Estonia"),
        status=Status.DRAFT,
        summary="First wording.",
        evidence=[],
    )


def change_payload(position, **fields):
    data = {
        "country": position.country_id or "",
        "organization": position.organization_id or "",
        "topic": position.topic_id,
        "stance": position.stance_id,
        "conditionality": position.conditionality,
        "conditionality_note": position.conditionality_note,
        "valid_from": position.valid_from.isoformat(),
        "valid_to": position.valid_to.isoformat() if position.valid_to else "",
        "confidence": position.confidence,
        "summary": position.summary,
        "evidence": [q.pk for q in position.evidence.all()],
        "status": position.status,
        "correction_note": position.correction_note,
        "loaded_version": position.version,
    }
    data.update(fields)
    return data


def change_url(position):
    return reverse("admin:positions_position_change", args=[position.pk])


def test_the_history_page_shows_who_changed_what_through_which_door(as_editor, editor, position):
    as_editor.post(change_url(position), change_payload(position, summary="Second wording."))

    page = as_editor.get(reverse("admin:positions_position_history", args=[position.pk]))
    text = page.content.decode()

    assert page.status_code == 200
    assert f"by {editor.username} via admin" in text
    assert "<del>First wording.</del>" in text and "<ins>Second wording.</ins>" in text


def test_an_older_version_can_be_restored_and_the_restore_is_recorded(as_editor, position):
    as_editor.post(change_url(position), change_payload(position, summary="Second wording."))
    first_event = Position.pgh_event_model.objects.filter(pgh_obj_id=position.pk).earliest("pgh_id")

    response = as_editor.post(
        reverse("admin:positions_position_restore", args=[position.pk, first_event.pgh_id])
    )

    position.refresh_from_db()
    assert response.status_code == 302
    assert position.summary == "First wording."
    latest = Position.pgh_event_model.objects.filter(pgh_obj_id=position.pk).latest("pgh_id")
    assert latest.pgh_context.metadata["restored_from"] == first_event.pgh_id
    assert latest.pgh_context.metadata["door"] == "admin"


def test_restore_is_post_only_and_needs_change_permission(client, position, db):
    from tests.factories import UserFactory

    event = Position.pgh_event_model.objects.filter(pgh_obj_id=position.pk).earliest("pgh_id")
    url = reverse("admin:positions_position_restore", args=[position.pk, event.pgh_id])
    reader = UserFactory(is_staff=True)
    client.force_login(reader)

    assert client.get(url).status_code in (403, 405)
    assert client.post(url).status_code == 403


def test_a_stale_save_shows_the_other_editors_changes_and_keeps_mine(as_editor, position):
    opened = change_payload(position, summary="My wording.")
    # Another editor saves first.
    from apps.positions.services import position_update

    position_update(position=position, by=EditorFactory(), conditionality_note="Their note.")

    response = as_editor.post(change_url(position), opened)
    text = response.content.decode()

    assert response.status_code == 200
    assert "while you were editing it" in text
    assert "Their note." in text
    assert "My wording." in text
    position.refresh_from_db()
    assert position.summary == "First wording."
    assert position.conditionality_note == "Their note."


def test_saving_again_after_a_conflict_merges_what_the_form_shows(as_editor, position):
    from apps.positions.services import position_update

    position_update(position=position, by=EditorFactory(), conditionality_note="Their note.")
    stale = change_payload(position, summary="My wording.", loaded_version=1)
    assert as_editor.post(change_url(position), stale).status_code == 200

    position.refresh_from_db()
    merged = change_payload(position, summary="My wording.")
    response = as_editor.post(change_url(position), merged)

    position.refresh_from_db()
    assert response.status_code == 302
    assert (position.summary, position.conditionality_note) == ("My wording.", "Their note.")


def test_history_of_an_unknown_object_is_404(as_editor, db):
    assert (
        as_editor.get(reverse("admin:positions_position_history", args=[999999])).status_code == 404
    )
