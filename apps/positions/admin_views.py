"""Editors' work pages in the admin: the review queue, the statements import and its runs."""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.core.admin_imports import ImportPages, import_run_view, import_upload_view
from apps.core.models import Revision, RevisionStatus, Status
from apps.positions.imports import read_file, statements_import
from apps.positions.models import ImportRun, Position, PossibleShift
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


STATEMENTS = ImportPages(
    runs=ImportRun,
    reader=read_file,
    importer=statements_import,
    title="Import statements",
    help_text="CSV with a header row, or JSON: a list of objects.",
    template="admin/statements_import.html",
    result_template="admin/_statements_import_result.html",
    upload_url="positions_statements_import",
    run_url="positions_statements_import_run",
)


def _may_import(user) -> bool:
    return user.has_perm("statements.add_quote") and user.has_perm("positions.add_position")


def statements_import_view(request):
    """Upload statements: the file is read at once, then imported in the background (every
    row validated through the services, all or nothing) while its run page shows how far it
    got. Lists the user's recent runs."""
    if not _may_import(request.user):
        raise PermissionDenied
    return import_upload_view(request, STATEMENTS)


@require_GET
@vary_on_headers("HX-Request")
def statements_import_run_view(request, run_id: int):
    """One import run, to its owner (or a superuser): its progress while it runs, then its
    result or its errors by row and column."""
    if not _may_import(request.user):
        raise PermissionDenied
    return import_run_view(request, run_id, STATEMENTS)
