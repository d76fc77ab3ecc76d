"""Who stands in the way of consensus (DESIGN §9), answered once for the page and the API.

Accession needs every ally. The allies of a day D are the countries that were NATO members
that day (`Country.objects.nato_members(on=D)`: 26 in mid-2008, 31 from 4 April 2023, 32 from
7 March 2024). On D, each ally stands at one value of a topic's scale (the published position
in force that day) or has no public position; those below a threshold (+1 by default) hold
out. Organizations' own positions (NATO's) are set apart and never counted: they are not
allies. Countries outside the alliance that day (Ukraine; Finland before its accession) are
neither counted nor shown.

- on a day: `ConsensusParams`, `consensus`, `Consensus` (the holdouts each with its evidence);
- month by month: `SeriesParams`, `consensus_series`, `Series` (one SQL query).

A holdout's "since" is the first day of its unbroken run at that value: positions that follow
one another without a gap at the same value (a new condition, a correction) count as one
stand; the position in force started on `valid_from`.
"""

import dataclasses
import datetime

from django import forms
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from apps.actors.models import Country
from apps.codebook.models import Stance, Topic
from apps.core.models import Status
from apps.core.params import (
    DateParam,
    PythonSelect,
    QueryParams,
    ReferenceParam,
    WholeNumberParam,
    today,
)
from apps.positions.models import Confidence, Position
from apps.positions.queries import Holder, published_evidence_count
from apps.positions.questions import condition_label, holder_dict, quote_summary
from apps.statements.models import Quote

DEFAULT_TOPIC = "membership"
DEFAULT_THRESHOLD = 1
SCALE = (2, 1, 0, -1, -2)
# How far back a series may reach: 20 years of months (241 points at most).
SERIES_YEARS = 20
SPAN_MESSAGE = (
    f"A series spans at most {SERIES_YEARS} years: give a day no more than {SERIES_YEARS} "
    "years before to, or leave from out."
)


