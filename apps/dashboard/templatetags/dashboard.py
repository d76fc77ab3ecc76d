"""Template helpers for the analysts' pages."""

from django import template
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from apps.statements.models import MARK_START, MARK_STOP

register = template.Library()


@register.filter
def highlight(headline: str) -> str:
    """Escape a search headline, then turn the match markers into <mark> elements."""
    escaped = escape(headline)
    return mark_safe(escaped.replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>"))


@register.filter
def stance_class(value) -> str:
    """The CSS class of a stance value: s-p2, s-p1, s-0, s-m1, s-m2."""
    if value is None or value == "":
        return "s-none"
    value = int(value)
    return "s-0" if value == 0 else (f"s-p{value}" if value > 0 else f"s-m{-value}")


@register.filter
def signed(value) -> str:
    value = int(value)
    return f"+{value}" if value > 0 else ("0" if value == 0 else f"−{-value}")


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters changed (None removes one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        key = key.rstrip("_")
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    params.pop("format", None)
    return "?" + urlencode(sorted(params.lists()), doseq=True) if params else "?"


@register.simple_tag(takes_context=True)
def download_url(context, fmt: str) -> str:
    params = context["request"].GET.copy()
    params["format"] = fmt
    params.pop("after", None)
    return "?" + urlencode(sorted(params.lists()), doseq=True)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def with_param(context, name: str, value) -> str:
    """The current query string with one named parameter set, and back to the first page."""
    params = context["request"].GET.copy()
    params[name] = str(value)
    params.pop("cursor", None)
    params.pop("format", None)
    return "?" + urlencode(sorted(params.lists()), doseq=True)
