"""Repeated failed logins lock the account out for a while (django-axes)."""

import pytest


@pytest.mark.django_db
def test_five_failed_admin_logins_lock_the_username_out(client, settings):
    from tests.factories import EditorFactory

    editor = EditorFactory(username="ed")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "ed", "password": "wrong"})

    response = client.post("/admin/login/", {"username": "ed", "password": "correct horse battery"})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert editor.is_active


@pytest.mark.django_db
def test_a_correct_login_still_works(client):
    from tests.factories import EditorFactory

    EditorFactory(username="ed")

    response = client.post(
        "/admin/login/?next=/admin/", {"username": "ed", "password": "correct horse battery"}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"]
