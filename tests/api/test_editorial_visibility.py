"""People, organizations, sources and events an editor creates for a draft stay out of
readers' sight until something published refers to them; a draft saved changes no reader's
ETag; publishing shows them and changes it (issue 18, row 13). Both doors: the API and the
pages."""

import pytest
from rest_framework.test import APIClient

from apps.core.models import Status
from apps.statements.models import Quote
from apps.statements.services import quote_update
from tests.api.conftest import token_client
from tests.factories import EditorFactory

WATCHED = ["/api/v1/quotes/", "/api/v1/matrix/?as_of=2023-07-10", "/api/v1/people/"]
PAGES = ["/", "/quotes/"]


def etags(client, paths):
    return {path: client.get(path)["ETag"] for path in paths}


def draft_with_new_objects(editor_client, desk):
    """Through the API, as an editor: a new person, organization, event and source, and a
    draft quote citing them."""
    created = [
        (
            "/api/v1/organizations/",
            {"slug": "new-ministry", "name": "New Ministry", "kind": "ministry"},
        ),
        ("/api/v1/people/", {"slug": "new-speaker", "name": "New Speaker", "country": "EE"}),
        (
            "/api/v1/events/",
            {
                "slug": "new-event",
                "name": "New Event",
                "kind": "summit",
                "start_date": "2023-05-01",
            },
        ),
        (
            "/api/v1/sources/",
            {
                "title": "New Source",
                "publisher": "new-ministry",
                "author": "new-speaker",
                "published_on": "2023-05-02",
                "kind": "interview",
                "reliability": "primary",
            },
        ),
    ]
    answers = [editor_client.post(path, body, format="json") for path, body in created]
    assert [a.status_code for a in answers] == [201] * 4, [a.content for a in answers]
    source_id = answers[3].json()["id"]
    quote = editor_client.post(
        "/api/v1/quotes/",
        {
            "text": "Words not yet reviewed.",
            "speaker": "new-speaker",
            "source": source_id,
            "event": "new-event",
            "said_on": "2023-05-02",
            "status": "draft",
        },
        format="json",
    )
    assert quote.status_code == 201, quote.content
    return {
        "api": [
            "/api/v1/people/new-speaker/",
            "/api/v1/organizations/new-ministry/",
            "/api/v1/events/new-event/",
            f"/api/v1/sources/{source_id}/",
        ],
        "pages": ["/people/new-speaker/", "/events/new-event/", f"/sources/{source_id}/"],
        "quote": quote.json()["id"],
    }


@pytest.fixture
def readers(reader_client):
    return {"anonymous": APIClient(), "reader": reader_client}


def test_a_draft_and_its_new_objects_are_hidden_from_readers_and_change_no_etag(
    anon, readers, editor_client, desk, client
):
    before = etags(anon, WATCHED)
    before_reader = etags(readers["reader"], WATCHED)
    pages_before = etags(client, PAGES)

    made = draft_with_new_objects(editor_client, desk)

    assert etags(anon, WATCHED) == before
    assert etags(readers["reader"], WATCHED) == before_reader
    assert etags(client, PAGES) == pages_before
    for who, reader in readers.items():
        for path in made["api"]:
            assert reader.get(path).status_code == 404, (who, path)
    for path in made["pages"]:
        assert client.get(path).status_code == 404, path
    assert "New Speaker" not in client.get("/countries/EE/").content.decode()  # its officials
    assert "New Event" not in client.get("/").content.decode()  # the as-of presets
    lists = {
        "/api/v1/people/": "new-speaker",
        "/api/v1/organizations/": "new-ministry",
        "/api/v1/events/": "new-event",
        "/api/v1/sources/": "New Source",
    }
    for path, name in lists.items():
        assert name not in anon.get(path).content.decode(), path
        assert name in editor_client.get(path).content.decode(), path
    for path in made["api"]:
        assert editor_client.get(path).status_code == 200, path


def test_editors_see_the_new_objects_on_the_pages(desk, editor_client, client):
    made = draft_with_new_objects(editor_client, desk)
    client.force_login(editor_client.user)

    assert [client.get(path).status_code for path in made["pages"]] == [200, 200, 200]