def signed_value(value: int) -> str:
    """A scale value as the pages write it: +2, +1, 0, −1, −2."""
    return f"+{value}" if value > 0 else ("0" if value == 0 else f"−{-value}")


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` earlier (28 February for a 29 February without its twin)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def default_topic() -> Topic | None:
    """Membership, the question of accession; else the first topic of the codebook."""
    topics = Topic.objects.order_by("order", "name")
    return topics.filter(slug=DEFAULT_TOPIC).first() or topics.first()


# --- the parameters ----------------------------------------------------------------------


class TopicParam(ReferenceParam):
    """The topic by slug; left out, membership (the form shows it chosen, and says so to the
    script that sets the form from the address: data-default)."""

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "data-default": DEFAULT_TOPIC}

    def bound_data(self, data, initial):
        return data if data not in self.empty_values else DEFAULT_TOPIC


class ThresholdParam(WholeNumberParam):
    """A value of the scale, −2 to +2: allies standing below it hold out. The page offers the
    scale's values in a select; the API takes the number (-1, 2)."""

    widget = PythonSelect  # type: ignore[assignment]  # a select where the base has a number input

    def __init__(self, **kwargs):
        super().__init__(minimum=-2, maximum=2, default=DEFAULT_THRESHOLD, **kwargs)
        self.widget.choices = [(str(value), signed_value(value)) for value in SCALE]

    def widget_attrs(self, widget):
        # A select takes no min or max; its default is said as the topic's is.
        return {**forms.Field.widget_attrs(self, widget), "data-default": str(self.default)}

    def bound_data(self, data, initial):
        return data if data not in self.empty_values else str(self.default)


def topic_field() -> TopicParam:
    return TopicParam(
        Topic.objects.order_by("order", "name"),
        key="slug",
        noun="topic",
        label="Topic",
        empty_label=None,
        help_text=f"A topic's slug (default: {DEFAULT_TOPIC}).",
    )


class TopicChoice:
    """What both questions share: the default topic where none was given, and no parameter
    beyond their own but a download's format (they are not paged)."""

    passthrough = frozenset({"format"})

    def clean_topic(self):
        topic = self.cleaned_data.get("topic") or default_topic()  # type: ignore[attr-defined]
        if topic is None:
            raise ValidationError("No topic is recorded yet.")
        return topic


class ConsensusParams(TopicChoice, QueryParams):
    topic = topic_field()
    as_of = DateParam(label="As of", help_text="The day to show (default: today).")
    threshold = ThresholdParam(
        label="Holds out below",
        help_text="Allies whose stance is below this value of the scale hold out "
        f"(default: {signed_value(DEFAULT_THRESHOLD)}).",
    )

    def clean_as_of(self):
        return self.cleaned_data.get("as_of") or today()


class SeriesParams(TopicChoice, QueryParams):
    """`from` is a Python keyword, so that field is added under its name below."""

    topic = topic_field()
    to = DateParam(label="To", help_text="The last day of the series (default: today).")

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("from"), cleaned.get("to") or today()
        cleaned["to"] = end
        if "from" in self.errors or "to" in self.errors or start is None:
            return cleaned
        earliest = years_before(end, SERIES_YEARS)
        if start > end:
            self.add_error("to", "The end date must be on or after the start date.")
        elif start < earliest:
            self.add_error("from", SPAN_MESSAGE)
        return cleaned


SeriesParams.base_fields = {
    "from": DateParam(
        label="From",
        help_text="The series starts with this day's month (default: the month an ally first "
        f"held a published position on the topic, at most {SERIES_YEARS} years before to).",
    ),
    **SeriesParams.base_fields,
}
SeriesParams.declared_fields = SeriesParams.base_fields


# --- on a day ----------------------------------------------------------------------------


def topic_dict(topic: Topic) -> dict:
    return {"slug": topic.slug, "name": topic.name}


def stance_ref(stance: Stance) -> dict:
    return {"value": stance.value, "label": stance.label}


@dataclasses.dataclass(slots=True)
class Standing:
    """A holder's position in force on the day: a holdout's, or an organization's."""

    holder: Holder
    position: int
    stance: Stance
    conditionality: str
    confidence: str
    valid_from: datetime.date  # the position in force started that day
    since: datetime.date  # its unbroken run at this value started that day
    evidence_count: int
    # Who made the claims when the published evidence is only others' claims about the
    # holder (apps.statements: a quote's claimant), by name; empty when it has its own words.
    claimants: list[str] = dataclasses.field(default_factory=list)
    evidence: list = dataclasses.field(default_factory=list)  # quotes, when asked for

    @property
    def unconfirmed(self) -> bool:
        """Whether the stance rests only on what others said of the holder."""
        return bool(self.claimants)

    def get_conditionality_display(self) -> str:
        return condition_label(self.conditionality)

    def get_confidence_display(self) -> str:
        return str(Confidence(self.confidence).label)

    def as_dict(self, topic: Topic, *, evidence: bool) -> dict:
        answer = {
            "holder": holder_dict(self.holder),
            "topic": topic.slug,
            "position": self.position,
            "stance": stance_ref(self.stance),
            "conditionality": self.conditionality,
            "conditionality_label": condition_label(self.conditionality),
            "confidence": self.confidence,
            "valid_from": self.valid_from.isoformat(),
            "since": self.since.isoformat(),
            "evidence_count": self.evidence_count,
            "unconfirmed": self.unconfirmed,
            "claimants": list(self.claimants),
        }
        if evidence:
            answer["evidence"] = [quote_summary(quote) for quote in self.evidence]
        return answer


@dataclasses.dataclass(slots=True)
class StanceCount:
    """One value of the scale on the day: its stance and the allies standing there."""

    stance: Stance
    allies: list[Holder]
    holds_out: bool  # below the threshold

    @property
    def count(self) -> int:
        return len(self.allies)


@dataclasses.dataclass
class Consensus:
    as_of: datetime.date
    topic: Topic
    threshold: int
    members: list[Holder]  # the allies that day, by name
    counts: list[StanceCount]  # +2 down to −2, every value of the scale
    without_position: list[Holder]  # allies with no published position in force
    holdouts: list[Standing]  # below the threshold, the furthest first, then by name
    organizations: list[Standing]  # organizations' own positions: apart, never counted
    evidence: bool = True  # whether the standings carry their quotes

    @property
    def standing(self) -> int:
        """How many allies stand at or above the threshold."""
        return sum(c.count for c in self.counts if not c.holds_out)

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "topic": topic_dict(self.topic),
            "threshold": self.threshold,
            "members": len(self.members),
            "counts": [
                {**stance_ref(c.stance), "count": c.count, "holds_out": c.holds_out}
                for c in self.counts
            ],
            "no_position": len(self.without_position),
            "without_position": [holder_dict(h) for h in self.without_position],
            "holdouts": [s.as_dict(self.topic, evidence=self.evidence) for s in self.holdouts],
            "organizations": [
                s.as_dict(self.topic, evidence=self.evidence) for s in self.organizations
            ],
        }


def claimants_only():
    """The names of those who made the claims behind a position, where its published evidence
    is only claims by others about the holder (no quote without a claimant); else null. One
    subquery per position in force, in the positions' query, read from the position's
    evidence links (their index), whatever the number of claims on record."""
    published = Position.evidence.through.objects.filter(quote__status=Status.PUBLISHED)
    own_words = published.filter(
        position_id=OuterRef("position_id"),
        quote__claimant_country__isnull=True,
        quote__claimant_organization__isnull=True,
    )
    claimant = Coalesce("quote__claimant_country__name", "quote__claimant_organization__name")
    names = (
        published.filter(position_id=OuterRef("pk"))
        .filter(~Exists(own_words))
        .annotate(claimant=claimant)
        .values("position_id")
        .annotate(names=ArrayAgg("claimant", distinct=True, order_by="claimant"))
    )
    return Subquery(names.values("names"))  # type: ignore[misc]  # an annotation, unseen by the stubs


POSITION_VALUES = (
    "pk",
    "country_id",
    "organization_id",
    "stance_id",
    "conditionality",
    "confidence",
    "valid_from",
    "evidence_count",
    "organization__slug",
    "organization__name",
    "claimants",
)


def consensus(params: dict, *, evidence: bool = True) -> Consensus:
    """How the allies of params["as_of"] stand on params["topic"]: the count at each value of
    the scale (published positions in force that day), those with no public position, the
    holdouts below params["threshold"] and the organizations' own positions, each since the
    start of its unbroken run at that value, with its published evidence (or, with
    ``evidence=False``, only its count: a page opens the quotes on demand). Counts add up to
    the allies of the day. Four queries (stances, allies, positions, the holdouts' histories),
    and one for the evidence."""
    topic, day = params["topic"], params["as_of"]
    threshold = params.get("threshold")
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    stances = {s.pk: s for s in Stance.objects.filter(topic=topic).order_by("-value")}
    members = {
        pk: Holder("country", code, name, joined)
        for pk, code, name, joined in Country.objects.nato_members(on=day)
        .order_by("name")
        .values_list("pk", "code", "name", "nato_joined")
    }
    positions = (
        Position.objects.published()
        .in_force(day)
        .filter(topic=topic)
        .filter(Q(country_id__in=list(members)) | Q(organization__isnull=False))
        .annotate(evidence_count=published_evidence_count(), claimants=claimants_only())
        .order_by()
    )
    by_country: dict[int, Standing] = {}
    organizations: list[Standing] = []
    for row in positions.values_list(*POSITION_VALUES):
        pk, country, organization, stance, condition, confidence, start, count = row[:8]
        slug, name, claimants = row[8:]
        if country is not None:
            holder = members.get(country)
            if holder is None:
                continue  # an ally's position whose country is not in the list (none expected)
        else:
            holder = Holder("organization", slug, name)
        standing = Standing(
            holder=holder,
            position=pk,
            stance=stances[stance],
            conditionality=condition,
            confidence=confidence,
            valid_from=start,
            since=start,  # until _set_since finds where its run began
            evidence_count=count,
            claimants=list(claimants or []),
        )
        if country is not None:
            by_country[country] = standing
        else:
            organizations.append(standing)
    counts = [
        StanceCount(
            stance,
            [s.holder for s in by_country.values() if s.stance.pk == stance.pk],
            stance.value < threshold,
        )
        for stance in stances.values()
    ]
    for count in counts:
        count.allies.sort(key=lambda holder: holder.name)
    holdouts = sorted(
        (s for s in by_country.values() if s.stance.value < threshold),
        key=lambda s: (s.stance.value, s.holder.name),
    )
    organizations.sort(key=lambda s: s.holder.name)
    shown = holdouts + organizations
    _set_since(shown, topic, day)
    if evidence:
        quotes = evidence_of([s.position for s in shown])
        for standing in shown:
            standing.evidence = quotes.get(standing.position, [])
    return Consensus(
        as_of=day,
        topic=topic,
        threshold=threshold,
        members=list(members.values()),
        counts=counts,
        without_position=[h for pk, h in members.items() if pk not in by_country],
        holdouts=holdouts,
        organizations=organizations,
        evidence=evidence,
    )


def _set_since(standings: list[Standing], topic: Topic, day: datetime.date) -> None:
    """Set each standing's `since`: the first day of its unbroken run at its value, walking
    back through its holder's published history while each earlier position ends the day the
    next begins and holds the same stance (one query, through the holders' history indexes)."""
    if not standings:
        return
    countries = [s.holder.key for s in standings if s.holder.type == "country"]
    organizations = [s.holder.key for s in standings if s.holder.type == "organization"]
    history = (
        Position.objects.published()
        .filter(topic=topic, valid_from__lte=day)
        .filter(Q(country__code__in=countries) | Q(organization__slug__in=organizations))
        .order_by("-valid_from")
        .values_list("country__code", "organization__slug", "stance_id", "valid_from", "valid_to")
    )
    runs: dict[tuple[str, str], list[tuple[int, datetime.date, datetime.date | None]]] = {}
    for code, slug, stance, start, end in history:
        key = ("country", code) if code is not None else ("organization", slug)
        runs.setdefault(key, []).append((stance, start, end))
    for standing in standings:
        since = standing.valid_from
        for stance, start, end in runs.get((standing.holder.type, standing.holder.key), []):
            if start >= standing.valid_from:
                continue  # the position in force itself
            if end != since or stance != standing.stance.pk:
                break  # a gap, or another value: the run started at `since`
            since = start
        standing.since = since


# What a quote summary (apps.positions.questions.quote_summary) reads beside the quote.
SUMMARY_RELATIONS = ("speaker", "claimant_country", "claimant_organization", "source")


def evidence_of(position_ids: list[int]) -> dict[int, list[Quote]]:
    """The published evidence of each position, newest first, with what a quote summary shows
    (one query)."""
    found: dict[int, list[Quote]] = {pk: [] for pk in position_ids}
    if not position_ids:
        return found
    links = (
        Position.evidence.through.objects.filter(
            position_id__in=position_ids, quote__status=Status.PUBLISHED
        )
        .select_related(*(f"quote__{path}" for path in SUMMARY_RELATIONS))
        .order_by("-quote__said_on", "-quote_id")
    )
    for link in links:
        found[link.position_id].append(link.quote)
    return found


# --- month by month ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One month: its last day (the series' last day for the last month)."""

    day: datetime.date
    members: int  # allies that day
    counts: dict[int, int]  # scale value -> allies standing there that day
    none: int  # allies with no public position that day

    def as_dict(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "members": self.members,
            "counts": {str(value): self.counts.get(value, 0) for value in SCALE},
            "none": self.none,
        }


@dataclasses.dataclass
class Series:
    topic: Topic
    stances: list[Stance]  # +2 down to −2
    date_from: datetime.date
    date_to: datetime.date
    points: list[SeriesPoint]

    @property
    def held(self) -> bool:
        """Whether any ally held a position on the topic at any point."""
        return any(point.none < point.members for point in self.points)

    def as_dict(self) -> dict:
        return {
            "topic": topic_dict(self.topic),
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "stances": [stance_ref(stance) for stance in self.stances],
            "points": [point.as_dict() for point in self.points],
        }


# The published positions in force on each point (a month's last day, or the series' last
# day), held by countries that were allies that day, counted as a running sum: each position
# adds one to its value from the first point on or after the day it was an ally's (its start,
# or the accession) and takes it away from the first point on or after its end (exclusive).
# Points are numbered by month from the first, so a day's point is plain arithmetic; the rows
# are two per position and five per point, whatever the length of the histories, and the
# planner's estimates stay small (no set-returning call per position, no JIT compilation).
# The series starts on `from`, or where none is given in the month an ally first held a
# position on the topic (never more than SERIES_YEARS back), or, where none ever did, on the
# last day alone.
SERIES_SQL = """
WITH allies AS (
    SELECT id, nato_joined FROM {country}
    WHERE nato_joined IS NOT NULL AND nato_joined <= %(to)s
),
held AS (
    SELECT GREATEST(p.valid_from, a.nato_joined) AS start, p.valid_to AS stop, s.value
    FROM {position} p
    JOIN allies a ON a.id = p.country_id
    JOIN {stance} s ON s.id = p.stance_id
    WHERE p.topic_id = %(topic)s AND p.status = %(published)s AND p.valid_from <= %(to)s
      AND (p.valid_to IS NULL OR p.valid_to > a.nato_joined)
),
span AS (
    SELECT first,
           (EXTRACT(YEAR FROM first) * 12 + EXTRACT(MONTH FROM first))::int AS month0,
           (EXTRACT(YEAR FROM %(to)s::date) * 12 + EXTRACT(MONTH FROM %(to)s::date))::int AS last
    FROM (SELECT COALESCE(
        %(from)s::date,
        (SELECT GREATEST(min(start), %(earliest)s::date) FROM held HAVING count(*) > 0),
        %(to)s::date
    ) AS first) AS chosen
),
points AS (
    SELECT k, LEAST(
        (date_trunc('month', span.first::timestamp) + (k + 1) * interval '1 month'
         - interval '1 day')::date,
        %(to)s::date
    ) AS day
    FROM span, generate_series(0, span.last - span.month0) AS k
),
steps AS (
    SELECT value, k, sum(delta) AS delta FROM (
        SELECT h.value, GREATEST(
            (EXTRACT(YEAR FROM h.start) * 12 + EXTRACT(MONTH FROM h.start))::int - span.month0, 0
        ) AS k, 1 AS delta
        FROM held h, span
        UNION ALL
        SELECT h.value, GREATEST(
            (EXTRACT(YEAR FROM h.stop) * 12 + EXTRACT(MONTH FROM h.stop))::int - span.month0, 0
        ), -1
        FROM held h, span
        WHERE h.stop <= %(to)s
    ) AS change
    GROUP BY value, k
),
scale AS (SELECT value FROM {stance} WHERE topic_id = %(topic)s)
SELECT points.day,
       (SELECT count(*) FROM allies a WHERE a.nato_joined <= points.day) AS members,
       scale.value,
       sum(COALESCE(steps.delta, 0)) OVER (PARTITION BY scale.value ORDER BY points.k)::int,
       (SELECT first FROM span) AS first
FROM points
CROSS JOIN scale
LEFT JOIN steps ON steps.k = points.k AND steps.value = scale.value
ORDER BY points.day, scale.value
"""


def consensus_series(params: dict, *, stances: list[Stance] | None = None) -> Series:
    """Month by month from params["from"] to params["to"] (see SERIES_SQL for the default
    start): on each month's last day (and on the last day), how many allies there were, how
    many stood at each value of params["topic"]'s scale, and how many had no public position.
    Published positions only. One query, and one for the stances unless given."""
    topic, end = params["topic"], params.get("to") or today()
    if stances is None:
        stances = list(Stance.objects.filter(topic=topic).order_by("-value"))
    tables = {
        "country": Country._meta.db_table,
        "position": Position._meta.db_table,
        "stance": Stance._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            SERIES_SQL.format(**tables),
            {
                "topic": topic.pk,
                "published": Status.PUBLISHED,
                "from": params.get("from"),
                "to": end,
                "earliest": years_before(end, SERIES_YEARS),
            },
        )
        rows = cursor.fetchall()
    points: list[SeriesPoint] = []
    first = rows[0][4] if rows else end  # the day the series starts from, on every row
    counts: dict[int, int] = {}
    for index, (day, members, value, allies, _first) in enumerate(rows):
        if allies:
            counts[value] = allies
        last_of_day = index + 1 == len(rows) or rows[index + 1][0] != day
        if last_of_day:
            held = sum(counts.values())
            points.append(SeriesPoint(day, members, counts, members - held))
            counts = {}
    return Series(topic, stances, first, end, points)
