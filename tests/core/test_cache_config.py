"""CACHE_URL (or REDIS_URL) picks the cache: Django's Redis backend shared by every web process,
or, unset, each process's own memory; a URL it cannot use stops the start with its reason.
(The Redis path itself is tested against a real server: tests/core/test_shared_cache.py.)"""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.cache import LOCAL, REDIS, SOCKET_TIMEOUT, cache_config


@pytest.mark.parametrize("env", [{}, {"CACHE_URL": ""}, {"CACHE_URL": "locmem://"}])
def test_without_a_server_each_process_keeps_its_own_cache(env):
    assert cache_config(env) == {"default": {"BACKEND": LOCAL}}


@pytest.mark.parametrize(
    "url",
    [
        "redis://cache:6379/0",
        "rediss://:a%40password@cache.internal:6380/2",
        "redis://cache:6379/0?socket_timeout=2",
    ],
)
def test_a_redis_url_selects_django_s_redis_cache(url):
    default = cache_config({"CACHE_URL": url})["default"]

    assert default["BACKEND"] == REDIS
    assert default["LOCATION"] == url
    assert default["KEY_PREFIX"] == "allied"
    assert default["OPTIONS"]["socket_timeout"] == SOCKET_TIMEOUT
    assert default["OPTIONS"]["socket_connect_timeout"] == SOCKET_TIMEOUT


def test_redis_url_is_read_when_cache_url_is_not_set():
    assert cache_config({"REDIS_URL": "redis://cache:6379/1"})["default"]["LOCATION"] == (
        "redis://cache:6379/1"
    )
    both = {"CACHE_URL": "redis://first:6379/0", "REDIS_URL": "redis://second:6379/0"}
    assert cache_config(both)["default"]["LOCATION"] == "redis://first:6379/0"


def test_the_key_prefix_can_be_set():
    env = {"CACHE_URL": "redis://cache", "CACHE_KEY_PREFIX": "allied-staging"}

    assert cache_config(env)["default"]["KEY_PREFIX"] == "allied-staging"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"CACHE_URL": "memcached://cache:11211"},
            "CACHE_URL must start with redis://, rediss:// or locmem:// "
            "(it starts with memcached://).",
        ),
        (
            {"REDIS_URL": "cache:6379"},
            "REDIS_URL must start with redis://, rediss:// or locmem:// (it starts with no scheme).",
        ),
        (
            {"CACHE_URL": "redis://cache:port/0"},
            "CACHE_URL is not a valid Redis URL: Port could not be cast to integer value as 'port'",
        ),
        (
            {"CACHE_URL": "redis://cache/0?socket_timeout=soon"},
            "CACHE_URL is not a valid Redis URL: Invalid value for 'socket_timeout' in connection URL.",
        ),
    ],
)
def test_a_url_the_cache_cannot_use_stops_the_start_with_its_reason(env, message):
    with pytest.raises(ImproperlyConfigured) as refused:
        cache_config(env)

    assert str(refused.value) == message


def test_the_refusal_never_repeats_the_password():
    with pytest.raises(ImproperlyConfigured) as refused:
        cache_config({"CACHE_URL": "http://user:s3cret@cache:6379"})

    assert "s3cret" not in str(refused.value)


def release(base_dir, files: dict[str, str] | None = None) -> str:
    """The key prefix of a shared cache for the code in base_dir, after writing `files`."""
    for name, text in (files or {}).items():
        path = base_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    env = {"CACHE_URL": "redis://cache:6379/0"}
    return cache_config(env, base_dir=base_dir)["default"]["KEY_PREFIX"]


def test_a_shared_cache_keeps_each_release_s_answers_apart(tmp_path):
    """A page rendered by the old code must not answer for the new one after an upgrade."""
    first = release(tmp_path, {"templates/base.html": "<html>", "requirements.lock": "x==1"})

    assert first.startswith("allied:")
    assert release(tmp_path) == first  # the same files: every container of one image agrees
    assert release(tmp_path, {"templates/base.html": "<html lang=en>"}) != first
    assert release(tmp_path, {"templates/base.html": "<html>"}) == first
    with_code = release(tmp_path, {"apps/core/views.py": "# changed"})
    assert with_code != first
    assert release(tmp_path, {"requirements.lock": "x==2"}) not in {first, with_code}


def test_the_local_cache_needs_no_fingerprint(tmp_path):
    assert cache_config({}, base_dir=tmp_path) == {"default": {"BACKEND": LOCAL}}
