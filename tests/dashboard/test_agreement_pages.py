"""/agreements/ and /agreements/<slug>/: published agreements for analysts, the API's filters
and messages, downloads as filtered, clauses grouped by category, query counts that stay flat."""

import csv
import datetime
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.models import Status
from tests.factories import (
    AgreementFactory,
    CountryFactory,
    OrganizationFactory,
    SourceFactory,
    country_other_than,
    synthetic_clause,
)

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def ukraine():
    return CountryFactory(code="UA", name="Ukraine", nato_joined=None)


@pytest.fixture
def agreements(ukraine):
    france = CountryFactory(code="FR", name="France")
    AgreementFactory(
        slug="synthetic-fr",
        title="Synthetic French pact",
        signed_on=D(2024, 2, 16),
        parties=[{"country": ukraine}, {"country": france}],
        clauses=[
            synthetic_clause("military-aid", article="3", text="Synthetic aid words <b>bold</b>."),
            synthetic_clause(
                "consultations-24h", article="1", text="Synthetic consultation words."
            ),
            synthetic_clause(
                "financial-support",
                article="5",
                text="Synthetic money words.",
                amount="3000000000",
                currency="EUR",
                period="2024",
            ),
        ],
        source=SourceFactory(title="Synthetic source", url="https://example.org/pact"),
    )
    AgreementFactory(
        slug="synthetic-decl",
        title="Synthetic declaration",
        kind="joint_declaration",
        signed_on=D(2023, 7, 12),
        duration_years=None,
        parties=[
            {"country": ukraine},
            {"organization": OrganizationFactory(slug="synthetic-club", name="Synthetic Club")},
            {"country": CountryFactory(code="NL", name="Netherlands"), "joined_on": D(2023, 9, 1)},
        ],
    )
    AgreementFactory(slug="synthetic-draft", title="Synthetic draft quokka", status=Status.DRAFT)


