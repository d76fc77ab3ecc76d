"""/api/v1/consensus/ and /api/v1/consensus/series/: who stands in the way of consensus on a
topic (DESIGN §9), on a day and month by month. The parameters are the page's
(apps.positions.consensus), the answers are the domain's result shapes, kept for the data
version like the matrix; the serializers here only document them in the schema."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from apps.api.params import schema_of
from apps.api.serializers import (
    HolderSerializer,
    QuoteSummarySerializer,
    StanceRefSerializer,
    TopicRefSerializer,
)
from apps.api.views import QuestionView
from apps.positions import consensus
from apps.positions.models import Conditionality, Confidence

# --- the answers, documented ---------------------------------------------------------------


class StanceCountSerializer(serializers.Serializer):
    value = serializers.IntegerField(min_value=-2, max_value=2)
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like a Field attribute
    count = serializers.IntegerField(help_text="Allies standing at this value on as_of.")
    holds_out = serializers.BooleanField(help_text="Whether the value is below the threshold.")


class StandingSerializer(serializers.Serializer):
    holder = HolderSerializer()
    topic = serializers.CharField(help_text="The topic's slug.")
    position = serializers.IntegerField(help_text="The position in force (positions/{id}/).")
    stance = StanceRefSerializer()
    conditionality = serializers.ChoiceField(choices=Conditionality.choices)
    conditionality_label = serializers.CharField(help_text="The conditionality in words.")
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    valid_from = serializers.DateField(help_text="The day the position in force started.")
    since = serializers.DateField(
        help_text="The first day of its unbroken run at this value: earlier positions at the "
        "same value that ended the day the next began count as one stand."
    )
    evidence_count = serializers.IntegerField(help_text="Its published quotes.")
    unconfirmed = serializers.BooleanField(
        help_text="True where its published evidence is only what others said of the holder "
        "(claims by another government's or organization's officials)."
    )
    claimants = serializers.ListField(
        child=serializers.CharField(),
        help_text="Where unconfirmed: who made the claims, by name; else empty.",
    )
    evidence = QuoteSummarySerializer(many=True, help_text="Published quotes, newest first.")


class ConsensusSerializer(serializers.Serializer):
    """The schema of consensus/ (the answer is built by apps.positions.consensus)."""

    as_of = serializers.DateField()
    topic = TopicRefSerializer()
    threshold = serializers.IntegerField(
        min_value=-2, max_value=2, help_text="Allies below this value hold out."
    )
    members = serializers.IntegerField(help_text="The allies: NATO members on as_of.")
    counts = StanceCountSerializer(
        many=True,
        help_text="Each value of the scale, +2 down to −2, with the allies standing there. "
        "With no_position they add up to members.",
    )
    no_position = serializers.IntegerField(help_text="Allies with no public position.")
    without_position = HolderSerializer(many=True, help_text="Those allies, by name.")
    holdouts = StandingSerializer(
        many=True,
        help_text="The allies below the threshold, the furthest first, then by name. The CSV "
        "holds these, a row each.",
    )
    organizations = StandingSerializer(
        many=True,
        help_text="Organizations' own positions (NATO's) on as_of: apart, never counted.",
    )


class SeriesCountsSerializer(serializers.Serializer):
    """Allies at each value of the scale, by value."""

    def get_fields(self):
        return {str(value): serializers.IntegerField() for value in consensus.SCALE}


class SeriesPointSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="The month's last day, or `to` for the last month.")
    members = serializers.IntegerField(help_text="The allies that day.")
    counts = SeriesCountsSerializer(help_text="Allies at each value of the scale, by value.")
    none = serializers.IntegerField(help_text="Allies with no public position that day.")


class SeriesSerializer(serializers.Serializer):
    """The schema of consensus/series/."""

    vars()["from"] = serializers.DateField(help_text="The day the series starts from.")
    to = serializers.DateField()
    topic = TopicRefSerializer()
    stances = StanceRefSerializer(many=True, help_text="The scale, +2 down to −2.")
    points = SeriesPointSerializer(
        many=True, help_text="One per month, oldest first. The CSV holds these, a row each."
    )


# --- the views -----------------------------------------------------------------------------


class ConsensusView(QuestionView):
    """Who stands in the way on a day: how many allies (NATO members on as_of) stand at each
    value of the topic's scale, how many have no public position, and who holds out below
    the threshold, each with its published evidence; NATO's own position apart, never
    counted. Only published positions and quotes count."""

    csv_filename = "consensus"
    params_class = consensus.ConsensusParams
    question = staticmethod(consensus.consensus)

    @extend_schema(parameters=[schema_of(consensus.ConsensusParams)], responses=ConsensusSerializer)
    def get(self, request):
        return super().get(request)


class ConsensusSeriesView(QuestionView):
    """The same distribution month by month: on each month's last day (and on `to`), the
    allies that day, how many stood at each value of the scale and how many had no public
    position. At most 20 years of months."""

    csv_filename = "consensus-series"
    params_class = consensus.SeriesParams
    question = staticmethod(consensus.consensus_series)

    @extend_schema(parameters=[schema_of(consensus.SeriesParams)], responses=SeriesSerializer)
    def get(self, request):
        return super().get(request)
