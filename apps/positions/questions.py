"""The analysts' questions about positions, each answered once for every door.

For each question: one parameter class (a form the page renders and the API validates with),
one query returning a plain result in a fixed number of SQL queries, and one result shape
(`as_dict()`) that feeds the API's JSON, every CSV and the page's JSON download. The page's
template reads the same result objects.

- the matrix: who stands where on a day (`MatrixParams`, `matrix`, `Matrix`);
- a comparison of two to four countries (`CompareParams`, `compare`, `Comparison`);
- the changes between two days (`ChangesParams`, `changes`, `ChangeList`).
"""

import dataclasses
import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Window, prefetch_related_objects
from django.db.models.functions import RowNumber

from apps.actors.models import Bloc, Country
from apps.agreements.changes import AgreementEvent, agreement_changes, count_events
from apps.agreements.signatures import GUARANTEES, counterparty, say_sign_gap, signed_on_day
from apps.codebook.models import Topic
from apps.core.dates import day_before
from apps.core.params import (
    BooleanParam,
    CheckboxValues,
    DateParam,
    PatternParam,
    QueryParams,
    ReferenceListParam,
    ReferenceParam,
    WholeNumberParam,
    today,
)
from apps.positions.models import Conditionality, Position
from apps.positions.queries import (
    Change,
    Holder,
    MatrixRow,
    attach_evidence,
    build_changes,
    build_matrix,
    published_evidence,
    published_evidence_counts,
)
from apps.statements.models import Event
from apps.statements.questions import claimant_as_dict

# --- shapes shared by the answers ----------------------------------------------------------


def holder_dict(holder: Holder) -> dict:
    """A holder as the API names it: a country by code, an organization by slug."""
    key = "code" if holder.type == "country" else "slug"
    return {"type": holder.type, key: holder.key, "name": holder.name}


def stance_dict(position: Any) -> dict | None:
    """A position's (or a matrix cell's, or a change side's) stance."""
    if position is None:
        return None
    return {"value": position.stance.value, "label": position.stance.label}


def condition_label(code: str) -> str:
    """A conditionality's words ("After the war") for its code ("after_war")."""
    return str(Conditionality(code).label)


def cell_dict(position: Any) -> dict | None:
    """A matrix (or comparison) cell: the position in force, or None where there is none."""
    if position is None:
        return None
    return {
        "position": position.pk,
        "stance": stance_dict(position),
        "conditionality": position.conditionality,
        "conditionality_label": condition_label(position.conditionality),
        "confidence": position.confidence,
        "valid_from": position.valid_from.isoformat(),
        "evidence_count": position.evidence_count,
    }


def quote_summary(quote) -> dict:
    """A quote as evidence: the words, who said them, when, and where it was published."""
    speaker = quote.speaker
    return {
        "id": quote.pk,
        "text": quote.text,
        "translation": quote.translation,
        "speaker": {"slug": speaker.slug, "name": speaker.name} if speaker else None,
        "speaker_name": quote.speaker_name,
        "claimant": claimant_as_dict(quote),
        "said_on": quote.said_on.isoformat(),
        "said_precision": quote.said_precision,
        "said_display": quote.said_display,
        "source": {"id": quote.source.pk, "title": quote.source.title, "url": quote.source.url},
    }


TOPICS_HELP = "Topic slugs, comma-separated (default: all)."
COUNTRIES_HELP = "Country codes, comma-separated."


def topics_field(**kwargs) -> ReferenceListParam:
    return ReferenceListParam(
        Topic.objects.all(),
        key="slug",
        noun="topic",
        label="Topics",
        help_text=TOPICS_HELP,
        widget=CheckboxValues,
        **kwargs,
    )


def countries_field(**kwargs) -> ReferenceListParam:
    kwargs.setdefault("help_text", COUNTRIES_HELP)
    return ReferenceListParam(
        Country.objects.order_by("name"), key="code", noun="country code", upper=True, **kwargs
    )


# --- the matrix ----------------------------------------------------------------------------


