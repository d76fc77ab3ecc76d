"""Statement imports that run in the background: the admin's upload (admin_views.py) starts a
run and answers at once; the shared machinery (apps/core/import_runs.py) imports the rows in a
thread with statements_import and writes how far it got on the run, where its page reads it."""

from apps.core import import_runs
from apps.core.import_runs import UNEXPECTED as UNEXPECTED
from apps.core.import_runs import ProgressWriter as ProgressWriter
from apps.positions.imports import statements_import
from apps.positions.models import ImportRun


def import_run_execute(run: ImportRun, rows: list[dict], *, url: str = "") -> ImportRun:
    """Import the run's statements now, in this thread (see apps.core.import_runs)."""
    return import_runs.import_run_execute(run, rows, importer=statements_import, url=url)
