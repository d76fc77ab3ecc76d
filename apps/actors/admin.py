"""Editors' admin for who: countries, blocs, organizations, people and their roles.

Also holds what every editorial admin shares (the audit columns, the stamping of who
changed a row, the way a service's refusal reaches the form), since every domain app's
admin already depends on the actors.
"""

import contextlib

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count

from apps.actors.models import Bloc, Country, Organization, Person, Role
from apps.core.services import stamp

RECORD_FIELDS = ("created_at", "created_by", "updated_at", "updated_by", "reviewed_by", "version")


def adopt_saved(obj, saved) -> None:
    """Give the admin's unsaved object the state of the row a service saved.

    The admin keeps using the object it passed to save_model (for the change message, the
    log entry and the redirect), while a service that records builds its own instance.
    """
    vars(obj).update(vars(saved))


def editable_values(instance, *, exclude=()) -> dict:
    """Return an instance's editable field values by name, as keyword arguments for a service."""
    values = {}
    for field in instance._meta.concrete_fields:
        if not field.editable or field.primary_key or field.name in exclude:
            continue
        if field.is_relation and getattr(instance, field.attname) is None:
            values[field.name] = None
        else:
            values[field.name] = getattr(instance, field.name)
    return values


def add_rule_errors(form, error: ValidationError) -> None:
    """Add a service's ValidationError to the form: each message on its field, the rest on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class ServiceRefused(Exception):
    """A service refused a save its form had accepted: a rule only the service knows, or a race.

    ``errors`` maps the refused form's prefix (None for the main form) to the ValidationError.
    """

    def __init__(self, error: ValidationError, prefix: str | None = None):
        super().__init__(error)
        self.errors = {prefix: error}


@contextlib.contextmanager
def refusals_for(prefix: str | None = None):
    """Turn a service's ValidationError into ServiceRefused for the form with this prefix."""
    try:
        yield
    except ValidationError as error:
        raise ServiceRefused(error, prefix) from error


class ServiceErrorsMixin:
    """A form that shows, when the admin shows it again, the errors its save was refused with."""

    service_errors: dict | None = None  # set on the form class by the admin, per request

    def clean(self):
        cleaned_data = super().clean()
        error = (self.service_errors or {}).get(self.prefix)
        if error is not None:
            add_rule_errors(self, error)
        return cleaned_data


class EditorialForm(ServiceErrorsMixin, forms.ModelForm):
    """The default form of every editorial admin."""


class RecordFieldsMixin:
    """Shows who created and last changed a row, and when, read-only, on the change page."""

    def record_fields(self) -> list[str]:
        names = {field.name for field in self.model._meta.get_fields()}
        return [name for name in RECORD_FIELDS if name in names]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return readonly
        return readonly + [name for name in self.record_fields() if name not in readonly]


class EditorialAdmin(RecordFieldsMixin, admin.ModelAdmin):
    """A model admin that records who changed each row, its own and its inlines'."""

    form = EditorialForm
    list_per_page = 50

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # The whole save was rolled back: show the same submission again, with the errors
            # on the fields they name (see ServiceErrorsMixin).
            request.service_errors = refused.errors
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.service_errors = getattr(request, "service_errors", None)
        return form

    def get_fieldsets(self, request, obj=None):
        if self.fieldsets:
            fieldsets = list(self.fieldsets)
            if obj is not None:
                fieldsets.append(self.record_fieldset())
            return fieldsets
        record = self.record_fields()
        fields = [name for name in self.get_fields(request, obj) if name not in record]
        fieldsets = [(None, {"fields": fields})]
        if obj is not None:
            fieldsets.append(self.record_fieldset())
        return fieldsets

    def record_fieldset(self):
        return ("Record", {"fields": self.record_fields(), "classes": ["collapse"]})

    def save_model(self, request, obj, form, change):
        stamp(obj, request.user)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.delete()
        for instance in instances:
            stamp(instance, request.user)
            instance.save()
        formset.save_m2m()


@admin.register(Country)
class CountryAdmin(EditorialAdmin):
    list_display = ["name", "code", "nato_joined", "eu_member"]
    list_filter = ["eu_member", ("nato_joined", admin.EmptyFieldListFilter)]
    search_fields = ["name", "code"]
    list_select_related = False
    ordering = ["name"]


@admin.register(Bloc)
class BlocAdmin(EditorialAdmin):
    list_display = ["name", "slug", "member_count"]
    list_filter = ["members"]
    search_fields = ["name", "slug", "description"]
    list_select_related = False
    ordering = ["name"]  # explicit: an annotated queryset drops Meta.ordering
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["members"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, bloc) -> int:
        return bloc.member_count


@admin.register(Organization)
class OrganizationAdmin(EditorialAdmin):
    list_display = ["name", "slug", "kind", "country"]
    list_filter = ["kind", ("country", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug"]
    list_select_related = ["country"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["country"]


class RoleInline(admin.TabularInline):
    model = Role
    fields = ["title", "organization", "country", "start", "end"]
    autocomplete_fields = ["organization", "country"]
    extra = 1


@admin.register(Person)
class PersonAdmin(EditorialAdmin):
    list_display = ["name", "slug", "country", "role_count"]
    list_filter = [("country", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug"]
    list_select_related = ["country"]
    ordering = ["name"]  # explicit: an annotated queryset drops Meta.ordering
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["country"]
    inlines = [RoleInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(role_count=Count("roles"))

    @admin.display(description="Roles", ordering="role_count")
    def role_count(self, person) -> int:
        return person.role_count


@admin.register(Role)
class RoleAdmin(EditorialAdmin):
    list_display = ["person", "title", "organization", "country", "start", "end"]
    list_filter = [
        ("organization", admin.RelatedOnlyFieldListFilter),
        ("country", admin.RelatedOnlyFieldListFilter),
        ("end", admin.EmptyFieldListFilter),
    ]
    search_fields = ["title", "person__name", "organization__name"]
    list_select_related = ["person", "organization", "country"]
    autocomplete_fields = ["person", "organization", "country"]

    def get_queryset(self, request):
        # Role.__str__ reads the person's name, wherever a role is listed or picked.
        return super().get_queryset(request).select_related("person", "organization", "country")
