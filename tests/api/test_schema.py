"""The OpenAPI schema: valid, served, with local docs, and honest about every answer."""

import datetime
import io
import re

import pytest
import yaml
from django.core.management import call_command


@pytest.fixture
def schema(anon, desk):
    response = anon.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_validates_without_warnings(db, tmp_path):
    target = tmp_path / "schema.yaml"

    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(target), stderr=io.StringIO()
    )

    assert yaml.safe_load(target.read_text())["info"]["title"] == "Allied Positions API"


def test_the_schema_is_served_as_yaml_and_json(anon, db):
    assert yaml.safe_load(anon.get("/api/schema/").content)["openapi"].startswith("3.")
    assert anon.get("/api/schema/?format=json").json()["openapi"].startswith("3.")


def test_the_docs_load_their_assets_locally(anon, db):
    response = anon.get("/api/docs/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert not re.search(r"(src|href)=\"https?://", page)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_operation_documents_the_statuses_it_can_answer(schema):
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        assert {"400", "401", "406", "429"} <= codes, (path, method)
        if method == "get":
            assert {"200", "304"} <= codes
        if method in ("post", "put", "patch", "delete"):
            assert {"403", "409"} <= codes
        if method == "post" and not path.endswith(("/publish/", "/reject/")):
            assert "201" in codes
        if method == "post" and path.startswith("/api/v1/revisions/"):
            # Deciding a revision creates nothing: it answers the revision (200).
            assert "200" in codes
        if method == "delete":
            assert "204" in codes
        if "{" in path:
            assert "404" in codes
        if method in ("put", "patch") and path.split("/")[3] in ("quotes", "positions", "sources"):
            assert {"412", "428"} <= codes
            header = next(p for p in operation["parameters"] if p["name"] == "If-Match")
            assert header["required"] is True


def test_reads_are_public_and_writes_need_credentials(schema):
    for path, method, operation in operations(schema):
        public = {} in operation["security"]
        editors_only = path.startswith("/api/v1/revisions/")
        assert public == (method == "get" and not editors_only), (path, method)
        if editors_only:
            assert {"401", "403"} <= set(operation["responses"]), (path, method)


def test_the_revisions_answer_anonymous_readers_as_the_schema_says(anon, db):
    # The schema lists no anonymous access to the editors' revisions: a reader gets a 401.
    response = anon.get("/api/v1/revisions/")

    assert response.status_code == 401


def test_reference_values_are_listed(schema):
    components = schema["components"]["schemas"]

    assert components["CountryCode"]["enum"] == ["EE", "US"]
    assert components["TopicSlug"]["enum"] == ["guarantees", "membership"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"


def test_free_text_parameters_state_their_limits(schema):
    parameters = schema["paths"]["/api/v1/quotes/"]["get"]["parameters"]
    q = next(p for p in parameters if p["name"] == "q")
    # One schema, or one for words and one for the empty string.
    alternatives = q["schema"].get("oneOf", [q["schema"]])

    assert all(a["maxLength"] <= 500 for a in alternatives)
    assert any(
        a["maxLength"] == 500 and a["pattern"] in (r"^[^\u0000]*$", r"^[^\u0000]+$")
        for a in alternatives
    )


def parameter(schema, path, name):
    return next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name)


def test_dates_are_described_in_words_not_by_a_pattern(schema):
    as_of = parameter(schema, "/api/v1/matrix/", "as_of")["schema"]
    said_on = schema["components"]["schemas"]["QuoteWrite"]["properties"]["said_on"]

    for date in (as_of, said_on):
        assert date["format"] == "date"
        assert "pattern" not in date
    rule = "A date, YYYY-MM-DD, from 1900-01-01 and not after today."
    assert said_on["description"] == rule
    # A parameter's own help comes first.
    described = parameter(schema, "/api/v1/matrix/", "as_of")["description"]
    assert described == f"The day to show (default: today). {rule}"
    assert parameter(schema, "/api/v1/positions/", "as_of")["description"] == rule


def test_the_schema_is_the_same_tomorrow(db, monkeypatch):
    from django.utils import timezone
    from drf_spectacular.generators import SchemaGenerator

    today = timezone.localdate()
    schema_today = SchemaGenerator().get_schema(request=None, public=True)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: today + datetime.timedelta(1))

    assert SchemaGenerator().get_schema(request=None, public=True) == schema_today


def test_the_docs_run_no_inline_script_so_the_content_security_policy_allows_them(anon, db):
    page = anon.get("/api/docs/").content.decode()

    assert not re.search(r"<script>\s*\S", page)
    assert re.search(r'<script src="[^"]*docs/\?script=', page)


@pytest.fixture
def generations(monkeypatch):
    """How many times the schema view generated a schema (none kept to begin with)."""
    from drf_spectacular.generators import SchemaGenerator

    from apps.api.views import SchemaView

    monkeypatch.setattr(SchemaView, "_generated", {})
    calls = []
    generate = SchemaGenerator.get_schema

    def counted(self, *args, **kwargs):
        calls.append(1)
        return generate(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    return calls


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("version=2", "version"),
        ("version=1.0.0", "version"),
        ("lang=de", "lang"),
        ("lang=", "lang"),
        ("version=x%0d%0aSet-Cookie:%20a=b", "version"),
        ("lang=en%0d%0aX-Injected:%201", "lang"),
        ("version=1%22;%20filename=%22evil.exe", "version"),
    ],
)
def test_an_unknown_schema_version_or_language_is_refused_without_generating(
    anon, db, generations, query, name
):
    kept = anon.get("/api/schema/?format=json")

    response = anon.get(f"/api/schema/?format=json&{query}")
    again = anon.get("/api/schema/?format=json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert name in response.json()
    assert not response.has_header("Content-Disposition")
    assert again.json() == kept.json()
    assert len(generations) == 1  # neither generated another nor evicted the one kept


def test_the_site_language_is_the_schema_s_own(anon, db, generations):
    plain = anon.get("/api/schema/?format=json")

    response = anon.get("/api/schema/?format=json&lang=en-gb")

    assert response.status_code == 200
    assert response.json() == plain.json()
    assert len(generations) == 1


@pytest.mark.parametrize(("query", "suffix"), [("", "yaml"), ("?format=json", "json")])
def test_the_schema_file_name_holds_nothing_from_the_request(anon, db, query, suffix):
    response = anon.get(f"/api/schema/{query}")

    assert response["Content-Disposition"] == f'inline; filename="Allied Positions API.{suffix}"'
