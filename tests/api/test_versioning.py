"""No lost edits: quotes, positions and sources change only with a current If-Match."""

import datetime
import threading
import time

import pytest
from django.contrib.auth.models import Permission
from django.db import connection

from apps.core.models import Status
from apps.positions.models import Position
from apps.statements.models import Quote, Source
from tests.api.conftest import token_client
from tests.factories import UserFactory, make_position

VERSIONED = ["quotes", "positions", "sources"]


def object_of(resource, desk):
    return {"quotes": desk["quote"], "positions": desk["position"], "sources": desk["source"]}[
        resource
    ]


def path_of(resource, desk):
    return f"/api/v1/{resource}/{object_of(resource, desk).pk}/"


CHANGE = {
    "quotes": {"channel": "told FP"},
    "positions": {"summary": "Corrected."},
    "sources": {"title": "Corrected title"},
}
MODEL = {"quotes": Quote, "positions": Position, "sources": Source}


@pytest.mark.parametrize("resource", VERSIONED)
def test_a_get_sends_the_version_as_a_strong_etag(anon, desk, resource):
    response = anon.get(path_of(resource, desk))

    assert response["ETag"] == '"1"'
    assert response.json()["version"] == 1


@pytest.mark.parametrize("resource", VERSIONED)
@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_change_without_if_match_is_a_428(editor_client, desk, resource, method):
    path = path_of(resource, desk)
    body = editor_client.get(path).json() if method == "put" else CHANGE[resource]

    response = getattr(editor_client, method)(path, body, format="json")

    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    assert MODEL[resource].objects.get(pk=object_of(resource, desk).pk).version == 1


@pytest.fixture
def writable(desk):
    """The desk with a draft position in place of the published one: a change to a published
    position is proposed as a revision (202, tests/positions/test_revisions.py) and changes no
    version, so the If-Match rules are shown on a draft."""
    published = desk["position"]
    draft = make_position(
        topic=published.topic,
        country=published.country,
        # A day later: a second position of one holder on one topic from the same day is
        # refused at save.
        valid_from=published.valid_from + datetime.timedelta(days=1),
        evidence=[desk["quote"]],
        status=Status.DRAFT,
    )
    return {**desk, "position": draft}


@pytest.mark.parametrize("resource", VERSIONED)
def test_a_stale_if_match_is_a_412_and_changes_nothing(editor_client, writable, resource):
    desk = writable
    path = path_of(resource, desk)
    assert (
        editor_client.patch(path, CHANGE[resource], format="json", HTTP_IF_MATCH='"1"').status_code
        == 200
    )

    response = editor_client.patch(path, CHANGE[resource], format="json", HTTP_IF_MATCH='"1"')

    assert response.status_code == 412
    assert "version 2" in response.json()["detail"]


@pytest.mark.parametrize("resource", VERSIONED)
def test_the_etag_of_a_get_is_what_if_match_takes(editor_client, writable, resource):
    desk = writable
    path = path_of(resource, desk)
    etag = editor_client.get(path)["ETag"]

    response = editor_client.patch(path, CHANGE[resource], format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    assert editor_client.get(path)["ETag"] == '"2"'


@pytest.mark.parametrize(
    "header, expected",
    [
        ('"1"', 200),
        ('"7", "1"', 200),
        ("*", 200),
        ('W/"1"', 412),  # a weak tag never matches If-Match
        ('"2"', 412),
        ("1", 400),
        ("abc", 400),
    ],
)
def test_if_match_forms(editor_client, desk, header, expected):
    path = path_of("quotes", desk)

    response = editor_client.patch(path, CHANGE["quotes"], format="json", HTTP_IF_MATCH=header)

    assert response.status_code == expected, response.content
    if expected == 400:
        assert "If-Match" in response.json()


def test_a_put_replaces_the_editable_fields(editor_client, desk):
    path = path_of("sources", desk)
    body = {
        "title": "Replaced",
        "published_on": "2023-06-15",
        "kind": "interview",
        "reliability": "primary",
    }

    response = editor_client.put(path, body, format="json", HTTP_IF_MATCH='"1"')

    assert response.status_code == 200, response.content
    assert response.json()["kind"] == "interview"
    assert response.json()["version"] == 2


def test_an_invalid_body_is_a_400_whatever_the_if_match(editor_client, desk):
    path = path_of("quotes", desk)

    response = editor_client.patch(path, {"source": "x"}, format="json", HTTP_IF_MATCH='"9"')

    assert response.status_code == 400
    assert "source" in response.json()


def test_a_refused_body_keeps_the_version(editor_client, desk):
    path = path_of("quotes", desk)

    response = editor_client.patch(path, {"text": ""}, format="json", HTTP_IF_MATCH='"1"')

    assert response.status_code == 400
    assert Quote.objects.get(pk=desk["quote"].pk).version == 1


def test_an_unknown_object_is_a_404_before_the_if_match_check(editor_client, desk):
    response = editor_client.patch("/api/v1/quotes/999999/", {"channel": "x"}, format="json")

    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_of_two_simultaneous_writers_with_the_same_version_exactly_one_wins(desk, monkeypatch):
    """Both read version 1; both send If-Match "1" at once: one is saved, the other gets 412."""
    from apps.api import serializers

    original = serializers.quote_update

    def slow_update(**kwargs):
        time.sleep(0.3)  # widen the window between the version check and the save
        return original(**kwargs)

    monkeypatch.setattr(serializers, "quote_update", slow_update)
    # An earlier transactional test's flush may have removed the Editors group (made by a
    # migration), so this editor holds the permission itself.
    editor = UserFactory()
    editor.user_permissions.add(Permission.objects.get(codename="change_quote"))
    path = path_of("quotes", desk)
    clients = [token_client(editor), token_client(editor)]
    barrier = threading.Barrier(2)
    statuses = []

    def write(client, channel):
        try:
            barrier.wait()
            response = client.patch(path, {"channel": channel}, format="json", HTTP_IF_MATCH='"1"')
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=write, args=(client, f"writer {n}"))
        for n, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 412]
    assert Quote.objects.get(pk=desk["quote"].pk).version == 2
