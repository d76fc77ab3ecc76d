"""`?format=csv`: any list, the matrix and the change list as one flat table, written by the
one CSV writer of apps.core.tables (which the pages' downloads use too).

Hand-written because no CSV renderer is in the lock (djangorestframework-csv is unmaintained
and flattens lists into numbered columns).
"""

from rest_framework import renderers

from apps.core.tables import csv_text


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        response = renderer_context.get("response")
        view = renderer_context.get("view")
        if response is not None and response.status_code < 400:
            name = getattr(view, "csv_filename", None) or "export"
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return csv_text(data).encode(self.charset)


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
