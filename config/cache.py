"""Where the cache is: CACHE_URL (or REDIS_URL), one Redis-compatible server (Redis, Valkey)
shared by every web process and container; or, unset or locmem://, each process's own memory.

The cache holds the answers kept for readers (pages, the API's lists and questions; never
what editors see, drafts included) and the API's rate-limit counts. With several web
containers only a shared cache makes an answer rendered by one serve the others, and a
client's rate limit count once, not once per process. A cache server out of reach is a
miss, never an error (apps.core.caching).
"""

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

LOCAL = "django.core.cache.backends.locmem.LocMemCache"
REDIS = "django.core.cache.backends.redis.RedisCache"
REDIS_SCHEMES = frozenset({"redis", "rediss"})
# Seconds to wait for the cache server to connect or answer. Past them a request is served as
# if nothing were kept, so a server out of reach slows no page by much; the URL's own
# ?socket_timeout=…&socket_connect_timeout=… replace these.
SOCKET_TIMEOUT = 0.5

# What a page is rendered by, besides the data: the code, templates and static files, and the
# locked packages. Their fingerprint is part of every key (`release_fingerprint`).
RELEASE_PATHS = ("apps", "config", "templates", "static", "requirements.lock")


def cache_config(env: Mapping[str, str] = os.environ, base_dir: Path | None = None) -> dict:
    """Return Django's CACHES: Django's Redis backend for a redis:// or rediss:// URL, the
    in-process cache for locmem:// or none. Any other URL stops the start with its reason.
    With `base_dir`, the keys of a shared cache include the release's fingerprint."""
    name = "CACHE_URL" if env.get("CACHE_URL") else "REDIS_URL"
    url = (env.get(name) or "").strip()
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if not url or scheme == "locmem":
        return {"default": {"BACKEND": LOCAL}}
    if scheme not in REDIS_SCHEMES:
        # The URL itself is not repeated: it may hold the server's password.
        raise ImproperlyConfigured(
            f"{name} must start with redis://, rediss:// or locmem:// "
            f"(it starts with {scheme + '://' if scheme else 'no scheme'})."
        )
    _check_redis_url(name, url)
    prefix = env.get("CACHE_KEY_PREFIX", "allied")
    if base_dir is not None:
        # Kept answers outlive a release in a shared cache: a page rendered by the old code
        # (naming static files the new image no longer has) must not answer for the new one.
        prefix += ":" + release_fingerprint(base_dir)
    return {
        "default": {
            "BACKEND": REDIS,
            "LOCATION": url,
            # Several deployments sharing one server keep apart by their prefix (or better,
            # by a database number of their own in the URL: clearing the cache empties it).
            "KEY_PREFIX": prefix,
            "OPTIONS": {
                "socket_connect_timeout": SOCKET_TIMEOUT,
                "socket_timeout": SOCKET_TIMEOUT,
                # A pooled connection the server closed (it restarted) is opened again once
                # before the request counts as a miss.
                "retry": _retry_once(),
            },
        }
    }


def release_fingerprint(base_dir: Path) -> str:
    """Return a short hash of the files under RELEASE_PATHS: the same for every container of
    one image, another for any change (about 30 ms, once per process)."""
    digest = hashlib.sha256()
    for name in RELEASE_PATHS:
        top = base_dir / name
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(base_dir)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _check_redis_url(name: str, url: str) -> None:
    # Checked at start: a URL the client cannot read would otherwise only show as a cache
    # that never answers, which the app serves through without an error.
    from redis.connection import parse_url

    try:
        urlsplit(url).port  # noqa: B018  (reading it checks it)
        parse_url(url)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not a valid Redis URL: {error}") from None


def _retry_once():
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return Retry(NoBackoff(), 1)
