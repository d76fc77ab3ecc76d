"""The read-replica router: readers' safe requests read from the replica; editors, tokens,
writes and everything outside a request use the primary."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from apps.statements.models import Quote
from config.routers import ReplicaReadsMiddleware, ReplicaRouter, replica_database
from tests.factories import EditorFactory, UserFactory

router = ReplicaRouter()


def databases_used(request) -> tuple[str, str]:
    """Where a view serving this request would read and write a quote."""
    seen = {}

    def view(request):
        seen["read"] = router.db_for_read(Quote)
        seen["write"] = router.db_for_write(Quote)
        return None

    ReplicaReadsMiddleware(view)(request)
    return seen["read"], seen["write"]


def request(method="GET", user=None, **headers):
    made = RequestFactory().generic(method, "/", headers=headers)
    made.user = user or AnonymousUser()
    return made


def test_an_anonymous_read_goes_to_the_replica():
    assert databases_used(request()) == ("replica", "default")
    assert databases_used(request("HEAD")) == ("replica", "default")


@pytest.mark.django_db
def test_a_signed_in_readers_read_goes_to_the_replica():
    assert databases_used(request(user=UserFactory())) == ("replica", "default")


@pytest.mark.django_db
def test_an_editor_reads_the_primary_so_sees_their_own_writes():
    assert databases_used(request(user=EditorFactory())) == ("default", "default")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_everything_in_a_write_request_uses_the_primary(method):
    assert databases_used(request(method)) == ("default", "default")


def test_an_api_token_request_uses_the_primary():
    # The middleware cannot tell a token's user (DRF authenticates later): it may be an
    # editor reading back a write.
    assert databases_used(request(Authorization="Token abc")) == ("default", "default")


def test_outside_a_request_everything_uses_the_primary():
    assert router.db_for_read(Quote) == "default"
    assert router.allow_migrate("replica", "statements") is False
    assert router.allow_migrate("default", "statements") is True


def test_the_mark_ends_with_the_request():
    databases_used(request())

    assert router.db_for_read(Quote) == "default"


def test_no_replica_without_its_url():
    assert replica_database(60, env={}) is None

    config = replica_database(0, env={"DATABASE_REPLICA_URL": "postgresql://u:p@replica:5432/a"})

    assert (config["HOST"], config["NAME"], config["CONN_MAX_AGE"]) == ("replica", "a", 0)
    assert config["TEST"] == {"MIRROR": "default"}
    assert config["OPTIONS"]["options"] == "-c join_collapse_limit=1"


PRINT_DATABASES = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({"databases": sorted(settings.DATABASES), "routers": settings.DATABASE_ROUTERS,
                  "middleware": settings.MIDDLEWARE}))
"""


def load_settings(**env) -> dict:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"}
    # Never connected to: loading settings needs only the addresses.
    environment.update(DATABASE_URL="postgresql://nobody@localhost/none", **env)
    result = subprocess.run(
        [sys.executable, "-c", PRINT_DATABASES],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_settings_route_reads_only_when_a_replica_is_named():
    plain = load_settings()
    assert plain["databases"] == ["default"]
    assert plain["routers"] == []
    assert "config.routers.ReplicaReadsMiddleware" not in plain["middleware"]

    wired = load_settings(DATABASE_REPLICA_URL="postgresql://nobody@replica/none")
    assert wired["databases"] == ["default", "replica"]
    assert wired["routers"] == ["config.routers.ReplicaRouter"]
    middleware = wired["middleware"]
    # The router's mark needs the user, so it comes after authentication.
    assert middleware.index("config.routers.ReplicaReadsMiddleware") > middleware.index(
        "django.contrib.auth.middleware.AuthenticationMiddleware"
    )
