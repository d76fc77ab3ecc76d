"""One cache for the answers readers get without signing in: the analysts' pages and the API.

An answer is kept for KEPT_TTL seconds under a key made of
- the data version of what the user can see (apps.core.versions), so an edit shows at once
  and a draft saved changes no reader's key;
- the full address, host included (paging links are absolute), and so every parameter;
- today's date ("today" is the default as-of day);
- exactly what the view renders by besides the address, which its caller names: a page or
  only its htmx partial; plain JSON kept as bytes, or the data other formats render from.

The interfaces keep thin adapters: they decide who may be answered from here (signed-in
readers may see drafts), what of an answer is kept, and how it is answered again. A page's
ETag is its key too, so a 304 and the cache always agree.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.utils import timezone

from apps.core.versions import version_for

# How long a kept answer may be served. An edit changes the data version, and so the key,
# at once; this only bounds how long unused answers take room in the cache.
KEPT_TTL = 300

Answer = TypeVar("Answer")


def _data_version(request) -> str:
    """The data version of what the user can see, read once per request (the ETag and the
    cache both ask for it)."""
    origin = getattr(request, "_request", request)  # DRF's Request wraps Django's
    version = getattr(origin, "_kept_data_version", None)
    if version is None:
        version = version_for(getattr(request, "user", None))
        origin._kept_data_version = version
    return version


def answer_key(request, *renders_by) -> str:
    """Return the key of the answer to this request: the same data, address, day and
    rendering (`renders_by`, any JSON-serializable values) give the same key."""
    parts = [
        _data_version(request),
        request.build_absolute_uri(),
        timezone.localdate().isoformat(),
        *renders_by,
    ]
    # JSON keeps the parts apart: no address can be written to look like another's key.
    raw = json.dumps(parts, default=str, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def kept_answer(
    request,
    renders_by: tuple,
    build: Callable[[], Answer],
    keep: Callable[[Answer], Any],
    answer: Callable[[Any], Answer],
) -> Answer:
    """Return the kept answer to this request, made again by `answer(kept)`; or, when none is
    kept, `build()`'s, keeping `keep(built)` for KEPT_TTL seconds unless it is None."""
    key = "kept:" + answer_key(request, *renders_by)
    kept = cache.get(key)
    if kept is not None:
        return answer(kept)
    built = build()
    value = keep(built)
    if value is not None:
        cache.set(key, value, KEPT_TTL)
    return built
