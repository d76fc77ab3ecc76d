"""Query parameters of the list endpoints, validated by django-filter: a bad value is a 400
naming the parameter, never an ignored filter.

Reference data (countries, topics, blocs) must exist: an unknown code is a 400, and the schema
lists the valid values. Editorial references (a person's or an organization's slug) only
narrow the list: an unknown one gives an empty page. The quote search is not here: its
parameters are a question's (apps.statements.questions.QuoteSearchParams).
"""

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from apps.actors.models import Bloc, Country, Organization, OrganizationKind, Person, Role
from apps.api import fields
from apps.api.fields import SLUG_MAX, SLUG_PATTERN
from apps.core.models import Status
from apps.core.params import DATE_MESSAGE
from apps.core.validators import check_date
from apps.positions.models import Position, Topic
from apps.statements.models import Event, EventKind, Reliability, Source, SourceKind

LANGUAGE_PATTERN = r"^[a-z]{2,3}$"


# --- form fields: what a query-string value may be -------------------------------------------


class IsoDateFormField(forms.Field):
    default_error_messages = {"invalid": DATE_MESSAGE}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return fields.parse_iso_date(value)
        except ValueError as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error


class PastDateFormField(IsoDateFormField):
    def to_python(self, value):
        day = super().to_python(value)
        if day is not None:
            check_date(day)
        return day


class BooleanFormField(forms.Field):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        if value not in ("true", "false"):
            raise ValidationError("Use true or false.", code="invalid")
        return value == "true"


# --- filters: each states its schema with the serializer field the bodies use ------------------


@extend_schema_field(fields.IsoDateField())
class DateFilter(filters.Filter):
    field_class = IsoDateFormField


@extend_schema_field(fields.PastDateField())
class PastDateFilter(filters.Filter):
    field_class = PastDateFormField


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanFilter(filters.Filter):
    field_class = BooleanFormField


