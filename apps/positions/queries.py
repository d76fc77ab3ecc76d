"""The hot reads: the matrix on a date and the changes between two dates.

Each is shaped as a fixed number of SQL queries, whatever the number of rows.
"""

import dataclasses
import datetime

from django.db.models import Count, Prefetch, Q, prefetch_related_objects

from apps.actors.models import Country, Organization
from apps.core.models import Status
from apps.positions.models import Position, Topic
from apps.statements.models import Quote


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
    cells: dict  # topic slug -> Position or None


def published_evidence():
    """Prefetch a position's published evidence with its attribution, newest first."""
    return Prefetch(
        "evidence",
        queryset=Quote.objects.published().with_attribution().order_by("-said_on", "-id"),
        to_attr="published_evidence",
    )


# Columns a matrix cell never shows: not fetched (nor their timestamps parsed), a thousand
# cells at a time. Anything that needs one of them must not read it from a matrix cell.
MATRIX_UNUSED = [
    "created_at",
    "updated_at",
    "summary",
    "conditionality_note",
    "correction_note",
    "stance__created_at",
    "stance__updated_at",
    "topic__created_at",
    "topic__updated_at",
    "topic__description",
    "country__created_at",
    "country__updated_at",
    "organization__created_at",
    "organization__updated_at",
]


def matrix_positions(as_of: datetime.date, topics, *, country_codes=None, bloc=None):
    """Return published positions in force on as_of, with stance and evidence count."""
    positions = (
        Position.objects.published()
        .in_force(as_of)
        .filter(topic__in=topics)
        .with_stance()
        .defer(*MATRIX_UNUSED)
        .annotate(evidence_count=Count("evidence", filter=Q(evidence__status=Status.PUBLISHED)))
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
) -> tuple[list, list[MatrixRow]]:
    """Return (topics, rows): one row per country (and per organization holding a position).

    Countries without any position still get a row (their cells are empty), so the absence
    of a public position is visible. Three queries: topics, countries, positions.
    """
    topics = list(topics if topics is not None else Topic.objects.all())
    countries = Country.objects.all()
    if country_codes:
        countries = countries.filter(code__in=country_codes)
    if bloc is not None:
        countries = countries.filter(blocs=bloc)
    if nato_only:
        countries = countries.nato_members(on=as_of)
    positions = list(
        matrix_positions(as_of, topics, country_codes=country_codes, bloc=bloc).order_by()
    )
    by_holder: dict[Holder, dict] = {}
    for position in positions:
        by_holder.setdefault(Holder.of(position), {})[position.topic.slug] = position
    rows = []
    organizations = sorted({h for h in by_holder if h.type == "organization"}, key=lambda h: h.name)
    if include_organizations and not country_codes and bloc is None:
        for holder in organizations:
            rows.append(_row(holder, by_holder, topics))
    for country in countries.order_by("name"):
        holder = Holder("country", country.code, country.name, country.nato_joined)
        rows.append(_row(holder, by_holder, topics))
    return topics, rows


def _row(holder, by_holder, topics) -> MatrixRow:
    cells = by_holder.get(holder, {})
    return MatrixRow(holder, {topic.slug: cells.get(topic.slug) for topic in topics})


@dataclasses.dataclass
class Change:
    holder: Holder
    topic: Topic
    before: Position | None
    after: Position | None

    @property
    def direction(self) -> str:
        if self.before is None:
            return "new"
        if self.after is None:
            return "ended"
        return "up" if self.after.stance.value > self.before.stance.value else "down"

    @property
    def evidence(self) -> list:
        position = self.after or self.before
        return getattr(position, "published_evidence", [])


def build_changes(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    topics=None,
    country_codes=None,
) -> list[Change]:
    """Return who moved between two dates: stance changes, new and ended positions.

    Two queries: positions in force on either date, then the published evidence of the
    positions that moved (and only those).
    """
    positions = (
        Position.objects.published()
        .in_force(date_from, date_to)
        .with_stance()
        .order_by("valid_from")
    )
    if topics is not None:
        positions = positions.filter(topic__in=topics)
    if country_codes:
        positions = positions.filter(country__code__in=country_codes)
    before: dict[tuple[Holder, int], Position] = {}
    after: dict[tuple[Holder, int], Position] = {}
    for position in positions:
        key = (Holder.of(position), position.topic_id)
        if position.in_force_on(date_from):
            before[key] = position
        if position.in_force_on(date_to):
            after[key] = position
    changes = []
    shown: list[Position] = []  # each change's newer side, for the evidence prefetch
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        if old is not None and new is not None and old.stance.value == new.stance.value:
            continue
        latest = new or before[key]  # the key is in one of the two
        changes.append(Change(key[0], latest.topic, old, new))
        shown.append(latest)
    prefetch_related_objects(shown, published_evidence())
    changes.sort(key=lambda c: (c.holder.type != "organization", c.holder.name, c.topic.order))
    return changes


def holder_organizations():
    """Return organizations that hold at least one published position."""
    return Organization.objects.filter(positions__status=Status.PUBLISHED).distinct()
