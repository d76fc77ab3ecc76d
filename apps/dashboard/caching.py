"""The pages' adapters to apps.core.caching: a conditional GET (ETag, 304) and the page cache
for readers, both keyed on exactly what the view renders by."""

import functools

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import condition

from apps.core.caching import answer_key, kept_answer
from apps.core.versions import sees_drafts


def renders_by(request) -> tuple[str, str]:
    """What a page's answer depends on besides its address, read as the view reads it:
    django-htmx's `request.htmx` (true only for `HX-Request: true`, which asks for the
    partial) and `request.htmx.boosted` (`HX-Boosted: true`, which asks for the whole page).
    Any other value of either header is a plain request, and is answered and kept as one."""
    htmx = request.htmx
    return ("htmx" if htmx else "plain", "boosted" if htmx.boosted else "")


def page_etag(request, *args, **kwargs) -> str:
    """Same data, same address, same day, same rendering (page or partial): same tag."""
    return answer_key(request, "page", *renders_by(request))


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


def _keepable(response) -> tuple[bytes, str, str] | None:
    """What is kept of a rendered page: its content, type and disposition (a download's
    name); nothing for an error, a page that sets a cookie or carries a per-request nonce."""
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    if (
        response.status_code != 200
        or response.cookies
        or getattr(response, "streaming", False)
        or b"nonce=" in response.content
    ):
        return None
    return response.content, response["Content-Type"], response.get("Content-Disposition", "")


def _answer(kept: tuple[bytes, str, str]) -> HttpResponse:
    content, content_type, disposition = kept
    response = HttpResponse(content, content_type=content_type)
    if disposition:
        response["Content-Disposition"] = disposition
    return response


def cached_for_readers(view):
    """Keep a rendered page for readers (apps.core.caching), keyed like its ETag: anonymous
    and signed-in readers alike, who see only what is published and get the same page (no
    page shows who is signed in; a page that sets a cookie or carries a nonce is not kept).
    Those who may see drafts (editors, administrators) are rendered every time."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if sees_drafts(request.user):
            return view(request, *args, **kwargs)
        return kept_answer(
            request,
            ("page", *renders_by(request)),
            build=lambda: view(request, *args, **kwargs),
            keep=_keepable,
            answer=_answer,
        )

    return wrapper
