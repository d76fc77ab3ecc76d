"""What every import shares: reading a file, its limits, the error shape, and the rules a
file's rows meet before any service sees them.

A file is CSV (a header row, then one row per record) or JSON (a list of objects), UTF-8
with or without a byte order mark (spreadsheets write one), at most 5 MB, no field longer
than 128 KB, no NUL character. Anything else is refused whole, with a message, before a row
is checked. A file that can be read is checked row by row; every problem is reported by row
and column (``ImportProblem``), and one problem means nothing is stored (``all_or_nothing``).
Imported rows go to review: under the four-eyes rule nobody publishes what they bring in.

The statements' importer (apps/positions/imports.py) and the agreements' importer
(apps/agreements/imports.py) are built on it; their doors, a command
(apps/core/import_command.py) and an admin upload run in the background
(apps/core/import_runs.py, apps/core/admin_imports.py), read a file the same way.
"""

import contextlib
import csv
import dataclasses
import datetime
import decimal
import io
import json
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction

from apps.core.models import Status
from apps.core.validators import one_today

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_FIELD_CHARS = 128 * 1024
MAX_ERRORS = 200  # more than this and the file is wrong throughout: stop listing


@dataclasses.dataclass
class ImportProblem:
    """One refusal: the row (as numbered in the file), the column, and what is wrong."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


class RowError(Exception):
    """A row's value refused, on its column."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, message


class Problems(list):
    """The problems of a file, at most MAX_ERRORS of them."""

    def add(self, row: int | None, column: str, message: str) -> None:
        if len(self) < MAX_ERRORS:
            self.append(ImportProblem(row, column, message))


# --- reading ---------------------------------------------------------------------------------


def read_text(data: bytes, name: str, fmt: str | None = None) -> tuple[str, str]:
    """The text of an uploaded or given file and its format (``fmt``, or the name's suffix:
    csv or json); raise ValueError with a message for anything that is not a file to import."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ValueError("The file is larger than 5 MB: split it.")
    if fmt is None:
        if not name.lower().endswith((".csv", ".json")):
            raise ValueError("Upload a .csv or a .json file.")
        fmt = "json" if name.lower().endswith(".json") else "csv"
    try:
        content = data.decode("utf-8-sig")  # a byte order mark, as spreadsheets write, is fine
    except UnicodeDecodeError:
        raise ValueError("The file is not UTF-8 text.") from None
    return content, fmt


def plain_text(content: str) -> str:
    """The text without its byte order mark; raise ValueError if it holds a NUL."""
    content = content.removeprefix("\ufeff")
    if "\x00" in content:
        raise ValueError("The file contains NUL characters.")
    return content


def csv_rows(content: str) -> list[dict[str, str]]:
    """The rows of a CSV text with a header row, as dicts of stripped values (the first data
    row is row 2); raise ValueError for a file that is not CSV or a field over the limit."""
    reader = csv.DictReader(io.StringIO(content))
    try:
        if not reader.fieldnames:
            raise ValueError("The CSV file has no header row.")
        rows = [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise ValueError(
                f"Line {reader.line_num}: a field is longer than {MAX_FIELD_CHARS:,} characters."
            ) from None
        raise ValueError(f"Line {reader.line_num}: {error}.") from None
    for number, row in enumerate(rows, start=2):
        field_sizes(row, f"Row {number}")
    return rows


def json_data(content: str):
    """The JSON text's value; raise ValueError for text that is not JSON."""
    try:
        return json.loads(content)
    except RecursionError:
        raise ValueError("The JSON is nested too deeply: give a list of flat objects.") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"This is not JSON: {error}.") from None


def flat_object(item: dict, where: str, hint: str = "") -> dict[str, str]:
    """A JSON object's values as stripped text (null as empty); raise ValueError naming the
    key of a value that is a list or an object (``where``: "Object 3")."""
    for key, value in item.items():
        if isinstance(value, (dict, list)):
            raise ValueError(
                f"{where}, key {key}: give text, a number or true/false, "
                f"not a list or an object{hint}."
            )
    row = {str(k): "" if v is None else str(v).strip() for k, v in item.items()}
    field_sizes(row, where)
    return row


def field_sizes(row: dict[str, str], where: str) -> None:
    """Raise ValueError for a value over MAX_FIELD_CHARS (``where``: "Row 2", "Object 1")."""
    for key, value in row.items():
        if len(value) > MAX_FIELD_CHARS:
            raise ValueError(f"{where}, column {key}: longer than {MAX_FIELD_CHARS:,} characters.")


# --- a row's values --------------------------------------------------------------------------


def required(row: dict, column: str) -> str:
    """The column's text; a RowError if it is empty."""
    if not row.get(column, "").strip():
        raise RowError(column, "This column is required.")
    return row[column]


def date_in(row: dict, column: str, required: bool = False) -> datetime.date | None:
    """The column's date (YYYY-MM-DD), or None when it is empty and not required."""
    value = row.get(column, "")
    if not value:
        if required:
            raise RowError(column, "This column is required.")
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise RowError(column, f"“{value}” is not a date as YYYY-MM-DD.") from None


def bool_in(row: dict, column: str) -> bool:
    """The column as true or false (empty: false)."""
    value = row.get(column, "").lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise RowError(column, "Use true or false.")


def int_in(row: dict, column: str) -> int | None:
    """The column's whole number, or None when it is empty."""
    value = row.get(column, "")
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise RowError(column, f"“{value}” is not a whole number.") from None


def decimal_in(row: dict, column: str) -> decimal.Decimal | None:
    """The column's number (a dot before the decimals, no spaces or signs of currency), or
    None when it is empty."""
    value = row.get(column, "")
    if not value:
        return None
    try:
        number = decimal.Decimal(value)
    except decimal.InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise RowError(
            column, f"“{value}” is not a number: write it as 2500000000 or 1500.50, no spaces."
        )
    return number


def to_review(row: dict, column: str) -> str:
    """The row's status, draft by default; a row marked published is refused while four
    eyes hold (another editor publishes what an import brings in)."""
    status = row.get(column) or Status.DRAFT
    if status == Status.PUBLISHED and settings.FOUR_EYES:
        raise RowError(
            column,
            "Imported rows go to review: give draft or in_review. Another editor publishes "
            "them (four-eyes rule).",
        )
    return status


# --- all or nothing --------------------------------------------------------------------------


def require_editor(by) -> None:
    """Refuse an import made by nobody: every row is stored under a named editor."""
    if by is None or not getattr(by, "is_authenticated", False):
        raise ValueError("An import is made by a named editor.")


class _Rollback(Exception):
    pass


@contextlib.contextmanager
def all_or_nothing(problems: list, *, dry_run: bool) -> Iterator[None]:
    """Run the import inside in one transaction (with one today for every date rule), rolled
    back whole if it ends with problems listed, or for a dry run."""
    try:
        with transaction.atomic(), one_today():
            yield
            if problems or dry_run:
                raise _Rollback
    except _Rollback:
        pass
