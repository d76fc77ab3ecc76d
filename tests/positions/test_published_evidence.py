"""A published position rests on at least one published quote, whatever the door: the
service refuses a draft-only evidence (a form error in the admin, a 400 naming `evidence`
in the API, a row error in the import), and the database refuses it at commit for the ORM
and plain SQL."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from apps.core.models import Status
from apps.positions.imports import statements_import
from apps.positions.models import Confidence, Position
from apps.positions.services import position_record, position_update
from tests.api.conftest import token_client
from tests.factories import (
    CountryFactory,
    EditorFactory,
    PersonFactory,
    TopicFactory,
    make_position,
    make_quote,
)

MESSAGE = "A published position needs at least one published evidence quote"


@pytest.fixture
def topic(db):
    return TopicFactory(slug="membership", name="Membership")


@pytest.fixture
def country(db):
    return CountryFactory(code="EE", name="Estonia")


@pytest.fixture
def draft_quote(topic, country):
    return make_quote(text="Not yet said aloud.", country=country, topics=[topic], status="draft")


@pytest.fixture
def published_quote(topic, country):
    return make_quote(text="Ukraine belongs in NATO.", country=country, topics=[topic])


def check_at_commit():
    """Run the checks PostgreSQL keeps for the commit, which a test never reaches."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def record(topic, country, evidence, status=Status.PUBLISHED):
    return position_record(
        topic=topic,
        stance=topic.stances.get(value=1),
        country=country,
        valid_from=datetime.date(2023, 6, 1),
        confidence=Confidence.STATED,
        evidence=evidence,
        status=status,
    )


# --- the service -----------------------------------------------------------------------------


def test_publishing_on_a_draft_quote_alone_is_refused(topic, country, draft_quote):
    with pytest.raises(ValidationError) as refused:
        record(topic, country, [draft_quote])

    assert refused.value.message_dict["evidence"][0].startswith(MESSAGE)
    assert not Position.objects.exists()


def test_one_published_quote_among_drafts_is_enough(topic, country, draft_quote, published_quote):
    position = record(topic, country, [draft_quote, published_quote])
    check_at_commit()

    assert set(position.evidence.all()) == {draft_quote, published_quote}


def test_a_draft_may_rest_on_draft_quotes(topic, country, draft_quote):
    position = record(topic, country, [draft_quote], status=Status.DRAFT)
    check_at_commit()

    assert list(position.evidence.all()) == [draft_quote]


def test_publishing_a_draft_whose_evidence_is_all_draft_is_refused(topic, country, draft_quote):
    position = record(topic, country, [draft_quote], status=Status.IN_REVIEW)

    with pytest.raises(ValidationError) as refused:
        position_update(position=Position.objects.get(pk=position.pk), status=Status.PUBLISHED)

    assert refused.value.message_dict["evidence"][0].startswith(MESSAGE)
    assert Position.objects.get(pk=position.pk).status == Status.IN_REVIEW


def test_changing_a_published_positions_evidence_to_drafts_only_is_refused(
    topic, country, published_quote, draft_quote
):
    position = make_position(topic=topic, country=country, evidence=[published_quote])

    with pytest.raises(ValidationError) as refused:
        position_update(position=position, evidence=[draft_quote])

    assert refused.value.message_dict["evidence"][0].startswith(MESSAGE)
    assert list(Position.objects.get(pk=position.pk).evidence.all()) == [published_quote]


# --- the ORM and SQL -------------------------------------------------------------------------


def test_the_orm_cannot_publish_on_draft_evidence(topic, country, draft_quote):
    with pytest.raises(IntegrityError, match="published without a published evidence quote"):
        with transaction.atomic():
            position = Position.objects.create(
                topic=topic,
                stance=topic.stances.get(value=1),
                country=country,
                valid_from=datetime.date(2023, 6, 1),
                confidence=Confidence.STATED,
                status=Status.PUBLISHED,
            )
            position.evidence.set([draft_quote])
            check_at_commit()

    assert not Position.objects.exists()


def test_the_orm_cannot_publish_a_draft_resting_on_drafts(topic, country, draft_quote):
    position = record(topic, country, [draft_quote], status=Status.DRAFT)

    with pytest.raises(IntegrityError) as refused:
        with transaction.atomic():
            Position.objects.filter(pk=position.pk).update(status=Status.PUBLISHED)
            check_at_commit()

    assert refused.value.__cause__.diag.constraint_name == "position_published_evidence"
    assert Position.objects.get(pk=position.pk).status == Status.DRAFT


