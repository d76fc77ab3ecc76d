"""One cache shared by every web process (CACHE_URL=redis://…), against a real Redis server.

These tests need a Redis-compatible server: REDIS_TEST_URL names one (a database number of
its own is best; the tests write only under a key prefix of their own and delete it after);
without it they start a redis-server of their own when Debian's redis-server is installed,
so `make test` runs them. With neither they are skipped, saying why: .ci/run installs and
starts redis-server and sets REDIS_TEST_URL, and under CI=true a missing REDIS_TEST_URL
fails (test_ci_runs_the_shared_cache_tests) instead of skipping.

A second web process is played by dropping this one's cache client (its connections and
anything it holds) and making a new one: what it finds was kept in the server. The outage
tests point the cache at a port where nothing answers, or stop a redis-server of their own.
"""

import logging
import os
import shutil
import subprocess
import time
import uuid

import pytest
import redis
from django.core.cache import caches
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from apps.api import throttling
from apps.core import caching
from config.cache import cache_config
from tests.core.test_outages import Records, closed_port
from tests.factories import CountryFactory, TopicFactory, make_position

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "")
SKIP_REASON = (
    "REDIS_TEST_URL is not set and redis-server is not installed: these tests need a real "
    "Redis server (apt-get install redis-server; .ci/run starts one; CI fails without it)"
)

PAGE = "/countries/EE/"
PAGES = ["/", PAGE, "/compare/", "/quotes/", "/changes/"]
API_PATHS = ["/api/v1/countries/", "/api/v1/matrix/", "/api/v1/countries/EE/"]


def test_ci_runs_the_shared_cache_tests():
    """CI must never skip the tests below: .ci/run sets REDIS_TEST_URL."""
    if os.environ.get("CI") and not REDIS_TEST_URL:
        pytest.fail("CI=true but REDIS_TEST_URL is not set: .ci/run must start a Redis server")


class SharedCache:
    """The app's cache on a real server, under a key prefix of this test's own."""

    def __init__(self, url: str):
        self.url = url
        self.prefix = f"allied-test-{uuid.uuid4().hex}"
        self.server = redis.Redis.from_url(url)

    def settings(self, url: str | None = None) -> dict:
        """CACHES as the settings make them from CACHE_URL (config/cache.py)."""
        return cache_config({"CACHE_URL": url or self.url, "CACHE_KEY_PREFIX": self.prefix})

    def keys(self, containing: str = "") -> list[str]:
        """This test's keys in the server (Django's: prefix:version:key)."""
        return sorted(
            key.decode()
            for key in self.server.scan_iter(f"{self.prefix}:*")
            if containing in key.decode()
        )

    def another_process(self) -> None:
        """Forget this process's cache client: the next use makes a new one, as another web
        process (or container) would have."""
        caches["default"].close()
        del caches["default"]

    def delete_all(self) -> None:
        for key in self.server.scan_iter(f"{self.prefix}:*"):
            self.server.delete(key)


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    """REDIS_TEST_URL's server, or else a redis-server of this module's own when Debian's
    redis-server is installed (so `make test` runs these tests too); skipped, saying why,
    only with neither."""
    if REDIS_TEST_URL:
        yield REDIS_TEST_URL
        return
    if shutil.which("redis-server") is None:
        pytest.skip(SKIP_REASON)
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
def shared(monkeypatch, server_url):
    shared = SharedCache(server_url)
    shared.server.ping()
    monkeypatch.setattr(caching, "cache_outage", caching.CacheOutage())
    throttling.COUNTS_DURING_OUTAGE.clear()
    # Not the `settings` fixture: it would be undone after the suite's own fixtures have
    # cleared "the cache", which on a shared server would empty it for every test running.
    with override_settings(CACHES=shared.settings()):
        yield shared
    shared.delete_all()


@pytest.fixture
def estonia(db):
    ee = CountryFactory(code="EE", name="Estonia")
    make_position(topic=TopicFactory(slug="membership"), country=ee, value=1)
    return ee


@pytest.fixture
def logs():
    handler = Records()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def country_name(response, code: str) -> str:
    return next(c["name"] for c in response.json()["results"] if c["code"] == code)


def events(logs: Records) -> list[str]:
    return [event for event in logs.events(logging.WARNING) if event.startswith("cache_")]


# --- one cache for every process ---------------------------------------------------------


def test_the_settings_use_django_s_redis_cache(shared):
    assert type(caches["default"]).__name__ == "RedisCache"
    caches["default"].set("probe", "kept", 30)

    assert shared.keys() == [f"{shared.prefix}:1:probe"]


def test_a_page_kept_by_one_process_answers_another(shared, estonia, django_assert_num_queries):
    first = Client().get(PAGE)
    assert first.status_code == 200
    assert len(shared.keys(":kept:")) == 1

    shared.another_process()
    with django_assert_num_queries(1):  # the data version: the page comes from the server
        again = Client().get(PAGE)

    assert again.status_code == 200
    assert again.content == first.content
    assert "Estonia" in again.content.decode()


