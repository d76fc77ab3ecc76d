"""Imports that run in the background: the admin's upload records a run and answers at once;
a thread of the web process imports the rows (all or nothing, in one transaction) and writes
how far it got on a connection of its own, where the run's page reads it. Statements
(apps.positions.models.ImportRun) and agreements (apps.agreements.models.AgreementImportRun)
each keep their runs; this is the machinery both share.

A run whose heartbeat stops (the process was restarted or killed) is interrupted: its
transaction was rolled back with its connection, so nothing was stored.

The setting IMPORT_IN_BACKGROUND (default True) set to False imports inside the request
instead: the tests do (tests/conftest.py), their rows being in a transaction another
thread's connection cannot see.
"""

import dataclasses
import datetime
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

import pghistory
import structlog
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from apps.core.audit import audit_context

logger = structlog.get_logger(__name__)

# Progress is written every PROGRESS_ROWS rows checked, and at least every HEARTBEAT_SECONDS
# while the import works (well inside IMPORT_HEARTBEAT_TIMEOUT).
PROGRESS_ROWS = 500
HEARTBEAT_SECONDS = 5.0
UNEXPECTED = (
    "The import stopped on an unexpected error, and nothing was stored. "
    "Upload the file again; if it fails again, tell an administrator."
)


class ImportRunState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    INTERRUPTED = "interrupted", "Interrupted"


# A running import writes its heartbeat every few seconds: one not heard from for this long
# is gone (its process stopped), and its transaction was rolled back with it.
IMPORT_HEARTBEAT_TIMEOUT = datetime.timedelta(minutes=1)
UNFINISHED = (ImportRunState.QUEUED, ImportRunState.RUNNING)


class ImportRunQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the runs the user may see: their own, or every run for a superuser."""
        if user.is_superuser:
            return self
        return self.filter(created_by=user)

    def stale(self):
        """Return unfinished runs whose heartbeat is older than IMPORT_HEARTBEAT_TIMEOUT."""
        cutoff = timezone.now() - IMPORT_HEARTBEAT_TIMEOUT
        return self.filter(state__in=UNFINISHED, heartbeat__lt=cutoff)

    def live(self):
        """Return unfinished runs still heard from."""
        cutoff = timezone.now() - IMPORT_HEARTBEAT_TIMEOUT
        return self.filter(state__in=UNFINISHED, heartbeat__gte=cutoff)


class ImportRunBase(models.Model):
    """One upload to import: who, what file, how far the import got and how it ended.
    Bookkeeping, not editorial data: no history. A concrete run adds a counter per kind of
    row it stores, named in ``counts`` as the import's result names them."""

    counts: ClassVar[tuple[str, ...]] = ()
    thread_prefix: ClassVar[str] = "import-run"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", editable=False
    )
    file_name = models.CharField(max_length=255)
    rows = models.PositiveIntegerField()
    dry_run = models.BooleanField()
    state = models.CharField(
        max_length=12, choices=ImportRunState.choices, default=ImportRunState.QUEUED
    )
    rows_checked = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, column, message}]")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(default=timezone.now)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display().lower()})"

    @property
    def finished(self) -> bool:
        return self.state not in UNFINISHED

    @property
    def ok(self) -> bool:
        return self.state == ImportRunState.DONE


# importer(rows=…, by=…, dry_run=…, progress=…) -> a result with ok, rows, errors (dataclasses
# with row, column and message) and the run's counts.
Importer = Callable[..., Any]


def import_run_start(run: ImportRunBase, rows: list, *, importer: Importer, url: str = ""):
    """Start the recorded run of these rows, imported by its owner: in a thread once the run
    is committed (unless settings.IMPORT_IN_BACKGROUND is False: then at once, in this
    thread). Return the run; its page shows how it goes."""
    if getattr(settings, "IMPORT_IN_BACKGROUND", True):
        worker = threading.Thread(
            target=_import_in_thread,
            args=(type(run), run.pk, rows, importer, url),
            name=f"{run.thread_prefix}-{run.pk}",
            # A stopped process takes its import with it: the run then shows as interrupted.
            daemon=True,
        )
        transaction.on_commit(worker.start)
    else:
        import_run_execute(run, rows, importer=importer, url=url)
    return run


def _import_in_thread(model, pk: int, rows: list, importer: Importer, url: str) -> None:
    try:
        run = model.objects.select_related("created_by").get(pk=pk)
        import_run_execute(run, rows, importer=importer, url=url)
    except Exception:
        logger.exception("import_run_failed", run=pk)
    finally:
        # This thread's connections, the import's and the progress's.
        connections.close_all()


def import_run_execute(run, rows: list, *, importer: Importer, url: str = ""):
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
                result = importer(
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


def _finish(run, result) -> None:
    run.state = ImportRunState.DONE if result.ok else ImportRunState.FAILED
    run.rows_checked = result.rows
    for name in run.counts:
        setattr(run, name, getattr(result, name))
    run.errors = [dataclasses.asdict(error) for error in result.errors]
    run.finished_at = run.heartbeat = timezone.now()
    fields = ["state", "rows_checked", *run.counts, "errors", "finished_at", "heartbeat"]
    run.save(update_fields=fields)


class ProgressWriter:
    """Called with the rows checked so far; writes them, and the heartbeat, to the run now
    and then, on a database connection of its own: the import's transaction shows nothing
    to others until it ends."""

    def __init__(self, run: ImportRunBase):
        self.pk, self.total, self.table = run.pk, run.rows, run._meta.db_table
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
        table = connection.ops.quote_name(self.table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET rows_checked = %s, heartbeat = %s WHERE id = %s",
                [checked, timezone.now(), self.pk],
            )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
