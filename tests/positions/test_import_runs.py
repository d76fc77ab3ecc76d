"""The admin's upload imports in the background: it answers at once with a run page that
follows the import (htmx polling, or a meta refresh without JavaScript) and then shows the
result or the errors by row and column. Only the run's owner, or a superuser, sees it; a run
not heard from for a minute is interrupted, and nothing of it was stored."""

import datetime
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.urls import reverse
from django.utils import timezone

from apps.positions import import_runs
from apps.positions.import_runs import ProgressWriter, import_run_execute
from apps.positions.imports import read_rows
from apps.positions.models import ImportRun, ImportRunState, Position
from apps.statements.models import Quote, Source
from tests.factories import CountryFactory, EditorFactory, PersonFactory, TopicFactory

IMPORT = reverse("admin:positions_statements_import")
HEADER = (
    "source_title,source_published_on,source_kind,source_reliability,text,speaker,said_on,"
    "topics,position_topic,position_stance,position_country,position_status\n"
)
LINE = "A report,2023-07-12,analysis,secondary,{text},olaf,2023-07-12,membership,{pos}\n"
POSITION = "membership,1,DE,in_review"


def csv(*texts, pos=POSITION) -> bytes:
    return (HEADER + "".join(LINE.format(text=text, pos=pos) for text in texts)).encode()


def run_url(run) -> str:
    return reverse("admin:positions_statements_import_run", args=[run.pk])


def upload(client, body: bytes, name="statements.csv", **data):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, body), **data})


@pytest.fixture
def world(db):
    TopicFactory(slug="membership")
    CountryFactory(code="DE", name="Germany")
    PersonFactory(slug="olaf")


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


def a_run(by, **fields) -> ImportRun:
    values = {"file_name": "big.csv", "rows": 26_000, "dry_run": False, **fields}
    return ImportRun.objects.create(created_by=by, **values)


# --- the upload and its run page -------------------------------------------------------------


def test_the_upload_answers_with_its_run_page_which_shows_the_result(as_editor, world, editor):
    response = upload(as_editor, csv("Not now.", "Not yet."))

    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run_url(run)
    assert (run.created_by, run.file_name, run.rows, run.dry_run) == (
        editor,
        "statements.csv",
        2,
        False,
    )
    assert (run.state, run.rows_checked, run.quotes, run.positions, run.sources) == (
        ImportRunState.DONE,
        2,
        2,
        2,
        1,
    )
    assert run.started_at <= run.finished_at
    page = as_editor.get(run_url(run)).content.decode()
    assert "Imported 2 quote(s), 2 position(s) and 1 new source(s)." in page
    assert 'hx-trigger="every 1s"' not in page and 'http-equiv="refresh"' not in page
    assert Position.objects.filter(created_by=editor, status="in_review").count() == 2


def test_a_dry_run_says_the_file_is_valid_and_stores_nothing(as_editor, world):
    response = upload(as_editor, csv("Not now."), dry_run="on")

    page = as_editor.get(response["Location"]).content.decode()
    assert "The file is valid" in page and "Nothing was stored" in page
    assert ImportRun.objects.get().dry_run
    assert not Quote.objects.exists() and not Position.objects.exists()


def test_a_failed_run_lists_its_errors_by_row_and_column_and_stores_nothing(as_editor, world):
    body = csv("Fine words.") + LINE.format(text="Bad stance.", pos="membership,7,DE,").encode()

    response = upload(as_editor, body)

    run = ImportRun.objects.get()
    assert run.state == ImportRunState.FAILED
    assert run.errors == [
        {"row": 3, "column": "position_stance", "message": "Give a stance value from -2 to 2."}
    ]
    page = as_editor.get(response["Location"]).content.decode()
    assert "1 error(s): nothing was imported" in page
    assert "<td>3</td><td><code>position_stance</code></td>" in page
    assert not Quote.objects.exists() and not Source.objects.exists()


