"""The API's door to the questions' parameter classes (Django forms in the domain apps).

`validated(request, Params)` validates a request's query with the same class the page uses
and raises a 400 naming each bad parameter. `schema_of(Params)` states the same parameters in
the OpenAPI schema, through the serializer fields whose schema extensions list the reference
values (country codes, topic and bloc slugs) and the date rules.
"""

import functools

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from apps.actors.models import Bloc, Country
from apps.api import fields
from apps.core.params import (
    BooleanParam,
    DateParam,
    QueryParams,
    ReferenceListParam,
    ReferenceParam,
    TextParam,
)
from apps.positions.models import Topic

REFERENCE_FIELDS = {
    Country: fields.CountryCodeField,
    Topic: fields.TopicSlugField,
    Bloc: fields.BlocSlugField,
}


def validated(request, params_class: type[QueryParams]) -> dict:
    """Return the cleaned parameters of the request's query, or raise a 400 naming each bad
    one (with the messages the page shows for the same value)."""
    params = params_class(request.query_params).for_user(request.user)
    if not params.is_valid():
        raise ValidationError(params.error_dict())
    return params.cleaned_data


def _serializer_field(field) -> serializers.Field:
    """The serializer field that documents a parameter field."""
    kwargs = {"required": field.required, "help_text": str(field.help_text or "") or None}
    values = getattr(field, "openapi_values", None)
    if values is not None:
        # Values read from the data when the schema is made (a topic's slug to sort by, a
        # clause category), as the reference fields' enums are (apps.api.schema).
        fallback = dict(getattr(field, "openapi", None) or {"type": "string"})
        return ListedValuesField(values=values, fallback=fallback, **kwargs)
    if "openapi" in vars(field):
        # A field whose schema depends on its arguments (bounds, choices, a pattern) states it.
        return _stated(field.openapi)(**kwargs)
    if isinstance(field, DateParam):
        cls = fields.PastDateField if field.past else fields.IsoDateField
        return cls(**kwargs)
    if isinstance(field, BooleanParam):
        return fields.QueryBooleanField(**kwargs)
    if isinstance(field, ReferenceListParam):
        child = REFERENCE_FIELDS.get(field.queryset.model)
        return fields.CommaSeparatedField(
            child=child() if child is not None else fields.StrictCharField(),
            min_items=field.min_items,
            max_items=field.max_items,
            **kwargs,
        )
    if isinstance(field, ReferenceParam):
        reference = REFERENCE_FIELDS.get(field.queryset.model)
        if reference is not None:
            return reference(**kwargs)
        return fields.StrictSlugField(max_length=fields.SLUG_MAX, **kwargs)
    if isinstance(field, TextParam):
        return fields.StrictCharField(allow_blank=True, max_length=field.max_length, **kwargs)
    return fields.StrictCharField(**kwargs)


class ListedValuesField(fields.StrictCharField):
    """A query parameter whose schema lists `values()`, read from the data when the schema is
    made (not when the module is imported), or states `fallback` where there are none."""

    def __init__(self, *, values, fallback: dict, **kwargs):
        self.listed_values, self.fallback = values, fallback
        super().__init__(**kwargs)


def _stated(schema: dict) -> type[serializers.Field]:
    """A serializer field class documented by a parameter field's own OpenAPI schema."""
    return extend_schema_field(schema)(type("StatedField", (fields.StrictCharField,), {}))


@functools.cache
def schema_of(params_class: type[QueryParams]) -> type[serializers.Serializer]:
    """A serializer class that states the parameter class's fields in the OpenAPI schema
    (only the schema reads it: the form validates)."""
    declared = {name: _serializer_field(field) for name, field in params_class.base_fields.items()}
    name = params_class.__name__.removesuffix("Params") + "Params"
    return type(name, (serializers.Serializer,), declared)
