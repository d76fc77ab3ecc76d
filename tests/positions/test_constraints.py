"""The database itself refuses what breaks a rule, whatever the entry path (shell, SQL)."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from apps.positions.models import Position, Stance
from tests.factories import CountryFactory, OrganizationFactory, TopicFactory, make_quote

D = datetime.date


@pytest.fixture
def topic(db):
    return TopicFactory(slug="membership")


def create(**fields):
    fields.setdefault("status", "published")
    with transaction.atomic():
        position = Position.objects.create(confidence="stated", **fields)
        # A published position rests on a published quote (checked at commit).
        position.evidence.add(make_quote())
        return position


def test_overlapping_positions_are_refused_by_the_exclusion_constraint(topic):
    country = CountryFactory()
    stance = topic.stances.get(value=1)
    create(country=country, topic=topic, stance=stance, valid_from=D(2023, 1, 1))

    with pytest.raises(IntegrityError, match="position_country_no_overlap"):
        create(country=country, topic=topic, stance=stance, valid_from=D(2023, 6, 1))


def test_adjacent_positions_do_not_overlap(topic):
    country = CountryFactory()
    stance = topic.stances.get(value=1)
    create(
        country=country,
        topic=topic,
        stance=stance,
        valid_from=D(2023, 1, 1),
        valid_to=D(2023, 6, 1),
    )
    create(country=country, topic=topic, stance=stance, valid_from=D(2023, 6, 1))

    assert Position.objects.count() == 2


def test_organization_positions_cannot_overlap_either(topic):
    nato = OrganizationFactory()
    stance = topic.stances.get(value=0)
    create(organization=nato, topic=topic, stance=stance, valid_from=D(2023, 1, 1))

    with pytest.raises(IntegrityError, match="position_organization_no_overlap"):
        create(organization=nato, topic=topic, stance=stance, valid_from=D(2022, 1, 1))


def test_a_position_with_two_holders_is_refused(topic):
    with pytest.raises(IntegrityError, match="position_exactly_one_holder"):
        create(
            country=CountryFactory(),
            organization=OrganizationFactory(),
            topic=topic,
            stance=topic.stances.get(value=0),
            valid_from=D(2023, 1, 1),
        )


def test_a_stance_of_another_topic_is_refused_by_the_composite_key(topic):
    other = TopicFactory(slug="timeline")
    with pytest.raises(IntegrityError, match="position_stance_of_topic"):
        with transaction.atomic():
            Position.objects.create(
                country=CountryFactory(),
                topic=topic,
                stance=other.stances.get(value=0),
                valid_from=D(2023, 1, 1),
                confidence="stated",
            )
            connection.check_constraints()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_stance_values_run_from_minus_two_to_plus_two(topic):
    with pytest.raises(IntegrityError, match="stance_value_range"):
        with transaction.atomic():
            Stance.objects.create(topic=topic, value=3, label="Too far", definition="Out of range.")


def test_drafts_may_overlap_the_published_history(topic):
    country = CountryFactory()
    stance = topic.stances.get(value=1)
    create(country=country, topic=topic, stance=stance, valid_from=D(2023, 1, 1))
    create(country=country, topic=topic, stance=stance, valid_from=D(2023, 6, 1), status="draft")

    assert Position.objects.count() == 2
