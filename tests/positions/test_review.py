"""Review before publishing: draft → in review → published → retracted, four eyes."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from apps.core.models import Status
from apps.positions.models import PossibleShift, ShiftStatus
from apps.positions.services import position_update, shift_resolve
from apps.statements.services import quote_update
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


def draft(author, **fields):
    return make_position(by=author, status=Status.DRAFT, **fields)


def test_the_author_cannot_publish_their_own_position(author):
    position = draft(author)
    position_update(position=position, by=author, status=Status.IN_REVIEW)

    with pytest.raises(ValidationError) as error:
        position_update(position=position, by=author, status=Status.PUBLISHED)

    assert "four-eyes" in error.value.message_dict["status"][0]
    position.refresh_from_db()
    assert position.status == Status.IN_REVIEW


def test_an_author_cannot_create_a_position_already_published(author):
    with pytest.raises(ValidationError) as error:
        make_position(by=author, status=Status.PUBLISHED)

    assert "status" in error.value.message_dict


def test_another_editor_publishes_and_is_recorded_as_reviewer(author, reviewer):
    position = draft(author)
    position_update(position=position, by=author, status=Status.IN_REVIEW)

    position_update(position=position, by=reviewer, status=Status.PUBLISHED)

    position.refresh_from_db()
    assert (position.status, position.reviewed_by) == (Status.PUBLISHED, reviewer)


def test_a_setting_relaxes_four_eyes_for_one_editor(author, settings):
    settings.FOUR_EYES = False
    position = draft(author)

    position_update(position=position, by=author, status=Status.PUBLISHED)

    assert position.status == Status.PUBLISHED


def test_a_retraction_needs_a_note_and_keeps_the_row(author, reviewer):
    position = draft(author)
    position_update(position=position, by=reviewer, status=Status.PUBLISHED)

    with pytest.raises(ValidationError) as error:
        position_update(position=position, by=reviewer, status=Status.RETRACTED)
    assert "correction_note" in error.value.message_dict

    position_update(
        position=position, by=reviewer, status=Status.RETRACTED, correction_note="Misattributed."
    )
    position.refresh_from_db()
    assert (position.status, position.correction_note) == (Status.RETRACTED, "Misattributed.")


def test_a_published_position_is_never_unpublished(author, reviewer):
    position = draft(author)
    position_update(position=position, by=reviewer, status=Status.PUBLISHED)

    with pytest.raises(ValidationError) as error:
        position_update(position=position, by=reviewer, status=Status.DRAFT)

    assert "never unpublished" in error.value.message_dict["status"][0]


def test_a_published_quote_contradicting_the_coded_position_opens_a_possible_shift(db):
    topic = TopicFactory()
    estonia = CountryFactory()
    position = make_position(topic=topic, country=estonia, value=1, valid_from=D(2023, 1, 1))

    quote = make_quote(
        country=estonia,
        topics=[topic],
        implied_stance=topic.stances.get(value=-1),
        said_on=D(2023, 6, 1),
        status=Status.DRAFT,
    )
    assert not PossibleShift.objects.exists()

    quote_update(quote=quote, status=Status.PUBLISHED)

    shift = PossibleShift.objects.get()
    assert (shift.quote, shift.position, shift.implied_stance.value) == (quote, position, -1)
    assert list(PossibleShift.objects.open()) == [shift]


def test_a_quote_agreeing_with_the_position_opens_nothing(db):
    topic = TopicFactory()
    estonia = CountryFactory()
    make_position(topic=topic, country=estonia, value=1, valid_from=D(2023, 1, 1))

    make_quote(country=estonia, topics=[topic], implied_stance=topic.stances.get(value=1))

    assert not PossibleShift.objects.exists()


def test_a_possible_shift_is_closed_by_an_editor(db, editor):
    topic = TopicFactory()
    estonia = CountryFactory()
    make_position(topic=topic, country=estonia, value=1, valid_from=D(2023, 1, 1))
    make_quote(country=estonia, topics=[topic], implied_stance=topic.stances.get(value=2))
    shift = PossibleShift.objects.get()

    shift_resolve(shift=shift, status=ShiftStatus.DISMISSED, by=editor, note="Rhetoric only.")

    assert not PossibleShift.objects.open().exists()
    with pytest.raises(ValidationError):
        shift_resolve(shift=shift, status="open")
