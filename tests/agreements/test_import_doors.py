"""The two doors of the agreements' import, the command (`import_agreements FILE --as
USERNAME`) and the admin upload (an "Import" button on the agreements' list, run in the
background), behave alike: the same reading, the same refusals, a named editor, all or
nothing; and nothing imported reaches analysts before review."""

import json
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.agreements.models import Agreement, AgreementImportRun
from apps.core.import_runs import ImportRunState
from tests.factories import (
    CountryFactory,
    EditorFactory,
    OrganizationFactory,
    SourceFactory,
    UserFactory,
)

IMPORT = reverse("admin:agreements_agreement_import")
CHANGELIST = reverse("admin:agreements_agreement_changelist")
HEADER = "slug,title,kind,signed_on,source,status,parties,clause_category,clause_text\n"


def run_url(run) -> str:
    return reverse("admin:agreements_agreement_import_run", args=[run.pk])


@pytest.fixture
def source(db):
    CountryFactory(code="UA", name="Ukraine", nato_joined=None)
    CountryFactory(code="FR", name="France")
    OrganizationFactory(slug="nato", name="NATO")
    return SourceFactory(title="Synthetic source")


def line(
    source, slug="synthetic-pact", status="in_review", parties="UA FR", text="Synthetic words."
):
    return (
        f"{slug},Synthetic pact,bilateral_security,2024-02-16,{source.pk},{status},{parties},"
        f"military-aid,{text}\n"
    )


@pytest.fixture
def importer(db):
    return EditorFactory(username="ingrid")


class CommandDoor:
    def __init__(self, tmp_path, capsys):
        self.tmp_path, self.capsys = tmp_path, capsys

    def run(self, body: bytes, name="agreements.csv", *options):
        """Return (ok, the messages) of an import through this door."""
        path = self.tmp_path / name
        path.write_bytes(body)
        try:
            call_command("import_agreements", str(path), "--as", "ingrid", *options)
        except CommandError as error:
            return False, f"{self.capsys.readouterr().err}\n{error}"
        return True, self.capsys.readouterr().out


class UploadDoor:
    def __init__(self, client, user):
        client.force_login(user)
        self.client = client

    def run(self, body: bytes, name="agreements.csv", *options):
        """An unreadable file is a form error; a readable one is a run, whose page says how
        it ended."""
        data = {"file": SimpleUploadedFile(name, body)}
        if "--dry-run" in options:
            data["dry_run"] = "on"
        response = self.client.post(IMPORT, data, follow=True)
        assert response.status_code == 200  # never a 500
        run = response.context.get("run")
        return run is not None and run.ok, response.content.decode()


@pytest.fixture(params=["command", "upload"])
def door(request, tmp_path, capsys, client, importer, source):
    if request.param == "command":
        return CommandDoor(tmp_path, capsys)
    return UploadDoor(client, importer)


# --- both doors -------------------------------------------------------------------------------


def test_a_good_file_is_imported_in_review_by_its_importer(door, source, importer):
    ok, message = door.run((HEADER + line(source)).encode())

    assert ok, message
    agreement = Agreement.objects.get()
    assert (agreement.status, agreement.created_by) == ("in_review", importer)
    assert agreement.clauses.get().text == "Synthetic words."
    event = Agreement.pgh_event_model.objects.get(pgh_obj_id=agreement.pk)
    assert event.pgh_context.metadata["door"] == "import"
    assert event.pgh_context.metadata["user"] == importer.pk


def test_a_json_file_is_imported(door, source):
    body = [
        {
            "slug": "synthetic-pact",
            "title": "Synthetic pact",
            "kind": "compact",
            "signed_on": "2024-02-16",
            "source": source.pk,
            "parties": [{"country": "UA"}, {"organization": "nato", "joined_on": "2024-03-01"}],
            "clauses": [{"category": "other", "text": "Synthetic words."}],
        }
    ]

    ok, message = door.run(json.dumps(body).encode(), "agreements.json")

    assert ok, message
    assert Agreement.objects.get().status == "draft"


