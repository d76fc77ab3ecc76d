"""The hot reads: the matrix on a date and the changes between two dates.

Each is shaped as a fixed number of SQL queries, whatever the number of rows.
"""

import dataclasses
import datetime

from django.db.models import (
    Case,
    Exists,
    OuterRef,
    Prefetch,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from apps.actors.models import Country, Organization
from apps.agreements.signatures import GUARANTEES, counterparty, say_sign_gap, signed_on_day
from apps.core.models import Status
from apps.positions.models import (
    Conditionality,
    Confidence,
    EvidenceTally,
    Position,
    Stance,
    Topic,
)
from apps.statements.models import QUOTE_ATTRIBUTION, Quote


@dataclasses.dataclass(frozen=True)
class Holder:
    type: str  # "country" or "organization"
    key: str  # country code or organization slug
    name: str
    nato_joined: datetime.date | None = None

    @classmethod
    def of(cls, position: Position) -> "Holder":
        country = position.country
        if country is not None:
            return cls("country", country.code, country.name, country.nato_joined)
        organization = position.organization
        assert organization is not None, "a position is held by a country or an organization"
        return cls("organization", organization.slug, organization.name)


@dataclasses.dataclass
class MatrixRow:
    holder: Holder
    cells: dict  # topic slug -> MatrixCell (or, elsewhere, a Position) or None
    # The agreements in force it was a party of that day (apps.agreements.signatures), and
    # where they disagree with its stated guarantees stance, the say/sign gap.
    signed: list = dataclasses.field(default_factory=list)
    gap: str | None = None


def published_evidence():
    """Prefetch a position's published evidence with its attribution, newest first."""
    return Prefetch(
        "evidence",
        queryset=Quote.objects.published().with_attribution().order_by("-said_on", "-id"),
        to_attr="published_evidence",
    )


@dataclasses.dataclass(slots=True)
class MatrixCell:
    """What a matrix cell shows of the position in force: read as plain values, a thousand
    at a time, with the topic and stance the matrix already holds (no model per cell)."""

    pk: int
    topic: Topic
    stance: Stance
    conditionality: str
    confidence: str
    valid_from: datetime.date
    evidence_count: int

    def get_conditionality_display(self) -> str:
        return str(Conditionality(self.conditionality).label)

    def get_confidence_display(self) -> str:
        return str(Confidence(self.confidence).label)


def published_evidence_count():
    """The number of a position's published evidence quotes: one probe into the tally the
    database keeps (EvidenceTally), rather than counting links and quotes per position."""
    tally = EvidenceTally.objects.filter(position_id=OuterRef("pk")).values("published")
    return Coalesce(Subquery(tally), 0)


def matrix_positions(as_of: datetime.date, topics, *, country_codes=None, bloc=None):
    """Return published positions in force on as_of, with their evidence count."""
    positions = (
        Position.objects.published()
        .in_force(as_of)
        .filter(topic__in=topics)
        .annotate(evidence_count=published_evidence_count())
    )
    if country_codes:
        positions = positions.filter(country__code__in=country_codes)
    if bloc is not None:
        positions = positions.filter(country__blocs=bloc)
    return positions


def build_matrix(
    *,
    as_of: datetime.date,
    topics=None,
    bloc=None,
    country_codes=None,
    nato_only: bool = False,
    include_organizations: bool = True,
    signatures: bool = False,
) -> tuple[list, list[MatrixRow]]:
    """Return (topics, rows): one row per country (and per organization holding a position),
    each cell a MatrixCell or None.

    Countries without any position still get a row (their cells are empty), so the absence
    of a public position is visible. Four small queries: topics, their stances, countries,
    and the positions (plain values, with their organizations' names); with ``signatures``,
    a fifth: what each had signed that day (``MatrixRow.signed``, ``.gap``).
    """
    topics = list(topics if topics is not None else Topic.objects.all())
    prefetch_related_objects(topics, "stances")  # nothing again if the caller prefetched
    stances = {stance.pk: stance for topic in topics for stance in topic.stances.all()}
    by_topic = {topic.pk: topic for topic in topics}
    countries = Country.objects.all()
    if country_codes:
        countries = countries.filter(code__in=country_codes)
    if bloc is not None:
        countries = countries.filter(blocs=bloc)
    if nato_only:
        countries = countries.nato_members(on=as_of)
    # Plain values: a model per country would load columns (timestamps) no cell shows.
    holders = {
        ("country", pk): Holder("country", code, name, joined)
        for pk, code, name, joined in countries.order_by("name").values_list(
            "pk", "code", "name", "nato_joined"
        )
    }
    positions = list(
        matrix_positions(as_of, topics, country_codes=country_codes, bloc=bloc)
        .order_by()
        .values_list(
            "pk",
            "country_id",
            "organization_id",
            "topic_id",
            "stance_id",
            "conditionality",
            "confidence",
            "valid_from",
            "evidence_count",
            "organization__slug",
            "organization__name",
        )
    )
    if include_organizations and not country_codes and bloc is None:
        # The organizations among the holders, by name, read with their positions.
        held = {(name, slug, pk) for _, _, pk, *_, slug, name in positions if pk}
        for name, slug, pk in sorted(held):
            holders[("organization", pk)] = Holder("organization", slug, name)
    cells: dict[Holder, dict] = {}
    for values in positions:
        pk, country, organization, topic, stance, conditionality, confidence, day, n = values[:9]
        holder = holders.get(("country", country) if country else ("organization", organization))
        if holder is None:
            continue  # a country left out by the filters, or an organization not shown
        cells.setdefault(holder, {})[by_topic[topic].slug] = MatrixCell(
            pk, by_topic[topic], stances[stance], conditionality, confidence, day, n
        )
    organizations = [h for h in holders.values() if h.type == "organization"]
    countries_ = [h for h in holders.values() if h.type == "country"]
    rows = [_row(holder, cells, topics) for holder in organizations + countries_]
    if signatures:
        stated = any(topic.slug == GUARANTEES for topic in topics)
        _attach_signed(rows, holders, as_of, stated=stated)
    return topics, rows


def _attach_signed(rows: list[MatrixRow], holders: dict, as_of, *, stated: bool) -> None:
    """Give each row what its holder had signed on the day (one query) and, where the
    guarantees topic is shown, the say/sign gap between that and its stated stance."""
    keys = {holder: key for key, holder in holders.items()}
    signed = signed_on_day(
        as_of,
        countries=[pk for kind, pk in holders if kind == "country"],
        organizations=[pk for kind, pk in holders if kind == "organization"],
    )
    for row in rows:
        row.signed = signed.get(keys[row.holder], [])
        if stated and not counterparty(row.holder.key):
            cell = row.cells.get(GUARANTEES)
            row.gap = say_sign_gap(cell.stance.value if cell else None, row.signed)


def _row(holder, by_holder, topics) -> MatrixRow:
    cells = by_holder.get(holder, {})
    return MatrixRow(holder, {topic.slug: cells.get(topic.slug) for topic in topics})


@dataclasses.dataclass
class Change:
    holder: Holder
    topic: Topic
    before: "ChangeSide | None"
    after: "ChangeSide | None"

    @property
    def direction(self) -> str:
        if self.before is None:
            return "new"
        if self.after is None:
            return "ended"
        return "up" if self.after.stance.value > self.before.stance.value else "down"

    @property
    def kind(self) -> str:
        """What the change is: `first_recorded` where the holder had no position on the topic
        on record up to the first day (coverage starts, nobody moved), otherwise a move:
        `up`, `down`, `new` (a position again after a time with none) or `ended`."""
        if self.before is None and self.after is not None and not self.after.earlier:
            return "first_recorded"
        return self.direction

    @property
    def shown(self) -> "ChangeSide":
        """The side whose evidence a change shows: the later state, or the one that ended."""
        side = self.after or self.before
        assert side is not None, "a change has a side on at least one of its days"
        return side

    @property
    def evidence(self) -> list:
        """The later side's published evidence, once attach_evidence has fetched it."""
        return self.shown.published_evidence or []

    @property
    def evidence_count(self) -> int:
        return self.shown.evidence_count


@dataclasses.dataclass(slots=True)
class ChangeSide:
    """One side of a change (the position in force on one of the two days), read as plain
    values with the topic and stance already held."""

    pk: int
    topic: Topic
    stance: Stance
    valid_from: datetime.date
    valid_to: datetime.date | None
    evidence_count: int = 0
    published_evidence: list | None = None
    # Whether the holder had a position on the topic on record on or before the first day
    # (read for the positions that start after it: the others are in force on it).
    earlier: bool = True

    def in_force_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to > day)


