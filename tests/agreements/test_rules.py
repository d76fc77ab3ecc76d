"""The rules of DESIGN §8 at the service and in the database, "in force on D" at its edges,
and the review of agreements (four eyes, revisions)."""

import datetime
import decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from apps.agreements.models import Agreement, Clause, ClauseCategory, Party
from apps.agreements.services import agreement_record, agreement_update
from apps.core.models import Revision, RevisionStatus, Status
from apps.core.revisions import revision_publish
from tests.factories import (
    AgreementFactory,
    CountryFactory,
    EditorFactory,
    OrganizationFactory,
    SourceFactory,
    synthetic_clause,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def two_parties():
    return [
        {"country": CountryFactory(code="UA", name="Ukraine", nato_joined=None)},
        {"country": CountryFactory(code="FR", name="France")},
    ]


def fields(**overrides):
    values = {
        "slug": "synthetic-pact",
        "title": "Synthetic pact",
        "kind": "bilateral_security",
        "signed_on": D(2024, 2, 16),
        "source": SourceFactory(),
    }
    return {**values, **overrides}


def refused(call, **kwargs) -> dict:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return caught.value.message_dict


# The service: every rule, with its message, and nothing stored.


def test_the_expiry_is_derived_from_the_start_and_duration():
    agreement = agreement_record(parties=two_parties(), **fields(duration_years=10))
    assert agreement.expires_on == D(2034, 2, 16)
    later = agreement_record(
        parties=two_parties(),
        **fields(slug="later", in_force_on=D(2024, 3, 1), duration_years=10),
    )
    assert later.expires_on == D(2034, 3, 1)


def test_a_given_expiry_wins_and_a_derived_one_follows_its_duration():
    given = agreement_record(
        parties=two_parties(), **fields(duration_years=10, expires_on=D(2030, 1, 1))
    )
    assert given.expires_on == D(2030, 1, 1)
    derived = agreement_record(parties=two_parties(), **fields(slug="d", duration_years=10))
    agreement_update(agreement=derived, duration_years=5)
    assert Agreement.objects.get(pk=derived.pk).expires_on == D(2029, 2, 16)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"signed_on": D(2999, 1, 1)}, "signed_on", "future"),
        ({"signed_on": D(1899, 12, 31)}, "signed_on", "1900"),
        ({"in_force_on": D(2024, 1, 1)}, "in_force_on", "on or after its signing"),
        ({"expires_on": D(2024, 2, 16)}, "expires_on", "ends after it starts"),
        ({"terminated_on": D(2024, 2, 1), "termination_note": "x"}, "terminated_on", "after"),
        ({"terminated_on": D(2024, 5, 1)}, "termination_note", "how and why"),
        ({"ratified_on": D(2024, 5, 1)}, "ratified_on", "needs ratification"),
        (
            {"needs_ratification": True, "ratified_on": D(2024, 1, 1)},
            "ratified_on",
            "on or after its signing",
        ),
        ({"duration_years": 0}, "duration_years", "greater than or equal to 1"),
        ({"title": "   "}, "title", "blank"),
        ({"title": "a\x00b"}, "title", "NUL"),
        ({"kind": "alliance"}, "kind", "not a valid choice"),
    ],
)
def test_a_bad_agreement_is_refused_naming_the_field(overrides, field, words):
    errors = refused(agreement_record, parties=two_parties(), **fields(**overrides))
    assert words in " ".join(errors[field])
    assert not Agreement.objects.exists()


def test_a_single_party_is_refused():
    errors = refused(agreement_record, parties=two_parties()[:1], **fields())
    assert errors["parties"] == ["An agreement has at least two parties."]
    assert not Agreement.objects.exists() and not Party.objects.exists()


def test_a_party_is_a_country_or_an_organization_exactly_one_and_only_once():
    ukraine, france = two_parties()
    both = {"country": ukraine["country"], "organization": OrganizationFactory()}
    errors = refused(agreement_record, parties=[both, france], **fields())
    assert "exactly one" in errors["parties.0.country"][0]
    errors = refused(agreement_record, parties=[ukraine, france, france], **fields())
    assert "already a party" in errors["parties.2.country"][0]


def test_a_later_joiner_joins_after_the_signing_and_not_in_the_future():
    ukraine, france = two_parties()
    early = {**france, "joined_on": D(2024, 1, 1)}
    assert "on or after the signing" in " ".join(
        refused(agreement_record, parties=[ukraine, early], **fields())["parties.1.joined_on"]
    )
    future = {**france, "joined_on": D(2999, 1, 1)}
    assert "future" in " ".join(
        refused(agreement_record, parties=[ukraine, future], **fields())["parties.1.joined_on"]
    )


