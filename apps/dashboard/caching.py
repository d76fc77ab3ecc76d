"""Conditional GET for the analysts' pages: an ETag from the data version and the request."""

import functools
import hashlib

from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import condition

from apps.core.versions import data_version


def page_etag(request, *args, **kwargs) -> str:
    """Same data, same address, same day, same kind of request (page or partial): same tag.
    Computed once per request (the conditional GET and the page cache both ask)."""
    kept = getattr(request, "_page_etag", None)
    if kept is not None:
        return kept
    parts = [
        data_version(),
        request.get_full_path(),
        "htmx" if request.headers.get("HX-Request") else "page",
        timezone.localdate().isoformat(),  # "today" is the default as-of date
    ]
    request._page_etag = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    return request._page_etag


def conditional_page(view):
    """Answer 304 when the client's copy is current; otherwise render and tag the page."""
    tagged = condition(etag_func=page_etag)(view)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = tagged(request, *args, **kwargs)
        # A 304 answers for the page or the partial alike: say which header picks between them.
        patch_vary_headers(response, ["HX-Request"])
        response.setdefault("Cache-Control", "no-cache")
        return response

    return wrapper
