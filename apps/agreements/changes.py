"""Agreements signed, joined and ended in a period: the agreements' part of the change list
(the page /changes/ and the API's changes/) and of the Atom feeds (DESIGN §8).

An event is dated, and shown when its day falls in the period, both ends included:
- `signed`: the agreement was signed that day, by the parties that did not join later;
- `joined`: a party joined it that day, later than its signing;
- `terminated`: that day was the last it held, ended by a party (with the note saying how);
- `expired`: that day was the last of its term (the agreement is still in force on its expiry
  day), unless it was terminated on or before it.

Only published agreements count, for every reader: the change list is the same for all.
"""

import dataclasses
import datetime
from collections.abc import Iterable

from django.contrib.postgres.expressions import ArraySubquery
from django.db import models
from django.db.models import F, OuterRef, Q
from django.db.models.functions import JSONObject

from apps.agreements.models import Agreement, AgreementKind, Party
from apps.agreements.signatures import GUARANTEES
from apps.core.models import Status
from apps.core.validators import EARLIEST_DATE

# Agreements are commitments on security guarantees: a change list narrowed to topics shows
# them only when the guarantees topic is among them.
AGREEMENTS_TOPIC = GUARANTEES

# The kinds of event, in the order a day's events are given and counted.
EVENT_KINDS = ("signed", "joined", "terminated", "expired")

# A title names at most this many parties; more are counted ("and 5 others").
NAMED_PARTIES = 6


@dataclasses.dataclass(frozen=True, slots=True)
class PartyRef:
    """A party as the change list names it: a country by code, an organization by slug."""

    type: str
    key: str
    name: str

    def as_dict(self) -> dict:
        key = "code" if self.type == "country" else "slug"
        return {"type": self.type, key: self.key, "name": self.name}


@dataclasses.dataclass(frozen=True, slots=True)
class AgreementEvent:
    """An agreement signed, joined, terminated or expired on a day."""

    slug: str
    title: str
    kind: str
    event: str
    day: datetime.date
    parties: tuple[PartyRef, ...]  # its parties on that day
    created_at: datetime.datetime  # the agreement's
    updated_at: datetime.datetime
    party: PartyRef | None = None  # the party that joined (joined only)
    note: str = ""  # how and why it was terminated (terminated only)

    @property
    def kind_label(self) -> str:
        return str(AgreementKind(self.kind).label)

    @property
    def key(self) -> str:
        """What tells this event from the agreement's others, whatever its day: the event,
        and for a joining the party (`joined-CA`)."""
        return f"joined-{self.party.key}" if self.party is not None else self.event

    @property
    def label(self) -> str:
        """The event in a word or three: "Signed", "Joined by Canada", "Terminated"."""
        if self.event == "joined" and self.party is not None:
            return f"Joined by {self.party.name}"
        return self.event.capitalize()

    @property
    def party_names(self) -> str:
        """Its parties that day in a sentence: "France and Ukraine"."""
        return names(self.parties)

    @property
    def headline(self) -> str:
        """The event in one sentence from the data: "France and Ukraine signed the
        Agreement on Security Cooperation"."""
        agreement = the(self.title)
        if self.event == "signed":
            return f"{names(self.parties)} signed {agreement}"
        if self.event == "joined" and self.party is not None:
            return f"{self.party.name} joined {agreement}"
        ended = "was terminated" if self.event == "terminated" else "expired"
        between = f" between {names(self.parties)}" if self.parties else ""
        return f"{capitalized(agreement)}{between} {ended}"

    def as_dict(self) -> dict:
        return {
            "slug": self.slug,
            "title": self.title,
            "kind": self.kind,
            "kind_label": self.kind_label,
            "event": self.event,
            "day": self.day.isoformat(),
            "party": self.party.as_dict() if self.party is not None else None,
            "parties": [party.as_dict() for party in self.parties],
            "note": self.note,
            "headline": self.headline,
        }


