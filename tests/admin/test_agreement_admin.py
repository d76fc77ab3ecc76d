"""Entering an agreement in the admin: one form with its parties and clauses, every rule a
field (or row) error with nothing stored, four eyes, revisions, history."""

import datetime

import pytest
from django.urls import reverse

from apps.agreements.models import Agreement, Clause, ClauseCategory, Party
from apps.core.models import Revision, Status
from tests.factories import (
    AgreementFactory,
    ClauseCategoryFactory,
    CountryFactory,
    EditorFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db
D = datetime.date
ADD_URL = reverse("admin:agreements_agreement_add")


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


def payload(*, parties, clauses=(), source=None, **fields) -> dict:
    """The add form with its two inlines, as a browser posts it."""
    data = {
        "title": "Synthetic admin pact",
        "slug": "synthetic-admin-pact",
        "kind": "bilateral_security",
        "source": (source or SourceFactory()).pk,
        "summary": "",
        "signed_on": "2024-02-16",
        "place": "",
        "in_force_on": "",
        "duration_years": "10",
        "expires_on": "",
        "ratified_on": "",
        "terminated_on": "",
        "termination_note": "",
        "status": Status.DRAFT,
        "parties-TOTAL_FORMS": str(len(parties)),
        "parties-INITIAL_FORMS": "0",
        "clauses-TOTAL_FORMS": str(len(clauses)),
        "clauses-INITIAL_FORMS": "0",
    }
    for index, party in enumerate(parties):
        data[f"parties-{index}-country"] = party.get("country", "")
        data[f"parties-{index}-organization"] = ""
        data[f"parties-{index}-joined_on"] = party.get("joined_on", "")
    for index, clause in enumerate(clauses):
        for name in ("category", "article", "text", "amount", "currency", "period"):
            data[f"clauses-{index}-{name}"] = clause.get(name, "")
    data.update(fields)
    return data


@pytest.fixture
def countries():
    return (
        CountryFactory(code="UA", name="Ukraine", nato_joined=None),
        CountryFactory(code="FR", name="France"),
    )


@pytest.fixture
def category():
    return ClauseCategoryFactory(slug="military-aid")


def test_one_form_records_the_agreement_with_its_parties_and_clauses(
    as_editor, countries, category
):
    ukraine, france = countries
    data = payload(
        parties=[{"country": ukraine.pk}, {"country": france.pk}],
        clauses=[{"category": category.pk, "article": "2", "text": "Synthetic words."}],
    )
    response = as_editor.post(ADD_URL, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    agreement = Agreement.objects.get()
    assert agreement.expires_on == D(2034, 2, 16)
    assert {p.country for p in agreement.parties.all()} == {ukraine, france}
    assert agreement.clauses.get().text == "Synthetic words."
    assert agreement.created_by is not None and agreement.status == Status.DRAFT


def errors_of(response) -> dict:
    """The errors shown: the main form's by field, each inline row's by its prefix."""
    shown = dict(response.context["adminform"].form.errors)
    for formset in response.context["inline_admin_formsets"]:
        for form in formset.formset.forms:
            if form.errors:
                shown[form.prefix] = dict(form.errors)
        if formset.formset.non_form_errors():
            shown[formset.formset.prefix] = list(formset.formset.non_form_errors())
    return shown


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"signed_on": "2999-01-01"}, "signed_on", "future"),
        ({"expires_on": "2024-02-16"}, "expires_on", "after it starts"),
        ({"in_force_on": "2024-01-01"}, "in_force_on", "on or after its signing"),
        ({"terminated_on": "2024-06-01"}, "termination_note", "how and why"),
    ],
)
def test_a_bad_date_is_a_field_error_and_nothing_is_stored(
    as_editor, countries, fields, field, words
):
    ukraine, france = countries
    data = payload(parties=[{"country": ukraine.pk}, {"country": france.pk}], **fields)
    response = as_editor.post(ADD_URL, data)
    assert response.status_code == 200
    assert words in str(errors_of(response)[field])
    assert not Agreement.objects.exists()


def test_a_single_party_is_refused(as_editor, countries):
    response = as_editor.post(ADD_URL, payload(parties=[{"country": countries[0].pk}]))
    assert response.status_code == 200
    assert "at least two parties" in str(errors_of(response))
    assert not Agreement.objects.exists() and not Party.objects.exists()


def test_a_party_joining_before_the_signing_is_an_error_on_its_row(as_editor, countries):
    ukraine, france = countries
    data = payload(
        parties=[{"country": ukraine.pk}, {"country": france.pk, "joined_on": "2024-01-01"}]
    )
    response = as_editor.post(ADD_URL, data)
    assert "on or after the signing" in str(errors_of(response)["parties-1"]["joined_on"])
    assert not Agreement.objects.exists()


