"""Content negotiation that names a bad `?format=` (400) instead of answering 404."""

from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation


class FormatNegotiation(DefaultContentNegotiation):
    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            offered = ", ".join(r.format for r in renderers if r.format != "api")
            raise ValidationError({"format": [f"Use one of: {offered}."]})
        return matching