def test_a_byte_order_mark_is_accepted(door, source):
    ok, message = door.run(b"\xef\xbb\xbf" + (HEADER + line(source)).encode())

    assert ok, message
    assert Agreement.objects.filter(slug="synthetic-pact").exists()


def test_a_dry_run_stores_nothing(door, source):
    ok, message = door.run((HEADER + line(source)).encode(), "agreements.csv", "--dry-run")

    assert ok
    assert "Would import 1 agreement(s)" in message or "The file is valid" in message
    assert not Agreement.objects.exists()


def test_an_agreement_marked_published_is_refused(door, source):
    ok, message = door.run((HEADER + line(source, status="published")).encode())

    assert not ok
    assert "Imported rows go to review" in message and "status" in message
    assert not Agreement.objects.exists()


def test_one_bad_agreement_stores_nothing_and_names_its_row(door, source):
    body = HEADER + line(source) + line(source, slug="synthetic-b", parties="UA")

    ok, message = door.run(body.encode())

    assert not ok
    assert "An agreement has at least two parties." in message
    assert (
        "row 3, column parties" in message or "<td>3</td><td><code>parties</code></td>" in message
    )
    assert not Agreement.objects.exists()


def test_an_unreadable_file_is_refused_with_a_message(door):
    ok, message = door.run(b'{"slug": "synthetic"}', "agreements.json")

    assert not ok
    assert "A JSON import is a list of objects, one per agreement." in message
    assert not Agreement.objects.exists()


# --- who may import ---------------------------------------------------------------------------


def test_the_command_needs_an_active_editor(source, tmp_path):
    path = tmp_path / "agreements.csv"
    path.write_text(HEADER + line(source))
    UserFactory(username="reader")
    EditorFactory(username="gone", is_active=False)

    with pytest.raises(CommandError, match="--as"):
        call_command("import_agreements", str(path))
    with pytest.raises(CommandError, match="no active user"):
        call_command("import_agreements", str(path), "--as", "nobody")
    with pytest.raises(CommandError, match="no active user"):
        call_command("import_agreements", str(path), "--as", "gone")
    with pytest.raises(CommandError, match="may not add agreements"):
        call_command("import_agreements", str(path), "--as", "reader")
    assert not Agreement.objects.exists()


def test_a_reader_cannot_reach_the_upload(client, source, importer):
    run = AgreementImportRun.objects.create(
        created_by=importer, file_name="synthetic.csv", rows=1, dry_run=True
    )
    body = (HEADER + line(source)).encode()
    anonymous = client.get(IMPORT)
    assert anonymous.status_code == 302 and reverse("admin:login") in anonymous["Location"]

    client.force_login(UserFactory())  # not staff: the admin sends them to its sign-in
    for response in (
        client.get(IMPORT),
        client.post(IMPORT, {"file": SimpleUploadedFile("a.csv", body)}),
        client.get(run_url(run)),
    ):
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]

    client.force_login(UserFactory(is_staff=True))  # staff, without the permission
    assert client.get(IMPORT).status_code == 403
    assert client.post(IMPORT, {"file": SimpleUploadedFile("a.csv", body)}).status_code == 403
    assert client.get(run_url(run)).status_code == 403
    assert not Agreement.objects.exists() and AgreementImportRun.objects.count() == 1