@pytest.mark.parametrize(
    ("clause", "field", "words"),
    [
        ({"text": "   "}, "text", ""),
        ({"amount": "-3", "currency": "EUR"}, "amount", "greater than or equal to 0"),
        ({"amount": "3", "currency": "eur"}, "currency", "ISO 4217"),
        ({"amount": "3"}, "currency", "currency"),
    ],
)
def test_a_bad_clause_is_an_error_on_its_row(as_editor, countries, category, clause, field, words):
    ukraine, france = countries
    data = payload(
        parties=[{"country": ukraine.pk}, {"country": france.pk}],
        clauses=[{"category": category.pk, "text": "Synthetic words.", **clause}],
    )
    response = as_editor.post(ADD_URL, data)
    assert response.status_code == 200
    shown = errors_of(response)["clauses-0"]
    assert field in shown or "__all__" in shown
    assert words in str(shown)
    assert not Agreement.objects.exists() and not Clause.objects.exists()


def test_the_author_is_not_offered_publishing_and_a_forged_publish_is_refused(as_editor, countries):
    page = as_editor.get(ADD_URL)
    assert 'value="published"' not in page.content.decode()
    ukraine, france = countries
    data = payload(
        parties=[{"country": ukraine.pk}, {"country": france.pk}], status=Status.PUBLISHED
    )
    response = as_editor.post(ADD_URL, data)
    assert response.status_code == 200
    assert "four-eyes" in str(errors_of(response)) or "valid choice" in str(errors_of(response))
    assert not Agreement.objects.exists()


def test_another_editor_publishes_from_the_change_form(client, countries):
    author = EditorFactory()
    agreement = AgreementFactory(status=Status.IN_REVIEW, by=author)
    reviewer = EditorFactory()
    client.force_login(reviewer)
    url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    form = client.get(url).context["adminform"].form
    assert "published" in [value for value, _ in form.fields["status"].widget.choices]
    data = change_payload(agreement, status=Status.PUBLISHED)
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    agreement.refresh_from_db()
    assert agreement.status == Status.PUBLISHED and agreement.reviewed_by == reviewer


def change_payload(agreement, **fields) -> dict:
    data = payload(
        parties=[{"country": p.country_id} for p in agreement.parties.all()],
        source=agreement.source,
        slug=agreement.slug,
        title=agreement.title,
        signed_on=agreement.signed_on.isoformat(),
        duration_years=str(agreement.duration_years or ""),
        expires_on=agreement.expires_on.isoformat() if agreement.expires_on else "",
        status=agreement.status,
        loaded_version=str(agreement.version),
        correction_note="",
    )
    parties = list(agreement.parties.all())
    data["parties-INITIAL_FORMS"] = str(len(parties))
    for index, party in enumerate(parties):
        data[f"parties-{index}-id"] = party.pk
        data[f"parties-{index}-agreement"] = agreement.pk
    data.update(fields)
    return data


def test_a_change_to_a_published_agreement_waits_as_a_revision(as_editor):
    agreement = AgreementFactory()
    url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    response = as_editor.post(url, change_payload(agreement, title="Synthetic, corrected"))
    revision = Revision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:core_revision_change", args=[revision.pk])
    assert Agreement.objects.get().title != "Synthetic, corrected"


def test_the_history_page_lists_the_changes(as_editor):
    agreement = AgreementFactory(status=Status.DRAFT)
    url = reverse("admin:agreements_agreement_history", args=[agreement.pk])
    response = as_editor.get(url)
    assert response.status_code == 200
    assert agreement.title in response.content.decode()


def test_the_categories_are_an_editable_codebook(as_editor):
    url = reverse("admin:agreements_clausecategory_changelist")
    response = as_editor.get(url)
    assert response.status_code == 200
    assert "Consultations within 24 hours of a new attack" in response.content.decode()
    assert ClauseCategory.objects.count() >= 9


def test_a_revision_of_parties_and_clauses_reads_in_words_and_another_editor_publishes_it(
    client,
):
    agreement = AgreementFactory()
    author, reviewer = EditorFactory(), EditorFactory()
    joiner = CountryFactory(code="DE", name="Germany")
    from apps.agreements.services import agreement_update
    from tests.factories import synthetic_clause

    parties = [{"country": p.country} for p in agreement.parties.all()] + [
        {"country": joiner, "joined_on": D(2024, 3, 1)}
    ]
    revision = agreement_update(
        agreement=agreement,
        by=author,
        parties=parties,
        clauses=[synthetic_clause("sanctions", text="Synthetic sanctions words.")],
    ).proposed_revision
    client.force_login(reviewer)
    page = client.get(reverse("admin:core_revision_change", args=[revision.pk]))
    text = page.content.decode()
    assert "Germany (joined 2024-03-01)" in text and "Synthetic sanctions words." in text
    response = client.post(
        reverse("admin:core_revision_decide", args=[revision.pk]), {"_publish": "1"}
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.parties.count() == 3
    assert agreement.clauses.get().category.slug == "sanctions"


def test_restoring_an_older_version_goes_through_the_service(as_editor, editor):
    agreement = AgreementFactory(status=Status.DRAFT, title="Synthetic first title", by=editor)
    from apps.agreements.services import agreement_update

    agreement_update(agreement=agreement, by=editor, title="Synthetic second title")
    first = (
        Agreement.pgh_event_model.objects.filter(pgh_obj_id=agreement.pk).order_by("pgh_id").first()
    )
    url = reverse("admin:agreements_agreement_restore", args=[agreement.pk, first.pgh_id])
    response = as_editor.post(url)
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.title == "Synthetic first title" and agreement.version == 3