class MatrixParams(QueryParams):
    as_of = DateParam(label="As of", help_text="The day to show (default: today).")
    bloc = ReferenceParam(
        Bloc.objects.order_by("name"),
        key="slug",
        noun="bloc",
        label="Bloc",
        empty_label="All countries",
        help_text="Only this bloc's members.",
    )
    topics = topics_field()
    countries = countries_field(label="Countries")
    nato = BooleanParam(
        default=False, label="NATO members only", help_text="true: only countries in NATO on as_of."
    )
    sort = PatternParam(
        r"name|-?[a-z0-9][a-z0-9-]{0,49}",
        "Sort by name, or by a topic's slug (-membership: most supportive first).",
        label="Sort by",
        required=False,
        help_text="name (the default), or a topic's slug: -<slug> puts the most supportive "
        "first, <slug> the least; allies with no position on it come last either way.",
    )
    # The schema lists what sort takes: name, and each topic's slug either way.
    sort.openapi_values = lambda: [  # type: ignore[attr-defined]
        "name",
        *(
            f"{sign}{slug}"
            for slug in Topic.objects.order_by("order", "slug").values_list("slug", flat=True)
            for sign in ("-", "")
        ),
    ]
    hide_empty = BooleanParam(
        default=False,
        label="Hide allies with no position",
        help_text="true: leave out the countries with no position on any topic shown.",
    )

    def clean_as_of(self):
        return self.cleaned_data.get("as_of") or today()

    def clean_sort(self):
        sort = self.cleaned_data.get("sort") or "name"
        slug = sort.removeprefix("-")
        if sort != "name" and not Topic.objects.filter(slug=slug).exists():
            raise ValidationError(f"Unknown topic “{slug}”: sort by name or by a topic's slug.")
        return sort

    def clean(self):
        cleaned = super().clean() or {}
        sort, topics = cleaned.get("sort") or "name", cleaned.get("topics")
        if sort != "name" and topics and sort.removeprefix("-") not in {t.slug for t in topics}:
            self.add_error("sort", "Sort by a topic the matrix shows, or by name.")
        return cleaned


def sorted_rows(rows: list[MatrixRow], sort: str) -> list[MatrixRow]:
    """Organizations first as always, then the countries by name, or by their stance on a
    topic (`-slug` most supportive first, `slug` least), those with none on it last, each
    stance's countries by name."""
    if sort == "name":
        return rows
    slug, high_first = sort.removeprefix("-"), sort.startswith("-")
    countries = [row for row in rows if row.holder.type == "country"]
    others = [row for row in rows if row.holder.type != "country"]

    def key(row: MatrixRow):
        cell = row.cells.get(slug)
        if cell is None:
            return (1, 0)
        return (0, -cell.stance.value if high_first else cell.stance.value)

    return others + sorted(countries, key=key)  # stable: by name within a stance


@dataclasses.dataclass
class Matrix:
    as_of: datetime.date
    topics: list
    rows: list[MatrixRow]
    countries: int = 0  # countries the filters chose, shown or hidden
    without_position: int = 0  # ... of which with no position on any topic shown
    sort: str = "name"

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "sort": self.sort,
            "countries": self.countries,
            "countries_without_position": self.without_position,
            "topics": [{"slug": t.slug, "name": t.name} for t in self.topics],
            "rows": [
                {
                    "holder": holder_dict(row.holder),
                    "cells": {slug: cell_dict(p) for slug, p in row.cells.items()},
                    "signed": [agreement.as_dict() for agreement in row.signed],
                    "say_sign_gap": row.gap,
                }
                for row in self.rows
            ],
        }


def matrix(params: dict) -> Matrix:
    """Allies (and NATO) × topics on params["as_of"]: published positions only, sorted and
    without the empty rows if asked, counting the countries with no position, each row with
    what its holder had signed that day and the say/sign gap."""
    topics, rows = build_matrix(
        as_of=params["as_of"],
        topics=params.get("topics") or None,
        bloc=params.get("bloc"),
        country_codes=[c.code for c in params.get("countries") or []] or None,
        nato_only=bool(params.get("nato")),
        signatures=True,
    )
    countries = [row for row in rows if row.holder.type == "country"]
    without = sum(1 for row in countries if not any(row.cells.values()))
    if params.get("hide_empty"):
        rows = [row for row in rows if any(row.cells.values())]
    sort = params.get("sort") or "name"
    return Matrix(params["as_of"], topics, sorted_rows(rows, sort), len(countries), without, sort)


