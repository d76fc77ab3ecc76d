"""REQUIRE_LOGIN=true: the dashboard and the API answer signed-in users only."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.services import api_token_issue
from tests.factories import UserFactory

PAGES = [
    "/",
    "/compare/?countries=EE,US",
    "/quotes/?q=membership",
    "/topics/membership/",
    "/feeds/changes/",
    "/no-such-page/",
]
API_READS = ["/api/v1/countries/", "/api/v1/matrix/", "/api/v1/quotes/", "/api/v1/", "/api/schema/"]


@pytest.fixture
def private(settings):
    settings.REQUIRE_LOGIN = True


@pytest.fixture
def reader(db):
    """A signed-in reader: active, neither staff nor an editor."""
    return UserFactory(username="reader")


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, private, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?" + urlencode(
        {"next": path}, safe="/"
    )
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_an_htmx_request_loads_the_sign_in_page_as_a_whole_page(client, private):
    response = client.get("/compare/?countries=EE,US", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/compare/%3Fcountries%3DEE%2CUS"
    assert response.content == b""


@pytest.mark.django_db
@pytest.mark.parametrize("path", API_READS)
def test_anonymous_api_requests_are_refused(private, path):
    response = APIClient().get(path)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert b"Authentication credentials were not provided." in response.content


@pytest.mark.django_db
def test_an_unknown_api_path_is_refused_anonymously_and_not_found_with_a_token(private, reader):
    assert APIClient().get("/api/v1/nothing-here/").status_code == 401
    _, key = api_token_issue(user=reader)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/nothing-here/").status_code == 404


@pytest.mark.django_db
def test_the_api_docs_page_is_refused_too(client, private):
    assert client.get(reverse("api:docs")).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/healthz/", "/accounts/login/", "/accounts/login/?next=/compare/", "/admin/login/"]
)
def test_health_check_and_sign_in_pages_stay_open(client, private, path):
    assert client.get(path).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES[:-1])
def test_a_signed_in_reader_reads_the_pages(client, private, seeded, reader, path):
    client.force_login(reader)

    response = client.get(path)

    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", API_READS)
def test_a_signed_in_reader_reads_the_api_with_the_session(private, reader, path):
    api = APIClient()
    api.force_login(reader)

    response = api.get(path)

    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", API_READS)
def test_a_token_reads_the_api(private, reader, path):
    _, key = api_token_issue(user=reader)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert api.get(path).status_code == 200


@pytest.mark.django_db
def test_a_reader_may_not_write(private, reader, seeded):
    api = APIClient()
    api.force_login(reader)
    body = {"title": "A source", "publisher": "A paper", "published_on": "2023-06-01"}

    assert api.post("/api/v1/sources/", body, format="json").status_code == 403
    assert api.delete("/api/v1/countries/EE/").status_code in {403, 405}


@pytest.mark.django_db
def test_a_reader_may_not_use_the_admin(client, private, reader):
    client.force_login(reader)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES[:-1] + API_READS)
def test_without_private_mode_everything_stays_public(client, seeded, settings, path):
    assert settings.REQUIRE_LOGIN is False

    response = client.get(path)

    assert response.status_code == 200
    assert "private" not in response.get("Cache-Control", "")
