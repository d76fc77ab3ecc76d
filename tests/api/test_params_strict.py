"""Unknown query parameters are a 400 naming them (a misspelt filter would answer
everything), and a JSON body nested or sized beyond any write's need is a 400, never a 500."""

import json

import pytest

from apps.api.parsers import MAX_BODY_BYTES, MAX_DEPTH
from tests.factories import CountryFactory, TopicFactory


@pytest.fixture
def reference(db):
    CountryFactory(code="EE", name="Estonia")
    CountryFactory(code="US", name="United States")
    TopicFactory(slug="membership", name="Membership")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/countries/?countr=EE",
        "/api/v1/countries/EE/?page=2",
        "/api/v1/positions/?countr=EE",
        "/api/v1/quotes/?countr=EE",
        "/api/v1/matrix/?countr=EE",
        "/api/v1/compare/?countries=EE,US&countr=EE",
        "/api/v1/changes/?countr=EE",
    ],
)
def test_an_unknown_parameter_is_a_400_naming_it(anon, reference, url):
    response = anon.get(url)

    assert response.status_code == 400
    assert "countr" in response.json() or "page" in response.json()
    message = next(iter(response.json().values()))[0]
    assert message.startswith("Unknown parameter. This address takes: ")
    assert "format" in message


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/countries/?search=est&ordering=name&page=1&page_size=10&format=json",
        "/api/v1/positions/?country=EE&topic=membership",
        "/api/v1/quotes/?country=EE&page_size=5",
        "/api/v1/matrix/?countries=EE&format=csv",
        "/api/v1/changes/?page_size=5",
    ],
)
def test_the_known_parameters_still_answer(anon, reference, url):
    assert anon.get(url).status_code == 200


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_a_deeply_nested_body_is_a_400(editor_client, reference, depth):
    body = '{"name": ' + "[" * depth + "]" * depth + "}"

    response = editor_client.post("/api/v1/people/", body, content_type="application/json")

    assert response.status_code == 400
    assert "nested deeper than" in response.json()["detail"]


def test_a_body_over_the_size_limit_is_a_400(editor_client, reference):
    body = json.dumps({"name": "x" * (MAX_BODY_BYTES + 1)})

    response = editor_client.post("/api/v1/people/", body, content_type="application/json")

    assert response.status_code == 400
    assert "larger than" in response.json()["detail"]


def test_brackets_inside_strings_are_no_nesting(editor_client, reference):
    body = json.dumps({"name": "[" * 100, "slug": "brackets"})

    response = editor_client.post("/api/v1/people/", body, content_type="application/json")

    assert response.status_code in (201, 400)
    assert "nested" not in response.content.decode()
