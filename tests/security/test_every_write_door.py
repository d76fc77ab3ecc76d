"""Every write door, tried on a published position by someone who is not its author: the
API (a PATCH of the position, a DELETE or retraction of its evidence), the admin (the change
form, a quote's delete page, the bulk delete action, a history restore) and both import
doors (the command and the upload). Whatever the door answers, analysts keep seeing the
published version (a change waits in review), and the position keeps published evidence,
checked as the database would check it at commit. The agreements' two import doors neither
publish, nor rewrite a published agreement, nor show analysts what they bring in."""

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.core.models import Revision, RevisionStatus, Status
from apps.positions.models import Position
from apps.positions.services import position_update
from apps.statements.models import Quote
from tests.admin.test_history_admin import change_payload, change_url
from tests.api.conftest import token_client
from tests.factories import (
    AdminFactory,
    CountryFactory,
    EditorFactory,
    PersonFactory,
    TopicFactory,
    make_position,
    make_quote,
)

EVIDENCE_TEXT = "Ukraine belongs in NATO, and we will say so at every summit."
IN_FORCE = "In force: membership once the war is over."
REWRITE = "Rewritten behind the reviewers' backs."
HEADER = (
    "source_title,source_published_on,source_kind,source_reliability,text,speaker,said_on,"
    "topics,status,position_topic,position_stance,position_country,position_status\n"
)


@dataclass
class World:
    position: Position
    evidence: Quote
    attacker: object
    tmp_path: object

    @property
    def pk(self):
        return self.position.pk


@pytest.fixture
def world(db, tmp_path, request):
    topic = TopicFactory(slug="membership", name="Membership")
    estonia = CountryFactory(code="EE", name="Estonia")
    PersonFactory(slug="olaf")  # the speaker the import rows name
    author = EditorFactory()
    evidence = make_quote(text=EVIDENCE_TEXT, country=estonia, topics=[topic], by=author)
    draft = make_position(
        topic=topic,
        country=estonia,
        value=1,
        evidence=[evidence],
        summary=IN_FORCE,
        status=Status.IN_REVIEW,
        by=author,
    )
    position = position_update(position=draft, status=Status.PUBLISHED, by=EditorFactory())
    attacker = AdminFactory() if request.param == "administrator" else EditorFactory()
    world = World(position=position, evidence=evidence, attacker=attacker, tmp_path=tmp_path)
    committed_so_far()
    return world


