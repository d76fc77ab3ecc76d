"""Editors' admin for agreements: one form holds an agreement with its parties and clauses,
written together through the services (apps.agreements.services), under the same review as
positions; the clause categories are an editable codebook."""

import contextlib

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.urls import path
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.agreements.imports import agreements_import, read_file
from apps.agreements.models import Agreement, AgreementImportRun, Clause, ClauseCategory, Party
from apps.agreements.services import agreement_record, agreement_update
from apps.core.admin import (
    EditorialAdmin,
    EditorialForm,
    FourEyesStatusMixin,
    ServiceErrorsMixin,
    ServiceRefused,
    adopt_saved,
    announce_revision,
    editable_values,
    refusals_for,
)
from apps.core.admin_imports import ImportPages, import_run_view, import_upload_view


class ServiceErrorsInline:
    """An inline whose forms show the errors the service refused their rows with."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        if issubclass(formset.form, ServiceErrorsMixin):
            formset.form.service_errors = getattr(request, "service_errors", None)
        return formset


class PartyInline(ServiceErrorsInline, admin.TabularInline):
    model = Party
    form = EditorialForm
    extra = 2
    autocomplete_fields = ["country", "organization"]
    fields = ["country", "organization", "joined_on"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("country", "organization")


class ClauseInline(ServiceErrorsInline, admin.StackedInline):
    model = Clause
    form = EditorialForm
    extra = 1
    fields = ["category", "article", "text", ("amount", "currency", "period")]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("category")


def _rows(formset, fields: tuple[str, ...], *, keep_id: bool = False):
    """The rows a formset asks for (not deleted, not left empty), with their form prefixes."""
    rows, prefixes = [], []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE"):
            continue
        row = {name: data.get(name) for name in fields}
        if keep_id and form.instance.pk is not None:
            row["id"] = form.instance.pk
        rows.append(row)
        prefixes.append(form.prefix)
    return rows, prefixes


@contextlib.contextmanager
def _refusals_by_row(prefixes: dict[str, list[str]]):
    """A service's refusal on the form and inline rows it names (``clauses.2.text``)."""
    try:
        with refusals_for():
            yield
    except ServiceRefused as refused:
        error = refused.errors.get(None)
        if error is None or not hasattr(error, "error_dict"):
            raise
        by_prefix: dict[str | None, dict[str, list]] = {}
        for key, messages in error.message_dict.items():
            parts = key.split(".")
            if len(parts) == 3 and parts[0] in prefixes and parts[1].isdigit():
                rows = prefixes[parts[0]]
                index = int(parts[1])
                if index < len(rows):
                    by_prefix.setdefault(rows[index], {})[parts[2]] = messages
                    continue
            by_prefix.setdefault(None, {})[parts[0] if len(parts) == 1 else "__all__"] = messages
        refused.errors = {prefix: ValidationError(errors) for prefix, errors in by_prefix.items()}
        raise


AGREEMENTS = ImportPages(
    runs=AgreementImportRun,
    reader=read_file,
    importer=agreements_import,
    title="Import agreements",
    help_text="CSV with a header row (a row per clause), or JSON: a list of agreements.",
    template="admin/agreements_import.html",
    result_template="admin/_agreements_import_result.html",
    upload_url="agreements_agreement_import",
    run_url="agreements_agreement_import_run",
)


def _may_import(user) -> bool:
    return user.has_perm("agreements.add_agreement")


def agreements_import_view(request):
    """Upload agreements: the file is read at once, then imported in the background (every
    agreement through the services, all or nothing) while its run page shows how it went."""
    if not _may_import(request.user):
        raise PermissionDenied
    return import_upload_view(request, AGREEMENTS)


@require_GET
@vary_on_headers("HX-Request")
def agreements_import_run_view(request, run_id: int):
    """One agreements import run, to its owner (or a superuser)."""
    if not _may_import(request.user):
        raise PermissionDenied
    return import_run_view(request, run_id, AGREEMENTS)


@admin.register(Agreement)
class AgreementAdmin(FourEyesStatusMixin, EditorialAdmin):
    list_display = ["title", "kind", "signed_on", "expires_on", "party_count", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "slug", "parties__country__name", "parties__organization__name"]
    list_select_related = ["source"]
    ordering = ["-signed_on", "title"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["source"]
    date_hierarchy = "signed_on"
    inlines = [PartyInline, ClauseInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "source", "summary"]}),
        (
            "Dates",
            {
                "fields": [
                    ("signed_on", "place"),
                    "in_force_on",
                    ("duration_years", "expires_on"),
                    ("needs_ratification", "ratified_on"),
                    ("terminated_on", "termination_note"),
                ]
            },
        ),
        ("Editing", {"fields": ["status", "correction_note"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(party_total=Count("parties"))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(agreements_import_view), name="agreements_agreement_import"),
            path(
                "import/<int:run_id>/",
                view(agreements_import_run_view),
                name="agreements_agreement_import_run",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="Parties", ordering="party_total")
    def party_count(self, agreement) -> int:
        return agreement.party_total

    def restore_save(self, obj, by):
        return agreement_update(agreement=obj, by=by).proposed_revision

    def save_model(self, request, obj, form, change):
        # Written with its parties and clauses, as one whole, in save_related.
        request.agreement_form = form

    def save_related(self, request, form, formsets, change):
        parties, party_prefixes = [], []
        clauses, clause_prefixes = [], []
        for formset in formsets:
            if formset.model is Party:
                parties, party_prefixes = _rows(formset, ("country", "organization", "joined_on"))
            elif formset.model is Clause:
                clauses, clause_prefixes = _rows(
                    formset,
                    ("category", "article", "text", "amount", "currency", "period"),
                    keep_id=True,
                )
        for formset in formsets:
            # Written by the service: nothing for the change message to list.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        obj = form.instance
        prefixes = {"parties": party_prefixes, "clauses": clause_prefixes}
        with _refusals_by_row(prefixes):
            if change:
                agreement_update(
                    agreement=obj,
                    by=request.user,
                    parties=parties,
                    clauses=clauses,
                    expected_version=form.cleaned_data.get("loaded_version"),
                )
                if obj.proposed_revision is not None:
                    announce_revision(request, obj.proposed_revision)
            else:
                values = editable_values(obj, exclude={"correction_note"})
                saved = agreement_record(
                    by=request.user, parties=parties, clauses=clauses, **values
                )
                adopt_saved(obj, saved)


@admin.register(ClauseCategory)
class ClauseCategoryAdmin(EditorialAdmin):
    list_display = ["name", "slug", "order"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["order", "name"]
