"""API tokens: issued by a command, stored hashed, expiring and revocable."""

import datetime
import hashlib
import io

import pytest
from django.contrib.admin.sites import site
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.admin import ApiTokenAdmin
from apps.accounts.models import ApiToken
from apps.accounts.services import api_token_issue
from tests.factories import AdminFactory, EditorFactory, UserFactory

pytestmark = pytest.mark.django_db


def create_token(username, *args) -> str:
    out = io.StringIO()
    call_command("create_api_token", username, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def authorized(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_command_prints_a_key_once_and_stores_only_its_hash():
    editor = EditorFactory(username="ana")

    key = create_token("ana")

    token = ApiToken.objects.get(user=editor)
    assert len(key) >= 40
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:8]
    assert key not in {token.key_hash, token.prefix}
    assert token.expires_at is None


def test_a_key_authenticates_its_user_for_writes():
    EditorFactory(username="ana")
    key = create_token("ana")

    response = authorized(key).post("/api/v1/events/", {}, format="json")

    assert response.status_code == 400  # authenticated and allowed: the empty body is refused
    assert ApiToken.objects.get().last_used_at is not None


def test_days_sets_an_expiry_and_an_expired_key_is_refused():
    user = EditorFactory(username="ana")
    key = create_token("ana", "--days", "30")
    token = ApiToken.objects.get(user=user)
    assert token.expires_at > timezone.now() + datetime.timedelta(days=29)

    token.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    token.save()

    response = authorized(key).get("/api/v1/countries/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


@pytest.mark.parametrize("args", [["nobody"], ["ana", "--days", "0"]])
def test_the_command_refuses_an_unknown_user_or_a_bad_expiry(args):
    EditorFactory(username="ana")
    with pytest.raises(CommandError):
        create_token(*args)
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "header",
    ["Token wrong-key", "Token", "Token a b", "Token " + "x" * 300, "Token caf\u00e9"],
)
def test_a_bad_key_is_a_401_even_on_public_reads(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/countries/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_revoking_by_prefix_stops_only_that_key():
    user = EditorFactory(username="ana")
    first = create_token("ana")
    second = create_token("ana")

    call_command("revoke_api_token", first[:8], stdout=io.StringIO())

    assert authorized(first).get("/api/v1/countries/").status_code == 401
    assert authorized(second).get("/api/v1/countries/").status_code == 200
    assert ApiToken.objects.filter(user=user, revoked_at__isnull=False).count() == 1


def test_revoking_by_username_stops_all_their_keys():
    EditorFactory(username="ana")
    keys = [create_token("ana"), create_token("ana")]
    other = create_token(EditorFactory(username="bob").username)

    out = io.StringIO()
    call_command("revoke_api_token", "ana", stdout=out)

    assert "2 token(s) revoked" in out.getvalue()
    assert all(authorized(key).get("/api/v1/countries/").status_code == 401 for key in keys)
    assert authorized(other).get("/api/v1/countries/").status_code == 200


def test_revoking_nothing_is_an_error():
    with pytest.raises(CommandError):
        call_command("revoke_api_token", "nobody", stdout=io.StringIO())


def test_an_inactive_users_key_is_refused():
    user = UserFactory()
    _, key = api_token_issue(user=user)
    user.is_active = False
    user.save()

    assert authorized(key).get("/api/v1/countries/").status_code == 401


def test_the_admin_action_revokes_the_selected_tokens():
    admin_user = AdminFactory()
    token, key = api_token_issue(user=UserFactory())
    request = RequestFactory().post("/admin/accounts/apitoken/")
    request.user = admin_user
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    model_admin = ApiTokenAdmin(ApiToken, site)

    assert "revoke" in model_admin.get_actions(request)
    model_admin.revoke(request, ApiToken.objects.filter(pk=token.pk))

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert authorized(key).get("/api/v1/countries/").status_code == 401


def test_the_admin_lists_tokens_without_their_keys(client):
    admin_user = AdminFactory()
    admin_user.refresh_from_db()  # the factory sets the password without saving it
    token, key = api_token_issue(user=admin_user)
    client.force_login(admin_user)

    response = client.get("/admin/accounts/apitoken/")

    assert response.status_code == 200
    assert token.prefix in response.content.decode()
    assert key not in response.content.decode()
    assert token.key_hash not in response.content.decode()
