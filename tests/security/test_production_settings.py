"""PRODUCTION=true selects the production settings; some mistakes refuse to start."""

import json
import os
import subprocess
import sys

from django.conf import settings

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
names = ["DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
         "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_NAME", "LOG_FORMAT",
         "SECURE_PROXY_SSL_HEADER", "REQUIRE_LOGIN", "ADMIN_PATH"]
print(json.dumps({name: getattr(settings, name) for name in names}))
"""


def load_settings(**env) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("SECURE_", "DEBUG", "PRODUCTION", "LOG_", "ADMIN_PATH", "SECRET_KEY", "REQUIRE_LOGIN")
        )
        and key not in {"BEHIND_TLS_PROXY", "SESSION_COOKIE_AGE"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        # Never connected to: loading settings needs only the address.
        DATABASE_URL="postgresql://nobody@localhost/none",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_are_strict():
    result = load_settings(PRODUCTION="true", SECRET_KEY="x" * 60, BEHIND_TLS_PROXY="true")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "LOG_FORMAT": "json",
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "REQUIRE_LOGIN": False,
        "ADMIN_PATH": "admin/",
    }


def test_local_settings_serve_plain_http():
    result = load_settings(DEBUG="true", REQUIRE_LOGIN="true", ADMIN_PATH="/editors")

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["SECURE_SSL_REDIRECT"] is False
    assert loaded["SECURE_HSTS_SECONDS"] == 0
    assert loaded["SESSION_COOKIE_SECURE"] is False
    assert loaded["SESSION_COOKIE_NAME"] == "sessionid"
    assert loaded["LOG_FORMAT"] == "console"
    assert loaded["REQUIRE_LOGIN"] is True
    assert loaded["ADMIN_PATH"] == "editors/"


def test_production_refuses_debug():
    result = load_settings(PRODUCTION="true", DEBUG="true", SECRET_KEY="x" * 60)

    assert result.returncode != 0
    assert "DEBUG must be false in production" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = load_settings(PRODUCTION="true", SECRET_KEY="")
    environment_without_key = load_settings(PRODUCTION="true")

    assert "SECRET_KEY must be set in production" in environment_without_key.stderr
    assert result.returncode != 0
