"""The count of a position's published evidence quotes is kept by the database
(EvidenceTally, migration positions 0015), in the transaction of every write that changes it:
through the services, the ORM (as the admin writes), plain SQL, a quote's deletion and a
position's. After each, the tally is what counting the links says."""

import datetime

import pytest
from django.db import connection

from apps.core.models import Status
from apps.positions.models import Confidence, EvidenceTally, Position
from apps.positions.queries import published_evidence_counts
from apps.positions.services import position_delete, position_record, position_update
from apps.statements.services import quote_delete, quote_update
from tests.factories import CountryFactory, TopicFactory, make_quote

COUNTED = """
SELECT position.id, count(quote.id) FILTER (WHERE quote.status = 'published')
FROM positions_position position
LEFT JOIN positions_position_evidence link ON link.position_id = position.id
LEFT JOIN statements_quote quote ON quote.id = link.quote_id
GROUP BY position.id
"""


def counted() -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(COUNTED)
        return dict(cursor.fetchall())


def tallied() -> dict[int, int]:
    kept = dict(EvidenceTally.objects.values_list("position_id", "published"))
    return {pk: kept.get(pk, 0) for pk in Position.objects.values_list("pk", flat=True)}


def assert_kept():
    assert tallied() == counted()


@pytest.fixture
def setting(db):
    topic = TopicFactory()
    country = CountryFactory()
    published = [make_quote(country=country, topics=[topic], text=f"Said {n}.") for n in range(3)]
    draft = make_quote(country=country, topics=[topic], text="Not yet out.", status=Status.DRAFT)
    return topic, country, published, draft


def draft_position(topic, country, evidence):
    return position_record(
        topic=topic,
        stance=topic.stances.get(value=1),
        country=country,
        valid_from=datetime.date(2023, 6, 1),
        confidence=Confidence.STATED,
        status=Status.DRAFT,
        evidence=evidence,
    )


def test_recording_a_position_counts_only_its_published_evidence(setting):
    topic, country, published, draft = setting
    position = draft_position(topic, country, [*published[:2], draft])
    assert published_evidence_counts([position.pk]) == {position.pk: 2}
    assert_kept()


def test_the_services_keep_it_as_evidence_and_statuses_change(setting):
    topic, country, published, draft = setting
    position = draft_position(topic, country, [published[0], draft])
    position_update(position=position, evidence=[published[0], published[1], draft])
    assert published_evidence_counts([position.pk]) == {position.pk: 2}
    quote_update(quote=draft, status=Status.PUBLISHED)
    assert published_evidence_counts([position.pk]) == {position.pk: 3}
    quote_update(quote=published[0], status=Status.RETRACTED, correction_note="Misattributed.")
    assert published_evidence_counts([position.pk]) == {position.pk: 2}
    quote_delete(quote=published[1])
    assert published_evidence_counts([position.pk]) == {position.pk: 1}
    assert_kept()


def test_the_orm_and_plain_sql_keep_it_too(setting):
    topic, country, published, draft = setting
    position = draft_position(topic, country, [published[0]])
    position.evidence.add(published[1], published[2], draft)  # as the admin's form saves
    assert published_evidence_counts([position.pk]) == {position.pk: 3}
    position.evidence.remove(published[2])
    assert published_evidence_counts([position.pk]) == {position.pk: 2}
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE statements_quote SET status = 'draft' WHERE id = %s", [published[1].pk]
        )
        cursor.execute("UPDATE statements_quote SET text = 'Said anew.' WHERE id = %s", [draft.pk])
    assert published_evidence_counts([position.pk]) == {position.pk: 1}
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM positions_position_evidence WHERE position_id = %s AND quote_id = %s",
            [position.pk, published[0].pk],
        )
    assert published_evidence_counts([position.pk]) == {position.pk: 0}
    position.evidence.clear()
    assert_kept()


def test_a_deleted_position_leaves_no_count_behind(setting):
    topic, country, published, _draft = setting
    position = draft_position(topic, country, published)
    pk = position.pk
    position_delete(position=position)
    assert not EvidenceTally.objects.filter(position_id=pk).exists()
    other = draft_position(topic, country, published[:1])
    Position.objects.filter(pk=other.pk).delete()  # the ORM, as a bulk delete in the shell
    assert not EvidenceTally.objects.filter(position_id=other.pk).exists()
    assert_kept()


def test_a_position_without_evidence_counts_none(setting):
    topic, country, _published, _draft = setting
    position = draft_position(topic, country, [])
    assert published_evidence_counts([position.pk]).get(position.pk, 0) == 0
    assert_kept()
