"""Editors' admin for the codebook: topics with their stance scales."""

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count

from apps.codebook.models import Stance, Topic
from apps.codebook.services import stance_update, topic_update
from apps.core.admin import EditorialAdmin, announce_revision, refusals_for
from apps.core.services import stamp


class ReviewedCodebookAdmin(EditorialAdmin):
    """A change to an existing topic or stance goes through its service, which proposes it as
    a revision in review (four eyes): the codebook gives every coded position its meaning."""

    def update(self, obj, by):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        with refusals_for():
            revision = self.update(obj, request.user)
        if revision is not None:
            announce_revision(request, revision)

    def restore_save(self, obj, by):
        return self.update(obj, by)


class StanceInline(admin.TabularInline):
    model = Stance
    fields = ["value", "label", "definition"]
    extra = 0
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}


@admin.register(Topic)
class TopicAdmin(ReviewedCodebookAdmin):
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

    def update(self, obj, by):
        return topic_update(topic=obj, by=by)

    def save_formset(self, request, form, formset, change):
        # The scale's stances: a new one is added; a change to one is reviewed.
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.delete()
        for instance in instances:
            if instance.pk is None:
                stamp(instance, request.user)
                instance.save()
                continue
            with refusals_for(formset.prefix):
                revision = stance_update(stance=instance, by=request.user)
            if revision is not None:
                announce_revision(request, revision)
        formset.save_m2m()


@admin.register(Stance)
class StanceAdmin(ReviewedCodebookAdmin):
    list_display = ["__str__", "topic", "value", "label", "definition"]
    list_filter = ["topic"]
    search_fields = ["label", "definition", "topic__name", "topic__slug"]
    list_select_related = ["topic"]
    autocomplete_fields = ["topic"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("topic")

    def update(self, obj, by):
        return stance_update(stance=obj, by=by)
