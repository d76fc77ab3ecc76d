"""Editors' admin for what it means: positions and the possible shifts to review."""

from typing import cast

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.db import transaction
from django.db.models import Prefetch
from django.db.models.functions import Coalesce
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from apps.codebook.models import Stance, Topic
from apps.core.admin import (
    EditorialAdmin,
    FourEyesStatusMixin,
    adopt_saved,
    announce_revision,
    count_of,
    editable_values,
    refusals_for,
)
from apps.core.models import Status
from apps.positions.admin_forms import PositionAdminForm
from apps.positions.admin_review import position_review
from apps.positions.admin_views import (
    review_queue,
    statements_import_run_view,
    statements_import_view,
)
from apps.positions.models import Position, PositionQuerySet, PossibleShift
from apps.positions.services import (
    may_withdraw,
    position_delete,
    position_record,
    position_update,
    position_withdraw,
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


class QuoteAutocompleteMultiple(AutocompleteSelectMultiple):
    """The evidence picker: quotes named with their status (apps.statements.admin_views)."""

    url_name = "%s:statements_quote_autocomplete"


@admin.register(Position)
class PositionAdmin(FourEyesStatusMixin, EditorialAdmin):
    form = PositionAdminForm

    class Media:
        js = ["js/admin-positions.js"]
        css = {"all": ["css/admin-editors.css"]}

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
    readonly_fields = ["stance_scales", "evidence_overview"]
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
        ("Evidence", {"fields": ["confidence", "summary", "evidence", "evidence_overview"]}),
        ("Editing", {"fields": ["status", "correction_note"]}),
    ]

    def restore_save(self, obj, by):
        return position_update(position=obj, by=by).proposed_revision

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("review-queue/", view(review_queue), name="positions_review_queue"),
            path(
                "<path:object_id>/review/",
                view(position_review),
                name="positions_position_review",
            ),
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
        # A new position has nothing to correct yet (and position_record takes no note), and
        # its evidence is listed once picked.
        skip = {"correction_note", "evidence_overview"}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in skip]})
            for name, options in fieldsets
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = dict(extra_context or {})
        if object_id and str(object_id).isdigit():
            obj = Position.objects.filter(pk=object_id).only("status", "created_by").first()
            if obj is not None and obj.status == Status.IN_REVIEW:
                extra["review_url"] = reverse("admin:positions_position_review", args=[obj.pk])
                extra["review_hint"] = (
                    "to compare it with the position in force and approve it or send it back."
                    if obj.created_by_id != request.user.pk
                    else "(yours: another editor approves it there)."
                )
        return super().change_view(request, object_id, form_url, extra)

    def has_delete_permission(self, request, obj=None):
        if super().has_delete_permission(request, obj):
            return True
        # An editor withdraws their own draft, or their own position in review.
        return obj is not None and may_withdraw(request.user, obj)

    def get_queryset(self, request):
        queryset = cast(PositionQuerySet, super().get_queryset(request))  # the model's manager's
        return (
            queryset.with_stance()
            .select_related("stance__topic")
            .annotate(evidence_count=count_of(Position.evidence.through, "position"))
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "evidence":
            kwargs["widget"] = QuoteAutocompleteMultiple(db_field, self.admin_site)
            kwargs["help_text"] = (
                "Quotes by their words or speaker; each is named with its status. Only "
                "published quotes count for analysts: a draft one shows “0 quotes”."
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "stance":
            kwargs["queryset"] = Stance.objects.select_related("topic")
            kwargs["help_text"] = (
                "A stance on the position's topic (choose the topic first): see the scales below."
            )
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
        tables = format_html_join(
            "",
            '<table data-topic="{}"><caption>{}</caption><tbody>{}</tbody></table>',
            (
                (
                    topic.pk,
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
        )
        if not tables:
            return format_html("{}", "No topics yet.")
        return format_html(
            '<details class="stance-scales"><summary>Show the scales, with each stance\'s '
            "definition</summary>{}</details>",
            tables,
        )

    @admin.display(description="Evidence in full")
    def evidence_overview(self, position):
        """The evidence quotes as stored: status, speaker, date and full words, escaped."""
        if position is None or position.pk is None:
            return "—"
        quotes = position.evidence.with_attribution().order_by("said_on", "pk")
        items = format_html_join(
            "",
            '<li><span class="status-badge">{}</span> {}{}, {}: “{}”</li>',
            (
                (
                    q.get_status_display(),
                    q.speaker_name,
                    f" (reported by {q.claimant.name})" if q.claimant else "",
                    q.said_display,
                    q.text,
                )
                for q in quotes
            ),
        )
        if not items:
            return "No evidence yet."
        return format_html(
            '<ul class="evidence-list">{}</ul><p class="help">Analysts see only the published '
            "ones: a position whose quotes are all drafts shows “0 quotes”.</p>",
            items,
        )

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
    # An editor's withdrawal of their own draft through position_withdraw, which checks it.
    def delete_model(self, request, obj):
        if request.user.is_superuser:
            position_delete(position=obj, by=request.user)
        else:
            position_withdraw(position=obj, by=request.user)

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
