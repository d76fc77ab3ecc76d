"""Import statements from CSV or JSON: every row through the services, all or nothing.

One row is one quote, with its source; a row may also code a position with that quote as
evidence. Columns (JSON: the same keys, one object per row):

source_title*, source_published_on* (YYYY-MM-DD), source_precision (day|month|year),
source_publisher (organization slug), source_author (person slug), source_url,
source_kind* (news_report|official_document|transcript|interview|press_briefing|
social_media|analysis), source_reliability* (primary|secondary), source_language;
text*, translation, language, is_paraphrase (true|false), speaker (person slug) or
speaker_label, country (code), claimant (when the speaker speaks of another government's
stance: the speaker's country code or organization slug), role (the speaker's role title),
said_on* (YYYY-MM-DD),
said_precision, channel, event (slug), topics (comma-separated slugs), implied_topic,
implied_value, status (draft|in_review|published);
position_topic, position_stance (−2…2), position_country or position_organization,
position_valid_from (defaults to said_on), position_valid_to, position_confidence,
position_conditionality, position_summary, position_status.
(* required)

Both doors (the admin upload, which imports in the background and shows its progress on a
run page, see apps/core/import_runs.py, and ``manage.py import_statements --as USERNAME``) read a file
with read_file and import it with statements_import, as a named editor: the same limits
(5 MB, 128 KB a field, flat JSON objects: the reading every import shares,
apps/core/imports.py), the same refusals, all or nothing. Imported rows
go to review: under the four-eyes rule nobody publishes what they bring in themselves, so a
row marked published is refused. A row repeating a stored quote (same source, speaker or
label, date and words) or an earlier row of the file is refused too.

Speed: the countries, people, organizations, events, topics, stances, roles and sources a
file names are looked up once per file, duplicates in one query; the quotes, and the
positions that go to review (drafts and positions in review wait outside the published
history), are checked one by one by their services' rules in Python and stored in a few
statements. Only a position published by an import (where four eyes are off) is recorded
row by row, fitted into its holder's published history.
"""

import dataclasses
from collections.abc import Callable

from django.core.exceptions import ValidationError

from apps.actors.models import Country, Organization, Person, Role
from apps.core.imports import (
    MAX_FIELD_CHARS,
    MAX_IMPORT_BYTES,
    Problems,
    RowError,
    all_or_nothing,
    csv_rows,
    flat_object,
    json_data,
    plain_text,
    read_text,
    require_editor,
)
from apps.core.imports import bool_in as _bool
from apps.core.imports import date_in as _date
from apps.core.imports import required as _required
from apps.core.imports import to_review as _to_review
from apps.core.models import Status
from apps.core.services import foreign_keys_checked_now
from apps.positions.models import Position, Stance, Topic
from apps.positions.services import (
    position_check_new,
    position_record,
    position_record_many,
    position_same_day_clashes,
)
from apps.statements.models import Event, Quote, Source
from apps.statements.services import (
    quote_check_new,
    quote_record_many,
    source_check_new,
    source_record_many,
)

__all__ = ["MAX_FIELD_CHARS", "MAX_IMPORT_BYTES", "read_file", "read_rows", "statements_import"]

QUOTE_FIELDS = {
    "text": "text",
    "translation": "translation",
    "language": "language",
    "speaker": "speaker",
    "speaker_label": "speaker_label",
    "country": "country",
    "claimant_country": "claimant",
    "claimant_organization": "claimant",
    "role": "role",
    "said_on": "said_on",
    "said_precision": "said_precision",
    "channel": "channel",
    "event": "event",
    "topics": "topics",
    "status": "status",
    "implied_stance": "implied_value",
    "is_paraphrase": "is_paraphrase",
}
POSITION_FIELDS = {
    "topic": "position_topic",
    "stance": "position_stance",
    "country": "position_country",
    "organization": "position_organization",
    "valid_from": "position_valid_from",
    "valid_to": "position_valid_to",
    "confidence": "position_confidence",
    "conditionality": "position_conditionality",
    "summary": "position_summary",
    "status": "position_status",
    "conditionality_note": "position_conditionality_note",
}