def test_the_list_offers_the_import_to_editors_only(client, importer, db):
    client.force_login(importer)
    page = client.get(CHANGELIST).content.decode()
    assert f'href="{IMPORT}"' in page

    viewer = UserFactory(is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_agreement"))
    client.force_login(viewer)
    assert f'href="{IMPORT}"' not in client.get(CHANGELIST).content.decode()


def test_only_the_owner_or_a_superuser_sees_a_run(client, importer, superuser):
    run = AgreementImportRun.objects.create(
        created_by=importer, file_name="mine.csv", rows=1, dry_run=True
    )

    client.force_login(EditorFactory())
    assert client.get(run_url(run)).status_code == 404
    assert "mine.csv" not in client.get(IMPORT).content.decode()
    client.force_login(importer)
    assert client.get(run_url(run)).status_code == 200
    assert "mine.csv" in client.get(IMPORT).content.decode()
    client.force_login(superuser)
    assert client.get(run_url(run)).status_code == 200


# --- the upload's run -------------------------------------------------------------------------


def test_the_upload_answers_with_its_run_page(client, source, importer):
    client.force_login(importer)

    response = client.post(
        IMPORT, {"file": SimpleUploadedFile("agreements.csv", (HEADER + line(source)).encode())}
    )

    run = AgreementImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run_url(run)
    assert (run.state, run.rows, run.agreements, run.parties, run.clauses) == (
        ImportRunState.DONE,
        1,
        1,
        2,
        1,
    )
    page = client.get(run_url(run)).content.decode()
    assert "Imported 1 agreement(s), 2 parties and 1 clause(s)." in page
    event = Agreement.pgh_event_model.objects.get()
    assert event.pgh_context.metadata == {"door": "import", "user": importer.pk, "url": IMPORT}


def test_the_htmx_poll_gets_only_the_progress(client, importer):
    run = AgreementImportRun.objects.create(
        created_by=importer,
        file_name="big.csv",
        rows=900,
        rows_checked=300,
        dry_run=False,
        state=ImportRunState.RUNNING,
    )
    client.force_login(importer)

    part = client.get(run_url(run), headers={"HX-Request": "true"}).content.decode()

    assert "<html" not in part
    assert part.strip().startswith('<div id="run-progress"')
    assert "Checked 300 of 900 rows." in part


def test_the_upload_imports_in_a_thread_and_the_page_follows_it(transactional_db, settings):
    settings.IMPORT_IN_BACKGROUND = True
    CountryFactory(code="UA", name="Ukraine", nato_joined=None)
    CountryFactory(code="FR", name="France")
    source = SourceFactory(title="Synthetic source")
    from tests.factories import ClauseCategoryFactory

    ClauseCategoryFactory(slug="military-aid")  # a flush removed the migration's
    editor = EditorFactory()
    client = Client()
    client.force_login(editor)
    body = HEADER + "".join(line(source, slug=f"synthetic-{n}") for n in range(5))

    response = client.post(IMPORT, {"file": SimpleUploadedFile("a.csv", body.encode())})

    run = AgreementImportRun.objects.get()
    assert response["Location"] == run_url(run)
    for worker in threading.enumerate():
        if worker.name == f"agreement-import-run-{run.pk}":
            worker.join(timeout=60)
            assert not worker.is_alive()
    run.refresh_from_db()
    assert (run.state, run.agreements, run.rows_checked) == (ImportRunState.DONE, 5, 5)
    assert Agreement.objects.filter(created_by=editor, status="in_review").count() == 5


# --- analysts ---------------------------------------------------------------------------------


def test_nothing_imported_reaches_analysts_before_review(door, source):
    ok, _ = door.run((HEADER + line(source, text="Synthetic unreviewed words.")).encode())
    assert ok and Agreement.objects.get().status == "in_review"

    for client in (Client(), _reader()):
        page = client.get("/agreements/")
        api = client.get("/api/v1/agreements/")
        clauses = client.get("/api/v1/clauses/")
        assert page.status_code == api.status_code == clauses.status_code == 200
        assert "synthetic-pact" not in page.content.decode()
        assert "synthetic-pact" not in api.content.decode()
        assert "Synthetic unreviewed words." not in clauses.content.decode()
        assert client.get("/agreements/synthetic-pact/").status_code == 404
        assert client.get("/api/v1/agreements/synthetic-pact/").status_code == 404


def _reader():
    client = APIClient()
    client.force_login(UserFactory())
    return client