class AsOfParams(QueryParams):
    """A page that shows one day (a topic's map): only the day."""

    as_of = DateParam(label="As of", help_text="The day to show (default: today).")

    def clean_as_of(self):
        return self.cleaned_data.get("as_of") or today()


# --- a comparison ------------------------------------------------------------------------


class CompareParams(QueryParams):
    countries = countries_field(
        label="Countries",
        help_text="Two to four country codes, comma-separated, e.g. US,DE,PL.",
        min_items=2,
        max_items=4,
    )
    as_of = DateParam(label="As of", help_text="The day to compare on (default: today).")

    def clean_countries(self):
        countries = self.cleaned_data["countries"]
        field = self.fields["countries"]
        assert isinstance(field, ReferenceListParam)
        low, high = field.min_items or 1, field.max_items or len(countries)
        if countries and not low <= len(countries) <= high:
            raise ValidationError("Compare two to four countries.", code="count")
        return countries

    def clean_as_of(self):
        return self.cleaned_data.get("as_of") or today()


# A comparison shows each topic's newest positions up to the day; the earlier ones are
# counted, and a click away on the country page's history.
COMPARE_HISTORY = 6


@dataclasses.dataclass
class CompareEntry:
    topic: Topic
    current: Position | None
    history: list[Position]  # the newest COMPARE_HISTORY up to as_of, oldest first
    earlier: int = 0  # how many positions before those


@dataclasses.dataclass
class CompareColumn:
    country: Country
    topics: list[CompareEntry]
    signed: list = dataclasses.field(default_factory=list)  # what it had signed that day
    gap: str | None = None  # the say/sign gap with its stated guarantees stance


@dataclasses.dataclass
class Comparison:
    as_of: datetime.date
    topics: list
    columns: list[CompareColumn]

    def by_topic(self) -> list[tuple[Topic, list[CompareEntry]]]:
        """The page's rows: each topic with its entry in every column."""
        return [
            (topic, [column.topics[index] for column in self.columns])
            for index, topic in enumerate(self.topics)
        ]

    def as_dict(self) -> dict:
        entries = []
        for column in self.columns:
            for entry in column.topics:
                current = entry.current
                cell = cell_dict(current)
                if current is not None and cell is not None:
                    cell["evidence"] = [quote_summary(q) for q in current.published_evidence]
                entries.append(
                    {
                        "country": {"code": column.country.code, "name": column.country.name},
                        "topic": entry.topic.slug,
                        "current": cell,
                        "history": [
                            {
                                "position": p.pk,
                                "stance": stance_dict(p),
                                "conditionality": p.conditionality,
                                "conditionality_label": condition_label(p.conditionality),
                                "valid_from": p.valid_from.isoformat(),
                                "valid_to": p.valid_to.isoformat() if p.valid_to else None,
                            }
                            for p in entry.history
                        ],
                        "earlier": entry.earlier,
                    }
                )
        return {
            "as_of": self.as_of.isoformat(),
            "topics": [{"slug": t.slug, "name": t.name} for t in self.topics],
            "entries": entries,
            "signatures": [
                {
                    "country": {"code": column.country.code, "name": column.country.name},
                    "signed": [agreement.as_dict() for agreement in column.signed],
                    "say_sign_gap": column.gap,
                }
                for column in self.columns
            ],
        }


