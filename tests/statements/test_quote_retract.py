"""A published position never loses its last published evidence to a quote's retraction:
the database refuses it, the service names the positions, the admin shows a form error and
the API answers 409."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from apps.core.models import Status
from apps.core.services import StillNeeded
from apps.positions.services import position_update
from apps.statements.models import Quote
from apps.statements.services import quote_update
from tests.api.conftest import token_client
from tests.factories import CountryFactory, TopicFactory, make_position, make_quote

REFUSAL = "This quote cannot be retracted: it is the evidence of Estonia · Membership"
NOTE = "Misattributed: another speaker said it."


@pytest.fixture
def membership(db):
    return TopicFactory(slug="membership", name="Membership")


@pytest.fixture
def estonia(db):
    return CountryFactory(code="EE", name="Estonia")


@pytest.fixture
def evidence(membership, estonia):
    return make_quote(text="Ukraine belongs in NATO.", country=estonia, topics=[membership])


@pytest.fixture
def published(membership, estonia, evidence):
    return make_position(topic=membership, country=estonia, value=1, evidence=[evidence])


def status_of(quote) -> str:
    return Quote.objects.values_list("status", flat=True).get(pk=quote.pk)


def test_the_last_published_evidence_is_not_retracted(published, evidence):
    with pytest.raises(StillNeeded) as refused:
        quote_update(quote=evidence, status=Status.RETRACTED, correction_note=NOTE)

    assert str(refused.value).startswith(REFUSAL)
    assert refused.value.dependants == [published]
    assert status_of(evidence) == Status.PUBLISHED


def test_a_quote_is_retracted_when_other_published_evidence_remains(published, evidence, estonia):
    other = make_quote(text="Other words.", country=estonia)
    position_update(position=published, evidence=[evidence, other])

    quote_update(quote=evidence, status=Status.RETRACTED, correction_note=NOTE)

    assert status_of(evidence) == Status.RETRACTED


def test_a_draft_quote_does_not_count_as_published_evidence(published, evidence, estonia):
    draft = make_quote(text="Draft words.", country=estonia, status=Status.DRAFT)
    position_update(position=published, evidence=[evidence, draft])

    with pytest.raises(StillNeeded):
        quote_update(quote=evidence, status=Status.RETRACTED, correction_note=NOTE)


def test_the_evidence_of_a_draft_position_is_retracted(membership, estonia):
    quote = make_quote(country=estonia, topics=[membership])
    make_position(topic=membership, country=estonia, status=Status.DRAFT, evidence=[quote])

    quote_update(quote=quote, status=Status.RETRACTED, correction_note=NOTE)

    assert status_of(quote) == Status.RETRACTED


def test_the_orm_is_refused_by_the_database(published, evidence):
    with pytest.raises(IntegrityError, match="last published evidence of published position"):
        with transaction.atomic():
            Quote.objects.filter(pk=evidence.pk).update(status=Status.RETRACTED)

    assert status_of(evidence) == Status.PUBLISHED


def test_plain_sql_is_refused_with_the_named_constraint(published, evidence):
    with pytest.raises(IntegrityError) as refused:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE statements_quote SET status = 'retracted' WHERE id = %s", [evidence.pk]
            )

    name = refused.value.__cause__.diag.constraint_name
    assert name == "published_position_keeps_published_evidence"


def test_the_admin_shows_the_refusal_as_a_form_error(client, editor, published, evidence):
    client.force_login(editor)
    data = {
        "text": evidence.text,
        "translation": "",
        "language": "en",
        "is_paraphrase": "",
        "speaker": evidence.speaker_id,
        "speaker_label": "",
        "country": evidence.country_id,
        "role": "",
        "said_on": evidence.said_on.isoformat(),
        "said_precision": "day",
        "source": evidence.source_id,
        "channel": "",
        "event": "",
        "topics": [topic.pk for topic in evidence.topics.all()],
        "implied_stance": "",
        "status": Status.RETRACTED,
        "correction_note": NOTE,
        "loaded_version": evidence.version,
    }

    response = client.post(reverse("admin:statements_quote_change", args=[evidence.pk]), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert any(error.startswith(REFUSAL) for error in errors)
    assert status_of(evidence) == Status.PUBLISHED


def test_the_api_answers_409(editor, published, evidence):
    response = token_client(editor).patch(
        f"/api/v1/quotes/{evidence.pk}/",
        {"status": "retracted", "correction_note": NOTE},
        format="json",
        HTTP_IF_MATCH=f'"{evidence.version}"',
    )

    assert response.status_code == 409
    assert response.json()["detail"].startswith(REFUSAL)
    assert status_of(evidence) == Status.PUBLISHED
