"""/api/v1/agreements/ and /api/v1/clauses/: what allies signed (DESIGN §8).

Readers see published agreements; editors also drafts, and write an agreement with its
parties and clauses in one body, through the agreement services: the same rules, review
(four eyes, revisions) and If-Match as positions. Clauses are read here, and written with
their agreement (the unit of review and of versioning)."""

from django.core.validators import RegexValidator
from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.actors.models import Organization
from apps.agreements.models import (
    CURRENCY_PATTERN,
    MAX_DURATION_YEARS,
    Agreement,
    AgreementKind,
    ClauseCategory,
)
from apps.agreements.questions import (
    AgreementListParams,
    ClauseListParams,
    agreement_dict,
    agreement_list,
    clause_dict,
    clause_list,
)
from apps.agreements.services import agreement_record, agreement_update
from apps.api.exceptions import domain_rules
from apps.api.fields import (
    CountryCodeField,
    IsoDateField,
    PastDateField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
    StrictSlugField,
    StrictSlugRelatedField,
)
from apps.api.params import schema_of, validated
from apps.api.serializers import RevisionSerializer, SourceRefSerializer
from apps.api.views import EditorialViewSet, ReadViewSet, kept_for_readers
from apps.core.models import NAME_MAX, TEXT_MAX, Status
from apps.core.validators import clean_text_validators
from apps.statements.models import Source

# --- read shapes: agreement_dict and clause_dict, documented ----------------------------------


class PartySerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["country", "organization"])
    code = serializers.CharField(required=False, help_text="For a country.")
    slug = serializers.CharField(required=False, help_text="For an organization.")
    name = serializers.CharField()
    joined_on = serializers.DateField(
        allow_null=True, help_text="For a party that joined after the signing."
    )


class AgreementSerializer(serializers.Serializer):
    """An agreement with its parties (apps.agreements.questions.agreement_dict)."""

    id = serializers.IntegerField()
    slug = serializers.SlugField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=AgreementKind.choices)
    kind_label = serializers.CharField()
    signed_on = serializers.DateField()
    place = serializers.CharField()
    in_force_on = serializers.DateField(allow_null=True)
    duration_years = serializers.IntegerField(allow_null=True)
    expires_on = serializers.DateField(
        allow_null=True, help_text="Still in force on this day; null: open-ended."
    )
    needs_ratification = serializers.BooleanField()
    ratified_on = serializers.DateField(allow_null=True)
    terminated_on = serializers.DateField(allow_null=True)
    termination_note = serializers.CharField()
    parties = PartySerializer(many=True)
    source = SourceRefSerializer()  # type: ignore[assignment]  # a field named like a Field attribute
    summary = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    version = serializers.IntegerField()

    def to_representation(self, instance):
        return serializers.Serializer.to_representation(
            self, {**agreement_dict(instance), "id": instance.pk, "version": instance.version}
        )


class ClauseSerializer(serializers.Serializer):
    """A clause, verbatim, with its article (apps.agreements.questions.clause_dict)."""

    id = serializers.IntegerField()
    agreement = serializers.SlugField(help_text="The agreement's slug.")
    category = serializers.SlugField()
    category_name = serializers.CharField()
    article = serializers.CharField()
    text = serializers.CharField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    currency = serializers.CharField()
    period = serializers.CharField()

    def to_representation(self, instance):
        return serializers.Serializer.to_representation(self, clause_dict(instance))


# --- write shapes ------------------------------------------------------------------------------


def _text(**kwargs):
    kwargs.setdefault("allow_blank", True)
    kwargs.setdefault("required", False)
    max_length = kwargs.pop("max_length", TEXT_MAX)
    return StrictCharField(
        max_length=max_length, validators=clean_text_validators(max_length), **kwargs
    )


class PartyWriteSerializer(serializers.Serializer):
    country = CountryCodeField(allow_null=True, required=False, help_text="A country, or:")
    organization = StrictSlugRelatedField(
        slug_field="slug",
        queryset=Organization.objects.all(),
        allow_null=True,
        required=False,
        help_text="an organization (its slug).",
    )
    joined_on = PastDateField(
        allow_null=True, required=False, help_text="Only for a party that joined later."
    )


class ClauseWriteSerializer(serializers.Serializer):
    id = StrictIntegerField(
        required=False, min_value=1, help_text="A stored clause's id, to keep (and change) it."
    )
    category = StrictSlugRelatedField(slug_field="slug", queryset=ClauseCategory.objects.all())
    article = _text(max_length=40)
    text = StrictCharField(
        max_length=TEXT_MAX,
        validators=clean_text_validators(TEXT_MAX),
        help_text="The clause's words, verbatim.",
    )
    amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    currency = StrictCharField(
        allow_blank=True,
        required=False,
        max_length=3,
        validators=[RegexValidator(CURRENCY_PATTERN, "Give an ISO 4217 code such as EUR.")],
    )
    period = _text(max_length=100)


