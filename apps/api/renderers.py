"""`?format=csv`: any list, the matrix and the change list as one flat table.

Hand-written because no CSV renderer is in the lock (djangorestframework-csv is unmaintained
and flattens lists into numbered columns), and the rule needed is short:

- nested objects become dotted columns: `holder.code`, `cells.membership.stance.label`;
- a list of scalars becomes one cell joined by "; " (topic slugs); a list of objects becomes
  one cell of their ids (or slug, code, value) joined the same way (a change's evidence);
- columns appear in the order first met, a column first met in a later row going beside its
  closest relative, so `holder.code` stays by `holder.slug` when the first row is NATO;
- a cell that is null in one row and an object in another keeps only the object's columns;
- text starting with = + - @ or a tab is prefixed with ' so a spreadsheet shows it rather than
  running it as a formula (OWASP's advice for CSV injection); numbers are left as they are.
"""

import csv
import io
import json

from rest_framework import renderers

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


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        rows = [flatten(row) for row in self._rows(data)]
        columns = columns_of(rows)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell_text(row.get(column)) for column in columns])
        response = renderer_context.get("response")
        view = renderer_context.get("view")
        if response is not None and response.status_code < 400:
            name = getattr(view, "csv_filename", None) or "export"
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return out.getvalue().encode(self.charset)

    def _rows(self, data):
        if isinstance(data, list):
            return data
        if isinstance(data, dict):
            for key in ROW_KEYS:
                if isinstance(data.get(key), list):
                    return data[key]
            return [data]
        return []


class RenderedJSON(bytes):
    """A JSON answer already rendered (kept in the cache): passed through as it is."""


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer, which passes an answer kept already rendered through unchanged:
    rendering a large answer again, and unpickling the data it came from, cost more than
    everything else in a kept matrix or change list."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, RenderedJSON):
            return bytes(data)
        return super().render(data, accepted_media_type, renderer_context)
