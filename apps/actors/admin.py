"""Editors' admin for who: countries, blocs, organizations, people and their roles."""

from django.contrib import admin
from django.db.models import Count

from apps.actors.models import Bloc, Country, Organization, Person, Role
from apps.core.admin import EditorialAdmin, count_of


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
    list_filter = ["country"]
    search_fields = ["name", "slug"]
    list_select_related = ["country"]
    ordering = ["name"]  # explicit: an annotated queryset drops Meta.ordering
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["country"]
    inlines = [RoleInline]

    def get_queryset(self, request):
        # A correlated count for the rows shown, not a join grouping every role.
        return super().get_queryset(request).annotate(role_count=count_of(Role, "person"))

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