@extend_schema_field({"type": "string", "pattern": SLUG_PATTERN, "maxLength": SLUG_MAX})
class SlugFilter(filters.CharFilter):
    """An editorial object's slug: matched as given, so an unknown slug finds nothing."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", SLUG_MAX)
        kwargs.setdefault(
            "validators", [_full(SLUG_PATTERN, "Give a slug: letters, digits, - or _.")]
        )
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)


@extend_schema_field({"type": "string", "pattern": LANGUAGE_PATTERN})
class LanguageFilter(filters.CharFilter):
    def __init__(self, **kwargs):
        kwargs.setdefault("validators", [_full(LANGUAGE_PATTERN, "Use an ISO 639 code, e.g. en.")])
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)


def _full(pattern: str, message: str) -> RegexValidator:
    # \A…\Z: Python's $ would also match before a final newline.
    return RegexValidator(r"\A" + pattern.strip("^$") + r"\Z", message)


def reference_filter(model, to_field, schema_field, message, **kwargs):
    """A ModelChoiceFilter on reference data whose schema lists the existing values."""
    # Typed for classes and functions; on a filter instance it works alike.
    return extend_schema_field(schema_field)(  # type: ignore[type-var]
        filters.ModelChoiceFilter(
            queryset=model.objects.all(),
            to_field_name=to_field,
            error_messages={"invalid_choice": message},
            **kwargs,
        )
    )


def country_filter(field_name="country", **kwargs):
    return reference_filter(
        Country,
        "code",
        fields.CountryCodeField(),
        "Unknown country code “%(value)s”.",
        field_name=field_name,
        **kwargs,
    )


def topic_filter(field_name="topic", **kwargs):
    return reference_filter(
        Topic,
        "slug",
        fields.TopicSlugField(),
        "Unknown topic “%(value)s”.",
        field_name=field_name,
        **kwargs,
    )


def bloc_filter(field_name="blocs", **kwargs):
    return reference_filter(
        Bloc,
        "slug",
        fields.BlocSlugField(),
        "Unknown bloc “%(value)s”.",
        field_name=field_name,
        **kwargs,
    )


def name_search(*field_names):
    """A `search` filter: every word must appear in one of the fields (case-insensitive)."""

    def search(queryset, name, value):
        for word in value.split():
            condition = Q()
            for field_name in field_names:
                condition |= Q(**{f"{field_name}__icontains": word})
            queryset = queryset.filter(condition)
        return queryset

    return filters.CharFilter(
        method=search, help_text=f"Words to find in {', '.join(field_names)}."
    )


# --- one FilterSet per list ----------------------------------------------------------------


class CountryFilter(filters.FilterSet):
    search = name_search("name", "code")
    bloc = bloc_filter(help_text="Members of this bloc.")
    nato = BooleanFilter(
        method="filter_nato", help_text="NATO members today (true) or not (false)."
    )
    eu = BooleanFilter(field_name="eu_member", help_text="EU members (true) or not (false).")
    ordering = filters.OrderingFilter(fields=["name", "code", "nato_joined"])

    class Meta:
        model = Country
        fields: list = []

    def filter_nato(self, queryset, name, value):
        members = Country.objects.nato_members()
        return queryset.filter(pk__in=members) if value else queryset.exclude(pk__in=members)


class BlocFilter(filters.FilterSet):
    search = name_search("name", "slug")
    country = country_filter(field_name="members", help_text="Blocs this country belongs to.")
    ordering = filters.OrderingFilter(fields=["name", "slug"])

    class Meta:
        model = Bloc
        fields: list = []


class OrganizationFilter(filters.FilterSet):
    search = name_search("name", "slug")
    kind = filters.ChoiceFilter(choices=OrganizationKind.choices)
    country = country_filter()
    ordering = filters.OrderingFilter(fields=["name", "slug"])

    class Meta:
        model = Organization
        fields: list = []


class PersonFilter(filters.FilterSet):
    search = name_search("name", "slug")
    country = country_filter()
    ordering = filters.OrderingFilter(fields=["name", "slug"])

    class Meta:
        model = Person
        fields: list = []


class RoleFilter(filters.FilterSet):
    search = name_search("title", "person__name")
    person = SlugFilter(field_name="person__slug")
    organization = SlugFilter(field_name="organization__slug")
    country = country_filter()
    held_on = DateFilter(method="filter_held_on", help_text="Roles held on this day.")
    ordering = filters.OrderingFilter(fields=["title", "start", "end"])

    class Meta:
        model = Role
        fields: list = []

    def filter_held_on(self, queryset, name, value):
        return queryset.held_on(value)


class EventFilter(filters.FilterSet):
    search = name_search("name", "place", "slug")
    kind = filters.ChoiceFilter(choices=EventKind.choices)
    start_from = DateFilter(field_name="start_date", lookup_expr="gte")
    start_to = DateFilter(field_name="start_date", lookup_expr="lte")
    ordering = filters.OrderingFilter(fields=["start_date", "name"])

    class Meta:
        model = Event
        fields: list = []


class SourceFilter(filters.FilterSet):
    search = name_search("title", "url")
    kind = filters.ChoiceFilter(choices=SourceKind.choices)
    reliability = filters.ChoiceFilter(choices=Reliability.choices)
    publisher = SlugFilter(field_name="publisher__slug")
    author = SlugFilter(field_name="author__slug")
    language = LanguageFilter()
    published_from = DateFilter(field_name="published_on", lookup_expr="gte")
    published_to = DateFilter(field_name="published_on", lookup_expr="lte")
    ordering = filters.OrderingFilter(fields=["published_on", "title"])

    class Meta:
        model = Source
        fields: list = []


class PositionFilter(filters.FilterSet):
    country = country_filter()
    organization = SlugFilter(field_name="organization__slug")
    topic = topic_filter()
    as_of = PastDateFilter(method="filter_as_of", help_text="Positions in force on this day.")
    status = filters.ChoiceFilter(
        choices=Status.choices, help_text="Editors only: others see published positions alone."
    )
    ordering = filters.OrderingFilter(fields=["valid_from", "id"])

    class Meta:
        model = Position
        fields: list = []

    def filter_as_of(self, queryset, name, value):
        return queryset.as_of(value)
