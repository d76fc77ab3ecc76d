"""The OpenAPI schema: valid, served, with local docs, and honest about every answer."""

import datetime
import io
import re

import pytest
import yaml
from django.core.management import call_command

from apps.api.schema import past_date_pattern


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
        if method == "post":
            assert "201" in codes
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
        assert public == (method == "get"), (path, method)


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


@pytest.mark.parametrize(
    "today",
    [
        datetime.date(2026, 11, 26),
        datetime.date(2024, 1, 1),
        datetime.date(2024, 2, 29),
        datetime.date(2025, 12, 31),
        datetime.date(2030, 10, 10),
    ],
)
def test_the_past_date_pattern_matches_exactly_the_days_up_to_today(today):
    pattern = re.compile(past_date_pattern(today))
    one_day = datetime.timedelta(days=1)

    for day in [today, today - one_day, datetime.date(1, 1, 1), datetime.date(1999, 12, 31)]:
        assert pattern.match(day.isoformat()), day
    for day in [today + one_day, today + 31 * one_day, today.replace(year=today.year + 1, day=1)]:
        assert not pattern.match(day.isoformat()), day
    assert not pattern.match("0000-01-01")
    assert not pattern.match("2023-13-01")
    every = [datetime.date(today.year, 1, 1) + n * one_day for n in range(366)]
    assert all(bool(pattern.match(d.isoformat())) == (d <= today) for d in every)


def test_the_docs_run_no_inline_script_so_the_content_security_policy_allows_them(anon, db):
    page = anon.get("/api/docs/").content.decode()

    assert not re.search(r"<script>\s*\S", page)
    assert re.search(r'<script src="[^"]*docs/\?script=', page)
