"""Editors' admin for what was said: events, sources (with their quotes inline) and quotes."""

from typing import cast

from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.urls import path, reverse

from apps.actors.models import Person
from apps.core.admin import (
    EditorialAdmin,
    ServiceErrorsMixin,
    adopt_saved,
    count_of,
    editable_values,
    refusals_for,
)
from apps.core.models import Status
from apps.core.services import StillNeeded
from apps.statements.admin_forms import QuoteAdminForm, QuoteInlineFormSet
from apps.statements.admin_views import (
    QuoteAutocompleteJsonView,
    quote_country_suggestion,
    role_on,
)
from apps.statements.models import Event, Quote, QuoteQuerySet, Source
from apps.statements.services import (
    quote_delete,
    quote_record,
    quote_update,
    source_record,
    source_update,
)

QUOTE_AUTOCOMPLETE = [
    "speaker",
    "country",
    "claimant_country",
    "claimant_organization",
    "role",
    "event",
    "topics",
    "implied_stance",
]


@admin.register(Event)
class EventAdmin(EditorialAdmin):
    list_display = ["name", "kind", "start_date", "end_date", "place"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "place"]
    list_select_related = False
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "start_date"


QUOTE_FORM_MEDIA = {"js": ["js/admin-quote.js"], "css": {"all": ["css/admin-editors.css"]}}


