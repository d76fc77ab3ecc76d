"""Every bad parameter is a 400 naming the parameter; unknown objects are 404; never a 500."""

import datetime
import json

import pytest
from django.utils import timezone

from tests.factories import BlocFactory, CountryFactory, TopicFactory

TOMORROW = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
LONG = "x" * 501


@pytest.fixture
def reference(db):
    CountryFactory(code="EE", name="Estonia")
    CountryFactory(code="US", name="United States")
    TopicFactory(slug="membership", name="Membership")
    BlocFactory(slug="b9", name="Bucharest Nine")


BAD = [
    ("countries", "bloc", "nope"),
    ("countries", "nato", "maybe"),
    ("countries", "eu", "1"),
    ("countries", "ordering", "population"),
    ("countries", "ordering", ","),
    ("countries", "ordering", "name,,code"),
    ("countries", "page", "0"),
    ("countries", "page", "two"),
    ("countries", "page_size", "0"),
    ("countries", "page_size", "201"),
    ("countries", "format", "xml"),
    ("countries", "search", "a\x00b"),
    ("countries", "search", LONG),
    ("blocs", "country", "ZZ"),
    ("organizations", "kind", "bank"),
    ("organizations", "country", "ee"),
    ("people", "country", "ZZ"),
    ("roles", "held_on", "2023-13-01"),
    ("roles", "person", "not a slug"),
    ("events", "kind", "party"),
    ("events", "start_from", "yesterday"),
    ("sources", "reliability", "tertiary"),
    ("sources", "language", "EN"),
    ("sources", "published_from", "20230101"),
    ("quotes", "q", "deter\x00"),
    ("quotes", "q", LONG),
    ("quotes", "country", "ZZ"),
    ("quotes", "topic", "nope"),
    ("quotes", "source", "abc"),
    ("quotes", "source", "0"),
    ("quotes", "source", "99999999999999999999"),
    ("quotes", "said_from", "2023-02-30"),
    ("quotes", "said_to", "01/06/2023"),
    ("quotes", "language", "english"),
    ("quotes", "anonymous", "yes"),
    ("quotes", "status", "gone"),
    ("quotes", "cursor", "xyz"),
    ("quotes", "cursor", "n0-1"),
    ("quotes", "page_size", "1001"),
    ("quotes", "page_size", "0"),
    ("quotes", "speaker", "nobody"),
    ("quotes", "event", "nowhere"),
    ("quotes", "year", "1899"),
    ("quotes", "country", "E"),
    ("quotes", "speaker", "a\x00"),
    ("quotes", "speaker", "juri-luik\n"),
    ("quotes", "language", "en\n"),
    ("quotes", "said_from", "2023-06-01\n"),
    ("positions", "as_of", TOMORROW),
    ("positions", "as_of", "June 2023"),
    ("positions", "country", "ZZ"),
    ("positions", "topic", "nope"),
    ("positions", "status", "gone"),
    ("positions", "ordering", "stance"),
    ("matrix", "as_of", TOMORROW),
    ("matrix", "as_of", "2023-02-30"),
    ("matrix", "as_of", "2023-06-01\x00"),
    ("matrix", "topics", "membership,nope"),
    ("matrix", "topics", "membership,membership"),
    ("matrix", "bloc", "nope"),
    ("matrix", "countries", "EE,ZZ"),
    ("matrix", "countries", "EE,EE"),
    ("matrix", "countries", "EE,"),
    ("matrix", "nato", "1"),
    ("matrix", "format", "pdf"),
    ("changes", "from", "2023-1-1"),
    ("changes", "to", TOMORROW),
    ("changes", "topics", "nope"),
    ("changes", "countries", "ZZ"),
]


@pytest.mark.parametrize("resource, name, value", BAD)
def test_a_bad_parameter_is_a_400_naming_it(anon, reference, resource, name, value):
    params = {name: value}
    if resource == "changes" and name != "from":
        params["from"] = "2023-01-01"

    response = anon.get(f"/api/v1/{resource}/", params)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert name in body, body
    assert body[name] and all(isinstance(message, str) for message in body[name])