def test_publishing_the_draft_shows_its_objects_and_changes_the_etags(
    anon, readers, editor_client, desk, client
):
    made = draft_with_new_objects(editor_client, desk)
    before = etags(anon, WATCHED)
    pages_before = etags(client, PAGES)

    quote_update(
        quote=Quote.objects.get(pk=made["quote"]), status=Status.PUBLISHED, by=EditorFactory()
    )

    # The API's list tags hash what it answers (the matrix's answer is the same); the pages'
    # tags are the readers' data version.
    after = etags(anon, WATCHED)
    assert [p for p in WATCHED if after[p] != before[p]] == WATCHED[::2], (before, after)
    assert "Words not yet reviewed." in anon.get("/api/v1/quotes/").content.decode()
    assert all(etags(client, PAGES)[path] != pages_before[path] for path in PAGES)
    for who, reader in readers.items():
        for path in made["api"]:
            assert reader.get(path).status_code == 200, (who, path)
    for path in made["pages"]:
        assert client.get(path).status_code == 200, path
    assert "New Speaker" in client.get("/countries/EE/").content.decode()
    assert "New Event" in client.get("/").content.decode()


def test_unpublishing_hides_them_again_and_changes_the_etag(anon, editor_client, desk, client):
    made = draft_with_new_objects(editor_client, desk)
    quote = Quote.objects.get(pk=made["quote"])
    quote_update(quote=quote, status=Status.PUBLISHED, by=EditorFactory())
    before = anon.get("/api/v1/quotes/")["ETag"]

    quote_update(
        quote=Quote.objects.get(pk=quote.pk), status=Status.RETRACTED, correction_note="Misquoted."
    )

    assert anon.get("/api/v1/quotes/")["ETag"] != before
    assert [anon.get(path).status_code for path in made["api"]] == [404] * 4
    assert [client.get(path).status_code for path in made["pages"]] == [404] * 3


def test_an_edit_of_something_readers_see_changes_their_etag(anon, editor_client, desk):
    before = anon.get("/api/v1/people/")["ETag"]

    answer = editor_client.patch(
        "/api/v1/people/juri-luik/", {"name": "Jüri Luik (renamed)"}, format="json"
    )

    assert answer.status_code == 200, answer.content
    assert anon.get("/api/v1/people/")["ETag"] != before


def test_the_roles_of_a_hidden_person_are_hidden(anon, editor_client, desk):
    editor_client.post("/api/v1/people/", {"slug": "newcomer", "name": "Newcomer"}, format="json")
    made = editor_client.post(
        "/api/v1/roles/", {"person": "newcomer", "title": "Adviser"}, format="json"
    )
    assert made.status_code == 201, made.content

    assert anon.get(f"/api/v1/roles/{made.json()['id']}/").status_code == 404
    assert "Adviser" not in anon.get("/api/v1/roles/").content.decode()
    assert editor_client.get(f"/api/v1/roles/{made.json()['id']}/").status_code == 200


def test_reference_data_loaded_by_no_user_stays_public(anon, desk):
    # desk's person, organization, source and event were loaded by no user (as the seed is).
    assert anon.get("/api/v1/events/vilnius-2023/").status_code == 200
    assert anon.get("/api/v1/organizations/nato/").status_code == 200


def test_an_editor_is_answered_with_the_editors_version(desk):
    editor = token_client(EditorFactory())
    before = editor.get("/api/v1/quotes/")
    editor.post(
        "/api/v1/quotes/",
        {
            "text": "A draft.",
            "speaker": "juri-luik",
            "source": desk["source"].pk,
            "said_on": "2023-05-02",
            "status": "draft",
        },
        format="json",
    )

    after = editor.get("/api/v1/quotes/")

    assert "A draft." in after.content.decode()
    assert after["ETag"] != before["ETag"]


def test_a_reader_naming_a_hidden_speaker_in_the_quote_search_is_told_it_is_unknown(
    anon, editor_client, desk, client
):
    draft_with_new_objects(editor_client, desk)

    refused = anon.get("/api/v1/quotes/?speaker=new-speaker")
    page = client.get("/quotes/?speaker=new-speaker")
    found = editor_client.get("/api/v1/quotes/?speaker=new-speaker")

    assert refused.status_code == 400
    assert refused.json() == {"speaker": ["Unknown speaker “new-speaker”."]}
    assert page.status_code == 400
    assert "New Speaker" not in page.content.decode()
    assert found.status_code == 200
    assert "Words not yet reviewed." in found.content.decode()


def test_a_signed_in_reader_gets_a_404_page_and_an_unchanged_page_etag(
    desk, editor_client, reader, client
):
    client.force_login(reader)
    before = etags(client, PAGES)

    made = draft_with_new_objects(editor_client, desk)

    assert etags(client, PAGES) == before
    assert [client.get(path).status_code for path in made["pages"]] == [404] * 3
