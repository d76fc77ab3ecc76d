"""A quote may be one government's official speaking of another government's stance: it
records the claimant (a country or an organization, at most one, never the country the quote
is about), whatever the door: the service, the admin, the API, the import; the database holds
the two rules; the history keeps the claimant; reads and downloads carry it."""

import csv
import io
import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from apps.core.models import Status
from apps.positions.imports import read_rows, statements_import
from apps.statements.models import Quote
from apps.statements.services import quote_record, quote_update
from tests.api.conftest import token_client
from tests.factories import (
    CountryFactory,
    EditorFactory,
    OrganizationFactory,
    PersonFactory,
    SourceFactory,
    make_quote,
)

ONE_CLAIMANT = "Give one claimant"
NOT_OWN = "A claim is about another government"


@pytest.fixture
def holder(db):
    return CountryFactory(code="US", name="Synthetic States")


@pytest.fixture
def claimant(db):
    return CountryFactory(code="UA", name="Synthetic Ukraine")


@pytest.fixture
def organization(db):
    return OrganizationFactory(slug="synthetic-alliance", name="Synthetic Alliance")


@pytest.fixture
def speaker(claimant):
    return PersonFactory(slug="synthetic-speaker", name="Synthetic Speaker", country=claimant)


# --- the model and the database --------------------------------------------------------------


def test_a_claim_records_its_claimant_and_reads_it_back(holder, claimant, speaker):
    quote = make_quote(speaker=speaker, country=holder, claimant_country=claimant)

    stored = Quote.objects.with_attribution().get(pk=quote.pk)
    assert stored.claimant == claimant
    assert list(Quote.objects.claims()) == [stored]


def test_a_quote_for_its_own_side_has_no_claimant(holder, speaker):
    quote = make_quote(speaker=speaker, country=holder)

    assert quote.claimant is None
    assert not Quote.objects.claims().exists()


def test_the_database_refuses_two_claimants(holder, claimant, organization, speaker):
    quote = make_quote(speaker=speaker, country=holder)

    with pytest.raises(IntegrityError, match="quote_one_claimant"), transaction.atomic():
        Quote.objects.filter(pk=quote.pk).update(
            claimant_country=claimant, claimant_organization=organization
        )

    assert Quote.objects.get(pk=quote.pk).claimant is None


def test_the_database_refuses_a_claim_about_the_claimants_own_country(holder, speaker):
    quote = make_quote(speaker=speaker, country=holder)

    with pytest.raises(IntegrityError, match="quote_claimant_not_own_country"):
        with transaction.atomic():
            Quote.objects.filter(pk=quote.pk).update(claimant_country=holder)

    assert Quote.objects.get(pk=quote.pk).claimant is None


def test_a_claim_about_no_country_may_have_a_claimant(claimant, speaker):
    quote = make_quote(speaker=speaker, country=None, claimant_country=claimant)

    assert Quote.objects.get(pk=quote.pk).claimant == claimant


def test_the_history_keeps_the_claimant(holder, claimant, organization, speaker):
    quote = make_quote(speaker=speaker, country=holder, claimant_country=claimant)
    quote_update(quote=quote, claimant_country=None, claimant_organization=organization)

    events = apps.get_model("statements", "QuoteEvent").objects.filter(pgh_obj_id=quote.pk)
    assert [
        (event.claimant_country_id, event.claimant_organization_id)
        for event in events.order_by("pgh_id")
    ] == [(claimant.pk, None), (None, organization.pk)]


# --- the service -----------------------------------------------------------------------------


def test_the_service_refuses_two_claimants_on_both_fields(holder, claimant, organization, speaker):
    with pytest.raises(ValidationError) as refused:
        quote_record(
            source=SourceFactory(),
            text="Synthetic: they object.",
            said_on="2023-06-01",
            speaker=speaker,
            country=holder,
            claimant_country=claimant,
            claimant_organization=organization,
        )

    errors = refused.value.message_dict
    assert errors["claimant_country"][0].startswith(ONE_CLAIMANT)
    assert errors["claimant_organization"][0].startswith(ONE_CLAIMANT)
    assert not Quote.objects.exists()


