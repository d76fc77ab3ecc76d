"""Paths no resource can have: a NUL anywhere in a path is a 404 (not a 500), at every door;
and a redirect to a non-ASCII path sends a percent-encoded Location."""

import pytest
from django.urls import reverse

from tests.factories import AdminFactory

PAGES_WITH_NUL = [
    "/countries/%00/",
    "/countries/EE%00/",
    "/feeds/countries/%00/",
    "/feeds/topics/%00/",
    "/people/%00/",
    "/topics/%00/",
    "/events/%00/",
    "/sources/%00/",
    "/positions/%00/evidence/",
    "/%00",
    "/countries/%00",  # no trailing slash: not redirected first
]
API_PATHS_WITH_NUL = [
    "/api/v1/countries/%00/",
    "/api/v1/people/%00/",
    "/api/v1/topics/%00/",
    "/api/v1/events/%00/",
    "/api/v1/sources/%00/",
    "/api/v1/countries/%00",
    "/api/%00",
]
ADMIN_PATHS_WITH_NUL = [
    "/admin/%00/",
    "/admin/actors/country/%00/change/",
    "/admin/positions/position/%00/change/",
    "/admin/positions/position/%00/history/",
    "/admin/statements/quote/%00/delete/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES_WITH_NUL)
def test_a_nul_in_a_page_path_is_a_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize("path", API_PATHS_WITH_NUL)
def test_a_nul_in_an_api_path_is_a_json_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ADMIN_PATHS_WITH_NUL)
def test_a_nul_in_an_admin_path_is_a_404_for_a_signed_in_administrator(client, path):
    client.force_login(AdminFactory())

    assert client.get(path).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/countries/%00/", "/api/v1/countries/%00/"])
def test_a_nul_in_a_path_is_a_404_in_private_mode_too(client, settings, path):
    settings.REQUIRE_LOGIN = True
    client.force_login(AdminFactory())

    assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_a_nul_in_a_post_to_the_api_is_a_404_and_stores_nothing(client, editor):
    from apps.actors.models import Country

    client.force_login(editor)
    before = Country.objects.count()

    response = client.patch(
        "/api/v1/countries/%00/", {"name": "x"}, content_type="application/json"
    )

    assert response.status_code == 404
    assert Country.objects.count() == before


# --- redirects to non-ASCII paths ---------------------------------------------------------


def assert_well_formed(location: str) -> None:
    assert location.isascii(), location
    assert " " not in location


@pytest.mark.django_db
def test_the_api_trailing_slash_redirect_percent_encodes_the_path(client):
    response = client.get("/api/v1/countries/é", {"format": "json"})

    assert response.status_code == 308
    assert_well_formed(response["Location"])
    assert response["Location"] == "/api/v1/countries/%C3%A9/?format=json"
    # Followed, it names the resource asked for.
    assert client.get(response["Location"]).status_code == 404


@pytest.mark.django_db
def test_the_api_trailing_slash_redirect_keeps_an_ascii_path_as_it_was(client):
    response = client.get("/api/v1/countries", {"code": "EE"})

    assert response.status_code == 308
    assert response["Location"] == "/api/v1/countries/?code=EE"


@pytest.mark.django_db
def test_the_pages_trailing_slash_redirect_percent_encodes_the_path(client):
    response = client.get("/countries/é")

    assert response.status_code == 301
    assert_well_formed(response["Location"])
    assert response["Location"] == "/countries/%C3%A9/"


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_the_sign_in_redirect_of_private_mode_percent_encodes_next(client, settings, htmx):
    settings.REQUIRE_LOGIN = True
    headers = {"HX-Request": "true"} if htmx else {}

    response = client.get("/countries/é/", headers=headers)

    location = response["HX-Redirect" if htmx else "Location"]
    assert_well_formed(location)
    assert location == reverse("accounts:login") + "?next=/countries/%25C3%25A9/"


@pytest.mark.django_db
def test_the_admin_sign_in_redirect_percent_encodes_next(client):
    response = client.get("/admin/é/")

    assert response.status_code == 302
    assert_well_formed(response["Location"])