@dataclasses.dataclass
class ImportResult:
    rows: int = 0
    quotes: int = 0
    positions: int = 0
    sources: int = 0
    errors: Problems = dataclasses.field(default_factory=Problems)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_file(data: bytes, name: str, fmt: str | None = None) -> list[dict]:
    """Read an uploaded or given file (CSV or JSON, by ``fmt`` or the name's suffix) into
    rows; raise ValueError with a message for anything that is not a file to import."""
    return read_rows(*read_text(data, name, fmt))


def read_rows(content: str, fmt: str) -> list[dict]:
    """Parse CSV (with a header row) or JSON (a list of flat objects) into row dicts."""
    content = plain_text(content)
    if fmt == "json":
        return _json_rows(content)
    return csv_rows(content)


def _json_rows(content: str) -> list[dict]:
    data = json_data(content)
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ValueError("A JSON import is a list of objects, one per statement.")
    hint = " (topics are comma-separated slugs)"
    return [flat_object(item, f"Object {number}", hint) for number, item in enumerate(data, 1)]


class _Lookups:
    """Everything a file names, fetched once per file (one query per kind)."""

    def __init__(self, rows: list[dict]):
        def values(*columns):
            return {row.get(c, "").strip() for row in rows for c in columns} - {""}

        countries = {v.upper() for v in values("country", "position_country", "claimant")}
        self.countries = {c.code: c for c in Country.objects.filter(code__in=countries)}
        self.people = {
            p.slug: p for p in Person.objects.filter(slug__in=values("speaker", "source_author"))
        }
        self.organizations = {
            o.slug: o
            for o in Organization.objects.filter(
                slug__in=values("source_publisher", "position_organization", "claimant")
            )
        }
        self.events = {e.slug: e for e in Event.objects.filter(slug__in=values("event"))}
        topic_slugs = values("implied_topic", "position_topic") | {
            s.strip() for row in rows for s in row.get("topics", "").split(",") if s.strip()
        }
        self.topics = {t.slug: t for t in Topic.objects.filter(slug__in=topic_slugs)}
        self.stances = {
            (s.topic_id, s.value): s
            for s in Stance.objects.filter(topic__in=self.topics.values()).select_related("topic")
        }
        self.roles = {
            (r.person_id, r.title): r
            for r in Role.objects.filter(
                person__in=self.people.values(), title__in=values("role")
            ).select_related("person")
        }
        self.sources = {
            (s.title, s.published_on): s
            for s in Source.objects.filter(title__in=values("source_title"))
        }
        self.new_sources: list[Source] = []  # checked, stored with the quotes

    def get(self, kind: str, column: str, row: dict, label: str):
        value = row.get(column, "")
        if not value:
            return None
        found = getattr(self, kind).get(value.upper() if kind == "countries" else value)
        if found is None:
            raise RowError(column, f"Unknown {label}: “{value}”.")
        return found

    def claimant(self, row: dict) -> dict:
        """The row's claimant, a country's code or else an organization's slug, as the
        quote's two fields."""
        value = row.get("claimant", "")
        found = {"claimant_country": None, "claimant_organization": None}
        if not value:
            return found
        if value.upper() in self.countries:
            found["claimant_country"] = self.countries[value.upper()]
        elif value in self.organizations:
            found["claimant_organization"] = self.organizations[value]
        else:
            raise RowError(
                "claimant",
                f"Unknown claimant: “{value}”. Give the country's code (UA) or the "
                "organization's slug.",
            )
        return found


def _quote_key(source, speaker, row, said_on):
    return (
        source.title,
        source.published_on,
        speaker.pk if speaker else None,
        row.get("speaker_label", ""),
        said_on,
        row.get("text", ""),
    )


def _stored_quotes(sources) -> dict:
    """The stored quotes of the file's existing sources, by what makes a quote the same."""
    stored = Quote.objects.filter(source__in=[s for s in sources if s.pk]).values_list(
        "source__title",
        "source__published_on",
        "speaker_id",
        "speaker_label",
        "said_on",
        "text",
        "pk",
    )
    return {tuple(values[:-1]): values[-1] for values in stored}


