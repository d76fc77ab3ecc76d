"""With the database out of reach, pages and the API answer 503 with Retry-After (JSON under
/api/), one error is logged per outage rather than a traceback per request, and the site
recovers by itself when the database is back.

The database is really unreachable here: the connection is pointed at a closed port."""

import logging
import socket

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from apps.core import outages
from tests.factories import AdminFactory, CountryFactory

PAGES = ["/", "/countries/EE/", "/compare/", "/quotes/"]
API_PATHS = ["/api/v1/countries/", "/api/v1/matrix/", "/api/v1/countries/EE/"]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Database:
    """Takes this test's database connection out of reach and back, as an outage would."""

    def __init__(self):
        self.address = (connection.settings_dict["HOST"], connection.settings_dict["PORT"])

    def stop(self) -> None:
        connection.close()
        connection.settings_dict["HOST"] = "127.0.0.1"
        connection.settings_dict["PORT"] = str(closed_port())

    def start(self) -> None:
        connection.close()
        connection.settings_dict["HOST"], connection.settings_dict["PORT"] = self.address


class Records(logging.Handler):
    """Every record at WARNING and above, from any logger."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def events(self, level: int = logging.ERROR) -> list[str]:
        return [
            record.msg.get("event") if isinstance(record.msg, dict) else record.getMessage()
            for record in self.records
            if record.levelno >= level
        ]


@pytest.fixture
def database(transactional_db):
    outages.outage.end()
    db = Database()
    yield db
    db.start()
    outages.outage.end()


@pytest.fixture
def logs():
    handler = Records()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


@pytest.mark.parametrize("path", PAGES)
def test_a_page_answers_503_with_retry_after_and_a_small_page(client, database, path):
    database.stop()

    response = client.get(path)

    assert response.status_code == 503
    assert response["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/html")
    assert b"Temporarily unavailable" in response.content
    assert "no-store" in response["Cache-Control"]
    assert "Set-Cookie" not in response


@pytest.mark.parametrize("path", API_PATHS)
def test_the_api_answers_503_in_json_with_retry_after(client, database, path):
    database.stop()

    response = client.get(path)

    assert response.status_code == 503
    assert response["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)
    assert response["Content-Type"] == "application/json"
    assert "unavailable" in response.json()["detail"]


def test_a_signed_in_editor_gets_the_503_from_the_admin_and_the_api(client, database):
    client.force_login(AdminFactory())
    database.stop()

    admin = client.get(reverse("admin:index"))
    api = client.get("/api/v1/countries/")

    assert (admin.status_code, api.status_code) == (503, 503)
    assert admin["Content-Type"].startswith("text/html")
    assert api.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        # Private mode looks up the signed-in user (the session) before any view runs.
        ("get", "/"),
        ("get", "/api/v1/nothing-here/"),
        # pghistory's middleware reads the user of a write before the view.
        ("post", "/api/v1/countries/"),
    ],
)
def test_a_failure_inside_a_middleware_answers_503_too(client, settings, database, method, path):
    settings.REQUIRE_LOGIN = True
    client.force_login(AdminFactory())
    # As in production: an exception in a middleware is answered, not raised to the caller.
    client.raise_request_exception = False
    database.stop()

    response = getattr(client, method)(path, {}, content_type="application/json")

    assert response.status_code == 503
    assert response["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)
    if path.startswith("/api/"):
        assert response.json()["detail"]
    else:
        assert b"Temporarily unavailable" in response.content


def test_the_health_check_says_503_with_retry_after(client, database):
    database.stop()

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response["Retry-After"] == str(outages.RETRY_AFTER_SECONDS)


def test_one_error_is_logged_per_outage_and_the_site_recovers_without_a_restart(
    client, settings, database, logs
):
    CountryFactory(code="EE")
    editor = Client(raise_request_exception=False)
    editor.force_login(AdminFactory())
    database.stop()

    for path in [*PAGES, *API_PATHS, reverse("healthz"), *PAGES]:
        assert client.get(path).status_code == 503
    # A failure in a middleware (private mode's user lookup) is not logged again either.
    settings.REQUIRE_LOGIN = True
    assert editor.get("/changes/").status_code == 503
    settings.REQUIRE_LOGIN = False

    assert logs.events() == ["database_unavailable"]
    assert "request_failed" not in logs.events(logging.DEBUG)
    error = next(r for r in logs.records if r.levelno >= logging.ERROR)
    assert "Connection refused" in error.msg["error"]

    # The database comes back: the next requests are answered, with no restart.
    database.start()
    assert client.get("/api/v1/countries/EE/").status_code == 200
    assert client.get("/countries/EE/").status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    assert logs.events(logging.WARNING).count("database_available") == 1

    # A second outage is logged again, once.
    database.stop()
    assert client.get("/api/v1/countries/").status_code == 503
    assert client.get("/").status_code == 503
    assert logs.events() == ["database_unavailable", "database_unavailable"]


def test_a_query_failing_on_a_working_database_is_a_503_logged_every_time(client, database, logs):
    """A statement timeout belongs to one request: it is answered like an outage, but each
    one is logged with its traceback, since no outage explains it."""
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 20")

    def too_slow(execute, sql, params, many, context):
        return execute("SELECT pg_sleep(1)", None, False, context)

    try:
        with connection.execute_wrapper(too_slow):
            first = client.get("/api/v1/countries/")
            second = client.get(reverse("healthz"))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")

    assert (first.status_code, second.status_code) == (503, 503)
    assert logs.events() == ["database_error", "database_error"]
    # With its traceback: structlog carries the exception in the record's event.
    assert all(r.msg.get("exc_info") for r in logs.records if r.levelno >= logging.ERROR)
    assert outages.outage.since is None


def test_errors_that_mean_the_database_is_out_of_reach():
    import psycopg
    from psycopg import errors

    refused = OperationalError("connection failed: Connection refused")
    refused.__cause__ = psycopg.OperationalError("connection failed: Connection refused")

    assert outages.is_unreachable(refused)
    assert outages.is_unreachable(errors.AdminShutdown("terminating connection"))
    assert outages.is_unreachable(errors.TooManyConnections("too many clients"))
    assert outages.is_unreachable(errors.ConnectionFailure("lost"))
    assert not outages.is_unreachable(errors.QueryCanceled("statement timeout"))
    assert not outages.is_unreachable(errors.DeadlockDetected("deadlock"))
