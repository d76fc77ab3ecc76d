"""Operations: the health check, and structured request logs under a request id."""

import io
import json
import logging

import pytest
from django.conf import settings as django_settings
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import reverse

from apps.core import views as core_views

# --- /healthz/ -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_ok_when_the_database_answers(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


class DownConnection:
    def __init__(self, error):
        self.error = error

    def cursor(self):
        raise self.error


@pytest.mark.parametrize(
    "error", [OperationalError("connection refused"), InterfaceError("connection closed")]
)
def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch, error):
    monkeypatch.setattr(core_views, "connection", DownConnection(error))

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.content == b"database unavailable"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_answered_over_plain_http_in_production(client, production):
    assert client.get(reverse("healthz")).status_code == 200
    # Everything else is sent to https.
    response = client.get(reverse("dashboard:matrix"))
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/"


# --- request logs ------------------------------------------------------------------------


@pytest.fixture
def json_logs():
    """Capture what the root logger writes, rendered by the production (JSON) formatter;
    returns a function giving the records as dicts."""
    config = dict(django_settings.LOGGING["formatters"]["json"])
    factory = config.pop("()")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(factory(**config))
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


@pytest.mark.django_db
def test_a_request_is_logged_with_the_id_its_response_carries(client, json_logs):
    response = client.get(reverse("dashboard:matrix") + "?as_of=2023-07-01")

    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    records = [r for r in json_logs() if r.get("request_id") == request_id]
    assert [r["event"] for r in records] == ["request_started", "request_finished"]
    finished = records[-1]
    assert finished["request"] == "GET /?as_of=2023-07-01"
    assert finished["code"] == response.status_code
    assert finished["level"] == "info"
    assert finished["logger"] == "django_structlog.middlewares.request"
    assert finished["timestamp"].endswith("Z")


@pytest.mark.django_db
def test_a_well_formed_incoming_request_id_is_kept_and_a_malformed_one_replaced(client, json_logs):
    kept = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="proxy-4f2a.17")
    replaced = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="evil\u2028id with spaces")

    assert kept["X-Request-ID"] == "proxy-4f2a.17"
    assert replaced["X-Request-ID"] != "evil\u2028id with spaces"
    assert len(replaced["X-Request-ID"]) == 36  # a fresh UUID
    ids = {r["request_id"] for r in json_logs()}
    assert {"proxy-4f2a.17", replaced["X-Request-ID"]} <= ids


@pytest.mark.django_db
def test_an_error_is_logged_with_the_request_id_and_its_traceback(settings, json_logs):
    settings.ROOT_URLCONF = "tests.security.urls"
    client = Client(raise_request_exception=False)

    response = client.get("/test-failure/")

    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    records = [r for r in json_logs() if r.get("request_id") == request_id]
    failed = next(r for r in records if r["event"] == "request_failed")
    assert failed["level"] == "error"
    assert failed["code"] == 500
    assert "RuntimeError: a failure for the error log" in failed["exception"]
    # Django's own error record carries the same id.
    django_error = next(r for r in records if r["logger"] == "django.request")
    assert django_error["level"] == "error"
    assert "Internal Server Error: /test-failure/" in django_error["event"]
    assert "RuntimeError" in django_error["exception"]


@pytest.mark.django_db
def test_request_logs_cost_no_query(client, django_assert_num_queries, json_logs):
    from tests.factories import UserFactory

    client.force_login(UserFactory())

    # The health check reads neither the session nor the user: the log must not either.
    with django_assert_num_queries(1):
        response = client.get(reverse("healthz"))

    finished = [r for r in json_logs() if r["event"] == "request_finished"][-1]
    assert finished["request_id"] == response["X-Request-ID"]
    assert "user_id" not in finished


@pytest.mark.django_db
def test_the_signed_in_user_is_logged_when_the_request_loaded_it(client, json_logs):
    from tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)

    client.get(reverse("accounts:login"))

    finished = [r for r in json_logs() if r["event"] == "request_finished"][-1]
    assert finished["user_id"] == user.pk
