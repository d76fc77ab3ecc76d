"""Anyone reads; editors add and change; administrators alone delete; readers only read."""

import pytest

from apps.actors.models import Organization
from apps.statements.models import Quote

WRITABLE = ["organizations", "people", "roles", "events", "sources", "quotes", "positions"]
READ_ONLY = ["countries", "blocs", "topics"]


def new_body(resource, desk, n=0):
    """A valid body for a new object of this resource."""
    return {
        "organizations": {"slug": f"org-new-{n}", "name": f"New org {n}", "kind": "ngo"},
        "people": {"slug": f"person-new-{n}", "name": "Kaja Kallas", "country": "EE"},
        "roles": {"person": "juri-luik", "title": f"Ambassador {n}", "country": "EE"},
        "events": {
            "slug": f"event-new-{n}",
            "name": "Summit",
            "kind": "summit",
            "start_date": "2024-07-09",
        },
        "sources": {
            "title": f"Source {n}",
            "published_on": "2023-06-20",
            "kind": "interview",
            "reliability": "primary",
        },
        "quotes": {
            "text": f"Words {n}",
            "speaker_label": "a senior diplomat",
            "said_on": "2023-06-10",
            "source": desk["source"].pk,
            "topics": ["membership"],
        },
        "positions": {
            "country": "US",
            "topic": "membership",
            "stance": -1 - (n % 2),
            "valid_from": f"2023-0{n + 1}-01",
            "confidence": "reported",
        },
    }[resource]


def detail_path(resource, desk):
    return {
        "organizations": "/api/v1/organizations/nato/",
        "people": "/api/v1/people/juri-luik/",
        "roles": f"/api/v1/roles/{desk['role'].pk}/",
        "events": "/api/v1/events/vilnius-2023/",
        "sources": f"/api/v1/sources/{desk['source'].pk}/",
        "quotes": f"/api/v1/quotes/{desk['quote'].pk}/",
        "positions": f"/api/v1/positions/{desk['position'].pk}/",
    }[resource]


def patch_body(resource):
    return {
        "organizations": {"name": "North Atlantic Treaty Organization"},
        "people": {"bio": "Estonian diplomat."},
        "roles": {"title": "Ambassador to NATO"},
        "events": {"place": "Vilnius"},
        "sources": {"title": "Report, corrected"},
        "quotes": {"channel": "told FP"},
        "positions": {"summary": "Corrected summary."},
    }[resource]


@pytest.mark.parametrize("resource", WRITABLE)
@pytest.mark.parametrize(
    "who, expected", [("anonymous", 401), ("reader", 403), ("editor", 201), ("admin", 201)]
)
def test_who_may_create(clients, desk, resource, who, expected):
    response = clients[who].post(f"/api/v1/{resource}/", new_body(resource, desk), format="json")

    assert response.status_code == expected, response.content


@pytest.mark.parametrize("resource", WRITABLE)
@pytest.mark.parametrize(
    "who, expected", [("anonymous", 401), ("reader", 403), ("editor", 200), ("admin", 200)]
)
def test_who_may_change(clients, desk, resource, who, expected):
    path = detail_path(resource, desk)
    response = clients[who].patch(path, patch_body(resource), format="json", HTTP_IF_MATCH='"1"')

    if resource == "positions" and expected == 200:
        # The desk's position is published: the change is accepted as a revision in review.
        expected = 202
    assert response.status_code == expected, response.content


@pytest.mark.parametrize("resource", WRITABLE)
@pytest.mark.parametrize("who, expected", [("anonymous", 401), ("reader", 403), ("editor", 403)])
def test_only_administrators_delete(clients, desk, resource, who, expected):
    response = clients[who].delete(detail_path(resource, desk))

    assert response.status_code == expected


def test_an_administrator_deletes_what_nothing_refers_to(clients, desk):
    Organization.objects.create(slug="gone", name="Gone", kind="ngo")

    response = clients["admin"].delete("/api/v1/organizations/gone/")

    assert response.status_code == 204
    assert clients["admin"].get("/api/v1/organizations/gone/").status_code == 404


@pytest.mark.parametrize(
    "resource", ["organizations", "people", "roles", "events", "sources", "quotes"]
)
def test_deleting_what_is_referred_to_is_a_409_and_deletes_nothing(clients, desk, resource):
    Quote.objects.filter(pk=desk["quote"].pk).update(role=desk["role"], event=desk["event"])
    path = detail_path(resource, desk)

    response = clients["admin"].delete(path)

    assert response.status_code == 409
    assert response.json()["detail"]
    assert clients["admin"].get(path).status_code == 200


def test_an_administrator_deletes_a_position(clients, desk):
    path = detail_path("positions", desk)

    assert clients["admin"].delete(path).status_code == 204
    assert clients["admin"].get(path).status_code == 404


@pytest.mark.parametrize("resource", READ_ONLY)
@pytest.mark.parametrize("who", ["anonymous", "editor", "admin"])
def test_reference_data_is_read_only_through_the_api(clients, desk, resource, who):
    response = clients[who].post(f"/api/v1/{resource}/", {}, format="json")

    assert response.status_code == 405


def test_session_authentication_works_for_the_browsable_api(client, editor, desk):
    editor.refresh_from_db()  # the factory sets the password without saving it
    client.force_login(editor)

    page = client.get("/api/v1/quotes/", HTTP_ACCEPT="text/html")
    write = client.post(
        "/api/v1/organizations/",
        {"slug": "via-session", "name": "Via session", "kind": "ngo"},
        content_type="application/json",
    )

    assert page.status_code == 200
    assert b"<html" in page.content
    assert write.status_code == 201
