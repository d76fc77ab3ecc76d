"""Import agreements with their parties and clauses from CSV or JSON: every agreement through
agreement_record (the rules of DESIGN §8, the same as the admin's and the API's), all or
nothing, each problem named by row and column.

JSON is a list of agreements, each an object shaped as the API's write body
(POST /api/v1/agreements/), its parties and clauses in lists::

    [{"slug": "…", "title": "…", "kind": "bilateral_security", "signed_on": "2024-01-12",
      "duration_years": 10, "source": 12, "status": "in_review",
      "parties": [{"country": "UA"}, {"organization": "nato", "joined_on": "2024-06-27"}],
      "clauses": [{"category": "military-aid", "article": "3.1", "text": "…",
                   "amount": 2500000000, "currency": "GBP", "period": "2024"}]}]

CSV has one row per clause, the agreement's columns repeated on each (or left empty after
its first row; a different value is refused); an agreement with no clause is one row with the
clause columns empty. An agreement's rows follow each other and share its slug. Columns:

slug*, title*, kind* (bilateral_security|joint_declaration|compact|memorandum|treaty|other),
signed_on* (YYYY-MM-DD), place, in_force_on, duration_years, expires_on (left empty, derived
from the start and the duration), needs_ratification (true|false), ratified_on,
terminated_on, termination_note, source* (a stored source's id, as in /sources/<id>/),
summary, status (draft|in_review; default draft), parties* (see below);
clause_category (a clause category's slug), clause_article, clause_text (verbatim),
clause_amount (a number such as 2500000000 or 1500.50), clause_currency (ISO 4217: EUR,
USD, GBP), clause_period. (* required)

``parties`` lists the parties separated by spaces (or commas): two letters are a country's
ISO code, anything longer an organization's slug, each followed by ``@YYYY-MM-DD`` if it
joined after the signing: ``UA GB`` or ``UA FR nato@2024-06-27``.

Errors: a CSV's rows are numbered as a spreadsheet numbers them (the header is row 1), and
name the column (a party's problem is on its agreement's first row, column ``parties``,
saying which party); a JSON's agreements are numbered from 1, and a party's or clause's key
is named with its place in its list, counted from 1: ``clauses.2.text``. Unknown columns
and keys are refused, not ignored.

Imported agreements go to review, as drafts or in review: nobody publishes what they bring
in (four-eyes rule), so one marked published is refused. An agreement whose slug is already
stored is refused, not merged: a change to a stored agreement goes through the admin or the
API, where a change to a published one is reviewed as a revision. The reading and its
limits (5 MB, 128 KB a field, a byte order mark allowed) are every import's
(apps/core/imports.py). Both doors, ``manage.py import_agreements FILE --as USERNAME`` and
the admin's upload (run in the background: apps/core/import_runs.py), import as a named
editor, who is the agreements' author.
"""

import dataclasses
import re
from collections.abc import Callable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q

from apps.actors.models import Country, Organization
from apps.agreements.models import Agreement, ClauseCategory
from apps.agreements.services import agreement_record
from apps.core.imports import (
    Problems,
    RowError,
    all_or_nothing,
    bool_in,
    csv_rows,
    date_in,
    decimal_in,
    flat_object,
    int_in,
    json_data,
    plain_text,
    read_text,
    require_editor,
    required,
    to_review,
)
from apps.core.models import Status
from apps.statements.models import Source

AGREEMENT_COLUMNS = (
    "slug",
    "title",
    "kind",
    "signed_on",
    "place",
    "in_force_on",
    "duration_years",
    "expires_on",
    "needs_ratification",
    "ratified_on",
    "terminated_on",
    "termination_note",
    "source",
    "summary",
    "status",
    "parties",
)
CLAUSE_KEYS = ("category", "article", "text", "amount", "currency", "period")
CLAUSE_COLUMNS = {f"clause_{key}": key for key in CLAUSE_KEYS}
PARTY_KEYS = ("country", "organization", "joined_on")
PARTY_SEPARATORS = re.compile(r"[\s,;]+")
LIST_OF = {
    "parties": 'such as [{"country": "UA"}, {"organization": "nato"}]',
    "clauses": 'such as [{"category": "military-aid", "article": "1", "text": "…"}]',
}


@dataclasses.dataclass
class AgreementImportResult:
    rows: int = 0
    agreements: int = 0
    parties: int = 0
    clauses: int = 0
    errors: Problems = dataclasses.field(default_factory=Problems)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading ---------------------------------------------------------------------------------