def _source(row, by, result, lookups):
    title = _required(row, "source_title")
    published_on = _date(row, "source_published_on", required=True)
    key = (title, published_on)
    if key in lookups.sources:
        return lookups.sources[key]
    try:
        source = source_check_new(
            by=by,
            title=title,
            published_on=published_on,
            published_precision=row.get("source_precision") or "day",
            publisher=lookups.get("organizations", "source_publisher", row, "organization"),
            author=lookups.get("people", "source_author", row, "person"),
            url=row.get("source_url", ""),
            kind=row.get("source_kind", ""),
            reliability=row.get("source_reliability", ""),
            language=row.get("source_language") or "en",
        )
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        column = {"published_precision": "source_precision"}.get(field, f"source_{field}")
        raise RowError(column, " ".join(messages)) from None
    result.sources += 1
    lookups.sources[key] = source
    lookups.new_sources.append(source)
    return source


def _topics(row, lookups, column="topics"):
    slugs = [s.strip() for s in row.get(column, "").split(",") if s.strip()]
    unknown = {slug for slug in slugs if slug not in lookups.topics}
    if unknown:
        raise RowError(column, f"Unknown topic: {', '.join(sorted(unknown))}.")
    return [lookups.topics[slug] for slug in dict.fromkeys(slugs)]


@dataclasses.dataclass
class _Row:
    """One checked row: its quote (unsaved, with its topics), and the position it codes if
    any: checked and unsaved when it goes to review, or its fields when it is published
    (only where nobody reviews), recorded row by row into the published history."""

    number: int
    quote: tuple
    position: Position | None = None
    published: dict | None = None


def _check_row(number, row, by, result, lookups, seen, stored) -> _Row:
    """Check one row's quote, and its position if any, by the services' rules."""
    source = _source(row, by, result, lookups)
    speaker = lookups.get("people", "speaker", row, "person")
    role = None
    if row.get("role"):
        role = lookups.roles.get((getattr(speaker, "pk", None), row["role"]))
        if role is None:
            raise RowError("role", "The speaker holds no role with that title.")
    topics = _topics(row, lookups)
    implied = None
    if row.get("implied_topic") or row.get("implied_value"):
        topic = lookups.topics.get(row.get("implied_topic", ""))
        try:
            implied = lookups.stances.get((getattr(topic, "pk", None), int(row["implied_value"])))
        except (KeyError, ValueError):
            implied = None
        if implied is None:
            raise RowError("implied_value", "Give implied_topic and a value from -2 to 2.")
        if implied.topic not in topics:
            topics.append(implied.topic)
    said_on = _date(row, "said_on", required=True)
    position = _position_fields(row, lookups) if row.get("position_topic") else None
    key = _quote_key(source, speaker, row, said_on)
    if key in seen:
        raise RowError("text", f"The same quote as row {seen[key]}: give it once.")
    if key in stored:
        raise RowError(
            "text", f"This quote is already stored (quote {stored[key]}): not imported again."
        )
    try:
        checked = quote_check_new(
            source=source,
            by=by,
            text=row.get("text", ""),
            translation=row.get("translation", ""),
            language=row.get("language") or "en",
            is_paraphrase=_bool(row, "is_paraphrase"),
            speaker=speaker,
            speaker_label=row.get("speaker_label", ""),
            country=lookups.get("countries", "country", row, "country"),
            **lookups.claimant(row),
            role=role,
            said_on=said_on,
            said_precision=row.get("said_precision") or "day",
            channel=row.get("channel", ""),
            event=lookups.get("events", "event", row, "event"),
            implied_stance=implied,
            status=_to_review(row, "status"),
            topics=topics,
        )
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise RowError(QUOTE_FIELDS.get(field, field), " ".join(messages)) from None
    checked_row = _Row(number, checked)
    if position is not None:
        position["valid_from"] = position["valid_from"] or said_on
        if position["status"] == Status.PUBLISHED:
            checked_row.published = position
        else:
            checked_row.position = _check_position(position, by, evidence=[checked[0]])
    seen[key] = number
    return checked_row