class AgreementWriteSerializer(serializers.Serializer):
    """An agreement with its parties (at least two) and its clauses. Given, `parties` and
    `clauses` replace the stored ones (a clause named by `id` is kept)."""

    slug = StrictSlugField(max_length=120)
    title = _text(max_length=NAME_MAX, allow_blank=False, required=True)
    kind = StrictChoiceField(choices=AgreementKind.choices)
    signed_on = PastDateField()
    place = _text(max_length=200)
    in_force_on = PastDateField(allow_null=True, required=False)
    duration_years = StrictIntegerField(
        min_value=1, max_value=MAX_DURATION_YEARS, allow_null=True, required=False
    )
    expires_on = IsoDateField(
        allow_null=True,
        required=False,
        help_text="Left out, derived from the start and the duration.",
    )
    needs_ratification = StrictBooleanField(required=False)
    ratified_on = PastDateField(allow_null=True, required=False)
    terminated_on = PastDateField(allow_null=True, required=False)
    termination_note = _text()
    source = StrictPrimaryKeyRelatedField(queryset=Source.objects.all())  # type: ignore[assignment]  # a field named like a Field attribute
    summary = _text()
    status = StrictChoiceField(choices=Status.choices, required=False)
    correction_note = _text(help_text="Why a recorded agreement is corrected or retracted.")
    parties = PartyWriteSerializer(many=True, help_text="At least two.")
    clauses = ClauseWriteSerializer(many=True, required=False)

    def create(self, validated_data):
        validated_data.pop("correction_note", None)
        with domain_rules():
            return agreement_record(by=self.by, **validated_data)

    def update(self, instance, validated_data):
        with domain_rules():
            return agreement_update(agreement=instance, by=self.by, **validated_data)

    @property
    def by(self):
        return self.context["request"].user


REVIEWED_CHANGE = extend_schema(
    responses={200: AgreementSerializer, 202: RevisionSerializer},
    description="Change an agreement (with its parties and clauses). A change to a published "
    "(or retracted) agreement is reviewed: the answer is **202 Accepted** with the revision "
    "in review, and the agreement is unchanged until another editor publishes it.",
)


@extend_schema_view(update=REVIEWED_CHANGE, partial_update=REVIEWED_CHANGE)
class AgreementViewSet(EditorialViewSet):
    """What allies signed: agreements with their parties, newest signing first. Changing one
    needs If-Match; changing a published one proposes a revision (202)."""

    serializer_class = AgreementSerializer
    write_serializer_class = AgreementWriteSerializer
    params_class = AgreementListParams
    lookup_field = "slug"
    versioned = True
    csv_filename = "agreements"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return Agreement.objects.visible_to(self.request.user).for_list()

    @extend_schema(parameters=[schema_of(AgreementListParams)])
    def list(self, request, *args, **kwargs):
        """Agreements by party, kind, day in force and signing dates (the page's parameters)."""

        def build():
            params = validated(request, AgreementListParams)
            page = self.paginate_queryset(agreement_list(params, user=request.user))
            return self.get_paginated_response(self.get_serializer(page, many=True).data)

        return kept_for_readers(request, build)

    def read_response(self, instance, status_code=status.HTTP_200_OK, headers=None):
        revision = getattr(instance, "proposed_revision", None)
        if revision is None:
            return super().read_response(instance, status_code, headers)
        location = self.request.build_absolute_uri(f"/api/v1/revisions/{revision.pk}/")
        data = RevisionSerializer(revision, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

    def create(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().create(request, *args, **kwargs)


class ClauseViewSet(ReadViewSet):
    """Clauses of the agreements, verbatim, by category and party. They are written with
    their agreement (PUT or PATCH on /agreements/{slug}/)."""

    serializer_class = ClauseSerializer
    params_class = ClauseListParams
    csv_filename = "clauses"

    def get_queryset(self):
        return clause_list({}, user=self.request.user)

    @extend_schema(parameters=[schema_of(ClauseListParams)])
    def list(self, request, *args, **kwargs):
        """Clauses by category and party."""

        def build():
            params = validated(request, ClauseListParams)
            page = self.paginate_queryset(clause_list(params, user=request.user))
            return self.get_paginated_response(self.get_serializer(page, many=True).data)

        return kept_for_readers(request, build)
