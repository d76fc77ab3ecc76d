"""A quote that positions analysts see rest on is never deleted, whatever the door: the
service, the ORM, plain SQL, the admin (one quote, the bulk action, a source's inline) and
the API all meet the database's refusal, with the positions named and nothing deleted."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from apps.core.models import Status
from apps.core.services import StillNeeded
from apps.positions.models import Position
from apps.positions.services import position_update
from apps.statements.models import Quote
from apps.statements.services import quote_delete
from tests.api.conftest import token_client
from tests.factories import CountryFactory, TopicFactory, make_position, make_quote

REFUSAL = "This quote cannot be deleted: it is the evidence of Estonia · Membership"


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


@pytest.fixture
def loose_quote(db):
    return make_quote(text="Words no position rests on.")


def check_at_commit():
    """Run the checks PostgreSQL keeps for the commit, which a test never reaches."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def recorded_earlier():
    """Check what the fixtures wrote, as if committed before: only what follows is checked
    at the (simulated) commit."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def links_of(quote) -> list[int]:
    return list(
        Position.evidence.through.objects.filter(quote=quote).values_list("position", flat=True)
    )


# --- the service -----------------------------------------------------------------------------


def test_the_evidence_of_a_published_position_is_not_deleted(published, evidence):
    with pytest.raises(StillNeeded) as refused:
        quote_delete(quote=evidence, by=None)

    assert str(refused.value).startswith(REFUSAL)
    assert "Retract it instead" in str(refused.value)
    assert refused.value.dependants == [published]
    assert Quote.objects.filter(pk=evidence.pk).exists()
    assert links_of(evidence) == [published.pk]
    assert evidence.pk is not None  # the instance still names the row


def test_every_position_resting_on_the_quote_is_named(published, evidence, membership):
    other = make_position(
        topic=membership, country=CountryFactory(code="LV", name="Latvia"), evidence=[evidence]
    )

    with pytest.raises(StillNeeded) as refused:
        quote_delete(quote=evidence)

    assert "Estonia · Membership" in str(refused.value)
    assert "Latvia · Membership" in str(refused.value)
    assert refused.value.dependants == [published, other]


def test_the_evidence_of_a_retracted_position_is_kept_too(published, evidence):
    position_update(position=published, status=Status.RETRACTED, correction_note="Misread.")

    with pytest.raises(StillNeeded, match="evidence of Estonia"):
        quote_delete(quote=evidence)

    assert Quote.objects.filter(pk=evidence.pk).exists()


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW])
def test_a_quote_only_drafts_rest_on_is_deleted_with_its_links(membership, estonia, status):
    quote = make_quote(country=estonia, topics=[membership])
    draft = make_position(topic=membership, country=estonia, status=status, evidence=[quote])
    pk = quote.pk

    quote_delete(quote=quote)
    check_at_commit()

    assert not Quote.objects.filter(pk=pk).exists()
    assert Position.objects.filter(pk=draft.pk).exists()
    assert list(Position.objects.get(pk=draft.pk).evidence.all()) == []


def test_a_quote_nothing_rests_on_is_deleted(loose_quote):
    pk = loose_quote.pk

    quote_delete(quote=loose_quote)
    check_at_commit()

    assert not Quote.objects.filter(pk=pk).exists()


def test_a_refusal_leaves_the_transaction_usable_and_the_check_deferred_again(
    published, evidence, loose_quote
):
    with pytest.raises(StillNeeded):
        quote_delete(quote=evidence)

    # Later in the same transaction, a published position is still deleted with its links:
    # the check waits for the commit again, when the position is gone.
    published.delete()
    quote_delete(quote=loose_quote)
    check_at_commit()

    assert not Position.objects.filter(pk=published.pk).exists()


# --- what the database still allows ----------------------------------------------------------


def test_a_published_position_is_deleted_with_its_evidence_links(published, evidence):
    published.delete()
    check_at_commit()

    assert links_of(evidence) == []
    assert Quote.objects.filter(pk=evidence.pk).exists()


def test_the_evidence_of_a_published_position_can_be_changed(published, evidence, estonia):
    replacement = make_quote(text="Other words.", country=estonia)

    position_update(position=published, evidence=[replacement])
    check_at_commit()

    assert list(published.evidence.all()) == [replacement]


# --- the ORM and SQL -------------------------------------------------------------------------


def test_the_orm_is_refused_at_commit_and_nothing_is_deleted(published, evidence):
    recorded_earlier()
    with pytest.raises(IntegrityError, match=r"cannot be deleted: it is the evidence of position"):
        with transaction.atomic():
            Quote.objects.get(pk=evidence.pk).delete()
            check_at_commit()

    assert Quote.objects.filter(pk=evidence.pk).exists()
    assert links_of(evidence) == [published.pk]


@pytest.mark.django_db(transaction=True)
def test_a_shell_delete_is_refused_when_it_commits():
    # A real commit (no test transaction around it), as in `manage.py shell`.
    membership = TopicFactory(slug="membership", name="Membership")
    estonia = CountryFactory(code="EE", name="Estonia")
    quote = make_quote(country=estonia, topics=[membership])
    position = make_position(topic=membership, country=estonia, evidence=[quote])

    with pytest.raises(IntegrityError, match=f"evidence of position {position.pk}"):
        Quote.objects.get(pk=quote.pk).delete()

    assert Quote.objects.filter(pk=quote.pk).exists()
    assert links_of(quote) == [position.pk]


def test_plain_sql_is_refused_with_the_named_constraint(published, evidence):
    recorded_earlier()
    with pytest.raises(IntegrityError) as refused:
        with transaction.atomic(), connection.cursor() as cursor:
            for table in ("positions_position_evidence", "statements_quote_topics"):
                cursor.execute(f"DELETE FROM {table} WHERE quote_id = %s", [evidence.pk])
            cursor.execute("DELETE FROM statements_quote WHERE id = %s", [evidence.pk])
            check_at_commit()

    assert refused.value.__cause__.diag.constraint_name == "quote_evidence_kept"
    assert Quote.objects.filter(pk=evidence.pk).exists()


# --- the admin -------------------------------------------------------------------------------


@pytest.fixture
def as_admin(client, superuser):
    client.force_login(superuser)
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_admin_delete_page_refuses_with_a_message(as_admin, published, evidence):
    url = reverse("admin:statements_quote_delete", args=[evidence.pk])

    response = as_admin.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:statements_quote_change", args=[evidence.pk])
    [message] = messages_of(response)
    assert message.startswith("Not deleted. " + REFUSAL)
    assert Quote.objects.filter(pk=evidence.pk).exists()
    assert links_of(evidence) == [published.pk]


def test_the_admin_deletes_a_quote_nothing_published_rests_on(as_admin, loose_quote):
    url = reverse("admin:statements_quote_delete", args=[loose_quote.pk])

    response = as_admin.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Quote.objects.filter(pk=loose_quote.pk).exists()


def bulk_delete(client, *quotes):
    return client.post(
        reverse("admin:statements_quote_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [quote.pk for quote in quotes],
            "post": "yes",
        },
    )


def test_the_bulk_delete_deletes_nothing_when_one_quote_is_evidence(
    as_admin, published, evidence, loose_quote
):
    response = bulk_delete(as_admin, loose_quote, evidence)

    assert response.status_code == 302
    [message] = messages_of(response)
    assert message.startswith("Nothing was deleted. " + REFUSAL)
    assert Quote.objects.filter(pk__in=[evidence.pk, loose_quote.pk]).count() == 2
    assert links_of(evidence) == [published.pk]


def test_the_bulk_delete_asks_first_then_deletes_free_quotes(as_admin, loose_quote):
    other = make_quote(text="More free words.")
    url = reverse("admin:statements_quote_changelist")
    ask = as_admin.post(
        url, {"action": "delete_selected", "_selected_action": [loose_quote.pk, other.pk]}
    )
    assert ask.status_code == 200
    assert b"Are you sure you want to delete the selected quotes?" in ask.content

    response = bulk_delete(as_admin, loose_quote, other)

    assert response.status_code == 302
    assert not Quote.objects.filter(pk__in=[loose_quote.pk, other.pk]).exists()


def test_deleting_the_quote_inline_on_its_source_page_is_a_form_error(
    as_admin, published, evidence
):
    source = evidence.source
    data = {
        "title": source.title,
        "publisher": "",
        "author": "",
        "url": source.url,
        "published_on": source.published_on.isoformat(),
        "published_precision": source.published_precision,
        "kind": source.kind,
        "reliability": source.reliability,
        "language": source.language,
        "loaded_version": source.version,
        "quotes-TOTAL_FORMS": "1",
        "quotes-INITIAL_FORMS": "1",
        "quotes-MIN_NUM_FORMS": "0",
        "quotes-MAX_NUM_FORMS": "1000",
        "quotes-0-id": evidence.pk,
        "quotes-0-source": source.pk,
        "quotes-0-text": evidence.text,
        "quotes-0-translation": "",
        "quotes-0-language": "en",
        "quotes-0-speaker": evidence.speaker_id,
        "quotes-0-speaker_label": "",
        "quotes-0-country": evidence.country_id,
        "quotes-0-role": "",
        "quotes-0-said_on": evidence.said_on.isoformat(),
        "quotes-0-said_precision": "day",
        "quotes-0-channel": "",
        "quotes-0-event": "",
        "quotes-0-topics": [topic.pk for topic in evidence.topics.all()],
        "quotes-0-implied_stance": "",
        "quotes-0-status": evidence.status,
        "quotes-0-DELETE": "on",
    }

    response = as_admin.post(reverse("admin:statements_source_change", args=[source.pk]), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert any(error.startswith(REFUSAL) for error in errors)
    assert Quote.objects.filter(pk=evidence.pk).exists()


# --- the API ---------------------------------------------------------------------------------


def test_the_api_answers_409_naming_the_positions(superuser, published, evidence):
    client = token_client(superuser)

    response = client.delete(f"/api/v1/quotes/{evidence.pk}/")

    assert response.status_code == 409
    assert response.json()["detail"].startswith(REFUSAL)
    assert Quote.objects.filter(pk=evidence.pk).exists()


def test_the_api_deletes_a_quote_only_a_draft_rests_on(superuser, membership, estonia):
    quote = make_quote(country=estonia, topics=[membership])
    draft = make_position(
        topic=membership,
        country=estonia,
        status=Status.DRAFT,
        evidence=[quote],
        valid_from=datetime.date(2023, 5, 1),
    )
    client = token_client(superuser)

    response = client.delete(f"/api/v1/quotes/{quote.pk}/")

    assert response.status_code == 204
    assert not Quote.objects.filter(pk=quote.pk).exists()
    assert Position.objects.filter(pk=draft.pk).exists()