def compare(params: dict, *, evidence: bool = True) -> Comparison:
    """Two to four countries side by side on params["as_of"]: each topic's stance in force,
    its newest positions up to that day (the earlier ones counted), and the published
    evidence of the stance in force (or, with ``evidence=False``, only its count: a page
    loads the quotes when they are opened), and what each had signed that day with the
    say/sign gap. Five queries: topics, stances, positions, evidence, signatures."""
    as_of, countries = params["as_of"], params.get("countries") or []
    topics = list(Topic.objects.prefetch_related("stances"))
    stances = {stance.pk: stance for topic in topics for stance in topic.stances.all()}
    positions = list(
        Position.objects.published()
        .filter(country__in=countries, valid_from__lte=as_of)
        .only(*COMPARE_FIELDS)
        .annotate(
            newness=Window(
                RowNumber(),
                partition_by=[F("country_id"), F("topic_id")],
                order_by=F("valid_from").desc(),
            ),
            on_topic=Window(Count("pk"), partition_by=[F("country_id"), F("topic_id")]),
        )
        .filter(newness__lte=COMPARE_HISTORY)
        .order_by("valid_from")
    )
    histories: dict[tuple[int, int], list[Position]] = {}
    for position in positions:
        position.stance = stances[position.stance_id]
        histories.setdefault((position.country_id, position.topic_id), []).append(position)
    columns = []
    for country in countries:
        entries = []
        for topic in topics:
            history = histories.get((country.pk, topic.pk), [])
            for position in history:
                position.country, position.topic = country, topic
            in_force = history[-1] if history and history[-1].in_force_on(as_of) else None
            on_topic = getattr(history[0], "on_topic", 0) if history else 0
            entries.append(CompareEntry(topic, in_force, history, on_topic - len(history)))
        columns.append(CompareColumn(country, entries))
    signed = signed_on_day(as_of, countries=[country.pk for country in countries])
    for column in columns:
        column.signed = signed.get(("country", column.country.pk), [])
        stated = next((e.current for e in column.topics if e.topic.slug == GUARANTEES), None)
        if not counterparty(column.country.code):
            column.gap = say_sign_gap(stated.stance.value if stated else None, column.signed)
    # Only the stance in force shows its quotes: fetch those alone (one query).
    current = [e.current for c in columns for e in c.topics if e.current]
    if evidence:
        prefetch_related_objects(current, published_evidence())
        for position in current:
            position.evidence_count = len(position.published_evidence)
    else:
        counts = published_evidence_counts(position.pk for position in current)
        for position in current:
            position.evidence_count = counts.get(position.pk, 0)
    return Comparison(as_of, topics, columns)


# What a comparison shows of a position.
COMPARE_FIELDS = [
    "id",
    "country_id",
    "topic_id",
    "stance_id",
    "conditionality",
    "conditionality_note",
    "confidence",
    "valid_from",
    "valid_to",
    "status",
]


# --- the changes ---------------------------------------------------------------------------


class ChangesParams(QueryParams):
    """`from` is a Python keyword, so that field is added under its name below."""

    to = DateParam(label="To", help_text="The later state's day (default: today).")
    from_event = ReferenceParam(
        Event.objects.public().order_by("-start_date"),
        key="slug",
        noun="event",
        label="From event",
        empty_label="Any event",
        help_text="Start the day before this event opens (where `from` is not given).",
    )
    to_event = ReferenceParam(
        Event.objects.public().order_by("-start_date"),
        key="slug",
        noun="event",
        label="To event",
        empty_label="Any event",
        help_text="End on the day this event closes (where `to` is not given).",
    )
    topics = topics_field()
    countries = countries_field(label="Countries")

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("from"), cleaned.get("to")
        if start is None and cleaned.get("from_event"):
            start = day_before(cleaned["from_event"].start_date)
        if end is None and cleaned.get("to_event"):
            end = cleaned["to_event"].end_date or cleaned["to_event"].start_date
        end = min(end or today(), today())
        start = start or eve_of_latest_change(end)
        if start > end and "from" not in self.errors and "to" not in self.errors:
            self.add_error("to", "The end date must be on or after the start date.")
        cleaned["from"], cleaned["to"] = start, end
        return cleaned


ChangesParams.base_fields = {
    "from": DateParam(
        label="From",
        help_text="The earlier state's day (default: the eve of the latest published change).",
    ),
    **ChangesParams.base_fields,
}
ChangesParams.declared_fields = ChangesParams.base_fields


def eve_of_latest_change(end: datetime.date) -> datetime.date:
    """By default, show the latest moves: from the day before the last published change."""
    latest = (
        Position.objects.published()
        .filter(valid_from__lte=end)
        .order_by("-valid_from")
        .values_list("valid_from", flat=True)
        .first()
    )
    return day_before(latest or end)


# A change list's kinds, in the order the page and the counts give them: the real moves, then
# the start of coverage (a holder's first position on a topic on record).
MOVE_KINDS = ("up", "down", "new", "ended")
CHANGE_KINDS = (*MOVE_KINDS, "first_recorded")