def test_removing_the_last_published_evidence_link_is_refused(
    topic, country, published_quote, draft_quote
):
    position = make_position(topic=topic, country=country, evidence=[published_quote, draft_quote])

    with pytest.raises(IntegrityError, match=f"Position {position.pk} is published without"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM positions_position_evidence WHERE quote_id = %s",
                [published_quote.pk],
            )
            check_at_commit()

    assert set(position.evidence.all()) == {published_quote, draft_quote}


def test_replacing_the_published_evidence_with_another_published_quote_passes(
    topic, country, published_quote
):
    position = make_position(topic=topic, country=country, evidence=[published_quote])
    other = make_quote(text="Still belongs in NATO.", country=country, topics=[topic])

    position.evidence.set([other])
    check_at_commit()

    assert list(position.evidence.all()) == [other]


def test_deleting_a_published_position_takes_its_links_without_complaint(
    topic, country, published_quote
):
    position = make_position(topic=topic, country=country, evidence=[published_quote])

    Position.objects.filter(pk=position.pk).delete()
    check_at_commit()

    assert not Position.objects.exists()


# --- the admin -------------------------------------------------------------------------------


def admin_payload(topic, country, evidence, **fields):
    data = {
        "country": country.pk,
        "organization": "",
        "topic": topic.pk,
        "stance": topic.stances.get(value=1).pk,
        "conditionality": "none",
        "conditionality_note": "",
        "valid_from": "2023-06-01",
        "valid_to": "",
        "confidence": "stated",
        "summary": "",
        "evidence": [quote.pk for quote in evidence],
        "status": Status.PUBLISHED,
        "correction_note": "",
    }
    data.update(fields)
    return data


def test_the_admin_shows_the_refusal_on_the_evidence_field(
    client, editor, topic, country, draft_quote
):
    position = make_position(
        topic=topic,
        country=country,
        by=EditorFactory(),
        status=Status.IN_REVIEW,
        evidence=[draft_quote],
    )
    client.force_login(editor)
    url = reverse("admin:positions_position_change", args=[position.pk])

    response = client.post(url, admin_payload(topic, country, [draft_quote]))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["evidence"][0].startswith(MESSAGE)
    assert Position.objects.get(pk=position.pk).status == Status.IN_REVIEW


def test_the_admin_add_form_refuses_it_too(client, editor, topic, country, draft_quote, settings):
    settings.FOUR_EYES = False
    client.force_login(editor)

    response = client.post(
        reverse("admin:positions_position_add"), admin_payload(topic, country, [draft_quote])
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["evidence"][0].startswith(MESSAGE)
    assert not Position.objects.exists()


# --- the API ---------------------------------------------------------------------------------


def test_the_api_answers_400_naming_evidence(editor, topic, country, draft_quote, settings):
    settings.FOUR_EYES = False
    body = {
        "country": "EE",
        "topic": "membership",
        "stance": 1,
        "valid_from": "2023-06-01",
        "confidence": "stated",
        "evidence": [draft_quote.pk],
        "status": "published",
    }

    response = token_client(editor).post("/api/v1/positions/", body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["evidence"][0].startswith(MESSAGE)
    assert not Position.objects.exists()


def test_the_api_refuses_publishing_a_draft_on_draft_evidence(editor, topic, country, draft_quote):
    position = make_position(
        topic=topic,
        country=country,
        by=EditorFactory(),
        status=Status.IN_REVIEW,
        evidence=[draft_quote],
    )

    response = token_client(editor).patch(
        f"/api/v1/positions/{position.pk}/",
        {"status": "published"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 400, response.content
    assert response.json()["evidence"][0].startswith(MESSAGE)
    assert Position.objects.get(pk=position.pk).status == Status.IN_REVIEW


# --- the import ------------------------------------------------------------------------------


def test_the_import_refuses_a_published_position_on_its_draft_quote(topic, country, settings):
    settings.FOUR_EYES = False
    PersonFactory(slug="kaja")
    row = {
        "source_title": "Report",
        "source_published_on": "2023-07-12",
        "source_kind": "news_report",
        "source_reliability": "secondary",
        "text": "Not yet.",
        "speaker": "kaja",
        "country": "EE",
        "said_on": "2023-07-12",
        "topics": "membership",
        "status": "draft",
        "position_topic": "membership",
        "position_stance": "1",
        "position_country": "EE",
        "position_confidence": "stated",
        "position_status": "published",
    }

    result = statements_import(rows=[row], by=EditorFactory())

    [error] = result.errors
    assert error.message.startswith(MESSAGE)
    assert not Position.objects.exists()