def committed_so_far():
    """Check what was written so far, as if committed: the rules PostgreSQL keeps for the
    commit (published evidence, no hole) run now, as a test never reaches its commit."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def signed_in(world):
    client = Client()
    client.force_login(world.attacker)
    return client


# --- the doors: each tries to change what analysts see, and says what it was answered ------


def api_patch_position(world):
    response = token_client(world.attacker).patch(
        f"/api/v1/positions/{world.pk}/",
        {"stance": -2, "summary": REWRITE},
        format="json",
        HTTP_IF_MATCH=f'"{world.position.version}"',
    )
    return response.status_code


def api_patch_position_publishing_it(world):
    response = token_client(world.attacker).patch(
        f"/api/v1/positions/{world.pk}/",
        {"stance": -2, "summary": REWRITE, "status": "published"},
        format="json",
        HTTP_IF_MATCH=f'"{world.position.version}"',
    )
    return response.status_code


def api_delete_evidence(world):
    return token_client(world.attacker).delete(f"/api/v1/quotes/{world.evidence.pk}/").status_code


def api_retract_evidence(world):
    response = token_client(world.attacker).patch(
        f"/api/v1/quotes/{world.evidence.pk}/",
        {"status": "retracted", "correction_note": "Misread the source."},
        format="json",
        HTTP_IF_MATCH=f'"{world.evidence.version}"',
    )
    return response.status_code


def admin_change_position(world):
    position = world.position
    against = position.topic.stances.get(value=-2)
    return (
        signed_in(world)
        .post(change_url(position), change_payload(position, stance=against.pk, summary=REWRITE))
        .status_code
    )


def admin_change_position_dropping_evidence(world):
    draft = make_quote(text="Not yet said aloud.", status=Status.DRAFT)
    position = world.position
    return (
        signed_in(world)
        .post(change_url(position), change_payload(position, evidence=[draft.pk]))
        .status_code
    )


def admin_delete_evidence(world):
    url = reverse("admin:statements_quote_delete", args=[world.evidence.pk])
    return signed_in(world).post(url, {"post": "yes"}).status_code


def admin_bulk_delete_evidence(world):
    loose = make_quote(text="Words no position rests on.")
    response = signed_in(world).post(
        reverse("admin:statements_quote_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [loose.pk, world.evidence.pk],
            "post": "yes",
        },
    )
    return response.status_code


def admin_restore_older_version(world):
    # The version as it was published, then a later published wording to restore it over.
    published = Position.pgh_event_model.objects.filter(pgh_obj_id=world.pk).latest("pgh_id")
    Position.objects.filter(pk=world.pk).update(summary=IN_FORCE + " Later wording.")
    committed_so_far()
    url = reverse("admin:positions_position_restore", args=[world.pk, published.pgh_id])
    return signed_in(world).post(url).status_code


def import_rows(position_status):
    row = (
        f"A report,2023-07-12,analysis,secondary,{REWRITE},olaf,2023-07-12,membership,"
        f"{position_status},membership,-2,EE,{position_status}\n"
    )
    return (HEADER + row).encode()


def import_command(position_status):
    def door(world):
        path = world.tmp_path / "statements.csv"
        path.write_bytes(import_rows(position_status))
        try:
            call_command("import_statements", str(path), "--as", world.attacker.username)
        except CommandError:
            return "refused"
        return "imported"

    door.__name__ = f"import_command_{position_status}"
    return door


def import_upload(position_status):
    def door(world):
        response = signed_in(world).post(
            reverse("admin:positions_statements_import"),
            {"file": SimpleUploadedFile("statements.csv", import_rows(position_status))},
            follow=True,
        )
        assert response.status_code == 200
        return response.context["run"].state

    door.__name__ = f"import_upload_{position_status}"
    return door


# Each door, and what it answers an editor and an administrator (neither the author): a
# change in review (202, or the admin's redirect to the revision), a refusal (403 without
# the permission, 409 or a form error naming the positions), or rows imported in review
# (the upload's run done; failed when it refused the file).
DOORS = {
    api_patch_position: (202, 202),
    api_patch_position_publishing_it: (202, 202),
    api_delete_evidence: (403, 409),
    api_retract_evidence: (409, 409),
    admin_change_position: (302, 302),
    admin_change_position_dropping_evidence: (200, 200),
    admin_delete_evidence: (403, 302),
    admin_bulk_delete_evidence: (200, 302),
    admin_restore_older_version: (302, 302),
    import_command("published"): ("refused", "refused"),
    (import_command_in_review := import_command("in_review")): ("imported", "imported"),
    import_upload("published"): ("failed", "failed"),
    (import_upload_in_review := import_upload("in_review")): ("done", "done"),
}
REVIEWED = {api_patch_position, api_patch_position_publishing_it, admin_change_position}
REVIEWED |= {admin_restore_older_version}
IMPORTED_IN_REVIEW = {import_command_in_review, import_upload_in_review}


# --- what analysts see ---------------------------------------------------------------------


def seen_by_analysts(pk):
    """What an anonymous analyst is shown of the position, read fresh (not from the cache)."""
    cache.clear()
    api = APIClient()
    detail = api.get(f"/api/v1/positions/{pk}/")
    assert detail.status_code == 200, detail.content
    body = detail.json()
    matrix = api.get("/api/v1/matrix/?as_of=2023-07-01")
    assert matrix.status_code == 200, matrix.content
    row = next(r for r in matrix.json()["rows"] if r["holder"].get("code") == "EE")
    page = Client().get(f"/positions/{pk}/evidence/")
    assert page.status_code == 200
    text = page.content.decode()
    return {
        "stance": body["stance"],
        "summary": body["summary"],
        "status": body["status"],
        "version": body["version"],
        "matrix": row["cells"]["membership"]["stance"]["value"],
        "page shows the evidence": EVIDENCE_TEXT in text,
        "page shows the rewrite": REWRITE in text,
    }


@pytest.mark.parametrize(
    "world", ["editor", "administrator"], indirect=True, ids=["by-editor", "by-administrator"]
)
@pytest.mark.parametrize("door", DOORS, ids=[door.__name__ for door in DOORS])
def test_no_door_changes_what_analysts_see_or_leaves_it_without_evidence(world, door):
    before = seen_by_analysts(world.pk)
    answer = door(world)
    assert answer == DOORS[door][world.attacker.is_superuser], answer

    # Whatever the door did is checked as the commit would check it: no hole is left.
    committed_so_far()
    position = Position.objects.get(pk=world.pk)
    assert position.status == Status.PUBLISHED
    assert position.evidence.filter(status=Status.PUBLISHED).exists(), door.__name__

    seen = seen_by_analysts(world.pk)
    assert seen["status"] == "published"
    assert seen["matrix"] == 1
    assert seen["stance"] == before["stance"]
    assert seen["page shows the evidence"] and not seen["page shows the rewrite"]
    assert REWRITE not in seen["summary"]
    assert seen["summary"].startswith(IN_FORCE)
    assert seen["version"] == position.version

    # A change that was accepted waits in review, beside the published version.
    changes = Revision.objects.filter(object_id=world.pk, status=RevisionStatus.IN_REVIEW)
    assert changes.exists() == (door in REVIEWED)
    others = Position.objects.exclude(pk=world.pk)
    assert not others.filter(status=Status.PUBLISHED).exists()
    imported = others.filter(status=Status.IN_REVIEW, created_by=world.attacker)
    assert imported.exists() == (door in IMPORTED_IN_REVIEW)
    assert Quote.objects.filter(pk=world.evidence.pk, status=Status.PUBLISHED).exists()


# --- the agreements' import doors ----------------------------------------------------------

AGREEMENT_HEADER = "slug,title,kind,signed_on,source,status,parties,clause_category,clause_text\n"
# What a file tries: to publish, to rewrite the published agreement, or to add one for review.
AGREEMENT_FILES = {
    "published": [("synthetic-new", "published")],
    "rewrite": [("synthetic-signed", "in_review"), ("synthetic-new", "in_review")],
    "new": [("synthetic-new", "in_review")],
}


def agreement_import_rows(kind, source):
    rows = [
        f"{slug},{REWRITE},treaty,2024-02-16,{source.pk},{status},UA EE,other,{REWRITE}\n"
        for slug, status in AGREEMENT_FILES[kind]
    ]
    return (AGREEMENT_HEADER + "".join(rows)).encode()


def agreement_import_command(world, kind, source):
    path = world.tmp_path / "agreements.csv"
    path.write_bytes(agreement_import_rows(kind, source))
    try:
        call_command("import_agreements", str(path), "--as", world.attacker.username)
    except CommandError:
        return "refused"
    return "imported"


def agreement_import_upload(world, kind, source):
    response = signed_in(world).post(
        reverse("admin:agreements_agreement_import"),
        {"file": SimpleUploadedFile("agreements.csv", agreement_import_rows(kind, source))},
        follow=True,
    )
    assert response.status_code == 200
    return {"failed": "refused", "done": "imported"}[response.context["run"].state]


@pytest.mark.parametrize(
    "world", ["editor", "administrator"], indirect=True, ids=["by-editor", "by-administrator"]
)
@pytest.mark.parametrize("door", [agreement_import_command, agreement_import_upload])
@pytest.mark.parametrize("kind", AGREEMENT_FILES)
def test_no_import_door_shows_analysts_an_unreviewed_agreement(world, door, kind):
    from apps.agreements.models import Agreement
    from tests.factories import AgreementFactory, SourceFactory

    ukraine = CountryFactory(code="UA", name="Ukraine", nato_joined=None)
    signed = AgreementFactory(
        slug="synthetic-signed",
        title="Synthetic signed",
        parties=[{"country": ukraine}, {"country": world.position.country}],
    )
    source = SourceFactory(title="Synthetic source")

    answer = door(world, kind, source)

    # Published rows are refused, and so is a stored slug: only new agreements in review go in.
    assert answer == ("imported" if kind == "new" else "refused")
    imported = Agreement.objects.filter(slug="synthetic-new", created_by=world.attacker)
    assert imported.exists() == (kind == "new")
    assert not imported.exclude(status=Status.IN_REVIEW).exists()
    signed.refresh_from_db()
    assert (signed.title, signed.status) == ("Synthetic signed", Status.PUBLISHED)
    cache.clear()
    for path in ("/agreements/", "/api/v1/agreements/", "/api/v1/clauses/"):
        response = Client().get(path)
        assert response.status_code == 200
        text = response.content.decode()
        assert ("Synthetic signed" in text) == (path != "/api/v1/clauses/")
        assert REWRITE not in text and "synthetic-new" not in text
    assert Client().get("/agreements/synthetic-new/").status_code == 404