class QuoteInline(admin.StackedInline):
    model = Quote
    form = QuoteAdminForm
    formset = QuoteInlineFormSet
    extra = 1
    show_change_link = True
    autocomplete_fields = QUOTE_AUTOCOMPLETE
    fields = [
        "text",
        "translation",
        "language",
        "is_paraphrase",
        ("speaker", "speaker_label"),
        ("country", "role"),
        ("claimant_country", "claimant_organization"),
        ("said_on", "said_precision"),
        ("channel", "event"),
        "topics",
        "implied_stance",
        "status",
    ]

    class Media:
        js = QUOTE_FORM_MEDIA["js"]
        css = QUOTE_FORM_MEDIA["css"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if issubclass(formset.form, ServiceErrorsMixin):
            formset.form.service_errors = getattr(request, "service_errors", None)
        return formset

    def get_queryset(self, request):
        # Each inline's heading is the quote's __str__, which names the speaker.
        return super().get_queryset(request).select_related("speaker")


@admin.register(Source)
class SourceAdmin(EditorialAdmin):
    def restore_save(self, obj, by) -> None:
        source_update(source=obj, by=by)

    list_display = [
        "title",
        "publisher",
        "author",
        "published",
        "kind",
        "reliability",
        "language",
        "quote_count",
    ]
    # No filter whose choices need a DISTINCT over the whole table (publisher, language):
    # search finds a publisher by name.
    list_filter = ["kind", "reliability"]
    search_fields = ["title", "url", "publisher__name", "author__name"]
    list_select_related = ["publisher", "author"]
    ordering = ["-published_on", "title"]  # explicit: an annotated queryset drops Meta.ordering
    autocomplete_fields = ["publisher", "author"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [QuoteInline]

    def get_queryset(self, request):
        # A correlated count, computed for the rows shown only (a join with every quote
        # would group the whole quote table).
        return super().get_queryset(request).annotate(quote_count=count_of(Quote, "source"))

    @admin.display(description="Published", ordering="published_on")
    def published(self, source) -> str:
        return source.published_display

    @admin.display(description="Quotes", ordering="quote_count")
    def quote_count(self, source) -> int:
        return source.quote_count

    def save_model(self, request, obj, form, change):
        with refusals_for():
            if change:
                expected = form.cleaned_data.get("loaded_version")
                source_update(source=obj, by=request.user, expected_version=expected)
            else:
                adopt_saved(obj, source_record(by=request.user, **editable_values(obj)))

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, QuoteInlineFormSet):
            formset.by = request.user
            formset.save()
            return
        super().save_formset(request, form, formset, change)


@admin.register(Quote)
class QuoteAdmin(EditorialAdmin):
    def restore_save(self, obj, by) -> None:
        quote_update(quote=obj, by=by)

    class Media:
        js = QUOTE_FORM_MEDIA["js"]
        css = QUOTE_FORM_MEDIA["css"]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "suggest-country/",
                view(quote_country_suggestion),
                name="statements_quote_suggest",
            ),
            path(
                "autocomplete/",
                view(QuoteAutocompleteJsonView.as_view(admin_site=self.admin_site)),
                name="statements_quote_autocomplete",
            ),
            *super().get_urls(),
        ]

    form = QuoteAdminForm
    list_display = [
        "short_text",
        "speaker_display",
        "country",
        "said",
        "source",
        "topic_names",
        "status",
        "is_paraphrase",
    ]
    # Plain related filters (a list of the countries and topics), not "related only" or
    # distinct values, whose choices would cost a scan of every quote.
    list_filter = ["status", "is_paraphrase", "country", "topics"]
    # Searched by get_search_results below: full text through the quote's search vector (GIN
    # index), speakers' names through their trigram index.
    search_fields = ["text"]
    search_help_text = "Words from the quote (full-text search) or a speaker's name."
    list_select_related = ["speaker", "country", "source"]
    autocomplete_fields = ["source", *QUOTE_AUTOCOMPLETE]
    fieldsets = [
        (None, {"fields": ["text", "translation", "language", "is_paraphrase"]}),
        (
            "Who and where",
            {
                "fields": [
                    ("speaker", "speaker_label"),
                    ("country", "role"),
                    ("claimant_country", "claimant_organization"),
                    ("said_on", "said_precision"),
                    "source",
                    ("channel", "event"),
                ]
            },
        ),
        ("Meaning", {"fields": ["topics", "implied_stance"]}),
        ("Editing", {"fields": ["status", "correction_note"]}),
    ]

    def get_queryset(self, request):
        queryset = cast(QuoteQuerySet, super().get_queryset(request))  # the model's manager's
        return queryset.with_attribution().prefetch_related("topics")

    def get_search_results(self, request, queryset, search_term):
        """Full-text search instead of a substring scan of a million texts."""
        term = search_term.strip()
        if not term:
            return queryset, False
        speakers = Person.objects.filter(name__icontains=term).values("pk")
        matches = queryset.search(term) | queryset.filter(speaker__in=speakers)
        return matches, False

    @admin.display(description="Quote", ordering="text")
    def short_text(self, quote) -> str:
        return quote.text if len(quote.text) <= 80 else quote.text[:77] + "…"

    @admin.display(description="Speaker", ordering="speaker__name")
    def speaker_display(self, quote) -> str:
        return quote.speaker_name

    @admin.display(description="Said", ordering="said_on")
    def said(self, quote) -> str:
        return quote.said_display

    @admin.display(description="Topics")
    def topic_names(self, quote) -> str:
        return ", ".join(topic.name for topic in quote.topics.all())

    def save_model(self, request, obj, form, change):
        topics = list(form.cleaned_data.get("topics", ()))
        with refusals_for():
            if change:
                expected = form.cleaned_data.get("loaded_version")
                quote_update(quote=obj, by=request.user, topics=topics, expected_version=expected)
            else:
                quote = quote_record(by=request.user, topics=topics, **editable_values(obj))
                adopt_saved(obj, quote)
        saved_notes(request, obj)

    def save_related(self, request, form, formsets, change):
        # The service saved the topics with the quote; only inlines would remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    # Deleting goes through quote_delete, which the database backs: a quote that positions
    # analysts see rest on is refused, with a message naming them, and nothing is deleted.
    actions = ["delete_selected"]

    def delete_model(self, request, obj):
        quote_delete(quote=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for quote in queryset:
            quote_delete(quote=quote, by=request.user)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except StillNeeded as refused:
            self.message_user(request, f"Not deleted. {refused}", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:statements_quote_change", args=[object_id]))

    @admin.action(permissions=["delete"], description="Delete selected quotes")
    def delete_selected(self, request, queryset):
        """Django's delete action, all or nothing: one quote still needed deletes none."""
        try:
            with transaction.atomic():
                return admin_actions.delete_selected(self, request, queryset)
        except StillNeeded as refused:
            self.message_user(request, f"Nothing was deleted. {refused}", messages.ERROR)
            return None


def saved_notes(request, quote: Quote) -> None:
    """Say, after a save, which country the quote was filed under (a picked name is easy to
    miss), whether the speaker's post on the day points elsewhere, and what a draft means."""
    if quote.country is not None:
        messages.info(request, f"Filed as reflecting the position of {quote.country.name}.")
    else:
        messages.info(request, "Filed without a country: it reflects no country's position.")
    if quote.speaker_id is not None and quote.said_on is not None:
        role = role_on(quote.speaker_id, quote.said_on)
        suggested = None
        if role is not None:
            suggested = role.country or getattr(role.organization, "country", None)
        if role is not None and suggested is not None and suggested.pk != quote.country_id:
            messages.warning(
                request,
                f"The speaker's post on {quote.said_on:%d %B %Y} ({role.title}) points to "
                f"{suggested.name}: check the country.",
            )
    if quote.status != Status.PUBLISHED:
        messages.warning(
            request,
            f"This quote is {quote.get_status_display().lower()}: a position that uses it as "
            "evidence shows “0 quotes” to analysts until it is published.",
        )
