"""Sign-in: lockout after repeated failures with a cool-off (django-axes), password rules,
session expiry, the admin's configurable path, and the readers' sign-in page."""

import datetime
import importlib

import pytest
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import F
from django.urls import clear_url_caches, reverse

from apps.core.middleware import door_for_path
from tests.factories import EditorFactory, UserFactory

PASSWORD = "correct horse battery"  # the factories' password

LOGIN_PAGES = {
    "admin": (lambda: reverse("admin:login"), EditorFactory),
    "reader": (lambda: reverse("accounts:login"), UserFactory),
}


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def move_attempts_back(delta: datetime.timedelta) -> None:
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)


@pytest.mark.django_db
@pytest.mark.parametrize("door", LOGIN_PAGES)
def test_the_right_password_is_refused_after_repeated_wrong_ones_until_the_cool_off(
    client, settings, door
):
    url, factory = LOGIN_PAGES[door]
    factory(username="ed")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url(), {"username": "ed", "password": "wrong"})

    locked = client.post(url(), {"username": "ed", "password": PASSWORD})

    assert locked.status_code == 429
    assert b"Sign-in locked" in locked.content
    assert not signed_in(client)

    # Just short of the cool-off the lock holds (and this attempt restarts the cool-off).
    cool_off = get_cool_off()
    assert cool_off == datetime.timedelta(hours=1)
    move_attempts_back(cool_off - datetime.timedelta(minutes=1))
    assert client.post(url(), {"username": "ed", "password": PASSWORD}).status_code == 429
    assert not signed_in(client)

    move_attempts_back(cool_off + datetime.timedelta(seconds=1))
    response = client.post(url(), {"username": "ed", "password": PASSWORD})

    assert response.status_code == 302
    assert signed_in(client)


@pytest.mark.django_db
def test_failures_below_the_limit_do_not_lock_and_a_success_resets_them(client, settings):
    UserFactory(username="ed")
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": "ed", "password": "wrong"})
        assert response.status_code == 200
        assert b"Please enter a correct username and password" in response.content

    assert (
        AccessAttempt.objects.get(username="ed").failures_since_start
        == settings.AXES_FAILURE_LIMIT - 1
    )

    assert client.post(url, {"username": "ed", "password": PASSWORD}).status_code == 302
    assert not AccessAttempt.objects.filter(username="ed").exists()


@pytest.mark.parametrize("password", ["password", "12345678901234", "ed-is-here", "short1!"])
def test_weak_passwords_are_rejected(password):
    user = get_user_model()(username="ed-is-here")

    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_uncommon_passphrase_is_accepted():
    validate_password("lantern orbit cobalt meadow", get_user_model()(username="ed"))


@pytest.mark.django_db
def test_the_admin_refuses_a_weak_new_password(client, superuser):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:password_change"),
        {"old_password": PASSWORD, "new_password1": "password1", "new_password2": "password1"},
    )

    assert response.status_code == 200
    assert b"This password is too common" in response.content
    superuser.refresh_from_db()
    assert superuser.check_password(PASSWORD)


@pytest.mark.django_db
def test_sessions_expire_after_eight_hours_by_default(client, settings):
    UserFactory(username="ed")

    response = client.post(reverse("accounts:login"), {"username": "ed", "password": PASSWORD})

    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 8 * 60 * 60
    assert client.session.get_expiry_age() == 8 * 60 * 60


@pytest.mark.django_db
def test_a_reader_signs_in_on_the_sites_own_page_and_out_by_post(client):
    UserFactory(username="reader")
    page = client.get(reverse("accounts:login") + "?next=/compare/")
    assert page.status_code == 200
    assert b'name="next" value="/compare/"' in page.content
    assert b"Skip to content" in page.content  # the site's base template

    response = client.post(
        reverse("accounts:login"),
        {"username": "reader", "password": PASSWORD, "next": "/compare/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/compare/"

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert signed_in(client)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert not signed_in(client)


@pytest.mark.django_db
def test_the_sign_in_page_refuses_a_redirect_to_another_site(client):
    UserFactory(username="reader")

    response = client.post(
        reverse("accounts:login"),
        {"username": "reader", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:matrix")


@pytest.fixture
def admin_at_desk(settings):
    """The admin mounted at /desk/ (ADMIN_PATH=desk/): the URLconf is read again."""
    import config.urls

    original = settings.ADMIN_PATH
    settings.ADMIN_PATH = "desk/"
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.ADMIN_PATH = original
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.mark.django_db
def test_the_admin_path_is_configurable(client, admin_at_desk, settings):
    assert reverse("admin:login") == "/desk/login/"
    assert client.get("/desk/login/").status_code == 200
    assert client.get("/admin/login/").status_code == 404
    assert door_for_path("/desk/statements/quote/1/change/") == "admin"
    assert door_for_path("/admin/statements/quote/1/change/") == "web"

    settings.REQUIRE_LOGIN = True
    # Private mode leaves the admin to its own sign-in.
    assert client.get("/desk/login/").status_code == 200
    assert client.get("/desk/").url.startswith("/desk/login/")
