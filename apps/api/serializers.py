"""Shapes of the API: what each resource reads as, and what an editor may write.

Reads carry what a client needs to show an object (a quote: its speaker's name and slug, the
source's title and URL, the topics' slugs). Writes name related objects by their public key
(a country's code, a person's slug, a source's id) and go through the domain's services, so
the admin's rules and audit apply; a service's ValidationError becomes a 400 on its fields.
"""

from django.db import models, transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.actors.models import Bloc, Country, Organization, Person, Role
from apps.agreements.changes import EVENT_KINDS
from apps.agreements.models import AgreementKind
from apps.api.exceptions import domain_rules
from apps.api.fields import (
    ClaimantField,
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
    StrictURLField,
    TopicSlugField,
)
from apps.core.models import TEXT_MAX, Revision, Status
from apps.core.revisions import revision_changes
from apps.core.services import stamp
from apps.core.validators import clean_text_validators, reject_future
from apps.positions.models import Conditionality, Confidence, Position, Stance, Topic
from apps.positions.queries import Holder
from apps.positions.services import position_record, position_update
from apps.statements.models import QUOTE_EDITABLE_FIELDS, Event, Quote, Source
from apps.statements.services import quote_record, quote_update, source_record, source_update

# --- small nested shapes --------------------------------------------------------------------


class CountryRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class OrganizationRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class PersonRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class EventRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class RoleRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class SourceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()


class TopicRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class StanceRefSerializer(serializers.Serializer):
    value = serializers.IntegerField(min_value=-2, max_value=2)
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like a Field attribute


class ImpliedStanceSerializer(serializers.Serializer):
    topic = serializers.CharField(source="topic.slug")
    value = serializers.IntegerField(min_value=-2, max_value=2)
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like a Field attribute


class HolderSerializer(serializers.Serializer):
    """Who holds a position: a country (by code) or an organization (by slug)."""

    type = serializers.ChoiceField(choices=["country", "organization"])
    code = serializers.CharField(required=False, help_text="For a country.")
    slug = serializers.CharField(required=False, help_text="For an organization.")
    name = serializers.CharField()

    def to_representation(self, instance):
        holder = Holder.of(instance) if isinstance(instance, Position) else instance
        key = "code" if holder.type == "country" else "slug"
        return {"type": holder.type, key: holder.key, "name": holder.name}


class ClaimantSerializer(serializers.Serializer):
    """Who claims what a quote says of another government's stance: a country (by code) or
    an organization (by slug)."""

    type = serializers.ChoiceField(choices=["country", "organization"])
    code = serializers.CharField(required=False, help_text="For a country.")
    slug = serializers.CharField(required=False, help_text="For an organization.")
    name = serializers.CharField()

    def to_representation(self, instance):
        if isinstance(instance, Country):
            return {"type": "country", "code": instance.code, "name": instance.name}
        return {"type": "organization", "slug": instance.slug, "name": instance.name}


CLAIMANT_HELP = (
    "Set when the speaker speaks of another government's stance (the quote's country): the "
    "speaker's country or organization. Null when the words speak for their own side. On "
    "its own such a claim never codes a stance above “reported” confidence."
)


class QuoteSummarySerializer(serializers.Serializer):
    """A quote as evidence: the words, who said them, when, and where it was published."""

    id = serializers.IntegerField()
    text = serializers.CharField()
    translation = serializers.CharField()
    speaker = PersonRefSerializer(allow_null=True)
    speaker_name = serializers.CharField()
    claimant = ClaimantSerializer(allow_null=True, help_text=CLAIMANT_HELP)
    said_on = serializers.DateField()
    said_precision = serializers.CharField()
    said_display = serializers.CharField()
    source = SourceRefSerializer()  # type: ignore[assignment]  # a field named like a Field attribute


# --- reads ----------------------------------------------------------------------------------


class CountrySerializer(serializers.ModelSerializer):
    blocs = serializers.SlugRelatedField[Bloc](many=True, read_only=True, slug_field="slug")

    class Meta:
        model = Country
        fields = ["code", "name", "nato_joined", "eu_member", "blocs"]
        read_only_fields = fields


class BlocSerializer(serializers.ModelSerializer):
    members = CountryRefSerializer(many=True, read_only=True)

    class Meta:
        model = Bloc
        fields = ["slug", "name", "description", "members"]
        read_only_fields = fields


class StanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stance
        fields = ["value", "label", "definition"]
        read_only_fields = fields