def the(title: str) -> str:
    """An agreement's title as a sentence names it: "the Agreement on …"."""
    first = title.split(" ", 1)[0].lower()
    return title if first in {"the", "a", "an"} else f"the {title}"


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def names(parties: Iterable[PartyRef]) -> str:
    """The parties' names in a sentence: "France and Ukraine"; beyond NAMED_PARTIES, "A, B,
    C, D, E, F and 3 others"."""
    shown = [party.name for party in parties]
    if len(shown) > NAMED_PARTIES:
        others = len(shown) - NAMED_PARTIES
        shown = [*shown[:NAMED_PARTIES], f"{others} other{'' if others == 1 else 's'}"]
    if len(shown) <= 1:
        return "".join(shown)
    return f"{', '.join(shown[:-1])} and {shown[-1]}"


def count_events(events: Iterable[AgreementEvent]) -> dict[str, int]:
    """How many events of each kind (every kind named, zero included)."""
    counts = dict.fromkeys(EVENT_KINDS, 0)
    for event in events:
        counts[event.event] += 1
    return counts


def shown_for_topics(topics) -> bool:
    """Whether a change list narrowed to these topics (None or empty: all) shows agreements."""
    return not topics or any(topic.slug == AGREEMENTS_TOPIC for topic in topics)


# What an event needs of its agreement.
AGREEMENT_FIELDS = (
    "slug",
    "title",
    "kind",
    "signed_on",
    "expires_on",
    "terminated_on",
    "termination_note",
    "created_at",
    "updated_at",
)
# ... and of each party, gathered per agreement into one array (a probe of the party table's
# agreement index per agreement: the planner would otherwise join every party to find them).
PARTY_JSON = JSONObject(
    code="country__code",
    country="country__name",
    slug="organization__slug",
    organization="organization__name",
    joined_on="joined_on",
)


def _parties_of(countries) -> models.QuerySet:
    """The ids of the agreements one of the countries (objects or ids) is a party of."""
    ids = [getattr(country, "pk", country) for country in countries]
    return Party.objects.filter(country_id__in=ids).values("agreement_id")


def dated_in(date_from: datetime.date, date_to: datetime.date) -> models.QuerySet:
    """The ids of agreements with a signing, joining, termination or expiry in the period: a
    union of four index range scans (signed_on, a party's joined_on, terminated_on,
    expires_on)."""
    period = (date_from, date_to)
    published = Agreement.objects.published()
    return (
        published.filter(signed_on__range=period)
        .values("pk")
        .order_by()
        .union(
            Party.objects.filter(joined_on__range=period).values("agreement_id").order_by(),
            published.filter(terminated_on__range=period).values("pk").order_by(),
            published.filter(expires_on__range=period).values("pk").order_by(),
        )
    )


def latest_dated(until: datetime.date, limit: int, countries=None) -> models.QuerySet:
    """The ids of the agreements with the ``limit`` newest signings, joinings, terminations
    or expiries up to ``until`` (of each kind, so the ``limit`` newest events of all are
    among them): a union of four index scans read backwards, each stopped at ``limit``."""
    published = Agreement.objects.published()
    signings = published.filter(signed_on__lte=until)
    joinings = Party.objects.filter(
        agreement__status=Status.PUBLISHED,
        joined_on__lte=until,
        joined_on__gt=F("agreement__signed_on"),
    )
    terminations = published.filter(terminated_on__lte=until)
    expiries = published.filter(expires_on__lte=until).filter(
        Q(terminated_on__isnull=True) | Q(terminated_on__gt=F("expires_on"))
    )
    if countries is not None:
        parties = _parties_of(countries)
        signings, terminations, expiries = (
            arm.filter(pk__in=parties) for arm in (signings, terminations, expiries)
        )
        joinings = joinings.filter(agreement_id__in=parties)
    first, *others = (
        arm[:limit]
        for arm in (
            signings.order_by("-signed_on", "-pk").values("pk"),
            joinings.order_by("-joined_on", "-pk").values("agreement_id"),
            terminations.order_by("-terminated_on", "-pk").values("pk"),
            expiries.order_by("-expires_on", "-pk").values("pk"),
        )
    )
    return first.union(*others)


