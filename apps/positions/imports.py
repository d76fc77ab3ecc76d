"""Import statements from CSV or JSON: every row through the services, all or nothing.

One row is one quote, with its source; a row may also code a position with that quote as
evidence. Columns (JSON: the same keys, one object per row):

source_title*, source_published_on* (YYYY-MM-DD), source_precision (day|month|year),
source_publisher (organization slug), source_author (person slug), source_url,
source_kind* (news_report|official_document|transcript|interview|press_briefing|
social_media|analysis), source_reliability* (primary|secondary), source_language;
text*, translation, language, is_paraphrase (true|false), speaker (person slug) or
speaker_label, country (code), role (the speaker's role title), said_on* (YYYY-MM-DD),
said_precision, channel, event (slug), topics (comma-separated slugs), implied_topic,
implied_value, status (draft|in_review|published);
position_topic, position_stance (−2…2), position_country or position_organization,
position_valid_from (defaults to said_on), position_valid_to, position_confidence,
position_conditionality, position_summary, position_status.
(* required)
"""

import csv
import dataclasses
import datetime
import io
import json

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction

from apps.actors.models import Country, Organization, Person, Role
from apps.positions.models import Stance, Topic
from apps.positions.services import position_record
from apps.statements.models import Event, Source
from apps.statements.services import quote_record, source_record

QUOTE_FIELDS = {
    "text": "text",
    "translation": "translation",
    "language": "language",
    "speaker": "speaker",
    "speaker_label": "speaker_label",
    "country": "country",
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
class ImportError_:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclasses.dataclass
class ImportResult:
    rows: int = 0
    quotes: int = 0
    positions: int = 0
    sources: int = 0
    errors: list = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class RowError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, message


def read_rows(content: str, fmt: str) -> list[dict]:
    """Parse CSV (with a header row) or JSON (a list of objects) into row dicts."""
    if "\x00" in content:
        raise ValueError("The file contains NUL characters.")
    if fmt == "json":
        data = json.loads(content)
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ValueError("A JSON import is a list of objects, one per statement.")
        return [{k: "" if v is None else str(v) for k, v in item.items()} for item in data]
    reader = csv.DictReader(io.StringIO(content))
    if not reader.fieldnames:
        raise ValueError("The CSV file has no header row.")
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def _date(row, column, required=False):
    value = row.get(column, "")
    if not value:
        if required:
            raise RowError(column, "This column is required.")
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise RowError(column, f"“{value}” is not a date as YYYY-MM-DD.") from None


def _lookup(model, column, row, **fixed):
    value = row.get(column, "")
    if not value:
        return None
    key = "code" if model is Country else "slug"
    try:
        return model.objects.get(**{key: value.upper() if model is Country else value}, **fixed)
    except ObjectDoesNotExist:
        raise RowError(column, f"Unknown {model._meta.verbose_name}: “{value}”.") from None


def _bool(row, column) -> bool:
    value = row.get(column, "").lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise RowError(column, "Use true or false.")


def _required(row, column):
    if not row.get(column, "").strip():
        raise RowError(column, "This column is required.")
    return row[column]


def _source(row, by, result, sources: dict):
    title = _required(row, "source_title")
    published_on = _date(row, "source_published_on", required=True)
    key = (title, published_on)
    if key in sources:
        return sources[key]
    source = Source.objects.filter(title=title, published_on=published_on).first()
    if source is None:
        try:
            source = source_record(
                by=by,
                title=title,
                published_on=published_on,
                published_precision=row.get("source_precision") or "day",
                publisher=_lookup(Organization, "source_publisher", row),
                author=_lookup(Person, "source_author", row),
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
    sources[key] = source
    return source


def _topics(row, column="topics"):
    slugs = [s.strip() for s in row.get(column, "").split(",") if s.strip()]
    topics = list(Topic.objects.filter(slug__in=slugs))
    unknown = set(slugs) - {t.slug for t in topics}
    if unknown:
        raise RowError(column, f"Unknown topic: {', '.join(sorted(unknown))}.")
    return topics


def _import_row(row, by, result, sources):
    source = _source(row, by, result, sources)
    speaker = _lookup(Person, "speaker", row)
    role = None
    if row.get("role"):
        role = Role.objects.filter(person=speaker, title=row["role"]).first()
        if role is None:
            raise RowError("role", "The speaker holds no role with that title.")
    topics = _topics(row)
    implied = None
    if row.get("implied_topic") or row.get("implied_value"):
        try:
            implied = Stance.objects.get(
                topic__slug=row.get("implied_topic", ""), value=int(row.get("implied_value", ""))
            )
        except (ValueError, ObjectDoesNotExist):
            raise RowError(
                "implied_value", "Give implied_topic and a value from -2 to 2."
            ) from None
        if implied.topic not in topics:
            topics.append(implied.topic)
    try:
        quote = quote_record(
            source=source,
            by=by,
            text=row.get("text", ""),
            translation=row.get("translation", ""),
            language=row.get("language") or "en",
            is_paraphrase=_bool(row, "is_paraphrase"),
            speaker=speaker,
            speaker_label=row.get("speaker_label", ""),
            country=_lookup(Country, "country", row),
            role=role,
            said_on=_date(row, "said_on", required=True),
            said_precision=row.get("said_precision") or "day",
            channel=row.get("channel", ""),
            event=_lookup(Event, "event", row),
            implied_stance=implied,
            status=row.get("status") or "draft",
            topics=topics,
        )
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise RowError(QUOTE_FIELDS.get(field, field), " ".join(messages)) from None
    result.quotes += 1
    if row.get("position_topic"):
        _import_position(row, quote, by)
        result.positions += 1


def _import_position(row, quote, by):
    topic = _lookup(Topic, "position_topic", row)
    try:
        stance = topic.stances.get(value=int(row.get("position_stance", "")))
    except (ValueError, ObjectDoesNotExist):
        raise RowError("position_stance", "Give a stance value from -2 to 2.") from None
    try:
        position_record(
            by=by,
            topic=topic,
            stance=stance,
            country=_lookup(Country, "position_country", row),
            organization=_lookup(Organization, "position_organization", row),
            valid_from=_date(row, "position_valid_from") or quote.said_on,
            valid_to=_date(row, "position_valid_to"),
            confidence=row.get("position_confidence") or "reported",
            conditionality=row.get("position_conditionality") or "none",
            conditionality_note=row.get("position_conditionality_note", ""),
            summary=row.get("position_summary", ""),
            status=row.get("position_status") or "draft",
            evidence=[quote],
        )
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise RowError(POSITION_FIELDS.get(field, field), " ".join(messages)) from None


def statements_import(*, rows: list[dict], by=None, dry_run: bool = False) -> ImportResult:
    """Import every row, or none: any error (or a dry run) rolls the whole file back.

    Rows are numbered as in the file: the first data row of a CSV is row 2.
    """
    result = ImportResult(rows=len(rows))
    sources: dict = {}
    try:
        with transaction.atomic():
            for number, row in enumerate(rows, start=2):
                try:
                    with transaction.atomic():
                        _import_row(row, by, result, sources)
                except RowError as error:
                    result.errors.append(ImportError_(number, error.column, error.message))
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return result


class _Rollback(Exception):
    pass