def test_an_unreadable_file_is_a_form_error_and_starts_no_run(as_editor, world):
    response = upload(as_editor, b"[1, 2]", name="rows.json")

    assert response.status_code == 200
    assert "The file cannot be read" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_an_unexpected_error_fails_the_run_and_stores_nothing(as_editor, world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("apps.positions.imports.position_record_many", broken)

    response = upload(as_editor, csv("Not now."))

    run = ImportRun.objects.get()
    assert run.state == ImportRunState.FAILED
    assert run.errors == [{"row": None, "column": "", "message": import_runs.UNEXPECTED}]
    assert "nothing was stored" in as_editor.get(response["Location"]).content.decode()
    assert not Quote.objects.exists()


# --- progress ------------------------------------------------------------------------------


def test_a_running_import_shows_how_far_it_got_and_refreshes_itself(as_editor, editor):
    run = a_run(editor, state=ImportRunState.RUNNING, rows_checked=12_000)

    response = as_editor.get(run_url(run))

    page = response.content.decode()
    assert "Checked 12,000 of 26,000 rows." in page
    assert '<progress max="26000" value="12000">' in page
    assert f'hx-get="{run_url(run)}" hx-trigger="every 1s"' in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert response["Vary"].count("HX-Request") == 1


def test_the_htmx_poll_gets_only_the_progress(as_editor, editor):
    run = a_run(editor, state=ImportRunState.RUNNING, rows_checked=26_000)

    response = as_editor.get(run_url(run), headers={"HX-Request": "true"})

    part = response.content.decode()
    assert "<html" not in part
    assert part.strip().startswith('<div id="run-progress"')
    assert "All 26,000 rows checked; storing them" in part


def test_the_poll_stops_when_the_run_ends(as_editor, editor):
    run = a_run(editor, state=ImportRunState.DONE, quotes=3)

    part = as_editor.get(run_url(run), headers={"HX-Request": "true"}).content.decode()

    assert "Imported 3 quote(s)" in part
    assert "hx-trigger" not in part


def test_a_run_not_heard_from_for_a_minute_is_interrupted(as_editor, editor):
    stopped = timezone.now() - datetime.timedelta(seconds=61)
    run = a_run(editor, state=ImportRunState.RUNNING, rows_checked=500, heartbeat=stopped)
    alive = a_run(editor, state=ImportRunState.RUNNING, heartbeat=timezone.now())

    page = as_editor.get(run_url(run)).content.decode()

    assert "The import was interrupted" in page
    assert "nothing was stored; upload it again" in page
    assert "hx-trigger" not in page
    run.refresh_from_db()
    alive.refresh_from_db()
    assert (run.state, alive.state) == (ImportRunState.INTERRUPTED, ImportRunState.RUNNING)


def test_progress_is_written_on_a_connection_of_its_own(transactional_db, editor):
    run = a_run(editor, state=ImportRunState.RUNNING, rows=2_000)
    writer = ProgressWriter(run)
    reader = connections.create_connection(DEFAULT_DB_ALIAS)

    def seen() -> int:
        with reader.cursor() as cursor:
            cursor.execute("SELECT rows_checked FROM positions_importrun WHERE id = %s", [run.pk])
            return cursor.fetchone()[0]

    try:
        with transaction.atomic():  # the import's transaction, open throughout
            writer(499)
            assert seen() == 0  # every PROGRESS_ROWS rows, not every row
            writer(500)
            assert seen() == 500  # committed, while the import's transaction is open
            writer(2_000)
            assert seen() == 2_000  # the last row is always written
            transaction.set_rollback(True)
    finally:
        writer.close()
        reader.close()
    assert ImportRun.objects.get(pk=run.pk).rows_checked == 2_000


# --- who sees what ---------------------------------------------------------------------------


def test_only_the_owner_or_a_superuser_sees_a_run(client, editor, superuser):
    run = a_run(editor, file_name="mine.csv")
    other = EditorFactory()

    client.force_login(other)
    assert client.get(run_url(run)).status_code == 404
    assert "mine.csv" not in client.get(IMPORT).content.decode()
    client.force_login(editor)
    assert client.get(run_url(run)).status_code == 200
    assert "mine.csv" in client.get(IMPORT).content.decode()
    client.force_login(superuser)
    assert client.get(run_url(run)).status_code == 200
    assert "mine.csv" in client.get(IMPORT).content.decode()


def test_a_second_upload_while_one_runs_is_refused(as_editor, world, editor):
    a_run(editor, file_name="first.csv", state=ImportRunState.RUNNING)

    response = upload(as_editor, csv("Not now."))

    assert response.status_code == 200
    assert "Your import of “first.csv” is still running" in response.content.decode()
    assert ImportRun.objects.count() == 1 and not Quote.objects.exists()


def test_the_run_page_answers_a_get_only(as_editor, editor):
    run = a_run(editor)

    assert as_editor.post(run_url(run)).status_code == 405


# --- the real thread ---------------------------------------------------------------------------


def test_the_upload_imports_in_a_thread_and_the_page_follows_it(transactional_db, client, settings):
    settings.IMPORT_IN_BACKGROUND = True
    TopicFactory(slug="membership")
    CountryFactory(code="DE", name="Germany")
    PersonFactory(slug="olaf")
    editor = EditorFactory()
    client.force_login(editor)

    response = upload(client, csv(*(f"Words {n}." for n in range(30))))

    run = ImportRun.objects.get()
    assert response["Location"] == run_url(run)
    for worker in threading.enumerate():
        if worker.name == f"import-run-{run.pk}":
            worker.join(timeout=60)
            assert not worker.is_alive()
    run.refresh_from_db()
    assert (run.state, run.quotes, run.positions) == (ImportRunState.DONE, 30, 30)
    assert "Imported 30 quote(s), 30 position(s)" in client.get(run_url(run)).content.decode()
    quote = Quote.objects.filter(created_by=editor).first()
    event = Quote.pgh_event_model.objects.get(pgh_obj_id=quote.pk)
    assert event.pgh_context.metadata == {"door": "import", "user": editor.pk, "url": IMPORT}


def test_the_run_writes_its_result_with_the_rows_it_stored(world, editor):
    """The result is written in the import's transaction: a run shown done has its rows."""
    run = a_run(editor, rows=1)
    rows = read_rows(csv("Not now.").decode(), "csv")

    import_run_execute(run, rows)

    run.refresh_from_db()
    assert (run.state, run.quotes, run.rows_checked) == (ImportRunState.DONE, 1, 1)
    assert run.started_at and run.finished_at
    assert Quote.objects.count() == 1


# --- the command line ----------------------------------------------------------------------------


def test_the_command_prints_its_progress_for_a_big_file(world, tmp_path, capsys, monkeypatch):
    EditorFactory(username="ingrid")
    monkeypatch.setattr("apps.positions.management.commands.import_statements.PROGRESS_ROWS", 2)
    path = tmp_path / "s.csv"
    path.write_bytes(csv(*(f"Words {n}." for n in range(5))))

    call_command("import_statements", str(path), "--as", "ingrid")

    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "checked 2 of 5 rows",
        "checked 4 of 5 rows",
        "checked 5 of 5 rows",
    ]
    assert "Imported 5 quote(s), 5 position(s)" in captured.out
