"""The stance map: the shipped SVG of Europe and North America, coloured per country."""

import functools
import re

from django.conf import settings
from django.utils.safestring import mark_safe

from apps.dashboard.templatetags.dashboard import signed, stance_class

MAP_FILE = settings.BASE_DIR / "static" / "img" / "map-europe-north-america.svg"
COUNTRY = re.compile(r'class="country"([^>]*?)data-code="([A-Z]{2})"')
LABEL = re.compile(r'(<text class="map-label" id="l-([A-Z]{2})"[^>]*>)([A-Z]{2})(</text>)')


@functools.cache
def _map_source() -> str:
    text = MAP_FILE.read_text(encoding="utf-8")
    return text[text.index("<svg") :]


def stance_map(values: dict[str, int], labels: dict[str, str]) -> str:
    """Return the map with each country's class set to its stance, and its label's text
    showing code and value, so colour is never the only signal. `labels` gives names."""

    def colour(match):
        code = match.group(2)
        css = stance_class(values.get(code)) if code in values else "s-none"
        return f'class="country {css}"{match.group(1)}data-code="{code}"'

    def label(match):
        code = match.group(2)
        if code not in labels:
            return ""
        value = f" {signed(values[code])}" if code in values else ""
        return f"{match.group(1)}{code}{value}{match.group(4)}"

    svg = COUNTRY.sub(colour, _map_source())
    return mark_safe(LABEL.sub(label, svg))
