"""Tables: one CSV writer for every download, the pages' and the API's.

- nested objects become dotted columns: `holder.code`, `cells.membership.stance.label`;
- a list of scalars becomes one cell joined by "; " (topic slugs); a list of objects becomes
  one cell of their ids (or slug, code, value) joined the same way (a change's evidence);
- columns appear in the order first met, a column first met in a later row going beside its
  closest relative, so `holder.code` stays by `holder.slug` when the first row is NATO;
- a cell that is null in one row and an object in another keeps only the object's columns;
- text starting with = + - @, a tab or a carriage return is prefixed with ' so a spreadsheet
  shows it rather than running it as a formula (OWASP's advice for CSV injection); numbers are
  left as they are.
"""

import csv
import io
import json

ROW_KEYS = ("results", "rows", "entries")
ID_KEYS = ("id", "slug", "code", "value")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def flatten(value, prefix: str = "") -> dict:
    """Return {dotted column: cell} for one object."""
    if isinstance(value, dict):
        cells: dict = {}
        for key, item in value.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            cells.update(flatten(item, name))
        return cells
    return {prefix or "value": value}


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(cell_text(_identity(item)) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_START):
        return "'" + text
    return text


def _identity(item):
    if isinstance(item, dict):
        for key in ID_KEYS:
            if key in item:
                return item[key]
    return item


def columns_of(rows: list[dict]) -> list[str]:
    """Return the columns in first-met order, each new one placed after its closest relative."""
    columns: list[str] = []
    for row in rows:
        for name in row:
            if name not in columns:
                columns.insert(_place(columns, name), name)
    # A null cell in one row and an object in another: keep the object's columns.
    return [c for c in columns if not any(o.startswith(c + ".") for o in columns)]


def _place(columns: list[str], name: str) -> int:
    parts = name.split(".")
    best, index = 0, len(columns)
    for i, column in enumerate(columns):
        shared = 0
        for mine, theirs in zip(parts, column.split("."), strict=False):
            if mine != theirs:
                break
            shared += 1
        if shared and shared >= best:
            best, index = shared, i + 1
    return index


def rows_of(data) -> list:
    """The rows of an answer: a list as it is, or the list under results, rows or entries."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ROW_KEYS:
            if isinstance(data.get(key), list):
                return data[key]
        return [data]
    return []


def csv_text(data) -> str:
    """The answer's rows as CSV text, with a header row of dotted column names."""
    rows = [flatten(row) for row in rows_of(data)]
    columns = columns_of(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell_text(row.get(column)) for column in columns])
    return out.getvalue()
