"""One cache for anonymous readers (apps.core.caching): a kept answer is the one its request
would get, keyed on exactly what the view renders by."""

import datetime

import pytest
from django.test import RequestFactory
from django.utils import timezone

from apps.core import caching

PAGE = "/?as_of=2023-07-10"


def page(client, **headers):
    return client.get(PAGE, headers=headers)


def is_partial(response) -> bool:
    assert response.status_code == 200
    return b"<html" not in response.content


@pytest.mark.parametrize("value", ["false", "1", "True", ""])
def test_any_other_hx_request_value_is_kept_as_the_page_it_gets(client, db, value):
    plain = [page(client, HX_Request=value) for _ in range(6)]

    partial = page(client, HX_Request="true")

    assert not any(is_partial(response) for response in plain)
    assert is_partial(partial)
    assert b'id="matrix-results"' in partial.content


def test_a_kept_partial_is_never_a_page_s_answer(client, db):
    partials = [page(client, HX_Request="true") for _ in range(3)]

    assert all(is_partial(response) for response in partials)
    assert not is_partial(page(client, HX_Request="false"))
    assert not is_partial(page(client))


def test_a_boosted_request_gets_the_whole_page_whatever_was_kept(client, db):
    assert is_partial(page(client, HX_Request="true"))

    boosted = page(client, HX_Request="true", HX_Boosted="true")
    not_boosted = page(client, HX_Request="true", HX_Boosted="false")

    assert not is_partial(boosted)
    assert is_partial(not_boosted)


def test_the_etag_names_what_is_rendered(client, db):
    full = page(client)["ETag"]

    assert page(client, HX_Request="false")["ETag"] == full
    assert page(client, HX_Request="true")["ETag"] != full
    answered = client.get(PAGE, headers={"If-None-Match": full, "HX-Request": "true"})
    assert answered.status_code == 200 and is_partial(answered)
    revalidated = client.get(PAGE, headers={"If-None-Match": full, "HX-Request": "false"})
    assert revalidated.status_code == 304


def test_a_kept_page_costs_the_data_version_only(client, db, django_assert_num_queries):
    first = page(client)

    with django_assert_num_queries(1):
        again = page(client)

    assert again.content == first.content


# --- the key ---------------------------------------------------------------------------------


def key(path="/?as_of=2023-07-10", host="testserver", *renders_by, version="events=1"):
    request = RequestFactory().get(path, HTTP_HOST=host)
    request._kept_data_version = version  # as read once for this request
    return caching.answer_key(request, *renders_by)


def test_the_key_is_the_same_for_the_same_request():
    assert key() == key()
    assert key("/", "testserver", "page", "htmx") == key("/", "testserver", "page", "htmx")


def test_the_key_changes_with_each_thing_it_is_made_of(monkeypatch):
    base = key()
    others = [
        key("/?as_of=2023-07-11"),
        key(host="localhost"),
        key("/?as_of=2023-07-10", "testserver", "partial"),
        key(version="events=2"),
    ]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    others.append(key())

    assert base not in others
    assert len(set(others)) == len(others)


def test_an_address_cannot_pass_for_another_rendering():
    assert key("/?a", "testserver", "b", "c") != key("/?a|b", "testserver", "c")
    assert key("/?a", "testserver", "b", "c") != key('/?a","b', "testserver", "c")


def test_the_data_version_is_read_once_per_request(db, django_assert_num_queries):
    request = RequestFactory().get("/")

    with django_assert_num_queries(1):
        first = caching.answer_key(request, "page")
        second = caching.answer_key(request, "json")

    assert first != second


def test_a_signed_in_reader_is_answered_from_the_readers_cache(client, seeded):
    # Readers see only what is published: a signed-in one gets the page an anonymous reader
    # got, from the cache, with no query but the data version and the session's user.
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reader = get_user_model().objects.create_user("synthetic-reader", password="x")
    anonymous_page = client.get("/compare/?countries=US,DE")
    client.force_login(reader)
    with CaptureQueriesContext(connection) as queries:
        signed_in_page = client.get("/compare/?countries=US,DE")

    assert anonymous_page.status_code == signed_in_page.status_code == 200
    assert signed_in_page.content == anonymous_page.content
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert 'FROM "positions_position"' not in sql and 'FROM "actors_country"' not in sql


def test_an_editor_is_never_answered_from_the_readers_cache(client, seeded, editor):
    assert client.get("/compare/?countries=US,DE").status_code == 200
    client.force_login(editor)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/compare/?countries=US,DE")

    assert 'FROM "actors_country"' in " ".join(q["sql"] for q in queries.captured_queries)
