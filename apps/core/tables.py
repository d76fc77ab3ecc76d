"""Tables: one CSV writer for every download, the pages' and the API's.

- nested objects become dotted columns: `holder.code`, `cells.membership.stance.label`;
- a list of scalars becomes one cell joined by "; " (topic slugs); a list of objects becomes
  one cell of their ids (or slug, code, value, agreement) joined the same way (a change's
  evidence, the agreements a matrix row's ally had signed);
- columns appear in the order first met, a column first met in a later row going beside its
  closest relative, so `holder.code` stays by `holder.slug` when the first row is NATO;
- a cell that is null in one row and an object in another keeps only the object's columns;
- text starting with = + - @, a tab or a carriage return is prefixed with ' so a spreadsheet
  shows it rather than running it as a formula (OWASP's advice for CSV injection); numbers are
  left as they are;
- the day an answer is as of (`as_of`; a change list's `from` and `to`) is the first column of
  every row, as the file name alone would lose it once the file is renamed or pasted;
- where a row has no position (a matrix cell, a comparison's `current`, a change's `before` or
  `after` that is null) each of its cells says `none` rather than staying empty, which a
  spreadsheet would not tell from a missing value;
- the text starts with a UTF-8 byte-order mark: without it Excel reads the file in the
  machine's code page and shows "TÃ¼rkiye" for "Türkiye" (Python reads it with "utf-8-sig").
"""

import csv
import io
import json
import re

# Where an answer keeps its rows: a list's results, the matrix's rows, the changes' entries,
# the consensus's holdouts and its series' points.
ROW_KEYS = ("results", "rows", "entries", "holdouts", "points")
ID_KEYS = ("id", "slug", "code", "value", "agreement")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# An answer's days, carried into each of its rows (first, in this order).
CONTEXT_KEYS = ("as_of", "from", "to")
# Where a null means "no position": its cells say NONE.
NO_POSITION = re.compile(r"(?:cells\.[^.]+|current|before|after)")
NONE = "none"
BOM = "\ufeff"


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
    """The rows of an answer: a list as it is, or the list under one of ROW_KEYS."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ROW_KEYS:
            if isinstance(data.get(key), list):
                return data[key]
        return [data]
    return []


def context_of(data) -> dict:
    """The days an answer is as of ({"as_of": ...} or {"from": ..., "to": ...}), or {}."""
    if not isinstance(data, dict):
        return {}
    return {key: data[key] for key in CONTEXT_KEYS if isinstance(data.get(key), str)}


def _no_position(row: dict) -> list[str]:
    """The columns (prefixes) of a flattened row where a position is null."""
    return [name for name, value in row.items() if value is None and NO_POSITION.fullmatch(name)]


def _cell(row: dict, column: str, empty: list[str]) -> str:
    if column not in row or row[column] is None:
        for prefix in empty:
            if column == prefix or column.startswith(prefix + "."):
                return NONE
    return cell_text(row.get(column))


def csv_text(data) -> str:
    """The answer's rows as CSV text (a download's whole file, byte-order mark first), with a
    header row of dotted column names."""
    context = context_of(data)
    rows = [{**context, **flatten(row)} for row in rows_of(data)]
    columns = columns_of(rows)
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        empty = _no_position(row)
        writer.writerow([_cell(row, column, empty) for column in columns])
    return out.getvalue()