class TopicSerializer(serializers.ModelSerializer):
    stances = StanceSerializer(many=True, read_only=True)

    class Meta:
        model = Topic
        fields = ["slug", "name", "question", "description", "order", "stances"]
        read_only_fields = fields


class OrganizationSerializer(serializers.ModelSerializer):
    country = CountryRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Organization
        fields = ["slug", "name", "kind", "country"]
        read_only_fields = fields


class PersonRoleSerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer(read_only=True, allow_null=True)
    country = CountryRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Role
        fields = ["id", "title", "organization", "country", "start", "end"]
        read_only_fields = fields


class PersonSerializer(serializers.ModelSerializer):
    country = CountryRefSerializer(read_only=True, allow_null=True)
    roles = PersonRoleSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = ["slug", "name", "country", "bio", "roles"]
        read_only_fields = fields


class RoleSerializer(serializers.ModelSerializer):
    person = PersonRefSerializer(read_only=True)
    organization = OrganizationRefSerializer(read_only=True, allow_null=True)
    country = CountryRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Role
        fields = ["id", "person", "title", "organization", "country", "start", "end"]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["slug", "name", "kind", "start_date", "end_date", "place"]
        read_only_fields = fields


class SourceSerializer(serializers.ModelSerializer):
    publisher = OrganizationRefSerializer(read_only=True, allow_null=True)
    author = PersonRefSerializer(read_only=True, allow_null=True)
    published_display = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="Empty when the source has none.")

    class Meta:
        model = Source
        fields = [
            "id",
            "title",
            "publisher",
            "author",
            "url",
            "published_on",
            "published_precision",
            "published_display",
            "kind",
            "reliability",
            "language",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class QuoteSerializer(serializers.ModelSerializer):
    speaker = PersonRefSerializer(read_only=True, allow_null=True)
    speaker_name = serializers.CharField(read_only=True)
    country = CountryRefSerializer(read_only=True, allow_null=True)
    claimant = ClaimantSerializer(read_only=True, allow_null=True, help_text=CLAIMANT_HELP)
    role = RoleRefSerializer(read_only=True, allow_null=True)
    source = SourceRefSerializer(read_only=True)  # type: ignore[assignment]  # a field named like a Field attribute
    event = EventRefSerializer(read_only=True, allow_null=True)
    topics = serializers.ListField(
        child=serializers.CharField(),
        source="topic_slugs",
        read_only=True,
        help_text="The slugs of the topics it speaks to.",
    )
    implied_stance = ImpliedStanceSerializer(read_only=True, allow_null=True)
    said_display = serializers.CharField(read_only=True)
    citation = serializers.CharField(read_only=True, help_text="A ready citation line.")

    class Meta:
        model = Quote
        fields = [
            "id",
            "text",
            "translation",
            "language",
            "is_paraphrase",
            "speaker",
            "speaker_label",
            "speaker_name",
            "country",
            "claimant",
            "role",
            "said_on",
            "said_precision",
            "said_display",
            "source",
            "channel",
            "event",
            "topics",
            "implied_stance",
            "citation",
            "status",
            "correction_note",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class PositionSerializer(serializers.ModelSerializer):
    holder = HolderSerializer(source="*", read_only=True)
    country = serializers.CharField(source="country.code", read_only=True, allow_null=True)
    organization = serializers.CharField(
        source="organization.slug", read_only=True, allow_null=True
    )
    topic = serializers.CharField(source="topic.slug", read_only=True)
    stance = StanceRefSerializer(read_only=True)
    evidence = QuoteSummarySerializer(
        source="visible_evidence",
        many=True,
        read_only=True,
        help_text="Published quotes (editors also see drafts), newest first.",
    )
    conditionality_label = serializers.CharField(
        source="get_conditionality_display",
        read_only=True,
        help_text="The conditionality in words.",
    )

    class Meta:
        model = Position
        fields = [
            "id",
            "holder",
            "country",
            "organization",
            "topic",
            "stance",
            "conditionality",
            "conditionality_label",
            "conditionality_note",
            "valid_from",
            "valid_to",
            "confidence",
            "summary",
            "evidence",
            "status",
            "correction_note",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


# --- matrix and changes ---------------------------------------------------------------------


class MatrixCellSerializer(serializers.Serializer):
    position = serializers.IntegerField(source="pk")
    stance = StanceRefSerializer()
    conditionality = serializers.ChoiceField(choices=Conditionality.choices)
    conditionality_label = serializers.CharField(help_text="The conditionality in words.")
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    valid_from = serializers.DateField()
    evidence_count = serializers.IntegerField()


class SignedSerializer(serializers.Serializer):
    agreement = serializers.SlugField(help_text="The agreement's slug (agreements/{slug}/).")
    kind = serializers.ChoiceField(choices=AgreementKind.choices)
    signed_on = serializers.DateField()
    expires_on = serializers.DateField(allow_null=True, help_text="Null: no end date.")


SIGNED_HELP = (
    "The published agreements in force on as_of that the holder was a party of that day "
    "(a later joiner from its joining day), newest signing first. Empty for Ukraine, the "
    "other party to each."
)
GAP_HELP = (
    "Where words and signatures disagree: `said_unsigned` (a stated +2 on guarantees with "
    "nothing signed), `signed_against` (a signature under a stated −1 or below); null where "
    "they agree, nothing is stated, or the guarantees topic is not among the topics asked."
)


class MatrixRowSerializer(serializers.Serializer):
    holder = HolderSerializer()
    cells = serializers.DictField(
        child=MatrixCellSerializer(allow_null=True),
        help_text="By topic slug: the position in force, or null where there is none.",
    )
    signed = SignedSerializer(many=True, help_text=SIGNED_HELP)
    say_sign_gap = serializers.ChoiceField(
        choices=["said_unsigned", "signed_against"], allow_null=True, help_text=GAP_HELP
    )


class MatrixSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    sort = serializers.CharField(
        help_text="name, or a topic's slug (-slug: most supportive first)."
    )
    countries = serializers.IntegerField(help_text="Countries the filters chose, shown or hidden.")
    countries_without_position = serializers.IntegerField(
        help_text="Of those, how many have no position on any topic shown."
    )
    topics = TopicRefSerializer(many=True)
    rows = MatrixRowSerializer(many=True)


class ChangeSerializer(serializers.Serializer):
    holder = HolderSerializer()
    topic = serializers.CharField(source="topic.slug")
    before = StanceRefSerializer(source="before.stance", allow_null=True)
    after = StanceRefSerializer(source="after.stance", allow_null=True)
    direction = serializers.ChoiceField(choices=["up", "down", "new", "ended"])
    kind = serializers.ChoiceField(
        choices=["up", "down", "new", "ended", "first_recorded"],
        help_text="As `direction`, except that a holder's first position on the topic on "
        "record (no position on or before `from`) is `first_recorded`: the start of coverage, "
        "not a move; `new` is then a position again after a time with none.",
    )
    evidence = QuoteSummarySerializer(many=True)


class ChangeCountsSerializer(serializers.Serializer):
    """How many changes of each kind, on every page."""

    up = serializers.IntegerField()
    down = serializers.IntegerField()
    new = serializers.IntegerField()
    ended = serializers.IntegerField()
    first_recorded = serializers.IntegerField()


class AgreementPartySerializer(serializers.Serializer):
    """A party of an agreement: a country (by code) or an organization (by slug)."""

    type = serializers.ChoiceField(choices=["country", "organization"])
    code = serializers.CharField(required=False, help_text="For a country.")
    slug = serializers.CharField(required=False, help_text="For an organization.")
    name = serializers.CharField()


class AgreementEventSerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text="The agreement's slug (agreements/{slug}/).")
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=AgreementKind.choices)
    kind_label = serializers.CharField(help_text="The kind in words.")
    event = serializers.ChoiceField(
        choices=list(EVENT_KINDS),
        help_text="`signed` (by the parties that did not join later), `joined` (a party joined "
        "after the signing), `terminated` (a party ended it: `day` is the last day it held), "
        "`expired` (its term ran out: `day` is its last day in force; not given when it was "
        "terminated on or before that day).",
    )
    day = serializers.DateField(help_text="The day of the event, between `from` and `to`.")
    party = AgreementPartySerializer(
        allow_null=True, help_text="The party that joined (`joined`); null for the others."
    )
    parties = AgreementPartySerializer(
        many=True, help_text="Its parties on that day, countries then organizations, by name."
    )
    note = serializers.CharField(
        allow_blank=True, help_text="How and why it was terminated (`terminated`); else empty."
    )
    headline = serializers.CharField(
        help_text="The event in one sentence: “France and Ukraine signed the Agreement on …”."
    )


class AgreementEventCountsSerializer(serializers.Serializer):
    """How many agreements were signed, joined, terminated and expired in the period."""

    signed = serializers.IntegerField()
    joined = serializers.IntegerField()
    terminated = serializers.IntegerField()
    expired = serializers.IntegerField()


AGREEMENTS_HELP = (
    "The published agreements signed, joined, terminated or expired from `from` to `to` "
    "(both days included), oldest first: all of them, the same on every page. Narrowed by "
    "`countries` to the agreements one of them is a party of; empty when `topics` leaves out "
    "guarantees. Not in the CSV, which holds the positions' changes."
)


class ChangesSerializer(serializers.Serializer):
    vars()["from"] = serializers.DateField()
    to = serializers.DateField()
    count = serializers.IntegerField(help_text="How many changes in all, on every page.")
    counts = ChangeCountsSerializer(help_text="How many of each kind, on every page.")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, or null.")
    entries = ChangeSerializer(many=True, help_text="This page's changes.")
    agreements = AgreementEventSerializer(many=True, help_text=AGREEMENTS_HELP)
    agreement_counts = AgreementEventCountsSerializer(
        help_text="How many agreement events of each kind."
    )


class CompareCellSerializer(MatrixCellSerializer):
    evidence = QuoteSummarySerializer(many=True, help_text="Published quotes, newest first.")


class CompareStepSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    stance = StanceRefSerializer()
    conditionality = serializers.ChoiceField(choices=Conditionality.choices)
    conditionality_label = serializers.CharField(help_text="The conditionality in words.")
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True, help_text="Exclusive; null while it holds.")