def read_file(data: bytes, name: str, fmt: str | None = None) -> list[dict]:
    """Read an uploaded or given file (CSV or JSON, by ``fmt`` or the name's suffix) into
    rows for agreements_import; raise ValueError with a message for anything that is not a
    file to import."""
    return read_rows(*read_text(data, name, fmt))


def read_rows(content: str, fmt: str) -> list[dict]:
    """CSV: one dict per row. JSON: one dict per agreement, its ``parties`` and ``clauses``
    lists of dicts; every value as text."""
    content = plain_text(content)
    if fmt == "json":
        return _json_agreements(content)
    return csv_rows(content)


def _json_agreements(content: str) -> list[dict]:
    data = json_data(content)
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ValueError("A JSON import is a list of objects, one per agreement.")
    agreements = []
    for number, item in enumerate(data, start=1):
        where = f"Object {number}"
        nested = {key: item.get(key) or [] for key in ("parties", "clauses")}
        flat = {k: v for k, v in item.items() if k not in nested}
        agreement: dict = flat_object(flat, where, " (only parties and clauses are lists)")
        for key, values in nested.items():
            if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
                raise ValueError(f"{where}, key {key}: give a list of objects, {LIST_OF[key]}.")
            agreement[key] = [
                flat_object(value, f"{where}, {key} {index}")
                for index, value in enumerate(values, start=1)
            ]
        agreements.append(agreement)
    return agreements


# --- one agreement as given --------------------------------------------------------------------


@dataclasses.dataclass
class _Given:
    """One agreement as the file gives it, its values as text, and where each came from."""

    row: int  # its first CSV row, or its number in the JSON list
    fields: dict[str, str]
    parties: list[dict[str, str]]
    clauses: list[dict[str, str]] = dataclasses.field(default_factory=list)
    through: int = 0  # rows read up to its end
    clause_rows: list[int] | None = None  # CSV: each clause's row
    party_labels: list[str] | None = None  # CSV: each party as written

    def where(self, key: str) -> tuple[int, str, str]:
        """The row, column and a prefix for the message of a problem the services name by
        ``key``: ``signed_on``, ``parties.1.joined_on``, ``clauses.0.text``."""
        parts = key.split(".")
        if len(parts) == 3 and parts[1].isdigit():
            nested, index, field = parts[0], int(parts[1]), parts[2]
            if self.clause_rows is None:
                return self.row, f"{nested}.{index + 1}.{field}", ""
            if nested == "clauses":
                return self.clause_rows[index], f"clause_{field}", ""
            label = (self.party_labels or [])[index]
            return self.row, "parties", f"Party {index + 1} ({label}): "
        if key == NON_FIELD_ERRORS:
            return self.row, "slug", ""
        return self.row, key, ""


def _csv_parties(text: str) -> tuple[list[dict[str, str]], list[str]]:
    parties, labels = [], []
    for token in PARTY_SEPARATORS.split(text.strip()) if text.strip() else []:
        holder, _, joined = token.partition("@")
        kind = "country" if len(holder) == 2 and holder.isalpha() else "organization"
        parties.append({kind: holder, "joined_on": joined})
        labels.append(token)
    return parties, labels


def _from_csv(rows: list[dict], problems: Problems) -> list[_Given]:
    """The agreements of a CSV file: consecutive rows sharing a slug, a clause a row."""
    known = set(AGREEMENT_COLUMNS) | set(CLAUSE_COLUMNS)
    for column in rows[0] if rows else ():
        if column not in known:
            problems.add(1, column, "Unknown column (the columns are listed in the README).")
    given: list[_Given] = []
    begun: dict[str, int] = {}
    current: _Given | None = None
    for number, row in enumerate(rows, start=2):
        slug = row.get("slug", "")
        if not slug:
            problems.add(number, "slug", "This column is required: a row names its agreement.")
            continue
        if current is None or slug != current.fields["slug"]:
            if slug in begun:
                problems.add(
                    number,
                    "slug",
                    f"Agreement “{slug}” began at row {begun[slug]}: give an agreement once, "
                    "its rows one after another.",
                )
                current = None
                continue
            parties, labels = _csv_parties(row.get("parties", ""))
            current = _Given(number, row, parties, clause_rows=[], party_labels=labels)
            begun[slug] = number
            given.append(current)
        else:
            _same_agreement(current, number, row, problems)
        current.through = number - 1
        clause = {key: row.get(column, "") for column, key in CLAUSE_COLUMNS.items()}
        if any(clause.values()):
            current.clauses.append(clause)
            assert current.clause_rows is not None
            current.clause_rows.append(number)
    return given