def test_an_api_answer_kept_by_one_process_answers_another(
    shared, estonia, django_assert_num_queries
):
    first = Client().get("/api/v1/countries/")

    shared.another_process()
    with django_assert_num_queries(1):
        again = Client().get("/api/v1/countries/")

    assert again.json() == first.json()
    assert "EE" in [country["code"] for country in again.json()["results"]]


def test_an_edit_shows_at_once_in_every_process(shared, estonia):
    assert "Eesti" not in Client().get(PAGE).content.decode()
    assert country_name(Client().get("/api/v1/countries/"), "EE") == "Estonia"
    kept = len(shared.keys(":kept:"))

    # Another process writes: the data version changes, and so every key.
    shared.another_process()
    estonia.name = "Eesti"
    estonia.save()
    shared.another_process()
    page = Client().get(PAGE).content.decode()
    api = Client().get("/api/v1/countries/")

    assert "Eesti" in page and "Estonia" not in page
    assert country_name(api, "EE") == "Eesti"
    assert len(shared.keys(":kept:")) == kept + 2  # the new answers, kept beside the old


def test_rate_limits_count_across_processes(shared, settings, db):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "5/min"},
    }
    statuses = [Client().get("/api/v1/countries/").status_code for _ in range(2)]
    shared.another_process()
    statuses.append(Client().get("/api/v1/countries/").status_code)
    shared.another_process()
    statuses.append(Client().get("/api/v1/countries/").status_code)

    assert statuses == [200, 200, 200, 429]
    assert shared.keys(":throttle_anon_") == [f"{shared.prefix}:1:throttle_anon_127.0.0.1"]


# --- the server out of reach -------------------------------------------------------------


@pytest.mark.parametrize("path", [*PAGES, *API_PATHS])
def test_nothing_answers_on_the_cache_port_and_every_page_is_served(shared, estonia, path):
    with override_settings(CACHES=shared.settings(f"redis://127.0.0.1:{closed_port()}/0")):
        responses = [Client().get(path) for _ in range(2)]

    assert [response.status_code for response in responses] == [200, 200]
    assert responses[0].content == responses[1].content


def test_an_unreachable_cache_is_logged_once_and_rate_limits_hold_per_process(
    shared, settings, monkeypatch, estonia, logs
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "5/min"},
    }
    # Each request asks the server again: every failure is met, and logged only once.
    monkeypatch.setattr(caching, "RETRY_SECONDS", 0.0)
    with override_settings(CACHES=shared.settings(f"redis://127.0.0.1:{closed_port()}/0")):
        pages = [Client().get(path).status_code for path in PAGES]
        api = [Client().get("/api/v1/countries/").status_code for _ in range(4)]

    assert pages == [200] * len(PAGES)
    assert api == [200, 200, 200, 429]
    assert events(logs) == ["cache_unavailable"]
    (error,) = [r.msg for r in logs.records if r.levelno >= logging.ERROR]
    assert "Connection refused" in error["error"]


class RedisServer:
    """A redis-server of this test's own, keeping nothing on disk, to stop and start again."""

    def __init__(self, directory):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.command = [
            binary,
            *("--port", str(closed_port()), "--bind", "127.0.0.1", "--dir", str(directory)),
            *("--save", "", "--appendonly", "no", "--loglevel", "warning"),
        ]
        self.url = f"redis://127.0.0.1:{self.command[2]}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        pytest.fail("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_server(shared, tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    with override_settings(CACHES=shared.settings(server.url)):
        yield server
    server.stop()


def test_a_stopped_server_serves_pages_uncached_and_they_are_kept_again_when_it_is_back(
    own_server, estonia, logs, django_assert_max_num_queries
):
    kept = Client().get(PAGE)
    own_server.stop()

    # Stopped: pages are rendered (more than the data version's query), never an error.
    with CaptureQueriesContext(connection) as stopped:
        answers = [Client().get(path) for path in [PAGE, *PAGES, *API_PATHS]]
    assert [a.status_code for a in answers] == [200] * len(answers)
    assert answers[0].content == kept.content
    assert len(stopped.captured_queries) > 2 * len(answers)
    assert events(logs) == ["cache_unavailable"]

    # Back (empty, as nothing was kept on disk): asked again once the retry time is past.
    own_server.start()
    caching.cache_outage.retry_at = 0.0
    assert Client().get(PAGE).content == kept.content
    assert events(logs) == ["cache_unavailable", "cache_available"]
    with django_assert_max_num_queries(1):
        assert Client().get(PAGE).content == kept.content


def test_a_server_that_just_failed_is_not_asked_again_at_once(
    own_server, estonia, logs, django_assert_max_num_queries
):
    own_server.stop()
    assert Client().get(PAGE).status_code == 200
    own_server.start()

    # Within RETRY_SECONDS of the failure nothing is asked: no key is written.
    assert Client().get(PAGE).status_code == 200
    assert redis.Redis.from_url(own_server.url).dbsize() == 0

    caching.cache_outage.retry_at = 0.0
    assert Client().get(PAGE).status_code == 200
    assert redis.Redis.from_url(own_server.url).dbsize() == 1
    assert events(logs) == ["cache_unavailable", "cache_available"]
