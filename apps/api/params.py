"""Query parameters of matrix/ and changes/, validated by serializers: a bad value is a 400
naming the parameter."""

from rest_framework import serializers

from apps.api.fields import (
    BlocSlugField,
    CommaSeparatedField,
    CountryCodeField,
    PastDateField,
    QueryBooleanField,
    TopicSlugField,
)


class MatrixParams(serializers.Serializer):
    as_of = PastDateField(required=False, help_text="The day to show (default: today).")
    topics = CommaSeparatedField(
        child=TopicSlugField(),
        required=False,
        help_text="Topic slugs, comma-separated (default: all).",
    )
    bloc = BlocSlugField(required=False, help_text="Only this bloc's members.")
    countries = CommaSeparatedField(
        child=CountryCodeField(), required=False, help_text="Country codes, comma-separated."
    )
    nato = QueryBooleanField(required=False, help_text="true: only countries in NATO on as_of.")


class ChangesParams(serializers.Serializer):
    vars()["from"] = PastDateField(help_text="The earlier state's day.")
    to = PastDateField(required=False, help_text="The later state's day (default: today).")
    topics = CommaSeparatedField(
        child=TopicSlugField(),
        required=False,
        help_text="Topic slugs, comma-separated (default: all).",
    )
    countries = CommaSeparatedField(
        child=CountryCodeField(), required=False, help_text="Country codes, comma-separated."
    )
