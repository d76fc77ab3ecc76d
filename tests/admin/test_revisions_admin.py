"""The admin's door to reviewed changes: saving or restoring a published position, or
changing the codebook, stores a revision; the revisions list publishes or rejects it."""

import pytest
from django.urls import reverse

from apps.codebook.models import Stance
from apps.core.models import Revision, RevisionStatus, Status
from apps.positions.models import Position
from tests.admin.test_history_admin import change_payload, change_url
from tests.factories import CountryFactory, EditorFactory, TopicFactory, make_position


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def published(db):
    topic = TopicFactory(slug="membership", name="Membership")
    return make_position(
        topic=topic, country=CountryFactory(code="EE", name="Estonia"), summary="In force."
    )


def decide(client, revision, action="_publish", note=""):
    url = reverse("admin:core_revision_decide", args=[revision.pk])
    return client.post(url, {action: "1", "decision_note": note}, follow=True)


def test_saving_a_published_position_stores_a_revision(as_editor, editor, published):
    response = as_editor.post(
        change_url(published), change_payload(published, summary="Rewritten.")
    )

    revision = Revision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:core_revision_change", args=[revision.pk])
    assert (revision.created_by, revision.changes) == (editor, {"summary": "Rewritten."})
    published.refresh_from_db()
    assert (published.summary, published.version) == ("In force.", 1)
    page = as_editor.get(response["Location"])
    text = page.content.decode()
    assert "In force." in text and "Rewritten." in text
    assert "Publish this revision" in text


def test_restoring_an_older_version_of_a_published_position_stores_a_revision(as_editor, published):
    first = Position.pgh_event_model.objects.filter(pgh_obj_id=published.pk).earliest("pgh_id")
    Position.objects.filter(pk=published.pk).update(summary="Later wording.")

    response = as_editor.post(
        reverse("admin:positions_position_restore", args=[published.pk, first.pgh_id])
    )

    revision = Revision.objects.get()
    assert response.status_code == 302
    assert revision.changes == {"summary": "In force."}
    assert Position.objects.get(pk=published.pk).summary == "Later wording."


def test_the_author_cannot_publish_and_another_editor_can(client, as_editor, published):
    as_editor.post(change_url(published), change_payload(published, summary="Rewritten."))
    revision = Revision.objects.get()

    refused = decide(as_editor, revision)
    assert "four-eyes" in refused.content.decode()
    assert Revision.objects.get().status == RevisionStatus.IN_REVIEW

    client.force_login(EditorFactory())
    decide(client, revision)

    assert Revision.objects.get().status == RevisionStatus.PUBLISHED
    assert Position.objects.get(pk=published.pk).summary == "Rewritten."


def test_a_revision_is_rejected_from_the_changelist(client, as_editor, published):
    as_editor.post(change_url(published), change_payload(published, summary="Rewritten."))
    revision = Revision.objects.get()
    client.force_login(EditorFactory())

    client.post(
        reverse("admin:core_revision_changelist"),
        {"action": "reject_selected", "_selected_action": [revision.pk]},
    )

    assert Revision.objects.get().status == RevisionStatus.REJECTED
    assert Position.objects.get(pk=published.pk).summary == "In force."


def test_the_index_links_to_the_revisions_in_review(as_editor):
    page = as_editor.get(reverse("admin:index")).content.decode()

    assert reverse("admin:core_revision_changelist") + "?status__exact=in_review" in page


def test_a_staff_user_without_a_group_sees_no_revisions(client, as_editor, published):
    as_editor.post(change_url(published), change_payload(published, summary="Rewritten."))
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True))

    assert client.get(reverse("admin:core_revision_changelist")).status_code == 403
    revision = Revision.objects.get()
    assert decide(client, revision).status_code in (403, 404)
    assert Revision.objects.get().status == RevisionStatus.IN_REVIEW


def test_an_editors_change_to_a_stance_label_is_reviewed(client, as_editor, editor):
    topic = TopicFactory(slug="membership", name="Membership")
    stance = topic.stances.get(value=2)
    url = reverse("admin:codebook_stance_change", args=[stance.pk])
    data = {
        "topic": topic.pk,
        "value": 2,
        "label": "Relabelled",
        "definition": stance.definition,
    }

    response = as_editor.post(url, data)

    assert response.status_code == 302
    assert Stance.objects.get(pk=stance.pk).label == stance.label
    revision = Revision.objects.get()
    assert revision.changes == {"label": "Relabelled"}
    client.force_login(EditorFactory())
    decide(client, revision)
    assert Stance.objects.get(pk=stance.pk).label == "Relabelled"


def test_a_stance_changed_in_its_topics_inline_is_reviewed(as_editor):
    topic = TopicFactory(slug="membership", name="Membership")
    stances = list(topic.stances.order_by("-value"))
    data = {
        "slug": topic.slug,
        "name": topic.name,
        "question": topic.question,
        "description": topic.description,
        "order": topic.order,
        "stances-TOTAL_FORMS": len(stances),
        "stances-INITIAL_FORMS": len(stances),
        "stances-MIN_NUM_FORMS": 0,
        "stances-MAX_NUM_FORMS": 1000,
    }
    for i, stance in enumerate(stances):
        data |= {
            f"stances-{i}-id": stance.pk,
            f"stances-{i}-topic": topic.pk,
            f"stances-{i}-value": stance.value,
            f"stances-{i}-label": stance.label,
            f"stances-{i}-definition": stance.definition,
        }
    data["stances-0-label"] = "Relabelled"

    as_editor.post(reverse("admin:codebook_topic_change", args=[topic.pk]), data)

    revision = Revision.objects.get()
    assert revision.changes == {"label": "Relabelled"}
    assert Stance.objects.get(pk=stances[0].pk).label == stances[0].label


def test_publishing_an_in_review_position_unchanged_is_allowed(client, published):
    draft = make_position(
        topic=published.topic,
        country=CountryFactory(code="LV"),
        status=Status.IN_REVIEW,
        by=EditorFactory(),
    )
    client.force_login(EditorFactory())

    response = client.post(change_url(draft), change_payload(draft, status=Status.PUBLISHED))

    assert response.status_code == 302
    assert Position.objects.get(pk=draft.pk).status == Status.PUBLISHED
    assert not Revision.objects.exists()
