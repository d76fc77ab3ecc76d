"""Behind the TLS proxy, the login lockout and the API's rate limits count the client's
address from X-Forwarded-For, with the proxy count read once (API_NUM_PROXIES); with no
proxy the header is ignored, so a client cannot choose its address."""

import json
import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.request import Request

from apps.api.throttling import AnonThrottle
from apps.core.clients import client_address
from tests.factories import EditorFactory, UserFactory

PASSWORD = "correct horse battery"  # the factories' password
PROXY = "10.0.0.1"  # the TLS proxy: every request arrives from its address
ATTACKER, OWNER = "203.0.113.7", "198.51.100.9"

LOGIN_PAGES = {
    "admin": (lambda: reverse("admin:login"), EditorFactory),
    "reader": (lambda: reverse("accounts:login"), UserFactory),
}


def behind_proxy(forwarded_for: str) -> Client:
    """A browser whose requests reach the app through the proxy, which reports its address
    in X-Forwarded-For."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("door", LOGIN_PAGES)
def test_behind_one_proxy_failures_lock_only_the_client_that_made_them(settings, door):
    settings.NUM_PROXIES = 1
    url, factory = LOGIN_PAGES[door]
    factory(username="ed")
    attacker, owner = behind_proxy(ATTACKER), behind_proxy(OWNER)

    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post(url(), {"username": "ed", "password": "wrong"})

    assert attacker.post(url(), {"username": "ed", "password": PASSWORD}).status_code == 429
    assert not signed_in(attacker)
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [ATTACKER]
    # The account's owner, behind the same proxy from another address, still signs in.
    response = owner.post(url(), {"username": "ed", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in(owner)


@pytest.mark.django_db
def test_behind_one_proxy_a_forged_header_does_not_lift_the_lock(settings):
    settings.NUM_PROXIES = 1
    UserFactory(username="ed")
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        behind_proxy(ATTACKER).post(url, {"username": "ed", "password": "wrong"})

    # The attacker sends the owner's address; the proxy appends the real one.
    forging = behind_proxy(f"{OWNER}, {ATTACKER}")
    response = forging.post(url, {"username": "ed", "password": PASSWORD})

    assert response.status_code == 429
    assert not signed_in(forging)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


@pytest.mark.django_db
def test_with_no_proxy_a_forged_header_changes_nothing(settings):
    settings.NUM_PROXIES = 0
    UserFactory(username="ed")
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=OWNER).post(
            url, {"username": "ed", "password": "wrong"}
        )

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [ATTACKER]
    # Another forged address does not make a new client of the attacker.
    escaping = Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.44")
    assert escaping.post(url, {"username": "ed", "password": PASSWORD}).status_code == 429
    assert not signed_in(escaping)


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, None, PROXY),
        (0, ATTACKER, PROXY),
        (1, None, PROXY),
        (1, ATTACKER, ATTACKER),
        (1, f"{OWNER}, {ATTACKER}", ATTACKER),
        (2, f"{OWNER}, {ATTACKER}", OWNER),
        (2, f"192.0.2.1, {OWNER}, {ATTACKER}", OWNER),
        (2, ATTACKER, ATTACKER),  # fewer entries than proxies: the first
        (1, "2001:db8::5", "2001:db8::5"),
    ],
)
def test_the_lockout_and_the_api_rate_limits_see_the_same_client(
    settings, proxies, forwarded_for, expected
):
    settings.NUM_PROXIES = proxies
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    request = RequestFactory().get("/api/v1/countries/", REMOTE_ADDR=PROXY, **headers)

    assert client_address(request) == expected
    assert AnonThrottle().get_ident(Request(request)) == expected


@pytest.mark.parametrize("forwarded_for", ["not-an-address", "203.0.113.7:443", ""])
def test_an_entry_that_is_no_address_falls_back_to_the_connection(settings, forwarded_for):
    # Such an entry reaches the app only if the proxy count is set too high, and axes
    # stores the address in an inet column.
    settings.NUM_PROXIES = 1
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_address(request) == PROXY


PRINT_PROXY_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps([settings.NUM_PROXIES, settings.REST_FRAMEWORK["NUM_PROXIES"],
                  settings.AXES_CLIENT_IP_CALLABLE]))
"""


def run_settings(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "API_NUM_PROXIES"}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL="postgresql://nobody@localhost/none",  # never connected to
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", PRINT_PROXY_SETTINGS],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_one_environment_variable_sets_the_proxy_count_for_both():
    result = run_settings(API_NUM_PROXIES="2")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [2, 2, "apps.core.clients.client_address"]


def test_without_the_variable_no_proxy_is_trusted():
    result = run_settings()

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[:2] == [0, 0]


def test_a_negative_proxy_count_refuses_to_start():
    result = run_settings(API_NUM_PROXIES="-1")

    assert result.returncode != 0
    assert "API_NUM_PROXIES must be 0 or more." in result.stderr