@pytest.mark.parametrize(
    ("clause", "field", "words"),
    [
        ({"text": ""}, "text", "cannot be blank"),
        ({"text": "  \n "}, "text", "blank"),
        (
            {"amount": decimal.Decimal("-1"), "currency": "EUR"},
            "amount",
            "greater than or equal to 0",
        ),
        ({"amount": decimal.Decimal("5"), "currency": "eur"}, "currency", "ISO 4217"),
        ({"amount": decimal.Decimal("5")}, "currency", "comes with its currency"),
        ({"currency": "EUR"}, "amount", "comes with an amount"),
        ({"category": None}, "category", "cannot be null"),
        ({"category": 999_999}, "category", "No such clause category"),
    ],
)
def test_a_bad_clause_is_refused_naming_its_row_and_field(clause, field, words):
    errors = refused(
        agreement_record,
        parties=two_parties(),
        clauses=[synthetic_clause(), synthetic_clause(**clause)],
        **fields(),
    )
    assert words in " ".join(errors[f"clauses.1.{field}"])
    assert not Clause.objects.exists() and not Agreement.objects.exists()


def test_the_clause_categories_are_seeded():
    assert set(ClauseCategory.objects.values_list("slug", flat=True)) >= {
        "nato-membership",
        "consultations-24h",
        "military-aid",
        "financial-support",
        "intelligence",
        "defence-industry",
        "sanctions",
        "reconstruction",
        "other",
    }


# The database: the same rules, whatever the door.


