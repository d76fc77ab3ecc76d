"""A claim about another government never, on its own, codes that government's stance as
"stated" (DESIGN §9): a position whose evidence is only quotes with a claimant is refused
"stated" by the service (a form error on `confidence` in the admin, a 400 naming
`confidence` in the API, a row error on `position_confidence` in the import), and by the
database at commit for the ORM and plain SQL, wherever the evidence, the position or the
quote changes."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from apps.core.models import Status
from apps.positions.imports import statements_import
from apps.positions.models import Confidence, Position
from apps.positions.services import CLAIMS_ONLY, position_record, position_update
from apps.statements.models import Quote
from apps.statements.services import quote_update
from tests.api.conftest import token_client
from tests.factories import (
    CountryFactory,
    EditorFactory,
    PersonFactory,
    TopicFactory,
    make_quote,
)

CLAIMS_MESSAGE = "Its evidence is only what others claim of this holder's stance"


@pytest.fixture
def topic(db):
    return TopicFactory(slug="timeline", name="Timeline")


@pytest.fixture
def holder(db):
    return CountryFactory(code="US", name="Synthetic States")


@pytest.fixture
def claimant(db):
    return CountryFactory(code="UA", name="Synthetic Ukraine")


@pytest.fixture
def claim(topic, holder, claimant):
    """What another government's official says of the holder's stance."""
    return make_quote(
        text="Synthetic: from what I hear, they are objecting.",
        country=holder,
        claimant_country=claimant,
        topics=[topic],
    )


@pytest.fixture
def own_words(topic, holder):
    return make_quote(text="Synthetic: we say it ourselves.", country=holder, topics=[topic])


def check_at_commit():
    """Run the checks PostgreSQL keeps for the commit, which a test never reaches."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def record(topic, holder, evidence, confidence=Confidence.STATED, status=Status.PUBLISHED):
    return position_record(
        topic=topic,
        stance=topic.stances.get(value=-1),
        country=holder,
        valid_from=datetime.date(2023, 6, 1),
        confidence=confidence,
        evidence=evidence,
        status=status,
    )


# --- the service -----------------------------------------------------------------------------


def test_stated_on_a_claim_alone_is_refused_on_confidence(topic, holder, claim):
    with pytest.raises(ValidationError) as refused:
        record(topic, holder, [claim])

    assert refused.value.message_dict == {"confidence": [CLAIMS_ONLY]}
    assert CLAIMS_ONLY.startswith(CLAIMS_MESSAGE)
    assert not Position.objects.exists()


@pytest.mark.parametrize("confidence", [Confidence.REPORTED, Confidence.INFERRED])
def test_a_claim_alone_codes_reported_or_inferred(topic, holder, claim, confidence):
    position = record(topic, holder, [claim], confidence=confidence)
    check_at_commit()

    assert list(position.evidence.all()) == [claim]


def test_a_claim_beside_the_holders_own_words_may_be_stated(topic, holder, claim, own_words):
    position = record(topic, holder, [claim, own_words])
    check_at_commit()

    assert position.confidence == Confidence.STATED


def test_a_draft_is_refused_as_soon_as_it_is_coded(topic, holder, claim):
    with pytest.raises(ValidationError) as refused:
        record(topic, holder, [claim], status=Status.DRAFT)

    assert "confidence" in refused.value.message_dict
    assert not Position.objects.exists()


def test_a_published_position_counts_only_its_published_evidence(topic, holder, claim):
    draft_own_words = make_quote(
        text="Synthetic: not yet published.", country=holder, topics=[topic], status="draft"
    )
    position = record(topic, holder, [claim, draft_own_words], status=Status.IN_REVIEW)

    with pytest.raises(ValidationError) as refused:
        position_update(position=Position.objects.get(pk=position.pk), status=Status.PUBLISHED)

    assert refused.value.message_dict == {"confidence": [CLAIMS_ONLY]}
    assert Position.objects.get(pk=position.pk).status == Status.IN_REVIEW


def test_raising_a_reported_position_to_stated_is_refused(topic, holder, claim, settings):
    settings.FOUR_EYES = False
    position = record(topic, holder, [claim], confidence=Confidence.REPORTED)

    with pytest.raises(ValidationError) as refused:
        position_update(position=position, confidence=Confidence.STATED)

    assert refused.value.message_dict == {"confidence": [CLAIMS_ONLY]}
    assert Position.objects.get(pk=position.pk).confidence == Confidence.REPORTED


def test_taking_the_holders_own_words_away_is_refused(topic, holder, claim, own_words, settings):
    settings.FOUR_EYES = False
    position = record(topic, holder, [claim, own_words])

    with pytest.raises(ValidationError) as refused:
        position_update(position=position, evidence=[claim])

    assert refused.value.message_dict == {"confidence": [CLAIMS_ONLY]}
    assert set(Position.objects.get(pk=position.pk).evidence.all()) == {claim, own_words}


