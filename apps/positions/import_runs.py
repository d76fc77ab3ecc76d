"""Statement imports that run in the background: the admin's upload starts a run and answers
at once; a thread of the web process imports the rows (all or nothing, in one transaction)
and writes how far it got on a connection of its own, where the run's page reads it.

A run whose heartbeat stops (the process was restarted or killed) is interrupted: its
transaction was rolled back with its connection, so nothing was stored.

The setting IMPORT_IN_BACKGROUND (default True) set to False imports inside the request
instead: the tests do (tests/conftest.py), their rows being in a transaction another
thread's connection cannot see.
"""

import dataclasses
import threading
import time

import pghistory
import structlog
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from apps.core.audit import audit_context
from apps.positions.imports import ImportResult, statements_import
from apps.positions.models import ImportRun, ImportRunState

logger = structlog.get_logger(__name__)

# Progress is written every PROGRESS_ROWS rows checked, and at least every HEARTBEAT_SECONDS
# while the import works (well inside IMPORT_HEARTBEAT_TIMEOUT).
PROGRESS_ROWS = 500
HEARTBEAT_SECONDS = 5.0
UNEXPECTED = (
    "The import stopped on an unexpected error, and nothing was stored. "
    "Upload the file again; if it fails again, tell an administrator."
)


def import_run_start(*, rows: list[dict], file_name: str, by, dry_run: bool, url: str = ""):
    """Record a run of these rows, imported by ``by``, and start it: in a thread once the
    run is committed (unless settings.IMPORT_IN_BACKGROUND is False: then at once, in this
    thread). Return the run; its page shows how it goes."""
    run = ImportRun.objects.create(
        created_by=by, file_name=file_name[:255], rows=len(rows), dry_run=dry_run
    )
    if getattr(settings, "IMPORT_IN_BACKGROUND", True):
        worker = threading.Thread(
            target=_import_in_thread,
            args=(run.pk, rows, url),
            name=f"import-run-{run.pk}",
            # A stopped process takes its import with it: the run then shows as interrupted.
            daemon=True,
        )
        transaction.on_commit(worker.start)
    else:
        import_run_execute(run, rows, url=url)
    return run


def _import_in_thread(pk: int, rows: list[dict], url: str) -> None:
    try:
        run = ImportRun.objects.select_related("created_by").get(pk=pk)
        import_run_execute(run, rows, url=url)
    except Exception:
        logger.exception("import_run_failed", run=pk)
    finally:
        # This thread's connections, the import's and the progress's.
        connections.close_all()


def import_run_execute(run: ImportRun, rows: list[dict], *, url: str = "") -> ImportRun:
    """Import the run's rows as its owner, writing its progress as it goes, and its result
    in the import's own transaction (so a run shown done has its rows stored)."""
    now = timezone.now()
    run.state, run.started_at, run.heartbeat = ImportRunState.RUNNING, now, now
    run.save(update_fields=["state", "started_at", "heartbeat"])
    progress = ProgressWriter(run)
    try:
        with transaction.atomic():
            where = {"url": url} if url else {}
            with audit_context(door="import", user=run.created_by), pghistory.context(**where):
                result = statements_import(
                    rows=rows, by=run.created_by, dry_run=run.dry_run, progress=progress
                )
            _finish(run, result)
    except Exception:
        logger.exception("import_run_failed", run=run.pk)
        run.state, run.finished_at = ImportRunState.FAILED, timezone.now()
        run.errors = [{"row": None, "column": "", "message": UNEXPECTED}]
        run.save(update_fields=["state", "errors", "finished_at"])
    finally:
        progress.close()
    return run


def _finish(run: ImportRun, result: ImportResult) -> None:
    run.state = ImportRunState.DONE if result.ok else ImportRunState.FAILED
    run.rows_checked = result.rows
    run.quotes, run.positions, run.sources = result.quotes, result.positions, result.sources
    run.errors = [dataclasses.asdict(error) for error in result.errors]
    run.finished_at = run.heartbeat = timezone.now()
    run.save(
        update_fields=[
            "state",
            "rows_checked",
            "quotes",
            "positions",
            "sources",
            "errors",
            "finished_at",
            "heartbeat",
        ]
    )


class ProgressWriter:
    """Called with the rows checked so far; writes them, and the heartbeat, to the run now
    and then, on a database connection of its own: the import's transaction shows nothing
    to others until it ends."""

    def __init__(self, run: ImportRun):
        self.pk, self.total = run.pk, run.rows
        self.written, self.written_at = 0, time.monotonic()
        self.connection: BaseDatabaseWrapper | None = None

    def __call__(self, checked: int) -> None:
        now = time.monotonic()
        due = checked - self.written >= PROGRESS_ROWS or now - self.written_at >= HEARTBEAT_SECONDS
        if not (due or (checked == self.total and self.written != checked)):
            return
        self.written, self.written_at = checked, now
        if self.connection is None:
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        connection = self.connection
        table = connection.ops.quote_name(ImportRun._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET rows_checked = %s, heartbeat = %s WHERE id = %s",
                [checked, timezone.now(), self.pk],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