def _same_agreement(current: _Given, number: int, row: dict, problems: Problems) -> None:
    """A further row of an agreement repeats its columns as they are, or leaves them empty."""
    for column in AGREEMENT_COLUMNS:
        value, first = row.get(column, ""), current.fields.get(column, "")
        if not value or value == first:
            continue
        if first:
            message = (
                f"Row {current.row} gives this agreement's {column} as “{first}”: repeat it "
                "as it is, or leave it empty."
            )
        else:
            message = f"Give this agreement's {column} on its first row, row {current.row}."
        problems.add(number, column, message)


def _from_json(rows: list[dict], problems: Problems) -> list[_Given]:
    """The agreements of a JSON file, each checked for unknown keys and a repeated slug."""
    given: list[_Given] = []
    seen: dict[str, int] = {}
    known = set(AGREEMENT_COLUMNS) | {"clauses"}
    for number, item in enumerate(rows, start=1):
        for key in item:
            if key not in known:
                problems.add(number, key, "Unknown key (the keys are listed in the README).")
        for nested, keys in (("parties", PARTY_KEYS), ("clauses", CLAUSE_KEYS)):
            for index, value in enumerate(item.get(nested, []), start=1):
                for key in value:
                    if key not in keys:
                        problems.add(number, f"{nested}.{index}.{key}", "Unknown key.")
        slug = item.get("slug", "")
        if slug and slug in seen:
            problems.add(
                number, "slug", f"The same slug as agreement {seen[slug]}: give each once."
            )
            continue
        seen[slug] = number
        fields = {k: v for k, v in item.items() if k not in ("parties", "clauses")}
        parties, clauses = item.get("parties", []), item.get("clauses", [])
        given.append(_Given(number, fields, parties, clauses, through=number))
    return given


# --- checking and storing ----------------------------------------------------------------------


def _an_id(value: str) -> bool:
    """Whether the text can be a row's id (ASCII digits, within a bigint)."""
    return value.isascii() and value.isdigit() and len(value) <= 18


class _Lookups:
    """Everything a file names, fetched once per file (one query per kind)."""

    def __init__(self, given: list[_Given]):
        parties = [party for agreement in given for party in agreement.parties]
        codes = {p["country"].upper() for p in parties if p.get("country")}
        self.countries = {c.code: c for c in Country.objects.filter(code__in=codes)}
        slugs = {p["organization"] for p in parties if p.get("organization")}
        lowered = {slug.lower() for slug in slugs}
        self.organizations = {
            o.slug.lower(): o
            for o in Organization.objects.filter(Q(slug__in=slugs) | Q(slug__in=lowered))
        }
        self.categories = {c.slug: c for c in ClauseCategory.objects.all()}  # a short codebook
        ids = {a.fields.get("source", "") for a in given}
        self.sources = Source.objects.in_bulk([int(i) for i in ids if _an_id(i)])
        self.stored = set(
            Agreement.objects.filter(
                slug__in=[a.fields.get("slug", "") for a in given]
            ).values_list("slug", flat=True)
        )

    def source(self, fields: dict) -> Source:
        value = fields.get("source", "")
        if not value:
            raise RowError("source", "This column is required: the id of a stored source.")
        found = self.sources.get(int(value)) if _an_id(value) else None
        if found is None:
            raise RowError(
                "source", f"No source has the id “{value}” (its number, as in /sources/<id>/)."
            )
        return found

    def country(self, given: dict) -> Country | None:
        code = given.get("country", "")
        if not code:
            return None
        if code.upper() not in self.countries:
            raise RowError("country", f"No country has the code “{code}”.")
        return self.countries[code.upper()]

    def organization(self, given: dict) -> Organization | None:
        slug = given.get("organization", "")
        if not slug:
            return None
        if slug.lower() not in self.organizations:
            raise RowError("organization", f"No organization has the slug “{slug}”.")
        return self.organizations[slug.lower()]

    def category(self, given: dict) -> ClauseCategory:
        slug = given.get("category", "")
        if not slug:
            raise RowError("category", "This column is required: the clause category's slug.")
        if slug not in self.categories:
            known = ", ".join(self.categories) or "none yet"
            raise RowError(
                "category", f"No clause category has the slug “{slug}” (the categories: {known})."
            )
        return self.categories[slug]


