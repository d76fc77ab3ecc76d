"""Editors' work pages in the admin: the review queue, the statements import and its runs."""

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.core.models import Revision, RevisionStatus, Status
from apps.positions.import_runs import import_run_start
from apps.positions.imports import MAX_IMPORT_BYTES, read_file
from apps.positions.models import ImportRun, ImportRunState, Position, PossibleShift
from apps.statements.models import Quote

SENT_BACK_SHOWN = 20  # the newest of an editor's rejected changes, in their queue


def _with_targets(revisions: list) -> list:
    """The revisions, each given its position (``position``), in one query."""
    positions = Position.objects.with_stance().in_bulk([r.object_id for r in revisions])
    for revision in revisions:
        revision.position = positions.get(revision.object_id)
    return revisions


def review_queue(request):
    """Quotes and positions waiting for review, drafts, changes to published positions in
    review, what reviewers sent back to this editor, and open possible shifts."""
    if not request.user.has_perm("positions.change_position"):
        raise PermissionDenied
    me = request.user
    position_type = ContentType.objects.get_for_model(Position)
    revisions = (
        Revision.objects.in_review()
        .filter(content_type=position_type)
        .select_related("created_by", "content_type")
    )
    sent_back_positions = (
        Position.objects.filter(status=Status.DRAFT, created_by=me)
        .exclude(review_note="")
        .with_stance()
        .select_related("updated_by")
        .order_by("-updated_at")
    )
    sent_back_revisions = (
        Revision.objects.filter(
            content_type=position_type, created_by=me, status=RevisionStatus.REJECTED
        )
        .select_related("reviewed_by", "content_type")
        .order_by("-decided_at")[:SENT_BACK_SHOWN]
    )
    positions = (
        Position.objects.filter(status__in=[Status.IN_REVIEW, Status.DRAFT])
        .with_stance()
        .select_related("created_by")
        .order_by("status", "-updated_at")
    )
    quotes = (
        Quote.objects.filter(status__in=[Status.IN_REVIEW, Status.DRAFT])
        .with_attribution()
        .select_related("created_by")
        .order_by("status", "-updated_at")
    )
    context = {
        **admin.site.each_context(request),
        "title": "Review queue",
        "positions": positions,
        "quotes": quotes,
        "shifts": PossibleShift.objects.open(),
        "revisions": _with_targets(list(revisions)),
        "sent_back_positions": sent_back_positions,
        "sent_back_revisions": _with_targets(list(sent_back_revisions)),
        "me": me,
    }
    return TemplateResponse(request, "admin/review_queue.html", context)


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV with a header row, or JSON: a list of objects.")
    dry_run = forms.BooleanField(
        required=False, initial=True, label="Only check the file; store nothing"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            # The same reading as the command: size, format, byte order mark, field limits.
            self.cleaned_data["rows"] = read_file(
                upload.read(MAX_IMPORT_BYTES + 1), upload.name or ""
            )
        except ValueError as error:
            raise forms.ValidationError(f"The file cannot be read: {error}") from error
        return upload

    def clean(self):
        running = ImportRun.objects.live().filter(created_by=self.user).first()
        if running is not None:
            # One at a time: the same file twice at once would be stored twice.
            raise forms.ValidationError(
                f"Your import of “{running.file_name}” is still running: wait for it to "
                "end before you upload another."
            )
        return self.cleaned_data


RECENT_RUNS = 10  # listed on the import page


def _may_import(user) -> bool:
    return user.has_perm("statements.add_quote") and user.has_perm("positions.add_position")


def statements_import_view(request):
    """Upload statements: the file is read at once, then imported in the background (every
    row validated through the services, all or nothing) while its run page shows how far it
    got. Lists the user's recent runs."""
    if not _may_import(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        run = import_run_start(
            rows=form.cleaned_data["rows"],
            file_name=form.cleaned_data["file"].name or "",
            by=request.user,
            dry_run=form.cleaned_data["dry_run"],
            url=request.path,
        )
        return redirect("admin:positions_statements_import_run", run.pk)
    runs = ImportRun.objects.visible_to(request.user)
    runs.stale().update(state=ImportRunState.INTERRUPTED)
    context = {
        **admin.site.each_context(request),
        "title": "Import statements",
        "form": form,
        "runs": runs.select_related("created_by")[:RECENT_RUNS],
    }
    return TemplateResponse(request, "admin/statements_import.html", context)


@require_GET
@vary_on_headers("HX-Request")
def statements_import_run_view(request, run_id: int):
    """One import run, to its owner (or a superuser): its progress while it runs (the page
    refreshes itself: htmx polling, a meta refresh without JavaScript), then its result or
    its errors by row and column."""
    if not _may_import(request.user):
        raise PermissionDenied
    runs = ImportRun.objects.visible_to(request.user)
    # A run not heard from for a minute has stopped, its transaction rolled back with it.
    runs.filter(pk=run_id).stale().update(state=ImportRunState.INTERRUPTED)
    run = get_object_or_404(runs.select_related("created_by"), pk=run_id)
    context = {
        **admin.site.each_context(request),
        "title": f"Import of {run.file_name}",
        "run": run,
    }
    name = "admin/statements_import_run.html" + ("#run-progress" if request.htmx else "")
    return TemplateResponse(request, name, context)