def count_kinds(entries: list[Change]) -> dict[str, int]:
    """How many changes of each kind (every kind named, zero included)."""
    counts = dict.fromkeys(CHANGE_KINDS, 0)
    for change in entries:
        counts[change.kind] += 1
    return counts


@dataclasses.dataclass
class ChangeList:
    date_from: datetime.date
    date_to: datetime.date
    entries: list[Change]
    count: int | None = None  # all the changes, when entries holds one page of them
    page: int = 1
    pages: int = 1
    kinds: dict[str, int] | None = None  # of all the changes, when entries holds one page
    # The agreements signed, joined and ended in the period (apps.agreements.changes): all of
    # them, on every page.
    agreements: list[AgreementEvent] = dataclasses.field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """How many changes of each kind, on every page."""
        return self.kinds if self.kinds is not None else count_kinds(self.entries)

    @property
    def agreement_counts(self) -> dict[str, int]:
        """How many agreements were signed, joined, terminated and expired."""
        return count_events(self.agreements)

    @property
    def moves(self) -> list[Change]:
        """The changes that are moves (up, down, new after a time with none, ended)."""
        return [change for change in self.entries if change.kind != "first_recorded"]

    @property
    def first_recorded(self) -> list[Change]:
        """The changes that are the start of coverage: a first position on record."""
        return [change for change in self.entries if change.kind == "first_recorded"]

    def as_dict(self) -> dict:
        answer: dict[str, Any] = {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "entries": [
                {
                    "holder": holder_dict(change.holder),
                    "topic": change.topic.slug,
                    "before": stance_dict(change.before),
                    "after": stance_dict(change.after),
                    "direction": change.direction,
                    "kind": change.kind,
                    "evidence": [quote_summary(q) for q in change.evidence],
                }
                for change in self.entries
            ],
            "counts": self.counts,
        }
        # One shape for the API's pages and a page's download (one page holding them all).
        count = len(self.entries) if self.count is None else self.count
        answer.update(count=count, page=self.page, pages=self.pages, next=None, previous=None)
        answer.update(
            agreements=[event.as_dict() for event in self.agreements],
            agreement_counts=self.agreement_counts,
        )
        return answer


# The API's change list comes in pages: the evidence is fetched for one page of changes, so
# the cost of an answer does not grow with the number of changes.
CHANGES_PAGE_SIZE = 50
CHANGES_PAGE_SIZE_MAX = 500


class ChangesPageParams(ChangesParams):
    page = WholeNumberParam(
        minimum=1, maximum=10_000, default=1, label="Page", help_text="Which page (default 1)."
    )
    page_size = WholeNumberParam(
        minimum=1,
        maximum=CHANGES_PAGE_SIZE_MAX,
        default=CHANGES_PAGE_SIZE,
        label="Per page",
        help_text=f"Changes per page (default {CHANGES_PAGE_SIZE}).",
    )


def changes(params: dict, *, evidence: bool = True) -> ChangeList:
    """Who moved between params["from"] and params["to"]: stance changes, new and ended
    positions, with the evidence of the later state (or, with ``evidence=False``, its count
    alone). With params["page"] (ChangesPageParams), one page of them, counted. Beside them,
    the published agreements signed, joined, terminated or expired in the period, where the
    topics asked include guarantees (apps.agreements.changes). Two queries, and one for the
    agreements.
    """
    paged = params.get("page") is not None
    entries = build_changes(
        date_from=params["from"],
        date_to=params["to"],
        topics=params.get("topics") or None,
        country_codes=[c.code for c in params.get("countries") or []] or None,
        evidence=evidence and not paged,
        counts=not paged,  # a page counts the evidence it attaches
    )
    agreements = agreement_changes(params).events
    if not paged:
        return ChangeList(params["from"], params["to"], entries, agreements=agreements)
    size = params.get("page_size") or CHANGES_PAGE_SIZE
    pages = max(1, -(-len(entries) // size))
    page = params["page"]
    shown = entries[(page - 1) * size : page * size]
    attach_evidence(shown)  # also when `evidence` is off: the count comes with it
    return ChangeList(
        params["from"],
        params["to"],
        shown,
        len(entries),
        page,
        pages,
        count_kinds(entries),
        agreements=agreements,
    )