def build_changes(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    topics=None,
    country_codes=None,
    evidence: bool = True,
    counts: bool = True,
) -> list[Change]:
    """Return who moved between two dates: stance changes, new and ended positions, each new
    one knowing whether the holder had any position on the topic before (`Change.kind`).

    A few small queries (topics, stances, countries, the positions in force on either date
    as plain values, their organizations), then the published evidence of the positions
    that moved (and only those), or with ``evidence=False`` only its count (see
    ``attach_evidence`` to fetch it later for some of the changes), or with ``counts=False``
    as well, neither (the caller attaches the evidence of the changes it shows).
    """
    # The codebook in one query: every stance with its topic.
    stances = {s.pk: s for s in Stance.objects.select_related("topic")}
    chosen = {topic.pk for topic in topics} if topics is not None else None
    by_topic = {
        s.topic_id: s.topic for s in stances.values() if chosen is None or s.topic_id in chosen
    }
    positions = (
        Position.objects.published()
        .in_force(date_from, date_to)
        .filter(topic__in=list(by_topic))
        .order_by("valid_from")
    )
    if country_codes:
        positions = positions.filter(country__code__in=country_codes)
    # A position that starts after the first day is the start of coverage unless the holder
    # had one on the topic by then: an index probe (holder, topic, status, valid_from) per
    # such row, in the same query.
    on_record = Position.objects.published().filter(
        topic_id=OuterRef("topic_id"), valid_from__lte=date_from
    )
    earlier = Case(
        When(
            valid_from__gt=date_from,
            then=Exists(on_record.filter(country_id=OuterRef("country_id")))
            | Exists(on_record.filter(organization_id=OuterRef("organization_id"))),
        ),
        default=Value(True),
    )
    # The holders' names come with the positions (joined), not in queries of their own.
    rows = list(
        positions.annotate(earlier=earlier).values_list(
            "pk",
            "topic_id",
            "stance_id",
            "valid_from",
            "valid_to",
            "country__code",
            "country__name",
            "country__nato_joined",
            "organization__slug",
            "organization__name",
            "earlier",
        )
    )
    before: dict[tuple[Holder, int], ChangeSide] = {}
    after: dict[tuple[Holder, int], ChangeSide] = {}
    for pk, topic, stance, valid_from, valid_to, code, name, joined, slug, title, had in rows:
        if code is not None:
            holder = Holder("country", code, name, joined)
        else:
            holder = Holder("organization", slug, title)
        side = ChangeSide(pk, by_topic[topic], stances[stance], valid_from, valid_to, earlier=had)
        key = (holder, topic)
        if side.in_force_on(date_from):
            before[key] = side
        if side.in_force_on(date_to):
            after[key] = side
    changes = []
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        if old is not None and new is not None and old.stance.value == new.stance.value:
            continue
        latest = new or before[key]  # the key is in one of the two
        changes.append(Change(key[0], latest.topic, old, new))
    if evidence:
        attach_evidence(changes)
    elif counts:
        shown = [change.shown for change in changes]
        numbers = published_evidence_counts([side.pk for side in shown])
        for side in shown:
            side.evidence_count = numbers.get(side.pk, 0)
    changes.sort(key=lambda c: (c.holder.type != "organization", c.holder.name, c.topic.order))
    return changes


def attach_evidence(changes: list[Change]) -> None:
    """Fetch the published evidence of each change's later side, newest first (one query)."""
    shown = {change.shown.pk: change.shown for change in changes}
    found: dict[int, list] = {pk: [] for pk in shown}
    links = (
        Position.evidence.through.objects.filter(
            position_id__in=list(shown), quote__status=Status.PUBLISHED
        )
        .select_related(*(f"quote__{path}" for path in QUOTE_ATTRIBUTION))
        .order_by("-quote__said_on", "-quote_id")
    )
    for link in links:
        found[link.position_id].append(link.quote)
    for pk, side in shown.items():
        side.published_evidence = found[pk]
        side.evidence_count = len(found[pk])


def published_evidence_counts(position_ids) -> dict[int, int]:
    """The number of published evidence quotes of each position, by id (one query)."""
    return dict(
        EvidenceTally.objects.filter(position_id__in=list(position_ids)).values_list(
            "position_id", "published"
        )
    )


def holder_organizations():
    """Return organizations that hold at least one published position."""
    return Organization.objects.filter(positions__status=Status.PUBLISHED).distinct()