def _position_fields(row, lookups) -> dict:
    """A row's position, its columns read (the position services check the rules)."""
    topic = lookups.get("topics", "position_topic", row, "topic")
    try:
        stance = lookups.stances[(topic.pk, int(row.get("position_stance", "")))]
    except (KeyError, ValueError):
        raise RowError("position_stance", "Give a stance value from -2 to 2.") from None
    return {
        "topic": topic,
        "stance": stance,
        "country": lookups.get("countries", "position_country", row, "country"),
        "organization": lookups.get("organizations", "position_organization", row, "organization"),
        "valid_from": _date(row, "position_valid_from"),
        "valid_to": _date(row, "position_valid_to"),
        "confidence": row.get("position_confidence") or "reported",
        "conditionality": row.get("position_conditionality") or "none",
        "conditionality_note": row.get("position_conditionality_note", ""),
        "summary": row.get("position_summary", ""),
        "status": _to_review(row, "position_status"),
    }


def _position_error(error: ValidationError) -> RowError:
    field, messages = next(iter(error.message_dict.items()))
    return RowError(POSITION_FIELDS.get(field, field), " ".join(messages))


def _check_position(fields, by, evidence) -> Position:
    try:
        return position_check_new(by=by, evidence=evidence, **fields)
    except ValidationError as error:
        raise _position_error(error) from None


def _publish_position(fields, quote, by) -> None:
    try:
        position_record(by=by, **fields, evidence=[quote])
    except ValidationError as error:
        raise _position_error(error) from None


def statements_import(
    *, rows: list[dict], by, dry_run: bool = False, progress: Callable[[int], None] | None = None
) -> ImportResult:
    """Import every row as the editor ``by``, or none: any error (or a dry run) rolls the
    whole file back.

    Rows are numbered as in the file: the first data row of a CSV is row 2. ``progress``,
    if given, is called with the number of rows checked so far, after each row, and with
    the number of rows while they are stored (a sign of life: storing is not counted).
    """
    result = ImportResult(rows=len(rows))
    require_editor(by)
    with all_or_nothing(result.errors, dry_run=dry_run):
        _import(rows, by, result, progress or _no_progress)
    return result


def _no_progress(checked: int) -> None:
    pass


STORE_ROWS = 5000  # rows stored between two calls of progress


def _parts(items: list) -> list[list]:
    return [items[start : start + STORE_ROWS] for start in range(0, len(items), STORE_ROWS)]


def _import(rows, by, result, progress) -> None:
    def error(number, problem):
        result.errors.add(number, problem.column, problem.message)

    lookups = _Lookups(rows)
    stored = _stored_quotes(lookups.sources.values())
    seen: dict = {}
    checked: list[_Row] = []
    for number, row in enumerate(rows, start=2):
        try:
            checked.append(_check_row(number, row, by, result, lookups, seen, stored))
        except RowError as problem:
            error(number, problem)
        progress(number - 1)
    waiting = [(row.number, row.position) for row in checked if row.position is not None]
    clashes = position_same_day_clashes([position for _, position in waiting])
    for index, clash in sorted(clashes.items()):
        error(waiting[index][0], _position_error(ValidationError({"valid_from": clash})))
    if result.errors:
        return
    with foreign_keys_checked_now():  # once for the three stores
        source_record_many(lookups.new_sources)
        quotes: list[Quote] = []
        # In parts, with a sign of life between them (the admin's run page waits on it).
        for part in _parts(checked):
            progress(len(rows))
            quotes += quote_record_many([row.quote for row in part])
        result.quotes = len(quotes)
        # Drafts and positions in review wait outside the published history: stored together.
        in_review = [
            (row.position, [quote])
            for row, quote in zip(checked, quotes, strict=True)
            if row.position is not None
        ]
        for part in _parts(in_review):
            progress(len(rows))
            result.positions += len(position_record_many(part))
    for row, quote in zip(checked, quotes, strict=True):
        if row.published is None:
            continue
        progress(len(rows))
        try:
            _publish_position(row.published, quote, by)
        except RowError as problem:
            error(row.number, problem)
            continue
        result.positions += 1