def test_the_service_refuses_a_claimant_equal_to_the_quotes_country(holder, speaker):
    quote = make_quote(speaker=speaker, country=holder)

    with pytest.raises(ValidationError) as refused:
        quote_update(quote=quote, claimant_country=holder)

    assert refused.value.message_dict["claimant_country"][0].startswith(NOT_OWN)
    assert Quote.objects.get(pk=quote.pk).claimant is None


def test_the_service_refuses_a_new_country_equal_to_the_claimant(holder, claimant, speaker):
    quote = make_quote(speaker=speaker, country=holder, claimant_country=claimant)

    with pytest.raises(ValidationError) as refused:
        quote_update(quote=quote, country=claimant)

    assert refused.value.message_dict["claimant_country"][0].startswith(NOT_OWN)
    assert Quote.objects.get(pk=quote.pk).country == holder


def test_an_organization_may_claim(holder, organization, speaker):
    quote = make_quote(speaker=speaker, country=holder, claimant_organization=organization)

    assert Quote.objects.get(pk=quote.pk).claimant == organization


# --- the admin -------------------------------------------------------------------------------


def admin_payload(source, speaker, **fields):
    return {
        "source": source.pk,
        "correction_note": "",
        "text": "Synthetic: from what I hear, they object.",
        "translation": "",
        "language": "en",
        "speaker": speaker.pk,
        "speaker_label": "",
        "country": "",
        "claimant_country": "",
        "claimant_organization": "",
        "role": "",
        "said_on": "2023-06-14",
        "said_precision": "day",
        "channel": "told FP",
        "event": "",
        "topics": [],
        "implied_stance": "",
        "status": Status.DRAFT,
        **fields,
    }


def test_the_admin_form_picks_the_claimant_by_autocomplete(client, editor):
    client.force_login(editor)

    response = client.get(reverse("admin:statements_quote_add"))

    form = response.context["adminform"].form
    for name in ("claimant_country", "claimant_organization"):
        assert "admin-autocomplete" in form.fields[name].widget.render(name, None)


def test_the_admin_records_a_claim(client, editor, holder, claimant, speaker):
    client.force_login(editor)
    source = SourceFactory()

    response = client.post(
        reverse("admin:statements_quote_add"),
        admin_payload(source, speaker, country=holder.pk, claimant_country=claimant.pk),
    )

    assert response.status_code == 302
    assert Quote.objects.get().claimant == claimant


def test_the_admin_refuses_two_claimants_on_the_field(
    client, editor, holder, claimant, organization, speaker
):
    client.force_login(editor)
    payload = admin_payload(
        SourceFactory(),
        speaker,
        country=holder.pk,
        claimant_country=claimant.pk,
        claimant_organization=organization.pk,
    )

    response = client.post(reverse("admin:statements_quote_add"), payload)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["claimant_country"][0].startswith(ONE_CLAIMANT)
    assert errors["claimant_organization"][0].startswith(ONE_CLAIMANT)
    assert not Quote.objects.exists()


def test_the_admin_refuses_a_claim_about_the_claimants_own_country(
    client, editor, claimant, speaker
):
    client.force_login(editor)
    payload = admin_payload(
        SourceFactory(), speaker, country=claimant.pk, claimant_country=claimant.pk
    )

    response = client.post(reverse("admin:statements_quote_add"), payload)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["claimant_country"][0].startswith(NOT_OWN)
    assert not Quote.objects.exists()


# --- the API ---------------------------------------------------------------------------------


