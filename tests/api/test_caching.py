"""Responses carry an ETag; a conditional GET answers 304; caches are told what varies."""

import pytest

from tests.factories import make_quote

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
    # A change readers can see (a new organization stays hidden until something published
    # refers to it).
    editor_client.patch("/api/v1/organizations/nato/", {"name": "NATO (renamed)"}, format="json")

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


def quote_ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_an_anonymous_read_repeated_costs_one_query_and_answers_the_same(
    anon, desk, django_assert_num_queries
):
    first = anon.get("/api/v1/quotes/")

    with django_assert_num_queries(1):  # the data version only
        again = anon.get("/api/v1/quotes/")

    assert again.status_code == 200
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"]


def test_a_kept_read_keeps_its_version_etag(anon, desk, django_assert_num_queries):
    path = f"/api/v1/quotes/{desk['quote'].pk}/"
    first = anon.get(path)

    with django_assert_num_queries(1):
        again = anon.get(path)

    assert again["ETag"] == first["ETag"] == '"1"'
    assert again.json() == first.json()


def test_an_edit_shows_at_once_to_anonymous_readers(anon, editor_client, desk):
    before = anon.get("/api/v1/quotes/")
    created = editor_client.post(
        "/api/v1/quotes/",
        {
            "text": "Ukraine's future is in NATO.",
            "said_on": desk["quote"].said_on.isoformat(),
            "source": desk["quote"].source_id,
            "speaker_label": "a senior official",
            "status": "published",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()

    after = anon.get("/api/v1/quotes/")

    assert created.json()["id"] not in quote_ids(before)
    assert created.json()["id"] in quote_ids(after)


def test_editors_are_never_answered_from_what_anonymous_readers_were_kept(
    anon, editor_client, desk
):
    draft = make_quote(status="draft", source=desk["quote"].source)
    assert draft.pk not in quote_ids(anon.get("/api/v1/quotes/"))

    assert draft.pk in quote_ids(editor_client.get("/api/v1/quotes/"))


def test_paging_links_name_the_host_that_was_asked(anon, desk):
    for _ in range(3):
        make_quote(source=desk["quote"].source)

    first = anon.get("/api/v1/quotes/?page_size=1", HTTP_HOST="localhost")
    second = anon.get("/api/v1/quotes/?page_size=1", HTTP_HOST="127.0.0.1")

    assert first.json()["next"].startswith("http://localhost/")
    assert second.json()["next"].startswith("http://127.0.0.1/")


@pytest.mark.parametrize(
    "path", ["/api/v1/matrix/?as_of=2023-07-10", "/api/v1/quotes/", "/api/v1/countries/"]
)
def test_a_kept_answer_is_the_same_in_every_format(anon, desk, path):
    joiner = "&" if "?" in path else "?"
    for suffix, accept in [("", "application/json"), (f"{joiner}format=csv", "*/*")]:
        first = anon.get(path + suffix, HTTP_ACCEPT=accept)
        again = anon.get(path + suffix, HTTP_ACCEPT=accept)

        assert first.status_code == again.status_code == 200
        assert again.content == first.content
        assert again["Content-Type"] == first["Content-Type"]
    assert anon.get(path, HTTP_ACCEPT="application/json").json()
    assert anon.get(path + f"{joiner}format=csv").content.decode().count("\n") >= 2


def test_an_indented_json_answer_is_kept_apart_from_the_plain_one(anon, desk):
    plain = anon.get("/api/v1/matrix/", HTTP_ACCEPT="application/json")
    indented = anon.get("/api/v1/matrix/", HTTP_ACCEPT="application/json; indent=2")
    plain_again = anon.get("/api/v1/matrix/", HTTP_ACCEPT="application/json")

    assert b"\n  " in indented.content
    assert b"\n  " not in plain.content
    assert plain_again.content == plain.content
    assert indented.json() == plain.json()


def test_a_kept_page_of_a_list_keeps_its_link_header(anon, desk, django_assert_num_queries):
    path = "/api/v1/countries/?page_size=1&format=csv"
    first = anon.get(path)

    with django_assert_num_queries(1):  # the data version only: answered from the cache
        again = anon.get(path)

    assert 'rel="next"' in first["Link"]
    assert again["Link"] == first["Link"]
    assert again["ETag"] == first["ETag"]
    assert again["Content-Disposition"] == first["Content-Disposition"]
    assert again.content == first.content


def test_a_kept_answer_is_never_given_for_another_page(anon, desk):
    first = anon.get("/api/v1/countries/?page_size=1&format=csv")
    second = anon.get("/api/v1/countries/?page_size=1&page=2&format=csv")

    assert 'rel="next"' in first["Link"] and 'rel="prev"' not in first["Link"]
    assert 'rel="prev"' in second["Link"] and 'rel="next"' not in second["Link"]
    assert first.content != second.content


def test_a_signed_in_reader_shares_the_readers_kept_lists(anon, reader_client, desk):
    # A token reader sees only what is published: answered from the answer kept for anyone
    # (no quote read), and with the same body.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    kept = anon.get("/api/v1/quotes/")
    with CaptureQueriesContext(connection) as queries:
        again = reader_client.get("/api/v1/quotes/")

    assert again.status_code == kept.status_code == 200
    assert again.json() == kept.json()
    assert 'FROM "statements_quote"' not in " ".join(q["sql"] for q in queries.captured_queries)


def test_an_editor_s_list_is_made_afresh(anon, editor_client, desk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    anon.get("/api/v1/quotes/")
    with CaptureQueriesContext(connection) as queries:
        editor_client.get("/api/v1/quotes/")

    assert 'FROM "statements_quote"' in " ".join(q["sql"] for q in queries.captured_queries)
