"""Responses carry an ETag; a conditional GET answers 304; caches are told what varies."""

import pytest

PATHS = [
    "/api/v1/countries/",
    "/api/v1/countries/EE/",
    "/api/v1/quotes/",
    "/api/v1/positions/?country=EE",
    "/api/v1/matrix/?as_of=2023-07-10",
    "/api/v1/changes/?from=2022-01-01",
    "/api/v1/quotes/?format=csv",
]


@pytest.mark.parametrize("path", PATHS)
def test_a_conditional_get_with_the_current_etag_is_a_304(anon, desk, path):
    first = anon.get(path)
    etag = first["ETag"]

    again = anon.get(path, HTTP_IF_NONE_MATCH=etag)

    assert first.status_code == 200
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_lists_get_a_weak_etag_of_their_content_that_changes_with_it(anon, editor_client, desk):
    etag = anon.get("/api/v1/organizations/")["ETag"]
    editor_client.post(
        "/api/v1/organizations/", {"slug": "eu", "name": "EU", "kind": "ngo"}, format="json"
    )

    response = anon.get("/api/v1/organizations/", HTTP_IF_NONE_MATCH=etag)

    assert etag.startswith('W/"')
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_json_and_csv_have_different_etags(anon, desk):
    assert (
        anon.get("/api/v1/countries/")["ETag"] != anon.get("/api/v1/countries/?format=csv")["ETag"]
    )


def test_a_versioned_object_revalidates_by_its_version(anon, editor_client, desk):
    path = f"/api/v1/quotes/{desk['quote'].pk}/"
    assert anon.get(path, HTTP_IF_NONE_MATCH='"1"').status_code == 304

    editor_client.patch(path, {"channel": "told FP"}, format="json", HTTP_IF_MATCH='"1"')

    response = anon.get(path, HTTP_IF_NONE_MATCH='"1"')
    assert response.status_code == 200
    assert response["ETag"] == '"2"'


def test_a_head_request_gets_the_headers_only(anon, desk):
    response = anon.head("/api/v1/countries/")

    assert response.status_code == 200
    assert response["ETag"]
    assert response.content == b""


def test_responses_vary_with_the_credentials(anon, desk):
    vary = {v.strip() for v in anon.get("/api/v1/quotes/")["Vary"].split(",")}

    assert {"Accept", "Authorization", "Cookie"} <= vary


def test_errors_carry_no_etag(anon, desk):
    response = anon.get("/api/v1/countries/ZZ/")

    assert response.status_code == 404
    assert not response.has_header("ETag")