class _Reading:
    """Reads an agreement's values as agreement_record takes them, noting each value it
    refuses (by the key the services would name it with) and going on with a stand-in, so
    the services' rules still check the rest."""

    def __init__(self, lookups: _Lookups):
        self.lookups = lookups
        self.refused: dict[str, str] = {}

    def read(self, key: str, reader: Callable, *args, instead=None):
        try:
            return reader(*args)
        except RowError as error:
            self.refused[key] = error.message
            return instead

    def values(self, given: _Given) -> dict:
        f, read, lookups = given.fields, self.read, self.lookups
        text = {c: f.get(c, "") for c in ("title", "kind", "place", "termination_note", "summary")}
        return {
            "slug": read("slug", required, f, "slug"),
            **text,
            "signed_on": read("signed_on", date_in, f, "signed_on", True),
            "in_force_on": read("in_force_on", date_in, f, "in_force_on"),
            "duration_years": read("duration_years", int_in, f, "duration_years"),
            "expires_on": read("expires_on", date_in, f, "expires_on"),
            "needs_ratification": read(
                "needs_ratification", bool_in, f, "needs_ratification", instead=False
            ),
            "ratified_on": read("ratified_on", date_in, f, "ratified_on"),
            "terminated_on": read("terminated_on", date_in, f, "terminated_on"),
            "source": read("source", lookups.source, f),
            "status": read("status", to_review, f, "status", instead=Status.DRAFT),
            "parties": [self.party(f"parties.{i}", p) for i, p in enumerate(given.parties)],
            "clauses": [self.clause(f"clauses.{i}", c) for i, c in enumerate(given.clauses)],
        }

    def party(self, key: str, given: dict) -> dict:
        return {
            "country": self.read(f"{key}.country", self.lookups.country, given),
            "organization": self.read(f"{key}.organization", self.lookups.organization, given),
            "joined_on": self.read(f"{key}.joined_on", date_in, given, "joined_on"),
        }

    def clause(self, key: str, given: dict) -> dict:
        return {
            "category": self.read(f"{key}.category", self.lookups.category, given),
            "article": given.get("article", ""),
            "text": given.get("text", ""),
            "amount": self.read(f"{key}.amount", decimal_in, given, "amount"),
            "currency": given.get("currency", ""),
            "period": given.get("period", ""),
        }

    def also_refused(self, key: str) -> bool:
        """Whether a service's refusal follows from a value refused on reading: the same
        key, or any of a party whose holder could not be read."""
        if key in self.refused:
            return True
        parts = key.split(".")
        holder = ".".join(parts[:2])
        return parts[0] == "parties" and any(
            f"{holder}.{field}" in self.refused for field in ("country", "organization")
        )


STORED = (
    "An agreement with this slug is already stored: an import adds new agreements only "
    "(change a stored one in the admin or through the API)."
)


def _import_one(given: _Given, by, lookups: _Lookups, result: AgreementImportResult) -> None:
    """Check and record one agreement; add its problems to the result."""
    reading = _Reading(lookups)
    values = reading.values(given)
    if values["slug"] in lookups.stored:
        reading.refused["slug"] = STORED
    refused = list(reading.refused.items())
    try:
        # Recorded even when a value was refused on reading (the file is then rolled back
        # whole), so the services' rules check all the rest.
        agreement_record(by=by, **values)
    except ValidationError as error:
        refused += [
            (key, " ".join(messages))
            for key, messages in error.message_dict.items()
            if not reading.also_refused(key)
        ]
    if not refused:
        result.agreements += 1
        result.parties += len(values["parties"])
        result.clauses += len(values["clauses"])
    for key, message in refused:
        row, column, prefix = given.where(key)
        result.errors.add(row, column, prefix + message)


def agreements_import(
    *, rows: list[dict], by, dry_run: bool = False, progress: Callable[[int], None] | None = None
) -> AgreementImportResult:
    """Import every agreement of the rows (read_rows' CSV rows or JSON agreements) as the
    editor ``by``, or none: any problem (or a dry run) rolls the whole file back. The
    problems are sorted by row. ``progress``, if given, is called after each agreement with
    the number of rows read so far."""
    result = AgreementImportResult(rows=len(rows))
    require_editor(by)
    if rows and isinstance(rows[0].get("parties"), list):
        given = _from_json(rows, result.errors)
    else:
        given = _from_csv(rows, result.errors)
    lookups = _Lookups(given)
    with all_or_nothing(result.errors, dry_run=dry_run):
        for agreement in given:
            _import_one(agreement, by, lookups, result)
            if progress is not None:
                progress(agreement.through)
        result.errors.sort(key=lambda problem: problem.row or 0)
    return result