def _events(ids, date_from: datetime.date, date_to: datetime.date) -> list[AgreementEvent]:
    """The events from date_from to date_to of the published agreements whose ids the
    queryset gives, oldest first. One query: the agreements with their parties."""
    rows = (
        Agreement.objects.published()
        .filter(pk__in=ids)
        .annotate(
            party_rows=ArraySubquery(
                Party.objects.filter(agreement=OuterRef("pk"))
                .order_by("pk")
                .values(json=PARTY_JSON)
            )
        )
        .order_by()
        .values_list(*AGREEMENT_FIELDS, "party_rows")
    )
    events = [event for row in rows for event in _events_of(row, date_from, date_to)]
    order = {kind: index for index, kind in enumerate(EVENT_KINDS)}
    events.sort(key=lambda e: (e.day, order[e.event], e.title.lower(), e.slug, e.key))
    return events


def agreement_events(
    date_from: datetime.date, date_to: datetime.date, *, countries=None
) -> list[AgreementEvent]:
    """Return the published agreements' events from date_from to date_to (both included):
    signed, joined (naming the party), terminated (with the note) and expired (unless
    terminated on or before its expiry), oldest first. With ``countries`` (Country objects
    or ids), only the agreements one of them is a party of. One query."""
    ids = Agreement.objects.filter(pk__in=dated_in(date_from, date_to))
    if countries is not None:
        ids = ids.filter(pk__in=_parties_of(countries))
    return _events(ids.values("pk"), date_from, date_to)


def latest_agreement_events(
    until: datetime.date, *, limit: int, countries=None
) -> list[AgreementEvent]:
    """Return the ``limit`` newest events up to ``until`` (as agreement_events gives them),
    newest first, whatever the number of agreements. One query."""
    events = _events(latest_dated(until, limit, countries), EARLIEST_DATE, until)
    return events[::-1][:limit]


def _party_refs(parties: list[dict]) -> list[tuple[PartyRef, datetime.date | None]]:
    """Each party with the day it joined (None: at the signing), countries then
    organizations, each by name."""
    refs = []
    for party in parties:
        joined = party["joined_on"]
        joined_on = datetime.date.fromisoformat(joined) if joined else None
        if party["code"] is not None:
            refs.append((PartyRef("country", party["code"], party["country"]), joined_on))
        else:
            refs.append((PartyRef("organization", party["slug"], party["organization"]), joined_on))
    refs.sort(key=lambda pair: (pair[0].type != "country", pair[0].name.lower()))
    return refs


def _events_of(row: tuple, date_from: datetime.date, date_to: datetime.date):
    """One agreement's events in the period, from its row (AGREEMENT_FIELDS, its parties)."""
    slug, title, kind, signed_on, expires_on, terminated_on, note, created, updated, rows = row
    parties = _party_refs(rows)

    def event(name: str, day: datetime.date, **details) -> AgreementEvent:
        # A later joiner is a party from its joining day on.
        present = tuple(ref for ref, joined in parties if joined is None or joined <= day)
        return AgreementEvent(slug, title, kind, name, day, present, created, updated, **details)

    def within(day: datetime.date | None) -> bool:
        return day is not None and date_from <= day <= date_to

    if within(signed_on):
        yield event("signed", signed_on)
    for ref, joined in parties:
        # A joining day on or before the signing is a signature, not a joining.
        if joined is not None and within(joined) and joined > signed_on:
            yield event("joined", joined, party=ref)
    if within(terminated_on):
        yield event("terminated", terminated_on, note=note)
    if within(expires_on) and (terminated_on is None or terminated_on > expires_on):
        yield event("expired", expires_on)


@dataclasses.dataclass
class AgreementChanges:
    """The agreements' part of a change list: its events and their counts by kind."""

    events: list[AgreementEvent]

    @property
    def counts(self) -> dict[str, int]:
        return count_events(self.events)

    def as_dict(self) -> dict:
        return {
            "agreements": [event.as_dict() for event in self.events],
            "agreement_counts": self.counts,
        }


def agreement_changes(params: dict) -> AgreementChanges:
    """The change list's agreements for its cleaned parameters (apps.positions.questions.
    ChangesParams: `from`, `to`, `topics`, `countries`): none when the topics asked leave
    out guarantees. One query, or none."""
    if not shown_for_topics(params.get("topics")):
        return AgreementChanges([])
    countries = params.get("countries") or None
    return AgreementChanges(agreement_events(params["from"], params["to"], countries=countries))