def test_the_list_shows_published_agreements_newest_first(client, agreements):
    response = client.get("/agreements/")
    text = response.content.decode()
    assert response.status_code == 200
    assert text.index("Synthetic French pact") < text.index("Synthetic declaration")
    assert "quokka" not in text
    assert "Netherlands (joined 1 Sep 2023)" in text
    assert 'aria-current="page">Agreements<' in text


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("party=FR", "Synthetic French pact", "Synthetic declaration"),
        ("party=synthetic-club", "Synthetic declaration", "Synthetic French pact"),
        ("kind=joint_declaration", "Synthetic declaration", "Synthetic French pact"),
        ("in_force_on=2024-01-01", "Synthetic declaration", "Synthetic French pact"),
        ("in_force_on=2024-02-16", "Synthetic French pact", "quokka"),
        (
            "signed_from=2024-01-01&signed_to=2024-12-31",
            "Synthetic French pact",
            "Synthetic declaration",
        ),
    ],
)
def test_the_filters(client, agreements, query, shown, hidden):
    text = client.get(f"/agreements/?{query}").content.decode()
    assert shown in text and hidden not in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("party=ZZ", "Unknown party"),
        ("kind=alliance", "Use one of: bilateral_security"),
        ("in_force_on=2024-02-30", "real date"),
        ("signed_from=2024-05-01&signed_to=2024-01-01", "on or after"),
    ],
)
def test_a_bad_filter_is_a_400_with_its_message(client, agreements, query, message):
    response = client.get(f"/agreements/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_htmx_request_gets_the_results_only(client, agreements):
    response = client.get("/agreements/?party=FR", HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "<html" not in text and "Synthetic French pact" in text


def test_downloads_as_filtered(client, agreements):
    response = client.get("/agreements/?party=FR&format=csv")
    assert response["Content-Disposition"] == 'attachment; filename="agreements.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["slug"] for row in rows] == ["synthetic-fr"]
    body = client.get("/agreements/?format=json&kind=joint_declaration").json()
    assert [a["slug"] for a in body["results"]] == ["synthetic-decl"]
    assert body["results"][0]["parties"][2] == {
        "type": "country",
        "code": "NL",
        "name": "Netherlands",
        "joined_on": "2023-09-01",
    }


def test_the_agreement_page_groups_clauses_by_category(client, agreements):
    response = client.get("/agreements/synthetic-fr/")
    text = response.content.decode()
    assert response.status_code == 200
    consultations = text.index("Consultations within 24 hours")
    aid = text.index("Military aid")
    money = text.index("Financial support")
    assert consultations < aid < money  # the codebook's order
    assert "Synthetic aid words &lt;b&gt;bold&lt;/b&gt;." in text  # escaped
    assert "Article 3" in text and "3000000000.00 EUR (2024)" in text
    assert 'href="https://example.org/pact"' in text
    assert "16 February 2034 (still in force that day)" in text


def test_the_agreement_page_names_an_unknown_parameter(client, agreements):
    response = client.get("/agreements/synthetic-fr/?countr=EE&x=<b>")
    assert response.status_code == 400
    text = response.content.decode()
    assert "Unknown parameters: countr, x." in text and "This page takes no parameters." in text
    assert "<b>" not in text
    assert client.get("/agreements/?countr=EE").status_code == 400


def test_a_draft_agreement_is_not_found_for_analysts(client, agreements):
    assert client.get("/agreements/synthetic-draft/").status_code == 404
    assert client.get("/agreements/no-such/").status_code == 404


def test_an_editor_sees_a_draft_marked_and_uncached(client, editor, agreements):
    client.force_login(editor)
    response = client.get("/agreements/synthetic-draft/")
    assert response.status_code == 200
    assert "not shown to analysts" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def grow(n, ukraine):
    for _ in range(n):
        AgreementFactory(
            parties=[{"country": ukraine}, {"country": country_other_than(ukraine)}],
            clauses=[synthetic_clause("military-aid"), synthetic_clause("sanctions")],
        )


@pytest.mark.parametrize(
    "path", ["/agreements/", "/agreements/?party=UA&in_force_on=2024-06-01&format=csv"]
)
def test_the_list_makes_as_many_queries_whatever_its_rows(client, ukraine, path):
    grow(2, ukraine)

    def measure():
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200
        return len(queries), response

    small, first = measure()
    grow(5, ukraine)
    large, second = measure()
    assert len(second.content) > len(first.content)
    assert small == large, f"{path}: {small} then {large} queries"
    assert large <= 8


def test_the_agreement_page_makes_as_many_queries_whatever_its_clauses(client, ukraine):
    few = AgreementFactory(clauses=[synthetic_clause("military-aid")])
    many = AgreementFactory(
        parties=[
            {"country": ukraine},
            {"country": (second := country_other_than(ukraine))},
            {"country": country_other_than(ukraine, second)},
        ],
        clauses=[synthetic_clause(slug) for slug in ("military-aid", "sanctions", "other") * 3],
    )
    counts = []
    for agreement in (few, many):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/agreements/{agreement.slug}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 6, counts


def test_the_list_pages_fifty_at_a_time(client, ukraine):
    for n in range(55):
        AgreementFactory(
            title=f"Synthetic paged pact {n:02d}",
            signed_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=n),
            parties=[{"country": ukraine}, {"country": CountryFactory()}],
        )
    first = client.get("/agreements/").content.decode()
    assert "55 agreements" in first and "Results 1–50 of 55." in first
    assert "Synthetic paged pact 54" in first and "Synthetic paged pact 04" not in first
    assert 'href="?page=2"' in first and 'rel="prev"' not in first

    second = client.get("/agreements/?page=2").content.decode()
    assert "Results 51–55 of 55." in second and "Synthetic paged pact 04" in second
    assert 'href="?page=1"' in second and 'rel="next"' not in second

    beyond = client.get("/agreements/?page=9").content.decode()
    assert "There are only 2 pages of them." in beyond


@pytest.mark.parametrize("page", ["0", "x", "-1", "9999999", "²"])
def test_a_bad_page_is_a_400_naming_it(client, agreements, page):
    response = client.get(f"/agreements/?page={page}")
    assert response.status_code == 400
    assert "page: give a page number, 1 or more." in response.content.decode()
