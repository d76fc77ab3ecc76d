"""Editors' admin for the codebook: topics with their stance scales."""

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count

from apps.codebook.models import Stance, Topic
from apps.core.admin import EditorialAdmin


class StanceInline(admin.TabularInline):
    model = Stance
    fields = ["value", "label", "definition"]
    extra = 0
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}


@admin.register(Topic)
class TopicAdmin(EditorialAdmin):
    list_display = ["name", "slug", "question", "order", "stance_count"]
    search_fields = ["name", "slug", "question"]
    list_select_related = False
    ordering = ["order", "name"]  # explicit: an annotated queryset drops Meta.ordering
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StanceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(stance_count=Count("stances"))

    @admin.display(description="Stances", ordering="stance_count")
    def stance_count(self, topic) -> int:
        return topic.stance_count


@admin.register(Stance)
class StanceAdmin(EditorialAdmin):
    list_display = ["__str__", "topic", "value", "label", "definition"]
    list_filter = ["topic"]
    search_fields = ["label", "definition", "topic__name", "topic__slug"]
    list_select_related = ["topic"]
    autocomplete_fields = ["topic"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("topic")
