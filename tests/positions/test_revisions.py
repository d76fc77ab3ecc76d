"""Four eyes on published positions: a change to what one says is a revision in review.

The published version stays in force (for analysts, on every door) until an editor who
neither proposed the change nor edited it last publishes it.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError

from apps.core.models import Revision, RevisionStatus, Status
from apps.core.revisions import revision_publish, revision_reject
from apps.positions.models import Position
from apps.positions.services import position_update
from tests.factories import (
    CountryFactory,
    EditorFactory,
    TopicFactory,
    make_position,
    make_quote,
)

D = datetime.date


@pytest.fixture
def author(db):
    return EditorFactory()


@pytest.fixture
def reviewer(db):
    return EditorFactory()


@pytest.fixture
def published(db):
    topic = TopicFactory(slug="membership", name="Membership")
    return make_position(topic=topic, country=CountryFactory(code="EE"), summary="In force.")


def in_force(position) -> tuple:
    stored = Position.objects.get(pk=position.pk)
    return (stored.stance.value, stored.summary, stored.version, stored.status)


def test_an_editors_change_to_a_published_position_is_a_revision_in_review(author, published):
    before = in_force(published)

    result = position_update(
        position=published,
        by=author,
        stance=published.topic.stances.get(value=-1),
        summary="Rewritten.",
    )

    revision = result.proposed_revision
    assert revision is not None and revision.status == RevisionStatus.IN_REVIEW
    assert revision.created_by == author and revision.base_version == 1
    assert set(revision.changes) == {"stance", "summary"}
    assert in_force(published) == before == (1, "In force.", 1, Status.PUBLISHED)
    # The caller's instance shows what is in force, not the proposal.
    assert (result.stance.value, result.summary) == (1, "In force.")


def test_the_author_cannot_publish_their_own_revision(author, published):
    revision = position_update(position=published, by=author, summary="Mine.").proposed_revision

    with pytest.raises(ValidationError) as error:
        revision_publish(revision=revision, by=author)

    assert "four-eyes" in error.value.message_dict["reviewed_by"][0]
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.IN_REVIEW
    assert in_force(published)[1] == "In force."


def test_another_editor_publishes_the_revision_and_the_change_shows(author, reviewer, published):
    revision = position_update(
        position=published, by=author, stance=published.topic.stances.get(value=2)
    ).proposed_revision

    revision_publish(revision=revision, by=reviewer)

    published.refresh_from_db()
    revision.refresh_from_db()
    assert (published.stance.value, published.version) == (2, 2)
    # The author is the last editor of what is published; the reviewer is recorded.
    assert (published.updated_by, published.reviewed_by) == (author, reviewer)
    assert (revision.status, revision.reviewed_by) == (RevisionStatus.PUBLISHED, reviewer)
    assert revision.decided_at is not None
    with pytest.raises(ValidationError):
        revision_publish(revision=revision, by=reviewer)


def test_a_change_of_evidence_is_reviewed_too(author, reviewer, published):
    other = make_quote(country=published.country, topics=[published.topic])
    kept = list(published.evidence.all())

    revision = position_update(
        position=published, by=author, evidence=[*kept, other]
    ).proposed_revision

    assert sorted(published.evidence.values_list("pk", flat=True)) == [q.pk for q in kept]
    revision_publish(revision=revision, by=reviewer)
    assert set(published.evidence.all()) == {*kept, other}


def test_a_revision_over_a_since_changed_position_is_refused(author, reviewer, published):
    first = position_update(position=published, by=author, summary="First.").proposed_revision
    second = position_update(position=published, by=author, summary="Second.").proposed_revision
    revision_publish(revision=first, by=reviewer)

    with pytest.raises(ValidationError) as error:
        revision_publish(revision=second, by=reviewer)

    assert "changed since" in error.value.message_dict["base_version"][0]
    assert in_force(published)[1] == "First."


def test_a_rejected_revision_changes_nothing(author, reviewer, published):
    revision = position_update(position=published, by=author, summary="No.").proposed_revision

    revision_reject(revision=revision, by=reviewer, note="Not what the source says.")

    revision.refresh_from_db()
    assert (revision.status, revision.note) == (
        RevisionStatus.REJECTED,
        "Not what the source says.",
    )
    assert in_force(published)[1] == "In force."
    with pytest.raises(ValidationError):
        revision_publish(revision=revision, by=reviewer)


def test_a_bad_proposal_is_refused_at_once_and_nothing_is_stored(author, published):
    with pytest.raises(ValidationError) as error:
        position_update(position=published, by=author, valid_to=D(2023, 1, 1))

    assert "valid_to" in error.value.message_dict
    assert not Revision.objects.exists()


def test_a_retraction_keeps_its_own_rules(author, published):
    position_update(
        position=published, by=author, status=Status.RETRACTED, correction_note="Misread."
    )

    published.refresh_from_db()
    assert published.status == Status.RETRACTED
    assert not Revision.objects.exists()


def test_content_and_status_are_not_changed_in_one_save(author, published):
    with pytest.raises(ValidationError) as error:
        position_update(
            position=published,
            by=author,
            status=Status.RETRACTED,
            correction_note="Misread.",
            summary="Also changed.",
        )

    assert "not both" in error.value.message_dict["status"][0]
    assert in_force(published) == (1, "In force.", 1, Status.PUBLISHED)
    assert not Revision.objects.exists()


def test_without_four_eyes_a_change_is_made_at_once(author, published, settings):
    settings.FOUR_EYES = False

    result = position_update(position=published, by=author, summary="Direct.")

    assert result.proposed_revision is None
    assert in_force(published)[1:3] == ("Direct.", 2)


# --- publishing a draft: neither the author nor its last editor ------------------------------


def draft_by(author, **fields):
    return make_position(by=author, status=Status.DRAFT, **fields)


def test_the_last_editor_of_a_draft_cannot_publish_it(author, reviewer):
    position = draft_by(author)
    position_update(position=position, by=reviewer, summary="Rewritten by the reviewer.")
    position_update(position=position, by=reviewer, status=Status.IN_REVIEW)

    with pytest.raises(ValidationError) as error:
        position_update(position=position, by=reviewer, status=Status.PUBLISHED)

    assert "four-eyes" in error.value.message_dict["status"][0]
    third = EditorFactory()
    position_update(position=position, by=third, status=Status.PUBLISHED)
    position.refresh_from_db()
    assert (position.status, position.reviewed_by) == (Status.PUBLISHED, third)


def test_rewriting_another_editors_draft_and_publishing_it_in_one_save_is_refused(author, reviewer):
    position = draft_by(author, summary="The author's words.")
    position_update(position=position, by=author, status=Status.IN_REVIEW)

    with pytest.raises(ValidationError) as error:
        position_update(
            position=position, by=reviewer, summary="The reviewer's.", status=Status.PUBLISHED
        )

    assert "four-eyes" in error.value.message_dict["status"][0]
    position.refresh_from_db()
    assert (position.status, position.summary) == (Status.IN_REVIEW, "The author's words.")


# --- the import door: a row never changes a published position --------------------------------


def test_an_import_row_on_a_published_positions_day_leaves_it_in_force(author, published):
    from apps.positions.imports import read_rows, statements_import
    from tests.factories import PersonFactory

    PersonFactory(slug="kaja")
    published_day = published.valid_from.isoformat()
    body = (
        "source_title,source_published_on,source_kind,source_reliability,text,speaker,said_on,"
        "topics,status,position_topic,position_stance,position_country,position_status\n"
        f"A report,{published_day},analysis,secondary,Other words.,kaja,{published_day},"
        "membership,draft,membership,-2,EE,in_review\n"
    )

    result = statements_import(rows=read_rows(body, "csv"), by=author)

    # A second position from the same day is a duplicate, refused with the one in force named
    # (issue 19, point 13): a change to a published position is proposed as a revision.
    assert not result.ok
    [error] = result.errors
    assert error.column == "position_valid_from"
    assert f"(position {published.pk}, published and in force)" in error.message
    assert in_force(published) == (1, "In force.", 1, Status.PUBLISHED)
    assert not Position.objects.exclude(pk=published.pk).exists()
