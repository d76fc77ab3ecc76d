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

The cache may be a server shared by every web process (CACHE_URL, config/cache.py). While it
is out of reach every request is answered as if nothing were kept (`through_cache`): pages
cost their full rendering, never an error. The outage is logged once, when it starts, and
once when it ends; meanwhile each process asks the server again at most every RETRY_SECONDS.
"""

import hashlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import structlog
from django.core.cache import cache
from django.utils import timezone
from redis.exceptions import RedisError

from apps.core.versions import version_for

logger = structlog.get_logger(__name__)

# How long a kept answer may be served. An edit changes the data version, and so the key,
# at once; this only bounds how long unused answers take room in the cache.
KEPT_TTL = 300

Answer = TypeVar("Answer")
Result = TypeVar("Result")

# What Django's Redis cache raises when its server is out of reach, too slow or refuses a
# command (redis-py's own errors, passed on as they are). The in-process cache raises none.
CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError,)

# While the cache server is out of reach, each process asks it again at most this often: a
# server that times out delays one request per process in this time, not every request.
RETRY_SECONDS = 5.0


class CacheOutage:
    """This process's view of the cache server: answering, or out of reach since a moment."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.since: float | None = None
        self.retry_at = 0.0

    def waiting(self) -> bool:
        """Whether the server failed a moment ago and is not to be asked yet."""
        return self.since is not None and time.monotonic() < self.retry_at

    def failed(self, error: Exception) -> None:
        """Note a failure; log it if it starts an outage."""
        with self._lock:
            started = self.since is None
            now = time.monotonic()
            if started:
                self.since = now
            self.retry_at = now + RETRY_SECONDS
        if started:
            logger.error("cache_unavailable", error=str(error).strip())

    def answered(self) -> None:
        """Note an answer; log the end of an outage in progress."""
        if self.since is None:
            return
        with self._lock:
            since, self.since = self.since, None
        if since is not None:
            logger.warning("cache_available", after_seconds=round(time.monotonic() - since))


cache_outage = CacheOutage()


def through_cache(operation: Callable[[], Result], fallback: Callable[[], Result]) -> Result:
    """Return `operation()`, which uses the cache; or `fallback()` when the cache server is
    out of reach (or failed a moment ago), as a miss is answered."""
    if cache_outage.waiting():
        return fallback()
    try:
        result = operation()
    except CACHE_ERRORS as error:
        cache_outage.failed(error)
        return fallback()
    cache_outage.answered()
    return result


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
    kept (or the cache is out of reach), `build()`'s, keeping `keep(built)` for KEPT_TTL
    seconds unless it is None."""
    key = "kept:" + answer_key(request, *renders_by)
    kept = through_cache(lambda: cache.get(key), lambda: None)
    if kept is not None:
        return answer(kept)
    built = build()
    value = keep(built)
    if value is not None:
        through_cache(lambda: cache.set(key, value, KEPT_TTL), lambda: None)
    return built