def test_an_editors_change_is_checked_before_it_is_proposed(topic, holder, claim, own_words):
    position = record(topic, holder, [claim, own_words])

    with pytest.raises(ValidationError) as refused:
        position_update(position=position, evidence=[claim], by=EditorFactory())

    assert refused.value.message_dict == {"confidence": [CLAIMS_ONLY]}


def test_making_the_only_evidence_a_claim_is_refused_on_the_claimant(
    topic, holder, claimant, own_words
):
    position = record(topic, holder, [own_words])

    with pytest.raises(ValidationError) as refused:
        quote_update(quote=Quote.objects.get(pk=own_words.pk), claimant_country=claimant)

    [message] = refused.value.message_dict["claimant_country"]
    assert f"(position {position.pk}) is coded “stated”" in message
    assert "Code it “reported” or “inferred” first" in message
    assert Quote.objects.get(pk=own_words.pk).claimant_country is None


def test_retracting_the_holders_own_words_is_refused_on_the_status(topic, holder, claim, own_words):
    position = record(topic, holder, [claim, own_words])
    quote = Quote.objects.get(pk=own_words.pk)

    with pytest.raises(ValidationError) as refused:
        quote_update(quote=quote, status=Status.RETRACTED, correction_note="Synthetic: wrong.")

    assert f"(position {position.pk})" in refused.value.message_dict["status"][0]
    assert Quote.objects.get(pk=own_words.pk).status == Status.PUBLISHED


def test_a_quote_of_a_reported_position_may_become_a_claim(topic, holder, claimant, own_words):
    record(topic, holder, [own_words], confidence=Confidence.REPORTED)

    quote = quote_update(quote=Quote.objects.get(pk=own_words.pk), claimant_country=claimant)
    check_at_commit()

    assert quote.claimant == claimant


# --- the ORM and SQL -------------------------------------------------------------------------


def test_the_orm_cannot_code_stated_on_a_claim(topic, holder, claim):
    with pytest.raises(IntegrityError, match='coded "stated" on claims by others alone'):
        with transaction.atomic():
            position = Position.objects.create(
                topic=topic,
                stance=topic.stances.get(value=-1),
                country=holder,
                valid_from=datetime.date(2023, 6, 1),
                confidence=Confidence.STATED,
                status=Status.PUBLISHED,
            )
            position.evidence.set([claim])
            check_at_commit()

    assert not Position.objects.exists()


def test_sql_cannot_raise_a_reported_position_to_stated(topic, holder, claim):
    position = record(topic, holder, [claim], confidence=Confidence.REPORTED)

    with pytest.raises(IntegrityError) as refused:
        with transaction.atomic():
            Position.objects.filter(pk=position.pk).update(confidence=Confidence.STATED)
            check_at_commit()

    assert refused.value.__cause__.diag.constraint_name == "position_stated_not_only_claims"
    assert Position.objects.get(pk=position.pk).confidence == Confidence.REPORTED


def test_sql_cannot_remove_the_holders_own_words(topic, holder, claim, own_words):
    position = record(topic, holder, [claim, own_words])

    with pytest.raises(IntegrityError, match=f"Position {position.pk} is coded"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM positions_position_evidence WHERE quote_id = %s", [own_words.pk]
            )
            check_at_commit()

    assert set(position.evidence.all()) == {claim, own_words}


def test_the_orm_cannot_add_a_claim_to_a_stated_draft_without_evidence(topic, holder, claim):
    position = record(topic, holder, [], status=Status.DRAFT)
    check_at_commit()

    with pytest.raises(IntegrityError, match=f"Position {position.pk} is coded"):
        with transaction.atomic():
            position.evidence.add(claim)
            check_at_commit()

    assert not position.evidence.exists()


def test_sql_cannot_give_the_only_evidence_a_claimant(topic, holder, claimant, own_words):
    record(topic, holder, [own_words])

    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Quote.objects.filter(pk=own_words.pk).update(claimant_country=claimant)
            check_at_commit()

    assert Quote.objects.get(pk=own_words.pk).claimant_country is None


def test_changing_the_position_and_its_quote_in_one_transaction_is_judged_at_commit(
    topic, holder, claimant, own_words
):
    position = record(topic, holder, [own_words])

    with transaction.atomic():
        Quote.objects.filter(pk=own_words.pk).update(claimant_country=claimant)
        Position.objects.filter(pk=position.pk).update(confidence=Confidence.REPORTED)
        check_at_commit()

    assert Quote.objects.get(pk=own_words.pk).claimant == claimant


# --- the admin -------------------------------------------------------------------------------


def admin_payload(topic, holder, evidence, **fields):
    data = {
        "country": holder.pk,
        "organization": "",
        "topic": topic.pk,
        "stance": topic.stances.get(value=-1).pk,
        "conditionality": "none",
        "conditionality_note": "",
        "valid_from": "2023-06-01",
        "valid_to": "",
        "confidence": "stated",
        "summary": "",
        "evidence": [quote.pk for quote in evidence],
        "status": Status.DRAFT,
        "correction_note": "",
    }
    data.update(fields)
    return data


