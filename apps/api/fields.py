"""Serializer fields that accept exactly what the OpenAPI schema promises, and nothing looser.

DRF's stock fields are lenient: a CharField takes the number 5 as "5", a BooleanField takes
"yes", a DateField takes "20230601" and a week date. Clients then depend on input the schema
never mentions, and a fuzzer rightly calls it a bug. These fields take JSON types as declared
and dates only as YYYY-MM-DD.
"""

import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.relations import MANY_RELATION_KWARGS

from apps.actors.models import Bloc, Country, Organization
from apps.core.params import DATE_MESSAGE, parse_iso_date
from apps.core.validators import check_date
from apps.positions.models import Topic

# The longest value any query parameter may have.
QUERY_VALUE_MAX = 500
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
SLUG_MAX = 100
ID_MAX = 2**63 - 1


def full_match(pattern: str, value: str) -> bool:
    """Whether the whole value matches a ^…$ pattern (in Python, $ also matches before a
    final newline, which the schema's JavaScript-flavoured pattern does not)."""
    return re.fullmatch(pattern.removeprefix("^").removesuffix("$"), value) is not None


class StrictCharField(serializers.CharField):
    """Text given as a JSON string, kept as entered (not trimmed): the model's rules judge it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        for validator in self.validators:
            if isinstance(validator, RegexValidator) and not validator.inverse_match:
                regex = validator.regex
                pattern = regex if isinstance(regex, str) else regex.pattern
                if data and not full_match(pattern, data):
                    raise serializers.ValidationError(validator.message, code=validator.code)
        return super().to_internal_value(data)


class StrictSlugField(serializers.SlugField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


URL_PATTERN = r"^(https?|ftps?)://[!-~]+$"


class StrictURLField(serializers.URLField):
    """A web address in plain ASCII (an international domain in its punycode form)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if data and not full_match(URL_PATTERN, data):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class IsoDateField(serializers.DateField):
    """A real calendar date written YYYY-MM-DD."""

    default_error_messages = {"invalid": DATE_MESSAGE}

    def to_internal_value(self, value):
        try:
            return parse_iso_date(value)
        except (TypeError, ValueError):
            self.fail("invalid")


class PastDateField(IsoDateField):
    """A real date, YYYY-MM-DD, from 1900 and not after today (apps.core.validators)."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        try:
            check_date(day)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code=error.code) from None
        return day


class QueryBooleanField(serializers.Field):
    """A query-string boolean: exactly `true` or `false`."""

    default_error_messages = {"invalid": "Use true or false."}

    def to_internal_value(self, data):
        if data not in ("true", "false"):
            self.fail("invalid")
        return data == "true"

    def to_representation(self, value):
        return bool(value)


class StrictManyRelatedField(serializers.ManyRelatedField):
    """A JSON list of related objects (DRF would take any iterable, an object's keys included)."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


# Mixed into DRF's related fields, which the type checker sees as its base.
if TYPE_CHECKING:
    _RelatedFieldBase = serializers.RelatedField
else:
    _RelatedFieldBase = object


class StrictRelatedMixin(_RelatedFieldBase):
    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs: dict[str, Any] = {"child_relation": cls(*args, **kwargs)}
        for key in kwargs:
            if key in MANY_RELATION_KWARGS:
                list_kwargs[key] = kwargs[key]
        return StrictManyRelatedField(**list_kwargs)

    def run_validation(self, data=empty):
        # DRF reads "" as null; an empty string names no object.
        if data == "":
            raise serializers.ValidationError("This field may not be blank.", code="blank")
        return super().run_validation(data)


class StrictPrimaryKeyRelatedField(StrictRelatedMixin, serializers.PrimaryKeyRelatedField):
    """An object by its integer id (a JSON number, not a string)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class StrictSlugRelatedField(StrictRelatedMixin, serializers.SlugRelatedField):
    """An object by its slug (or code), given as a JSON string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if "\x00" in data or len(data) > SLUG_MAX:
            # Not a slug, so no such object (and PostgreSQL refuses NUL in a query).
            self.fail("does_not_exist", slug_name=self.slug_field, value=data[:SLUG_MAX])
        return super().to_internal_value(data)


class ReferenceField(StrictSlugRelatedField):
    """An object of reference data (countries, topics, blocs): the schema lists the valid values."""


class CountryCodeField(ReferenceField):
    model = Country
    schema_name = "CountryCode"
    schema_description = "An ISO 3166-1 alpha-2 country code (those recorded here)."
    default_error_messages = {"does_not_exist": "Unknown country code “{value}”."}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", None if kwargs.get("read_only") else Country.objects.all())
        super().__init__(slug_field="code", **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "maxLength": SLUG_MAX,
        "pattern": SLUG_PATTERN,
        "description": "A country's code (e.g. UA) or an organization's slug.",
    }
)
class ClaimantField(serializers.Field):
    """Who makes a claim: a country by its code (UA), else an organization by its slug."""

    default_error_messages = {
        "invalid": "Give a country's code (UA) or an organization's slug, as a string.",
        "blank": "Give a country's code (UA) or an organization's slug, or null for none.",
        "does_not_exist": "Unknown claimant “{value}”: give a country's code (UA) or an "
        "organization's slug.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if data == "":
            self.fail("blank")
        if "\x00" in data or len(data) > SLUG_MAX or not full_match(SLUG_PATTERN, data):
            self.fail("does_not_exist", value=data[:SLUG_MAX].replace("\x00", ""))
        if len(data) == 2:
            country = Country.objects.filter(code=data.upper()).first()
            if country is not None:
                return country
        organization = Organization.objects.filter(slug=data).first()
        if organization is None:
            self.fail("does_not_exist", value=data)
        return organization

    def to_representation(self, value):
        return getattr(value, "code", None) or getattr(value, "slug", None)


class TopicSlugField(ReferenceField):
    model = Topic
    schema_name = "TopicSlug"
    schema_description = "A topic's slug."
    default_error_messages = {"does_not_exist": "Unknown topic “{value}”."}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", None if kwargs.get("read_only") else Topic.objects.all())
        super().__init__(slug_field="slug", **kwargs)


class BlocSlugField(ReferenceField):
    model = Bloc
    schema_name = "BlocSlug"
    schema_description = "A bloc's slug."
    default_error_messages = {"does_not_exist": "Unknown bloc “{value}”."}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", None if kwargs.get("read_only") else Bloc.objects.all())
        super().__init__(slug_field="slug", **kwargs)


class CommaSeparatedField(serializers.Field):
    """A list in a query string, `countries=EE,US` (or repeated: `countries=EE&countries=US`).

    Each item is validated by the child field; an item given twice is refused.
    """

    default_error_messages = {"duplicate": "“{value}” is given twice."}

    def __init__(
        self, *, child, min_items: int | None = None, max_items: int | None = None, **kwargs
    ):
        self.child = child
        # Bounds on a non-empty list, for the schema (the parameter class enforces them).
        self.min_items, self.max_items = min_items, max_items
        super().__init__(**kwargs)
        self.child.bind(field_name="", parent=self)

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist"):
            values = dictionary.getlist(self.field_name)
            return values if values else empty
        return dictionary.get(self.field_name, empty)

    def to_internal_value(self, data):
        values = [data] if isinstance(data, str) else list(data)
        items = [item.strip() for value in values for item in str(value).split(",")]
        if items == [""]:
            return []
        result, seen = [], set()
        for item in items:
            if item in seen:
                self.fail("duplicate", value=item)
            seen.add(item)
            result.append(self.child.run_validation(item))
        return result

    def to_representation(self, value):
        return [self.child.to_representation(item) for item in value]
