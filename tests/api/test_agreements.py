"""/api/v1/agreements/ and /api/v1/clauses/: published for everyone, drafts for editors, writes
through the services (every rule a 400 naming the field, nothing stored), If-Match, review,
filters, CSV, and query counts that do not grow with the rows."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.agreements.models import Agreement, Clause
from apps.core.models import Revision, Status
from tests.factories import (
    AgreementFactory,
    ClauseCategoryFactory,
    CountryFactory,
    EditorFactory,
    OrganizationFactory,
    SourceFactory,
    country_other_than,
    synthetic_clause,
)

from .conftest import token_client

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def ukraine():
    return CountryFactory(code="UA", name="Ukraine", nato_joined=None)


def body(**overrides):
    CountryFactory(code="UA", name="Ukraine", nato_joined=None)
    CountryFactory(code="FR", name="France")
    ClauseCategoryFactory(slug="military-aid")
    values = {
        "slug": "synthetic-api-pact",
        "title": "Synthetic API pact",
        "kind": "bilateral_security",
        "signed_on": "2024-02-16",
        "duration_years": 10,
        "source": SourceFactory().pk,
        "parties": [{"country": "UA"}, {"country": "FR"}],
        "clauses": [
            {
                "category": "military-aid",
                "article": "3",
                "text": "Synthetic clause words for an API test.",
                "amount": "3000000000.00",
                "currency": "EUR",
                "period": "2024",
            }
        ],
    }
    return {**values, **overrides}


def test_readers_see_published_agreements_only(anon):
    AgreementFactory(slug="published-one")
    AgreementFactory(slug="draft-one", status=Status.DRAFT)
    slugs = [a["slug"] for a in anon.get("/api/v1/agreements/").json()["results"]]
    assert slugs == ["published-one"]
    assert anon.get("/api/v1/agreements/draft-one/").status_code == 404


def test_editors_see_drafts(editor_client):
    AgreementFactory(slug="draft-one", status=Status.DRAFT)
    assert editor_client.get("/api/v1/agreements/draft-one/").status_code == 200


def test_an_editor_records_an_agreement_with_parties_and_clauses(editor_client):
    response = editor_client.post("/api/v1/agreements/", body(), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["expires_on"] == "2034-02-16"
    assert [p["code"] for p in data["parties"]] == ["UA", "FR"]
    assert response["ETag"] == '"1"'
    clause = Clause.objects.get()
    assert clause.agreement.created_by == editor_client.user
    assert str(clause.amount) == "3000000000.00"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"signed_on": "2999-01-01"}, "signed_on"),
        ({"signed_on": "2024-02-30"}, "signed_on"),
        ({"expires_on": "2024-01-01"}, "expires_on"),
        ({"in_force_on": "2024-01-01"}, "in_force_on"),
        ({"terminated_on": "2024-05-01"}, "termination_note"),
        ({"ratified_on": "2024-05-01"}, "ratified_on"),
        ({"parties": [{"country": "UA"}]}, "parties"),
        ({"parties": [{"country": "UA"}, {"country": "ZZ"}]}, "parties"),
        ({"parties": [{"country": "UA"}, {"country": "UA"}]}, "parties.1.country"),
        ({"kind": "alliance"}, "kind"),
        ({"duration_years": 0}, "duration_years"),
    ],
)
def test_a_bad_agreement_is_a_400_naming_the_field_and_nothing_is_stored(
    editor_client, overrides, field
):
    response = editor_client.post("/api/v1/agreements/", body(**overrides), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Agreement.objects.exists()


@pytest.mark.parametrize(
    ("clause", "words"),
    [
        ({"text": ""}, "blank"),
        ({"amount": "-5.00"}, "greater than or equal to 0"),
        ({"currency": "euro"}, "ISO 4217"),
        ({"amount": None}, "comes with an amount"),
        ({"category": "no-such-category"}, "not exist"),
    ],
)
def test_a_bad_clause_is_a_400_naming_it(editor_client, clause, words):
    payload = body()
    payload["clauses"][0].update(clause)
    response = editor_client.post("/api/v1/agreements/", payload, format="json")
    assert response.status_code == 400, response.content
    assert "clauses" in str(response.json()) and words in str(response.json())
    assert not Agreement.objects.exists() and not Clause.objects.exists()


def test_readers_and_anonymous_clients_cannot_write(anon, reader_client):
    payload = body()
    for client in (anon, reader_client):
        assert client.post("/api/v1/agreements/", payload, format="json").status_code in (401, 403)
    assert not Agreement.objects.exists()


def test_a_change_needs_if_match_and_a_stale_one_is_refused(editor_client):
    created = editor_client.post("/api/v1/agreements/", body(), format="json").json()
    path = f"/api/v1/agreements/{created['slug']}/"
    assert editor_client.patch(path, {"summary": "x"}, format="json").status_code == 428
    ok = editor_client.patch(path, {"summary": "Synthetic."}, format="json", HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200, ok.content
    stale = editor_client.patch(path, {"summary": "y"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412


def test_the_author_cannot_publish_and_another_editor_can(editor_client):
    created = editor_client.post(
        "/api/v1/agreements/", body(status="in_review"), format="json"
    ).json()
    path = f"/api/v1/agreements/{created['slug']}/"
    mine = editor_client.patch(path, {"status": "published"}, format="json", HTTP_IF_MATCH='"1"')
    assert mine.status_code == 400 and "four-eyes" in str(mine.json()["status"])
    other = token_client(EditorFactory())
    published = other.patch(path, {"status": "published"}, format="json", HTTP_IF_MATCH='"1"')
    assert published.status_code == 200, published.content
    assert Agreement.objects.get().reviewed_by == other.user


def test_a_change_to_a_published_agreement_is_a_revision(editor_client):
    agreement = AgreementFactory()
    path = f"/api/v1/agreements/{agreement.slug}/"
    response = editor_client.patch(
        path, {"title": "Synthetic, corrected"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 202, response.content
    assert Revision.objects.get().changes == {"title": "Synthetic, corrected"}
    assert Agreement.objects.get().title != "Synthetic, corrected"


def test_the_list_filters_by_party_kind_day_in_force_and_signing(anon, ukraine):
    germany = CountryFactory(code="DE", name="Germany")
    nato = OrganizationFactory(slug="synthetic-alliance")
    AgreementFactory(slug="de", parties=[{"country": ukraine}, {"country": germany}])
    AgreementFactory(
        slug="decl",
        kind="joint_declaration",
        signed_on=D(2023, 7, 12),
        duration_years=None,
        parties=[{"country": ukraine}, {"organization": nato}],
    )
    AgreementFactory(
        slug="ended",
        signed_on=D(2024, 3, 1),
        terminated_on=D(2024, 6, 1),
        termination_note="Synthetic termination.",
    )

    def slugs(query):
        response = anon.get(f"/api/v1/agreements/?{query}")
        assert response.status_code == 200, response.content
        return {a["slug"] for a in response.json()["results"]}

    assert slugs("party=DE") == {"de"}
    assert slugs("party=synthetic-alliance") == {"decl"}
    assert slugs("kind=joint_declaration") == {"decl"}
    assert slugs("in_force_on=2024-01-11") == {"decl"}
    assert slugs("in_force_on=2024-06-01") == {"de", "decl", "ended"}
    assert slugs("in_force_on=2024-06-02") == {"de", "decl"}
    assert slugs("signed_from=2024-01-01&signed_to=2024-02-01") == {"de"}


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("party=XX", "party"),
        ("party=no-such-org", "party"),
        ("kind=alliance", "kind"),
        ("in_force_on=2024-13-01", "in_force_on"),
        ("signed_from=2024-05-01&signed_to=2024-01-01", "signed_to"),
        ("sined_from=2024-01-01", "sined_from"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(anon, query, name):
    response = anon.get(f"/api/v1/agreements/?{query}")
    assert response.status_code == 400
    assert name in response.json()


def test_the_list_answers_csv(anon):
    AgreementFactory(slug="csv-one", title="=Synthetic formula")
    response = anon.get("/api/v1/agreements/?format=csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "csv-one" in text and "'=Synthetic formula" in text


def test_clauses_filter_by_category_and_party(anon, ukraine):
    france = CountryFactory(code="FR", name="France")
    AgreementFactory(
        slug="fr",
        parties=[{"country": ukraine}, {"country": france}],
        clauses=[synthetic_clause("military-aid"), synthetic_clause("intelligence")],
    )
    AgreementFactory(clauses=[synthetic_clause("military-aid")])
    AgreementFactory(status=Status.DRAFT, clauses=[synthetic_clause("military-aid")])

    def found(query):
        response = anon.get(f"/api/v1/clauses/?{query}")
        assert response.status_code == 200, response.content
        return [(c["agreement"], c["category"]) for c in response.json()["results"]]

    assert len(found("category=military-aid")) == 2
    assert found("party=FR&category=intelligence") == [("fr", "intelligence")]
    bad = anon.get("/api/v1/clauses/?category=no-such")
    assert bad.status_code == 400 and "category" in bad.json()


def grow(n):
    ukraine = CountryFactory(code="UA", name="Ukraine", nato_joined=None)
    for _ in range(n):
        AgreementFactory(
            parties=[{"country": ukraine}, {"country": country_other_than(ukraine)}],
            clauses=[synthetic_clause("military-aid"), synthetic_clause("sanctions")],
        )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/agreements/",
        "/api/v1/agreements/?party=UA&in_force_on=2024-06-01&format=csv",
        "/api/v1/clauses/?category=military-aid",
    ],
)
@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_queries_do_not_grow_with_rows(clients, path, who):
    client = clients[who]
    grow(2)
    client.get(path)

    def measure():
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, response.content
        return len(queries), response

    small, first = measure()
    grow(5)
    large, second = measure()
    assert len(second.content) > len(first.content)
    assert small == large, f"{path}: {small} queries for few rows, {large} for more"
    assert large <= 8
