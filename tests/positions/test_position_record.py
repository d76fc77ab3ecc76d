"""position_record fits a stance into its holder's history, whatever the entry order."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from apps.core.models import Status
from apps.positions.models import Position
from apps.positions.services import position_record, position_update
from tests.factories import CountryFactory, OrganizationFactory, TopicFactory, make_position

D = datetime.date


@pytest.fixture
def topic(db):
    return TopicFactory(slug="membership", name="Membership")


@pytest.fixture
def country(db):
    return CountryFactory(code="EE", name="Estonia")


def history(country, topic):
    return list(
        Position.objects.filter(country=country, topic=topic)
        .order_by("valid_from")
        .values_list("valid_from", "valid_to", "stance__value")
    )


def test_a_new_position_closes_the_one_in_force(topic, country):
    make_position(topic=topic, country=country, value=0, valid_from=D(2023, 1, 1))
    make_position(topic=topic, country=country, value=1, valid_from=D(2023, 6, 1))

    assert history(country, topic) == [(D(2023, 1, 1), D(2023, 6, 1), 0), (D(2023, 6, 1), None, 1)]


def test_an_earlier_statement_entered_later_ends_where_the_next_begins(topic, country):
    make_position(topic=topic, country=country, value=1, valid_from=D(2023, 6, 1))
    make_position(topic=topic, country=country, value=-1, valid_from=D(2022, 9, 30))

    assert history(country, topic) == [
        (D(2022, 9, 30), D(2023, 6, 1), -1),
        (D(2023, 6, 1), None, 1),
    ]


def test_a_statement_between_two_others_splits_the_history(topic, country):
    make_position(topic=topic, country=country, value=2, valid_from=D(2023, 9, 1))
    make_position(topic=topic, country=country, value=0, valid_from=D(2023, 1, 1))
    make_position(topic=topic, country=country, value=1, valid_from=D(2023, 6, 1))

    assert history(country, topic) == [
        (D(2023, 1, 1), D(2023, 6, 1), 0),
        (D(2023, 6, 1), D(2023, 9, 1), 1),
        (D(2023, 9, 1), None, 2),
    ]


def test_superseded_positions_are_kept_not_deleted(topic, country):
    first = make_position(topic=topic, country=country, value=0, valid_from=D(2023, 1, 1))
    make_position(topic=topic, country=country, value=1, valid_from=D(2023, 6, 1))

    first.refresh_from_db()
    assert first.valid_to == D(2023, 6, 1)
    assert Position.objects.count() == 2


def test_two_positions_from_the_same_day_are_refused(topic, country):
    make_position(topic=topic, country=country, value=0, valid_from=D(2023, 6, 1))

    with pytest.raises(ValidationError) as error:
        make_position(topic=topic, country=country, value=1, valid_from=D(2023, 6, 1))

    assert "valid_from" in error.value.message_dict
    assert "already has a position" in error.value.message_dict["valid_from"][0]
    assert Position.objects.count() == 1


def test_an_explicit_end_that_overlaps_the_next_position_is_refused(topic, country):
    make_position(topic=topic, country=country, value=1, valid_from=D(2023, 6, 1))

    with pytest.raises(ValidationError) as error:
        make_position(
            topic=topic, country=country, value=0, valid_from=D(2023, 1, 1), valid_to=D(2023, 7, 1)
        )

    assert "would overlap" in error.value.message_dict["valid_to"][0]
    assert Position.objects.count() == 1


def test_an_explicit_end_before_the_next_position_leaves_a_gap(topic, country):
    make_position(topic=topic, country=country, value=1, valid_from=D(2023, 6, 1))
    make_position(
        topic=topic, country=country, value=0, valid_from=D(2023, 1, 1), valid_to=D(2023, 3, 1)
    )

    assert history(country, topic) == [(D(2023, 1, 1), D(2023, 3, 1), 0), (D(2023, 6, 1), None, 1)]


def test_a_stance_from_another_topic_is_refused(topic, country):
    other = TopicFactory(slug="timeline", name="Timeline")

    with pytest.raises(ValidationError) as error:
        position_record(
            topic=topic,
            stance=other.stances.get(value=1),
            country=country,
            valid_from=D(2023, 6, 1),
            confidence="stated",
        )

    assert "stance on Timeline, not on Membership" in error.value.message_dict["stance"][0]
    assert not Position.objects.exists()


@pytest.mark.parametrize("holders", ["both", "neither"])
def test_a_position_has_exactly_one_holder(topic, country, holders):
    organization = OrganizationFactory() if holders == "both" else None

    with pytest.raises(ValidationError) as error:
        position_record(
            topic=topic,
            stance=topic.stances.get(value=1),
            country=country if holders == "both" else None,
            organization=organization,
            valid_from=D(2023, 6, 1),
            confidence="stated",
        )

    assert "exactly one" in error.value.message_dict["country"][0]
    assert not Position.objects.exists()


def test_a_future_start_is_refused(topic, country):
    with pytest.raises(ValidationError) as error:
        make_position(
            topic=topic, country=country, valid_from=datetime.date.today() + datetime.timedelta(1)
        )

    assert "future" in error.value.message_dict["valid_from"][0]
    assert not Position.objects.exists()


def test_an_end_before_the_start_is_refused(topic, country):
    with pytest.raises(ValidationError) as error:
        make_position(
            topic=topic, country=country, valid_from=D(2023, 6, 1), valid_to=D(2023, 6, 1)
        )

    assert "end after it starts" in error.value.message_dict["valid_to"][0]


def test_a_published_position_needs_evidence(topic, country):
    with pytest.raises(ValidationError) as error:
        make_position(topic=topic, country=country, evidence=[], status=Status.PUBLISHED)

    assert "evidence" in error.value.message_dict
    assert not Position.objects.exists()


def test_a_draft_position_may_wait_for_evidence(topic, country):
    position = make_position(topic=topic, country=country, evidence=[], status=Status.DRAFT)

    assert position.status == Status.DRAFT


def test_nul_bytes_and_overlong_text_are_refused(topic, country):
    with pytest.raises(ValidationError) as error:
        make_position(topic=topic, country=country, summary="bad\x00summary")
    assert "NUL" in error.value.message_dict["summary"][0]

    with pytest.raises(ValidationError) as error:
        make_position(topic=topic, country=country, summary="x" * 20_001)
    assert "summary" in error.value.message_dict
    assert not Position.objects.exists()


def test_organizations_have_their_own_history(topic, country):
    nato = OrganizationFactory(slug="nato", name="NATO")
    make_position(topic=topic, organization=nato, value=0, valid_from=D(2023, 1, 1))
    make_position(topic=topic, country=country, value=1, valid_from=D(2023, 1, 1))
    make_position(topic=topic, organization=nato, value=-1, valid_from=D(2023, 6, 1))

    assert list(
        Position.objects.filter(organization=nato).order_by("valid_from").values_list("valid_to")
    ) == [(D(2023, 6, 1),), (None,)]


def test_an_update_that_would_overlap_is_refused(topic, country):
    make_position(topic=topic, country=country, value=1, valid_from=D(2023, 6, 1))
    earlier = make_position(topic=topic, country=country, value=0, valid_from=D(2023, 1, 1))

    with pytest.raises(ValidationError) as error:
        position_update(position=earlier, valid_to=D(2023, 8, 1))

    assert "would overlap" in error.value.message_dict["valid_to"][0]
    earlier.refresh_from_db()
    assert earlier.valid_to == D(2023, 6, 1)


def test_an_update_counts_the_version_and_records_the_editor(topic, country, editor):
    # A draft: an editor's change to a published position is a revision (test_revisions).
    position = make_position(topic=topic, country=country, value=1, status=Status.DRAFT)

    position_update(position=position, by=editor, summary="Corrected wording.")

    position.refresh_from_db()
    assert (position.version, position.updated_by, position.summary) == (
        2,
        editor,
        "Corrected wording.",
    )


def test_a_draft_inside_the_published_history_changes_nothing_until_published(topic, country):
    from tests.factories import EditorFactory

    author, reviewer = EditorFactory(), EditorFactory()
    make_position(topic=topic, country=country, value=0, valid_from=D(2023, 1, 1))
    make_position(topic=topic, country=country, value=2, valid_from=D(2023, 9, 1))
    draft = make_position(
        topic=topic,
        country=country,
        value=1,
        valid_from=D(2023, 6, 1),
        status=Status.DRAFT,
        by=author,
    )

    assert history(country, topic) == [
        (D(2023, 1, 1), D(2023, 9, 1), 0),
        (D(2023, 6, 1), None, 1),
        (D(2023, 9, 1), None, 2),
    ]

    position_update(position=draft, by=reviewer, status=Status.PUBLISHED)

    assert history(country, topic) == [
        (D(2023, 1, 1), D(2023, 6, 1), 0),
        (D(2023, 6, 1), D(2023, 9, 1), 1),
        (D(2023, 9, 1), None, 2),
    ]


def test_publishing_a_draft_from_the_same_day_as_a_published_one_is_refused(topic, country):
    from tests.factories import EditorFactory

    # A draft saved before same-day drafts were refused at save (issue 19, point 13).
    draft = make_position(
        topic=topic,
        country=country,
        value=1,
        valid_from=D(2023, 5, 1),
        status=Status.DRAFT,
        by=EditorFactory(),
    )
    make_position(topic=topic, country=country, value=0, valid_from=D(2023, 6, 1))
    Position.objects.filter(pk=draft.pk).update(valid_from=D(2023, 6, 1))
    draft.refresh_from_db()

    with pytest.raises(ValidationError) as error:
        position_update(position=draft, by=EditorFactory(), status=Status.PUBLISHED)

    assert "already has a position" in error.value.message_dict["valid_from"][0]
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_retracting_a_position_lets_the_one_it_closed_run_on(topic, country):
    make_position(topic=topic, country=country, value=0, valid_from=D(2023, 1, 1))
    wrong = make_position(topic=topic, country=country, value=2, valid_from=D(2023, 6, 1))
    make_position(topic=topic, country=country, value=1, valid_from=D(2023, 9, 1))

    position_update(position=wrong, status=Status.RETRACTED, correction_note="Misquoted.")

    published = list(
        Position.objects.published()
        .filter(country=country)
        .order_by("valid_from")
        .values_list("valid_from", "valid_to", "stance__value")
    )
    assert published == [(D(2023, 1, 1), D(2023, 9, 1), 0), (D(2023, 9, 1), None, 1)]
