"""The stance map: the shipped SVG of Europe and North America, coloured per country, each
country with a page a link to its evidence (or to its page when it has no position)."""

import functools
import re

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from apps.dashboard.templatetags.dashboard import signed, stance_class

MAP_FILE = settings.BASE_DIR / "static" / "img" / "map-europe-north-america.svg"
COUNTRY = re.compile(r'<path class="country"([^>]*?)data-code="([A-Z]{2})"([^>]*)/>')
LABEL = re.compile(r'(<text class="map-label" id="l-([A-Z]{2})"[^>]*>)([A-Z]{2})(</text>)')
# The shipped file is a picture (role="img"), whose parts are hidden from assistive
# technology; with links inside, it is a group of them.
ROOT_ROLE = 'role="img"'


@functools.cache
def _map_source() -> str:
    text = MAP_FILE.read_text(encoding="utf-8")
    svg = text[text.index("<svg") :]
    return svg.replace(ROOT_ROLE, 'role="group"', 1)


def stance_map(positions, labels: dict[str, str]) -> str:
    """Return the map with each country's class set to its stance, and its label's text
    showing code and value, so colour is never the only signal. `positions` are the
    countries' positions in force (stance loaded); `labels` gives the names of the countries
    that have a page. Each of those is a link named by its country and stance: to the
    position's evidence, or to the country's page when it has no position."""
    by_code = {p.country.code: p for p in positions if p.country_id}
    evidence = reverse("dashboard:position-evidence", args=[0]).replace("/0/", "/{}/")
    country_page = reverse("dashboard:country", args=["XX"]).replace("/XX/", "/{}/")

    def country(match):
        attributes, code, rest = match.groups()
        position = by_code.get(code)
        css = stance_class(position.stance.value) if position else "s-none"
        path = f'<path class="country {css}"{attributes}data-code="{code}"{rest}/>'
        if code not in labels:
            return path
        if position:
            stance = position.stance
            name = f"{labels[code]}: {signed(stance.value)} {stance.label}"
            url = evidence.format(position.pk)
        else:
            name = f"{labels[code]}: no public position"
            url = country_page.format(code)
        return f'<a href="{url}"><title>{escape(name)}</title>{path}</a>'

    def label(match):
        code = match.group(2)
        if code not in labels:
            return ""
        value = f" {signed(by_code[code].stance.value)}" if code in by_code else ""
        return f"{match.group(1)}{code}{value}{match.group(4)}"

    svg = COUNTRY.sub(country, _map_source())
    return mark_safe(f'<div class="map-scroll">{LABEL.sub(label, svg)}</div>')