class CompareEntrySerializer(serializers.Serializer):
    country = CountryRefSerializer()
    topic = serializers.CharField(help_text="The topic's slug.")
    current = CompareCellSerializer(allow_null=True, help_text="The position in force, or null.")
    history = CompareStepSerializer(
        many=True,
        help_text="Its newest positions up to as_of (at most six), oldest first; "
        "`positions/?country=&topic=` lists them all.",
    )
    earlier = serializers.IntegerField(help_text="How many positions came before those.")


class CompareSignedSerializer(serializers.Serializer):
    country = CountryRefSerializer()
    signed = SignedSerializer(many=True, help_text=SIGNED_HELP)
    say_sign_gap = serializers.ChoiceField(
        choices=["said_unsigned", "signed_against"], allow_null=True, help_text=GAP_HELP
    )


class ComparisonSerializer(serializers.Serializer):
    """The schema of compare/ (the answer is built by the domain's comparison)."""

    as_of = serializers.DateField()
    topics = TopicRefSerializer(many=True)
    entries = CompareEntrySerializer(many=True, help_text="One per country and topic.")
    signatures = CompareSignedSerializer(
        many=True, help_text="One per country: what it had signed on as_of."
    )


# --- writes ---------------------------------------------------------------------------------


class StrictModelSerializer(serializers.ModelSerializer):
    # A ModelSerializer whose fields take only the JSON types the schema states.

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.SlugField: StrictSlugField,
        models.URLField: StrictURLField,
        models.DateField: IsoDateField,
        models.BooleanField: StrictBooleanField,
        models.IntegerField: StrictIntegerField,
        models.SmallIntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
    }
    serializer_choice_field = StrictChoiceField
    serializer_related_field = StrictPrimaryKeyRelatedField

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_class is IsoDateField and reject_future in model_field.validators:
            field_class = PastDateField
        return field_class, kwargs

    @property
    def by(self):
        return self.context["request"].user