def api_body(source, **fields):
    return {
        "text": "Synthetic: from what I hear, they object.",
        "speaker": "synthetic-speaker",
        "country": "US",
        "said_on": "2023-06-10",
        "source": source.pk,
        "status": "draft",
        **fields,
    }


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("UA", {"type": "country", "code": "UA", "name": "Synthetic Ukraine"}),
        ("ua", {"type": "country", "code": "UA", "name": "Synthetic Ukraine"}),
        (
            "synthetic-alliance",
            {"type": "organization", "slug": "synthetic-alliance", "name": "Synthetic Alliance"},
        ),
        (None, None),
    ],
)
def test_the_api_takes_a_claimant_by_code_or_slug(
    editor, holder, claimant, organization, speaker, given, expected
):
    client = token_client(editor)

    response = client.post(
        "/api/v1/quotes/", api_body(SourceFactory(), claimant=given), format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["claimant"] == expected
    detail = client.get(f"/api/v1/quotes/{response.json()['id']}/")
    assert detail.json()["claimant"] == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("XX", "Unknown claimant “XX”"),
        ("no-such-body", "Unknown claimant “no-such-body”"),
        ("", "or null for none"),
        (5, "as a string"),
        ("a\x00b", "Unknown claimant"),
        ("US", NOT_OWN),
    ],
)
def test_the_api_refuses_a_bad_claimant_naming_it(
    editor, holder, claimant, speaker, given, message
):
    response = token_client(editor).post(
        "/api/v1/quotes/", api_body(SourceFactory(), claimant=given), format="json"
    )

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["claimant"]
    assert message in response.json()["claimant"][0]
    assert not Quote.objects.exists()


def test_the_api_changes_and_clears_the_claimant(editor, holder, claimant, organization, speaker):
    quote = make_quote(speaker=speaker, country=holder, claimant_country=claimant, status="draft")
    client = token_client(editor)
    path = f"/api/v1/quotes/{quote.pk}/"

    to_organization = client.patch(
        path, {"claimant": "synthetic-alliance"}, format="json", HTTP_IF_MATCH='"1"'
    )
    untouched = client.patch(path, {"channel": "told FP"}, format="json", HTTP_IF_MATCH='"2"')
    cleared = client.patch(path, {"claimant": None}, format="json", HTTP_IF_MATCH='"3"')

    assert to_organization.json()["claimant"]["slug"] == "synthetic-alliance"
    assert untouched.json()["claimant"]["slug"] == "synthetic-alliance"
    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["claimant"] is None
    assert Quote.objects.get(pk=quote.pk).claimant is None


def test_the_api_list_and_its_csv_carry_the_claimant(holder, claimant, speaker, client):
    make_quote(speaker=speaker, country=holder, claimant_country=claimant)
    make_quote(speaker=speaker, country=holder, text="Synthetic: our own words.")

    listed = client.get("/api/v1/quotes/").json()["results"]
    download = client.get("/api/v1/quotes/?format=csv")

    assert [quote["claimant"] for quote in listed] == [
        None,
        {"type": "country", "code": "UA", "name": "Synthetic Ukraine"},
    ] or [quote["claimant"] for quote in listed] == [
        {"type": "country", "code": "UA", "name": "Synthetic Ukraine"},
        None,
    ]
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert sorted(row["claimant.name"] for row in rows) == ["", "Synthetic Ukraine"]
    assert sorted(row["claimant.code"] for row in rows) == ["", "UA"]


def test_the_quote_pages_download_carries_the_claimant(holder, claimant, speaker, client):
    make_quote(speaker=speaker, country=holder, claimant_country=claimant)

    download = client.get("/quotes/?format=csv")
    as_json = client.get("/quotes/?format=json")

    [row] = csv.DictReader(io.StringIO(download.content.decode("utf-8-sig")))
    assert (row["claimant.type"], row["claimant.code"]) == ("country", "UA")
    assert json.loads(as_json.content)["results"][0]["claimant"]["code"] == "UA"


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
        "said_on": "2023-07-12",
        **fields,
    }