def test_messages_say_what_is_wrong(anon, reference):
    assert anon.get("/api/v1/matrix/", {"as_of": TOMORROW}).json() == {
        "as_of": ["The date cannot be in the future."]
    }
    assert anon.get("/api/v1/matrix/", {"countries": "EE,ZZ"}).json() == {
        "countries": ["Unknown country code “ZZ”."]
    }
    assert anon.get("/api/v1/quotes/", {"country": "ZZ"}).json() == {
        "country": ["Unknown country code “ZZ”."]
    }
    assert anon.get("/api/v1/quotes/", {"q": "a\x00"}).json() == {
        "q": ["May not contain NUL characters."]
    }
    assert anon.get("/api/v1/quotes/", {"q": LONG}).json() == {"q": ["At most 500 characters."]}


def test_changes_without_dates_start_on_the_eve_of_the_latest_change_as_on_the_page(
    anon, client, reference
):
    response = anon.get("/api/v1/changes/")

    assert response.status_code == 200
    body = response.json()
    assert body["to"] == timezone.localdate().isoformat()
    assert body["from"] <= body["to"]
    assert body == json.loads(client.get("/changes/?format=json").content)


def test_several_bad_parameters_are_all_named(anon, reference):
    response = anon.get("/api/v1/quotes/", {"country": "ZZ", "said_from": "2023-6-1"})

    assert set(response.json()) == {"country", "said_from"}


def test_a_bad_value_is_refused_as_csv_too_with_a_json_body(anon, reference):
    response = anon.get("/api/v1/matrix/", {"as_of": TOMORROW, "format": "csv"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_free_text_may_be_empty(anon, reference):
    assert anon.get("/api/v1/quotes/", {"q": ""}).status_code == 200
    assert anon.get("/api/v1/countries/", {"search": ""}).status_code == 200


@pytest.mark.parametrize(
    "path, name",
    [
        ("/api/v1/matrix/", "as_of"),
        ("/api/v1/quotes/", "country"),
        ("/api/v1/quotes/", "cursor"),
        ("/api/v1/countries/", "page"),
        ("/api/v1/countries/", "nato"),
        ("/api/v1/countries/", "format"),
        ("/api/v1/positions/", "status"),
        ("/api/v1/matrix/", "countries"),
        ("/api/v1/changes/", "topics"),
        ("/api/v1/countries/", "ordering"),
    ],
)
def test_a_typed_parameter_given_empty_is_refused(anon, reference, path, name):
    response = anon.get(path, {name: ""})

    assert response.status_code == 400
    assert response.json() == {name: ["Give a value, or leave the parameter out."]}


def test_repeated_list_parameters_work_like_commas(anon, reference):
    response = anon.get("/api/v1/matrix/?countries=EE&countries=US")

    assert [row["holder"]["code"] for row in response.json()["rows"]] == ["EE", "US"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/countries/ZZ/",
        "/api/v1/countries/ee/",
        "/api/v1/topics/nope/",
        "/api/v1/people/nobody/",
        "/api/v1/quotes/99999/",
        "/api/v1/quotes/abc/",
        "/api/v1/quotes/99999999999999999999999/",
        "/api/v1/positions/-1/",
        "/api/v1/sources/1.5/",
        "/api/v1/people/a%00b/",
        "/api/v1/nothing-here/",
        "/api/v2/",
        "/api/",
    ],
)
def test_unknown_objects_and_paths_are_json_404s(anon, reference, path):
    response = anon.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_a_missing_trailing_slash_redirects(anon, reference):
    response = anon.get("/api/v1/countries?nato=true")

    assert response.status_code == 308
    assert response["Location"] == "/api/v1/countries/?nato=true"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_an_undeclared_method_is_a_405_with_allow_even_anonymously(anon, reference, method):
    response = getattr(anon, method)("/api/v1/countries/EE/")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_an_unsupported_accept_is_a_406(anon, reference):
    response = anon.get("/api/v1/countries/", HTTP_ACCEPT="application/xml")

    assert response.status_code == 406