class ModelSaveSerializer(StrictModelSerializer):
    # Creates and updates one row through full_clean and stamp: every model rule, and who.

    def create(self, validated_data):
        model: type[models.Model] = self.Meta.model
        return self._save(model(**validated_data))

    def update(self, instance, validated_data):
        for field, value in validated_data.items():
            setattr(instance, field, value)
        return self._save(instance)

    def _save(self, instance):
        with domain_rules(), transaction.atomic():
            instance.full_clean()
            stamp(instance, self.by)
            instance.save()
        return instance


def slug_of(model, **kwargs):
    return StrictSlugRelatedField(slug_field="slug", queryset=model.objects.all(), **kwargs)


def end_after_start(attrs, instance, start: str, end: str) -> None:
    first = attrs.get(start, getattr(instance, start, None))
    last = attrs.get(end, getattr(instance, end, None))
    if first and last and last < first:
        raise serializers.ValidationError({end: ["The end cannot be before the start."]})


class OrganizationWriteSerializer(ModelSaveSerializer):
    """An organization; its country by code."""

    country = CountryCodeField(allow_null=True, required=False)

    class Meta:
        model = Organization
        fields = ["slug", "name", "kind", "country"]


class PersonWriteSerializer(ModelSaveSerializer):
    """A person; their country by code."""

    country = CountryCodeField(allow_null=True, required=False)

    class Meta:
        model = Person
        fields = ["slug", "name", "country", "bio"]


