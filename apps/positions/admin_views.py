"""Editors' work pages in the admin: the review queue and the statements import."""

import pghistory
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from apps.core.models import Status
from apps.positions.imports import MAX_IMPORT_BYTES, read_file, statements_import
from apps.positions.models import Position, PossibleShift
from apps.statements.models import Quote


def review_queue(request):
    """Quotes and positions waiting for review, drafts, and open possible shifts."""
    if not request.user.has_perm("positions.change_position"):
        raise PermissionDenied
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
        "me": request.user,
    }
    return TemplateResponse(request, "admin/review_queue.html", context)


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV with a header row, or JSON: a list of objects.")
    dry_run = forms.BooleanField(
        required=False, initial=True, label="Only check the file; store nothing"
    )

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


def statements_import_view(request):
    """Upload statements; every row is validated through the services, all or nothing."""
    if not (
        request.user.has_perm("statements.add_quote")
        and request.user.has_perm("positions.add_position")
    ):
        raise PermissionDenied
    result = None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with pghistory.context(door="import"):
            result = statements_import(
                rows=form.cleaned_data["rows"],
                by=request.user,
                dry_run=form.cleaned_data["dry_run"],
            )
        if result.ok and not form.cleaned_data["dry_run"]:
            messages.success(
                request,
                f"Imported {result.quotes} quote(s), {result.positions} position(s) and "
                f"{result.sources} new source(s).",
            )
            return redirect("admin:statements_quote_changelist")
    context = {
        **admin.site.each_context(request),
        "title": "Import statements",
        "form": form,
        "result": result,
    }
    return TemplateResponse(request, "admin/statements_import.html", context)