def sql(statement: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.parametrize(
    ("assignment", "constraint"),
    [
        ("expires_on = signed_on", "agreement_ends_after_start"),
        ("in_force_on = signed_on - 1", "agreement_in_force_after_signing"),
        ("terminated_on = signed_on, termination_note = 'x'", "agreement_terminated_after_signing"),
        ("terminated_on = signed_on + 5", "agreement_termination_noted"),
        ("ratified_on = signed_on + 5", "agreement_ratified_after_signing"),
        ("signed_on = '1899-01-01', expires_on = NULL", "agreement_signed_on_1900"),
        ("duration_years = 0", "agreement_duration_sane"),
    ],
)
def test_the_database_refuses_a_bad_agreement(assignment, constraint):
    agreement = AgreementFactory()
    with pytest.raises(IntegrityError, match=constraint):
        sql(f"UPDATE agreements_agreement SET {assignment} WHERE id = %s", [agreement.pk])


@pytest.mark.parametrize(
    ("assignment", "constraint"),
    [
        ("text = ' '", "clause_text_not_empty"),
        ("amount = -1, currency = 'EUR'", "clause_amount_not_negative"),
        ("amount = 1, currency = 'eu1'", "clause_currency_iso"),
        ("amount = 1, currency = ''", "clause_amount_with_currency"),
    ],
)
def test_the_database_refuses_a_bad_clause(assignment, constraint):
    agreement = AgreementFactory(clauses=[synthetic_clause()])
    with pytest.raises(IntegrityError, match=constraint):
        sql(f"UPDATE agreements_clause SET {assignment} WHERE agreement_id = %s", [agreement.pk])


def test_the_database_keeps_two_parties_on_a_published_agreement():
    agreement = AgreementFactory()
    party = agreement.parties.first()
    with pytest.raises(IntegrityError, match="fewer than two parties"):
        sql("DELETE FROM agreements_party WHERE id = %s", [party.pk])
    with pytest.raises(IntegrityError, match="party_exactly_one_holder"), transaction.atomic():
        Party.objects.filter(pk=party.pk).update(organization=OrganizationFactory())
    assert agreement.parties.count() == 2


def test_the_database_lets_a_draft_be_assembled_party_by_party():
    draft = AgreementFactory(status=Status.DRAFT)
    sql("DELETE FROM agreements_party WHERE agreement_id = %s", [draft.pk])
    with pytest.raises(IntegrityError, match="fewer than two parties"):
        sql("UPDATE agreements_agreement SET status = 'published' WHERE id = %s", [draft.pk])


# In force on day D.


def in_force(day):
    return set(Agreement.objects.in_force(day).values_list("slug", flat=True))


def test_in_force_from_the_signing_day_to_the_expiry_day():
    AgreementFactory(slug="ten-years", signed_on=D(2024, 1, 12), duration_years=10)
    assert in_force(D(2024, 1, 11)) == set()
    assert in_force(D(2024, 1, 12)) == {"ten-years"}
    assert in_force(D(2034, 1, 12)) == {"ten-years"}
    assert in_force(D(2034, 1, 13)) == set()


def test_in_force_until_the_termination_day():
    AgreementFactory(
        slug="ended",
        signed_on=D(2024, 1, 12),
        terminated_on=D(2024, 6, 30),
        termination_note="Synthetic: ended by a party for a test.",
    )
    assert in_force(D(2024, 6, 30)) == {"ended"}
    assert in_force(D(2024, 7, 1)) == set()


def test_in_force_from_its_entry_into_force_when_it_expires_from_there():
    agreement = AgreementFactory(
        slug="later", signed_on=D(2024, 1, 12), in_force_on=D(2024, 3, 1), duration_years=1
    )
    assert agreement.expires_on == D(2025, 3, 1)
    assert in_force(D(2025, 3, 1)) == {"later"}
    assert agreement.in_force_on_day(D(2025, 3, 1)) and not agreement.in_force_on_day(D(2025, 3, 2))


def test_an_open_ended_agreement_stays_in_force():
    AgreementFactory(slug="open", duration_years=None)
    assert in_force(D(2026, 1, 1)) == {"open"}


# Review: four eyes, revisions.


@pytest.fixture
def author():
    return EditorFactory()


@pytest.fixture
def reviewer():
    return EditorFactory()


def test_the_author_cannot_publish_their_own_agreement(author):
    errors = refused(
        agreement_record, by=author, parties=two_parties(), status=Status.PUBLISHED, **fields()
    )
    assert "four-eyes" in errors["status"][0]
    draft = agreement_record(by=author, parties=two_parties(), status=Status.IN_REVIEW, **fields())
    errors = refused(agreement_update, agreement=draft, by=author, status=Status.PUBLISHED)
    assert "four-eyes" in errors["status"][0]


def test_the_last_editor_cannot_publish_it_either(author, reviewer):
    draft = agreement_record(by=author, parties=two_parties(), status=Status.IN_REVIEW, **fields())
    agreement_update(agreement=draft, by=reviewer, summary="Synthetic summary.")
    errors = refused(agreement_update, agreement=draft, by=reviewer, status=Status.PUBLISHED)
    assert "You edited this agreement" in errors["status"][0]


def test_another_editor_publishes_and_is_recorded(author, reviewer):
    draft = agreement_record(by=author, parties=two_parties(), status=Status.IN_REVIEW, **fields())
    agreement_update(agreement=draft, by=reviewer, status=Status.PUBLISHED)
    stored = Agreement.objects.get(pk=draft.pk)
    assert stored.status == Status.PUBLISHED and stored.reviewed_by == reviewer
    errors = refused(agreement_update, agreement=stored, by=reviewer, status=Status.DRAFT)
    assert "never unpublished" in errors["status"][0]


def test_a_change_to_a_published_agreement_waits_as_a_revision(author, reviewer):
    agreement = AgreementFactory(clauses=[synthetic_clause()])
    clause = agreement.clauses.get()
    joiner = CountryFactory(code="DE", name="Germany")
    parties = [{"country": p.country, "joined_on": None} for p in agreement.parties.all()] + [
        {"country": joiner, "joined_on": D(2024, 3, 1)}
    ]
    changed_clause = {
        "id": clause.pk,
        "category": clause.category,
        "article": "2",
        "text": clause.text,
        "amount": "1000000.00",
        "currency": "EUR",
        "period": "2024",
    }
    updated = agreement_update(
        agreement=agreement,
        by=author,
        title="Synthetic pact, corrected",
        parties=parties,
        clauses=[changed_clause],
    )
    revision = updated.proposed_revision
    assert revision is not None and set(revision.changes) == {"title", "parties", "clauses"}
    stored = Agreement.objects.get(pk=agreement.pk)
    assert stored.title != "Synthetic pact, corrected" and stored.parties.count() == 2
    with pytest.raises(ValidationError, match="you proposed it"):
        revision_publish(revision=revision, by=author)
    revision_publish(revision=revision, by=reviewer)
    stored.refresh_from_db()
    assert stored.title == "Synthetic pact, corrected"
    assert stored.parties.get(country=joiner).joined_on == D(2024, 3, 1)
    kept = stored.clauses.get()
    assert kept.pk == clause.pk and kept.amount == decimal.Decimal("1000000.00")
    assert Revision.objects.get(pk=revision.pk).status == RevisionStatus.PUBLISHED


def test_a_revision_that_breaks_a_rule_is_refused_before_it_is_stored(author):
    agreement = AgreementFactory()
    one = [{"country": agreement.parties.first().country}]
    errors = refused(agreement_update, agreement=agreement, by=author, parties=one)
    assert errors["parties"] == ["An agreement has at least two parties."]
    assert not Revision.objects.exists()


def test_history_records_each_change():
    agreement = AgreementFactory(status=Status.DRAFT)
    agreement_update(agreement=agreement, summary="Synthetic summary.")
    assert Agreement.pgh_event_model.objects.filter(pgh_obj_id=agreement.pk).count() == 2
    assert Party.pgh_event_model.objects.filter(pgh_obj__agreement=agreement).count() == 2


def test_a_slug_is_taken_once():
    AgreementFactory(slug="synthetic-pact")
    errors = refused(agreement_record, parties=two_parties(), **fields())
    assert "already exists" in errors["slug"][0]
    assert Agreement.objects.count() == 1