class RoleWriteSerializer(ModelSaveSerializer):
    """A person's post (by the person's slug), with its organization (slug) and/or country (code)."""

    person = slug_of(Person)
    organization = slug_of(Organization, allow_null=True, required=False)
    country = CountryCodeField(allow_null=True, required=False)

    class Meta:
        model = Role
        fields = ["person", "title", "organization", "country", "start", "end"]
        # full_clean checks the unique post; DRF's validator would make `start` required.
        validators: list = []

    def validate(self, attrs):
        end_after_start(attrs, self.instance, "start", "end")
        return attrs


class EventWriteSerializer(ModelSaveSerializer):
    """An event; it cannot end before it starts."""

    class Meta:
        model = Event
        fields = ["slug", "name", "kind", "start_date", "end_date", "place"]

    def validate(self, attrs):
        end_after_start(attrs, self.instance, "start_date", "end_date")
        return attrs


class SourceWriteSerializer(StrictModelSerializer):
    """A source; its publisher (organization) and author (person) by slug."""

    publisher = slug_of(Organization, allow_null=True, required=False)
    author = slug_of(Person, allow_null=True, required=False)

    class Meta:
        model = Source
        fields = [
            "title",
            "publisher",
            "author",
            "url",
            "published_on",
            "published_precision",
            "kind",
            "reliability",
            "language",
        ]

    def create(self, validated_data):
        with domain_rules():
            return source_record(by=self.by, **validated_data)

    def update(self, instance, validated_data):
        with domain_rules():
            return source_update(source=instance, by=self.by, **validated_data)


class StanceChoiceSerializer(serializers.Serializer):
    """A stance named by its topic's slug and its value on that topic's scale."""

    topic = TopicSlugField()
    value = StrictIntegerField(min_value=-2, max_value=2)

    def validate(self, attrs):
        stance = Stance.objects.filter(topic=attrs["topic"], value=attrs["value"]).first()
        if stance is None:
            raise serializers.ValidationError(
                {"value": [f"{attrs['topic'].name} has no stance {attrs['value']}."]}
            )
        return stance


# The quote's two claimant fields are one `claimant` in a body.
CLAIMANT_FIELDS = {"claimant_country": "claimant", "claimant_organization": "claimant"}


class QuoteWriteSerializer(StrictModelSerializer):
    """A quote: a speaker (slug) or, for an anonymous source, a speaker label; its source by id,
    its country by code, the speaker's role by id, its event and topics by slug."""

    speaker = slug_of(Person, allow_null=True, required=False)
    country = CountryCodeField(allow_null=True, required=False)
    role = StrictPrimaryKeyRelatedField(
        queryset=Role.objects.all(), allow_null=True, required=False
    )
    source = StrictPrimaryKeyRelatedField(queryset=Source.objects.all())  # type: ignore[assignment]  # a field named like a Field attribute
    event = slug_of(Event, allow_null=True, required=False)
    topics = TopicSlugField(many=True, required=False)
    implied_stance = StanceChoiceSerializer(
        allow_null=True,
        required=False,
        help_text="The stance the words imply, to flag a contradiction with the coded position.",
    )

    claimant = ClaimantField(
        allow_null=True,
        required=False,
        help_text="When the speaker speaks of another government's stance (the quote's "
        "country): the speaker's country, by its code (UA), or organization, by its slug. "
        "Null for words that speak for their own side. Never the quote's own country.",
    )

    class Meta:
        model = Quote
        fields = [
            *(field for field in QUOTE_EDITABLE_FIELDS if not field.startswith("claimant_")),
            "claimant",
        ]

    def validate(self, attrs):
        # One claimant, as the quote's two fields: naming one (or null) replaces the other.
        if "claimant" in attrs:
            claimant = attrs.pop("claimant")
            attrs["claimant_country"] = claimant if isinstance(claimant, Country) else None
            attrs["claimant_organization"] = (
                claimant if isinstance(claimant, Organization) else None
            )
        return attrs

    def create(self, validated_data):
        with domain_rules(CLAIMANT_FIELDS):
            return quote_record(by=self.by, **validated_data)

    def update(self, instance, validated_data):
        with domain_rules(CLAIMANT_FIELDS):
            return quote_update(quote=instance, by=self.by, **validated_data)