def test_the_admin_add_form_shows_the_refusal_on_confidence(client, editor, topic, holder, claim):
    client.force_login(editor)

    response = client.post(
        reverse("admin:positions_position_add"), admin_payload(topic, holder, [claim])
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["confidence"] == [CLAIMS_ONLY]
    assert not Position.objects.exists()


def test_the_admin_change_form_refuses_evidence_of_claims_only(
    client, editor, topic, holder, claim, own_words
):
    position = record(topic, holder, [claim, own_words], status=Status.DRAFT)
    client.force_login(editor)
    url = reverse("admin:positions_position_change", args=[position.pk])

    response = client.post(url, admin_payload(topic, holder, [claim]))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["confidence"] == [CLAIMS_ONLY]
    assert set(Position.objects.get(pk=position.pk).evidence.all()) == {claim, own_words}


def test_the_admin_quote_form_names_the_claimant_when_a_stated_position_rests_on_it(
    client, editor, topic, holder, claimant, own_words
):
    record(topic, holder, [own_words])
    client.force_login(editor)
    url = reverse("admin:statements_quote_change", args=[own_words.pk])
    page = client.get(url)
    data = page.context["adminform"].form.initial
    payload = {
        key: ("" if value is None else value)
        for key, value in data.items()
        if key not in ("topics", "loaded_version")
    }
    payload.update(
        {
            "topics": [topic.pk],
            "claimant_country": claimant.pk,
            "claimant_organization": "",
            "source": own_words.source_id,
            "loaded_version": own_words.version,
            "said_on": "2023-06-15",
        }
    )

    response = client.post(url, payload)

    assert response.status_code == 200, response.headers.get("Location")
    errors = response.context["adminform"].form.errors
    assert "is coded “stated”" in errors["claimant_country"][0]
    assert Quote.objects.get(pk=own_words.pk).claimant_country is None


# --- the API ---------------------------------------------------------------------------------


def api_body(**fields):
    return {
        "country": "US",
        "topic": "timeline",
        "stance": -1,
        "valid_from": "2023-06-01",
        "confidence": "stated",
        **fields,
    }


def test_the_api_answers_400_naming_confidence(editor, topic, holder, claim):
    response = token_client(editor).post(
        "/api/v1/positions/", api_body(evidence=[claim.pk]), format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json() == {"confidence": [CLAIMS_ONLY]}
    assert not Position.objects.exists()


def test_the_api_takes_a_claim_as_reported(editor, topic, holder, claim):
    response = token_client(editor).post(
        "/api/v1/positions/",
        api_body(evidence=[claim.pk], confidence="reported"),
        format="json",
    )

    assert response.status_code == 201, response.content
    assert Position.objects.get().confidence == Confidence.REPORTED


def test_the_api_refuses_a_claimant_on_the_only_evidence_of_a_stated_position(
    editor, topic, holder, claimant, own_words
):
    record(topic, holder, [own_words])

    response = token_client(editor).patch(
        f"/api/v1/quotes/{own_words.pk}/",
        {"claimant": "UA"},
        format="json",
        HTTP_IF_MATCH=f'"{own_words.version}"',
    )

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["claimant"]
    assert "is coded “stated”" in response.json()["claimant"][0]
    assert Quote.objects.get(pk=own_words.pk).claimant_country is None


# --- the import ------------------------------------------------------------------------------


def import_row(**fields):
    return {
        "source_title": "Synthetic report",
        "source_published_on": "2023-07-12",
        "source_kind": "news_report",
        "source_reliability": "secondary",
        "text": "Synthetic: from what I hear, they object.",
        "speaker": "synthetic-speaker",
        "country": "US",
        "claimant": "UA",
        "said_on": "2023-07-12",
        "topics": "timeline",
        "position_topic": "timeline",
        "position_stance": "-1",
        "position_country": "US",
        "position_confidence": "stated",
        "position_status": "in_review",
        **fields,
    }


@pytest.mark.parametrize("position_status", ["in_review", "published"])
def test_the_import_refuses_stated_on_its_claim_by_row_and_column(
    topic, holder, claimant, settings, position_status
):
    settings.FOUR_EYES = False
    PersonFactory(slug="synthetic-speaker", country=claimant)

    result = statements_import(
        rows=[import_row(position_status=position_status, status="published")],
        by=EditorFactory(),
    )

    [error] = result.errors
    assert (error.row, error.column, error.message) == (2, "position_confidence", CLAIMS_ONLY)
    assert not Position.objects.exists()
    assert not Quote.objects.exists()


def test_the_import_takes_its_claim_as_reported(topic, holder, claimant):
    PersonFactory(slug="synthetic-speaker", country=claimant)

    result = statements_import(
        rows=[import_row(position_confidence="reported")], by=EditorFactory()
    )

    assert result.ok, result.errors
    position = Position.objects.get()
    assert position.confidence == Confidence.REPORTED
    assert position.evidence.get().claimant == claimant