@pytest.mark.parametrize(
    ("given", "expected"),
    [("UA", "claimant"), ("ua", "claimant"), ("synthetic-alliance", "organization"), ("", None)],
)
def test_the_import_reads_the_claimant_column(
    holder, claimant, organization, speaker, given, expected
):
    result = statements_import(rows=[import_row(claimant=given)], by=EditorFactory())

    assert result.ok, result.errors
    found = Quote.objects.get().claimant
    assert found == {"claimant": claimant, "organization": organization, None: None}[expected]


def test_the_import_reads_the_claimant_from_csv_and_json(holder, claimant, speaker):
    row = import_row(claimant="UA")
    header = ",".join(row)
    values = ",".join(f'"{value}"' for value in row.values())
    csv_rows = read_rows(f"{header}\n{values}\n", "csv")
    json_rows = read_rows(json.dumps([{**row, "text": "Synthetic: again."}]), "json")

    result = statements_import(rows=csv_rows + json_rows, by=EditorFactory())

    assert result.ok, result.errors
    assert [quote.claimant for quote in Quote.objects.all()] == [claimant, claimant]


@pytest.mark.parametrize(
    ("fields", "column", "message"),
    [
        ({"claimant": "nowhere"}, "claimant", "Unknown claimant: “nowhere”"),
        ({"claimant": "US"}, "claimant", NOT_OWN),
    ],
)
def test_the_import_refuses_a_bad_claimant_by_row_and_column(
    holder, claimant, speaker, fields, column, message
):
    rows = [import_row(text="Synthetic: fine."), import_row(**fields)]

    result = statements_import(rows=rows, by=EditorFactory())

    [error] = result.errors
    assert (error.row, error.column) == (3, column)
    assert error.message.startswith(message)
    assert not Quote.objects.exists()


# --- the search by claimant ------------------------------------------------------------------


@pytest.fixture
def three_quotes(holder, claimant, organization, speaker):
    return {
        "country": make_quote(speaker=speaker, country=holder, claimant_country=claimant),
        "organization": make_quote(
            speaker=speaker,
            country=holder,
            claimant_organization=organization,
            text="Synthetic: the alliance hears they object.",
        ),
        "none": make_quote(speaker=speaker, country=holder, text="Synthetic: our own words."),
    }


@pytest.mark.parametrize(
    ("given", "found"),
    [("UA", "country"), ("ua", "country"), ("synthetic-alliance", "organization")],
)
def test_the_api_finds_quotes_by_claimant(client, three_quotes, given, found):
    response = client.get("/api/v1/quotes/", {"claimant": given})

    assert response.status_code == 200, response.content
    assert [quote["id"] for quote in response.json()["results"]] == [three_quotes[found].pk]


@pytest.mark.parametrize("given", ["XX", "nobody", "a b", "x" * 101])
def test_the_api_names_an_unknown_claimant(client, three_quotes, given):
    response = client.get("/api/v1/quotes/", {"claimant": given})

    assert response.status_code == 400
    assert list(response.json()) == ["claimant"]
    assert response.json()["claimant"][0].startswith("Unknown claimant")


def test_the_quote_page_filters_by_claimant_with_a_chip(client, three_quotes):
    html = client.get("/quotes/", {"claimant": "UA"}).content.decode()

    assert f'id="quote-{three_quotes["country"].pk}"' in html
    assert f'id="quote-{three_quotes["none"].pk}"' not in html
    assert f'id="quote-{three_quotes["organization"].pk}"' not in html
    assert "Reported by: <strong>Synthetic Ukraine</strong>" in html
    assert 'name="claimant"' in html


def test_the_quote_page_names_an_unknown_claimant(client, three_quotes):
    response = client.get("/quotes/", {"claimant": "nobody"})

    assert response.status_code == 400
    assert "Unknown claimant “nobody”" in response.content.decode()