class PositionWriteSerializer(serializers.Serializer):
    """A stance held from `valid_from`: recording it fits it into the holder's history."""

    country = CountryCodeField(allow_null=True, required=False, help_text="The holder, or:")
    organization = slug_of(Organization, allow_null=True, required=False, help_text="the holder.")
    topic = TopicSlugField()
    stance = StrictIntegerField(
        min_value=-2, max_value=2, help_text="A value on the topic's scale, −2 to +2."
    )
    valid_from = PastDateField()
    valid_to = IsoDateField(
        allow_null=True, required=False, help_text="Exclusive; empty while it still holds."
    )
    conditionality = StrictChoiceField(choices=Conditionality.choices, required=False)
    conditionality_note = StrictCharField(
        allow_blank=True, required=False, validators=clean_text_validators(TEXT_MAX)
    )
    confidence = StrictChoiceField(choices=Confidence.choices)
    summary = StrictCharField(
        allow_blank=True, required=False, validators=clean_text_validators(TEXT_MAX)
    )
    evidence = StrictPrimaryKeyRelatedField(
        many=True, queryset=Quote.objects.all(), required=False, help_text="Quote ids."
    )
    status = StrictChoiceField(choices=Status.choices, required=False)
    correction_note = StrictCharField(
        allow_blank=True,
        required=False,
        validators=clean_text_validators(TEXT_MAX),
        help_text="Why a recorded position is corrected or retracted (needed to retract).",
    )

    def validate(self, attrs):
        if self.instance is None and attrs.pop("correction_note", ""):
            raise serializers.ValidationError(
                {"correction_note": ["Only a recorded position is corrected or retracted."]}
            )
        topic = attrs.get("topic") or getattr(self.instance, "topic", None)
        if "stance" in attrs:
            value = attrs["stance"]
            stance = Stance.objects.filter(topic=topic, value=value).first()
            if stance is None:
                raise serializers.ValidationError(
                    {"stance": [f"{topic.name if topic else 'The topic'} has no stance {value}."]}
                )
            attrs["stance"] = stance
        # Naming one holder replaces the other.
        if attrs.get("country") is not None and "organization" not in attrs:
            attrs["organization"] = None
        if attrs.get("organization") is not None and "country" not in attrs:
            attrs["country"] = None
        return attrs

    def create(self, validated_data):
        with domain_rules():
            return position_record(by=self.by, **validated_data)

    def update(self, instance, validated_data):
        with domain_rules():
            return position_update(position=instance, by=self.by, **validated_data)

    @property
    def by(self):
        return self.context["request"].user


class RevisionChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    published = serializers.JSONField(source="before", help_text="The value in force now.")
    proposed = serializers.JSONField(source="after")


class RevisionSerializer(serializers.ModelSerializer):
    """A proposed change to a published object (in review until another editor publishes or
    rejects it), and what became of it."""

    object_type = serializers.SerializerMethodField(help_text="e.g. `positions.position`.")
    object_id = serializers.IntegerField(read_only=True)
    changes = serializers.JSONField(
        read_only=True, help_text="The proposed values by field name (evidence as quote ids)."
    )
    compared = serializers.SerializerMethodField(
        help_text="Each changed field: its value in force now, and the one proposed."
    )
    created_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    reviewed_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who published or rejected it; null while it is in review.",
    )

    class Meta:
        model = Revision
        fields = [
            "id",
            "object_type",
            "object_id",
            "status",
            "changes",
            "compared",
            "base_version",
            "created_by",
            "created_at",
            "reviewed_by",
            "decided_at",
            "note",
        ]
        read_only_fields = fields

    def get_object_type(self, revision) -> str:
        return f"{revision.content_type.app_label}.{revision.content_type.model}"

    @extend_schema_field(RevisionChangeSerializer(many=True))
    def get_compared(self, revision):
        # A list computes every revision's changes at once (see RevisionListSerializer).
        computed = self.context.get("revision_changes", {})
        changes = computed[revision.pk] if revision.pk in computed else revision_changes(revision)
        return RevisionChangeSerializer(changes, many=True).data
