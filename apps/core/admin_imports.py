"""The admin's import pages, for statements and agreements alike: an upload form (the file
read at once, as the command reads it), the user's recent runs, and a run's page that
follows the import in the background (apps/core/import_runs.py) and then shows its result or
its errors by row and column."""

import dataclasses
from collections.abc import Callable

from django import forms
from django.contrib import admin
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from apps.core.import_runs import ImportRunBase, ImportRunState, import_run_start
from apps.core.imports import MAX_IMPORT_BYTES

RECENT_RUNS = 10  # listed on the import page


class ImportForm(forms.Form):
    file = forms.FileField()
    dry_run = forms.BooleanField(
        required=False, initial=True, label="Only check the file; store nothing"
    )

    def __init__(
        self, *args, user, reader: Callable, runs: type[ImportRunBase], help_text="", **kw
    ):
        super().__init__(*args, **kw)
        self.user, self.reader, self.runs = user, reader, runs
        self.fields["file"].help_text = help_text

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            # The same reading as the command: size, format, byte order mark, field limits.
            self.cleaned_data["rows"] = self.reader(
                upload.read(MAX_IMPORT_BYTES + 1), upload.name or ""
            )
        except ValueError as error:
            raise forms.ValidationError(f"The file cannot be read: {error}") from error
        return upload

    def clean(self):
        running = self.runs.objects.live().filter(created_by=self.user).first()
        if running is not None:
            # One at a time: the same file twice at once would be stored twice.
            raise forms.ValidationError(
                f"Your import of “{running.file_name}” is still running: wait for it to "
                "end before you upload another."
            )
        return self.cleaned_data


@dataclasses.dataclass(frozen=True)
class ImportPages:
    """What one kind of import puts in the shared pages."""

    runs: type[ImportRunBase]  # its runs' model
    reader: Callable  # reads an upload's bytes and name into rows, or raises ValueError
    importer: Callable  # imports rows (see apps.core.import_runs.import_run_start)
    title: str  # "Import statements"
    help_text: str  # under the file field
    template: str  # the upload page, extending admin/import_upload.html
    result_template: str  # what a run that ended well says
    upload_url: str  # the upload page's URL name
    run_url: str  # a run page's URL name


def import_upload_view(request, pages: ImportPages):
    """Upload a file: read at once, then imported in the background (every row validated
    through the services, all or nothing) while its run page shows how far it got. Lists the
    user's recent runs. The caller checks the permission."""
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        reader=pages.reader,
        runs=pages.runs,
        help_text=pages.help_text,
    )
    if request.method == "POST" and form.is_valid():
        rows = form.cleaned_data["rows"]
        run = pages.runs.objects.create(
            created_by=request.user,
            file_name=(form.cleaned_data["file"].name or "")[:255],
            rows=len(rows),
            dry_run=form.cleaned_data["dry_run"],
        )
        import_run_start(run, rows, importer=pages.importer, url=request.path)
        return redirect(f"admin:{pages.run_url}", run.pk)
    runs = pages.runs.objects.visible_to(request.user)
    runs.stale().update(state=ImportRunState.INTERRUPTED)
    context = {
        **admin.site.each_context(request),
        "title": pages.title,
        "form": form,
        "runs": runs.select_related("created_by")[:RECENT_RUNS],
        "run_url": f"admin:{pages.run_url}",
    }
    return TemplateResponse(request, pages.template, context)


def import_run_view(request, run_id: int, pages: ImportPages):
    """One import run, to its owner (or a superuser): its progress while it runs (the page
    refreshes itself: htmx polling, a meta refresh without JavaScript), then its result or
    its errors by row and column. The caller checks the permission."""
    runs = pages.runs.objects.visible_to(request.user)
    # A run not heard from for a minute has stopped, its transaction rolled back with it.
    runs.filter(pk=run_id).stale().update(state=ImportRunState.INTERRUPTED)
    run = get_object_or_404(runs.select_related("created_by"), pk=run_id)
    context = {
        **admin.site.each_context(request),
        "title": f"Import of {run.file_name}",
        "run": run,
        "run_url": f"admin:{pages.run_url}",
        "upload_url": f"admin:{pages.upload_url}",
        "result_template": pages.result_template,
    }
    name = "admin/import_run.html" + ("#run-progress" if request.htmx else "")
    return TemplateResponse(request, name, context)
