"""Editors' admin for what it means: positions and the possible shifts to review."""

from typing import cast

from django.contrib import admin
from django.db import transaction
from django.db.models import Prefetch
from django.db.models.functions import Coalesce
from django.urls import path
from django.utils.html import format_html, format_html_join

from apps.codebook.models import Stance, Topic
from apps.core.admin import (
    EditorialAdmin,
    adopt_saved,
    announce_revision,
    count_of,
    editable_values,
    refusals_for,
)
from apps.positions.admin_forms import PositionAdminForm
from apps.positions.admin_views import (
    review_queue,
    statements_import_run_view,
    statements_import_view,
)
from apps.positions.models import Position, PositionQuerySet, PossibleShift
from apps.positions.services import (
    position_delete,
    position_record,
    position_update,
    shift_resolve,
)


class HolderTypeFilter(admin.SimpleListFilter):
    title = "holder type"
    parameter_name = "holder"

    def lookups(self, request, model_admin):
        return [("country", "Country"), ("organization", "Organization")]

    def queryset(self, request, queryset):
        if self.value() == "country":
            return queryset.filter(country__isnull=False)
        if self.value() == "organization":
            return queryset.filter(organization__isnull=False)
        return queryset


@admin.register(Position)
class PositionAdmin(EditorialAdmin):
    form = PositionAdminForm
    list_display = [
        "holder_name",
        "topic",
        "stance",
        "conditionality",
        "valid_from",
        "valid_to",
        "confidence",
        "status",
        "evidence_count",
    ]
    list_filter = ["topic", "status", "confidence", "conditionality", HolderTypeFilter]
    search_fields = ["country__name", "organization__name", "summary"]
    list_select_related = ["country", "organization", "topic", "stance__topic"]
    ordering = ["topic__order", "valid_from"]  # explicit: an annotated queryset drops Meta.ordering
    autocomplete_fields = ["country", "organization", "topic", "evidence"]
    readonly_fields = ["stance_scales"]
    fieldsets = [
        ("Holder: a country or an organization", {"fields": [("country", "organization")]}),
        (
            "Stance",
            {
                "fields": [
                    "topic",
                    "stance",
                    "stance_scales",
                    "conditionality",
                    "conditionality_note",
                ]
            },
        ),
        ("Period", {"fields": [("valid_from", "valid_to")]}),
        ("Evidence", {"fields": ["confidence", "summary", "evidence"]}),
        ("Editing", {"fields": ["status", "correction_note"]}),
    ]

    def restore_save(self, obj, by):
        return position_update(position=obj, by=by).proposed_revision

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("review-queue/", view(review_queue), name="positions_review_queue"),
            path("import/", view(statements_import_view), name="positions_statements_import"),
            path(
                "import/<int:run_id>/",
                view(statements_import_run_view),
                name="positions_statements_import_run",
            ),
            *super().get_urls(),
        ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            return fieldsets
        # A new position has nothing to correct yet (and position_record takes no note).
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "correction_note"]})
            for name, options in fieldsets
        ]

    def get_queryset(self, request):
        queryset = cast(PositionQuerySet, super().get_queryset(request))  # the model's manager's
        return (
            queryset.with_stance()
            .select_related("stance__topic")
            .annotate(evidence_count=count_of(Position.evidence.through, "position"))
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "stance":
            kwargs["queryset"] = Stance.objects.select_related("topic")
            kwargs["help_text"] = "A stance on the position's topic: see the scales below."
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Holder", ordering=Coalesce("country__name", "organization__name"))
    def holder_name(self, position) -> str:
        return str(position.holder)

    @admin.display(description="Evidence", ordering="evidence_count")
    def evidence_count(self, position) -> int:
        return position.evidence_count

    @admin.display(description="Stance scales")
    def stance_scales(self, position):
        """Every topic's scale: each stance's value, label and definition, escaped."""
        topics = Topic.objects.prefetch_related(
            Prefetch("stances", queryset=Stance.objects.order_by("-value"))
        )
        return format_html_join(
            "",
            "<table><caption>{}</caption><tbody>{}</tbody></table>",
            (
                (
                    topic.name,
                    format_html_join(
                        "",
                        '<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>',
                        (
                            (stance.signed_value, stance.label, stance.definition)
                            for stance in topic.stances.all()
                        ),
                    ),
                )
                for topic in topics
            ),
        ) or format_html("{}", "No topics yet.")

    def save_model(self, request, obj, form, change):
        evidence = list(form.cleaned_data.get("evidence", ()))
        with refusals_for():
            if change:
                expected = form.cleaned_data.get("loaded_version")
                position_update(
                    position=obj, by=request.user, evidence=evidence, expected_version=expected
                )
                if obj.proposed_revision is not None:
                    announce_revision(request, obj.proposed_revision)
            else:
                values = editable_values(obj, exclude={"correction_note"})
                adopt_saved(obj, position_record(by=request.user, evidence=evidence, **values))

    def save_related(self, request, form, formsets, change):
        # The service saved the evidence with the position; only inlines would remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    # Deleting goes through position_delete: a published position's predecessor runs on.
    def delete_model(self, request, obj):
        position_delete(position=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for position in queryset:
                position_delete(position=position, by=request.user)


@admin.register(PossibleShift)
class PossibleShiftAdmin(EditorialAdmin):
    """The queue of published quotes whose words contradict the coded position.

    Shifts are opened by the quote service, never entered; an editor closes one as
    confirmed (after recoding the position) or dismissed.
    """

    list_display = ["quote", "implied_stance", "position", "status", "created_at"]
    list_filter = ["status", ("position__topic", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["quote__text", "quote__speaker__name", "position__country__name", "note"]
    list_select_related = [
        "quote__speaker",
        "implied_stance__topic",
        "position__country",
        "position__organization",
        "position__topic",
        "position__stance",
    ]
    fields = ["quote", "position", "implied_stance", "status", "note"]
    readonly_fields = ["quote", "position", "implied_stance"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        with refusals_for():
            shift_resolve(shift=obj, status=obj.status, by=request.user, note=obj.note)
