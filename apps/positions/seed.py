"""Load the seed data files (codebook, countries, actors, events, reports) idempotently.

Every row is matched on its natural key; what already exists with the same values is left
alone, so a second load changes nothing. Quotes and positions go through the services.
"""

import datetime
from pathlib import Path
from typing import TypeVar

import yaml
from django.db import models, transaction

from apps.actors.models import Bloc, Country, Organization, Person, Role
from apps.positions.models import Position, Stance, Topic
from apps.positions.services import position_record
from apps.statements.models import Event, Quote, Source
from apps.statements.services import quote_record, quote_update

SEED_DIR = Path(__file__).resolve().parent / "seed"
REPORT_GLOB = "report-*.yaml"


class SeedError(Exception):
    pass


M = TypeVar("M", bound=models.Model)


def _read(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def _upsert(model: type[M], lookup: dict, values: dict, counts: dict) -> M:
    """Create the row or bring it to the given values; count what changed."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        counts["created"] += 1
        return obj
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    if changed:
        for field in changed:
            setattr(obj, field, values[field])
        obj.full_clean()
        obj.save()
        counts["updated"] += 1
    return obj


def _country(code):
    return Country.objects.get(code=code) if code else None


def _organization(slug):
    return Organization.objects.get(slug=slug) if slug else None


def _person(slug):
    return Person.objects.get(slug=slug) if slug else None


def load_codebook(data: dict, counts: dict) -> None:
    for entry in data["topics"]:
        topic = _upsert(
            Topic,
            {"slug": entry["slug"]},
            {
                "name": entry["name"],
                "question": entry["question"],
                "description": entry.get("description") or "",
                "order": entry["order"],
            },
            counts,
        )
        for stance in entry["stances"]:
            _upsert(
                Stance,
                {"topic": topic, "value": stance["value"]},
                {"label": stance["label"], "definition": stance["definition"]},
                counts,
            )


def load_countries(data: dict, counts: dict) -> None:
    for entry in data["countries"]:
        _upsert(
            Country,
            {"code": entry["code"]},
            {
                "name": entry["name"],
                "nato_joined": entry.get("nato_joined"),
                "eu_member": bool(entry.get("eu_member")),
            },
            counts,
        )
    for entry in data.get("blocs", []):
        bloc = _upsert(
            Bloc,
            {"slug": entry["slug"]},
            {"name": entry["name"], "description": entry.get("description") or ""},
            counts,
        )
        members = set(Country.objects.filter(code__in=entry["members"]))
        if len(members) != len(set(entry["members"])):
            raise SeedError(f"Bloc {entry['slug']} names an unknown country.")
        if set(bloc.members.all()) != members:
            bloc.members.set(members)
            counts["updated"] += 1


def load_actors(data: dict, counts: dict) -> None:
    for entry in data.get("organizations", []):
        _upsert(
            Organization,
            {"slug": entry["slug"]},
            {
                "name": entry["name"],
                "kind": entry["kind"],
                "country": _country(entry.get("country")),
            },
            counts,
        )
    for entry in data.get("people", []):
        person = _upsert(
            Person,
            {"slug": entry["slug"]},
            {
                "name": entry["name"],
                "country": _country(entry.get("country")),
                "bio": entry.get("bio") or "",
            },
            counts,
        )
        for role in entry.get("roles", []):
            _upsert(
                Role,
                {"person": person, "title": role["title"], "start": role.get("start")},
                {
                    "organization": _organization(role.get("organization")),
                    "country": _country(role.get("country")),
                    "end": role.get("end"),
                },
                counts,
            )


def load_events(data: dict, counts: dict) -> None:
    for entry in data.get("events", []):
        _upsert(
            Event,
            {"slug": entry["slug"]},
            {
                "name": entry["name"],
                "kind": entry["kind"],
                "start_date": entry["start_date"],
                "end_date": entry.get("end_date"),
                "place": entry.get("place") or "",
            },
            counts,
        )


def _role(person, title):
    if not title:
        return None
    if person is None:
        raise SeedError(f"Role {title!r} given without a speaker.")
    return Role.objects.get(person=person, title=title)


def _claimant(claimant: dict | None) -> dict:
    """A claim's claimant, ``{country: code}`` or ``{organization: slug}``, as the quote's
    two fields (both empty for a quote that speaks for its own country, or none)."""
    claimant = claimant or {}
    if set(claimant) - {"country", "organization"} or len(claimant) > 1:
        raise SeedError(f"A claimant is a country or an organization, not {claimant!r}.")
    return {
        "claimant_country": _country(claimant.get("country")),
        "claimant_organization": _organization(claimant.get("organization")),
    }


def _stance(implied):
    if not implied:
        return None
    return Stance.objects.get(topic__slug=implied["topic"], value=implied["value"])


def load_report(data: dict, counts: dict) -> None:
    entry = data["source"]
    source = _upsert(
        Source,
        {"title": entry["title"], "published_on": entry["published_on"]},
        {
            "publisher": _organization(entry.get("publisher")),
            "author": _person(entry.get("author")),
            "url": entry.get("url") or "",
            "published_precision": entry.get("published_precision", "day"),
            "kind": entry["kind"],
            "reliability": entry["reliability"],
            "language": entry.get("language", "en"),
        },
        counts,
    )
    quotes = {}
    for item in data.get("quotes", []):
        quotes[item["key"]] = _load_quote(source, item, counts)
    for item in data.get("positions", []):
        _load_position(item, quotes, counts)


def _load_quote(source: Source, item: dict, counts: dict) -> Quote:
    # A sentence about two countries is stored once for each: the country is in the key.
    existing = Quote.objects.filter(
        source=source, text=item["text"], country=_country(item.get("country"))
    ).first()
    claimant = _claimant(item.get("claimant"))
    if existing is not None:
        if (existing.claimant_country_id, existing.claimant_organization_id) != tuple(
            getattr(value, "pk", None) for value in claimant.values()
        ):
            # A database seeded before the claims were coded is brought up to date.
            counts["updated"] += 1
            return quote_update(quote=existing, **claimant)
        return existing
    speaker = _person(item.get("speaker"))
    topics = list(Topic.objects.filter(slug__in=item.get("topics", [])))
    if len(topics) != len(set(item.get("topics", []))):
        raise SeedError(f"Quote {item['key']} names an unknown topic.")
    counts["created"] += 1
    return quote_record(
        source=source,
        text=item["text"],
        said_on=item["said_on"],
        said_precision=item.get("said_precision", "day"),
        speaker=speaker,
        speaker_label=item.get("speaker_label") or "",
        country=_country(item.get("country")),
        **claimant,
        role=_role(speaker, item.get("role")),
        channel=item.get("channel") or "",
        event=Event.objects.get(slug=item["event"]) if item.get("event") else None,
        implied_stance=_stance(item.get("implied")),
        is_paraphrase=bool(item.get("is_paraphrase")),
        language=item.get("language", "en"),
        status=item.get("status", "published"),
        topics=topics,
    )


def _load_position(item: dict, quotes: dict, counts: dict) -> None:
    holder = item["holder"]
    country = _country(holder.get("country"))
    organization = _organization(holder.get("organization"))
    topic = Topic.objects.get(slug=item["topic"])
    valid_from = item["valid_from"]
    if isinstance(valid_from, str):
        valid_from = datetime.date.fromisoformat(valid_from)
    existing = (
        Position.objects.for_holder(country=country, organization=organization)
        .filter(topic=topic, valid_from=valid_from)
        .exists()
    )
    if existing:
        return
    try:
        evidence = [quotes[key] for key in item.get("evidence", [])]
    except KeyError as error:
        raise SeedError(f"Position evidence names an unknown quote key {error}.") from error
    position_record(
        topic=topic,
        stance=topic.stances.get(value=item["stance"]),
        country=country,
        organization=organization,
        valid_from=valid_from,
        valid_to=item.get("valid_to"),
        conditionality=item.get("conditionality", "none"),
        conditionality_note=item.get("conditionality_note") or "",
        confidence=item["confidence"],
        summary=item.get("summary") or "",
        evidence=evidence,
        status=item.get("status", "published"),
    )
    counts["created"] += 1


@transaction.atomic
def load_seed(seed_dir: Path = SEED_DIR) -> dict:
    """Load every seed file, all or nothing; return counts of rows created and updated."""
    counts = {"created": 0, "updated": 0}
    load_codebook(_read(seed_dir / "codebook.yaml"), counts)
    load_countries(_read(seed_dir / "countries.yaml"), counts)
    load_actors(_read(seed_dir / "actors.yaml"), counts)
    load_events(_read(seed_dir / "events.yaml"), counts)
    for report in sorted(seed_dir.glob(REPORT_GLOB)):
        load_report(_read(report), counts)
    return counts
