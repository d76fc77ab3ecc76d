"""The API's door to reviewed changes: a PATCH of a published position is a 202 with the
revision, readers keep seeing the published version, and another editor publishes it."""

import pytest

from apps.core.models import Revision, RevisionStatus
from apps.positions.models import Position
from tests.api.conftest import token_client
from tests.factories import EditorFactory


@pytest.fixture
def position_path(desk):
    return f"/api/v1/positions/{desk['position'].pk}/"


def matrix_stance(client, code="EE", topic="membership"):
    rows = client.get("/api/v1/matrix/?as_of=2023-07-01").json()["rows"]
    row = next(row for row in rows if row["holder"].get("code") == code)
    return row["cells"][topic]["stance"]["value"]


def test_a_patch_of_a_published_position_is_a_revision_in_review(
    editor_client, anon, desk, position_path
):
    before = anon.get(position_path).json()
    assert matrix_stance(anon) == 1

    response = editor_client.patch(
        position_path, {"stance": -1, "summary": "Rewritten."}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "in_review" and body["object_type"] == "positions.position"
    assert body["changes"]["summary"] == "Rewritten."
    assert response["Location"].endswith(f"/api/v1/revisions/{body['id']}/")
    # Readers (and the editor) keep seeing the published version.
    after = anon.get(position_path).json()
    assert (after["stance"], after["summary"], after["version"]) == (
        before["stance"],
        before["summary"],
        1,
    )
    assert editor_client.get(position_path)["ETag"] == '"1"'
    assert matrix_stance(anon) == 1


def test_the_author_cannot_publish_and_another_editor_can(editor_client, anon, desk, position_path):
    proposed = editor_client.patch(
        position_path, {"summary": "Rewritten."}, format="json", HTTP_IF_MATCH='"1"'
    ).json()
    publish = f"/api/v1/revisions/{proposed['id']}/publish/"

    refused = editor_client.post(publish)
    assert refused.status_code == 400 and "four-eyes" in str(refused.json())
    assert anon.get(position_path).json()["summary"] == ""

    other = token_client(EditorFactory())
    published = other.post(publish)

    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published"
    assert anon.get(position_path).json()["summary"] == "Rewritten."
    assert Position.objects.get(pk=desk["position"].pk).version == 2


def test_a_revision_is_rejected_with_a_note(editor_client, desk, position_path):
    proposed = editor_client.patch(
        position_path, {"summary": "Rewritten."}, format="json", HTTP_IF_MATCH='"1"'
    ).json()
    other = token_client(EditorFactory())

    response = other.post(
        f"/api/v1/revisions/{proposed['id']}/reject/", {"note": "Not so."}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["note"]) == ("rejected", "Not so.")
    assert Position.objects.get(pk=desk["position"].pk).summary == ""


def test_revisions_are_for_editors_only(anon, reader_client, editor_client, desk, position_path):
    editor_client.patch(position_path, {"summary": "x"}, format="json", HTTP_IF_MATCH='"1"')

    assert anon.get("/api/v1/revisions/").status_code in (401, 403)
    assert reader_client.get("/api/v1/revisions/").json()["results"] == []
    listed = editor_client.get("/api/v1/revisions/?status=in_review").json()["results"]
    assert [r["status"] for r in listed] == ["in_review"]
    revision = Revision.objects.get()
    assert reader_client.post(f"/api/v1/revisions/{revision.pk}/publish/").status_code == 404
    assert Revision.objects.get().status == RevisionStatus.IN_REVIEW


def test_rewriting_a_draft_and_publishing_it_in_one_patch_is_refused(editor_client, desk):
    from apps.core.models import Status
    from tests.factories import make_position

    draft = make_position(
        topic=desk["membership"],
        country=desk["us"],
        evidence=[desk["quote"]],
        status=Status.IN_REVIEW,
        by=EditorFactory(),
    )

    response = editor_client.patch(
        f"/api/v1/positions/{draft.pk}/",
        {"summary": "Mine now.", "status": "published"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 400
    assert "four-eyes" in response.json()["status"][0]
    draft.refresh_from_db()
    assert (draft.status, draft.summary) == ("in_review", "")


def test_the_schema_documents_the_202(anon, db):
    schema = anon.get("/api/schema/?format=json").json()
    patch = schema["paths"]["/api/v1/positions/{id}/"]["patch"]

    assert "202" in patch["responses"]
    assert "/api/v1/revisions/{id}/publish/" in schema["paths"]


def test_reading_the_revisions_costs_the_same_queries_whatever_their_number(
    editor_client, desk, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.core.revisions import revision_propose
    from tests.core.test_query_budgets import QUERY_BUDGET

    author = EditorFactory()

    def propose(n):
        for i in range(n):
            revision_propose(target=desk["position"], changes={"summary": f"Draft {i}."}, by=author)

    def count(path):
        with CaptureQueriesContext(connection) as queries:
            response = editor_client.get(path)
        assert response.status_code == 200, response.content
        return len(queries), response

    propose(2)
    count("/api/v1/revisions/")  # per-process memos (content types) warm, as in production
    few_list, _ = count("/api/v1/revisions/?status=in_review")
    few_detail, _ = count(f"/api/v1/revisions/{Revision.objects.first().pk}/")
    propose(8)
    more_list, listed = count("/api/v1/revisions/?status=in_review")
    more_detail, _ = count(f"/api/v1/revisions/{Revision.objects.last().pk}/")

    assert listed.json()["count"] == 10
    assert (more_list, more_detail) == (few_list, few_detail)
    assert max(more_list, more_detail) <= QUERY_BUDGET
