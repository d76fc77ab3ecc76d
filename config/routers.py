"""Analysts' reads on a PostgreSQL read replica, when DATABASE_REPLICA_URL names one.

The middleware marks each request in a context variable: a safe request (GET, HEAD) by
someone who is not an editor may read from the replica; anything else, and everything an
editor or an API token does, reads and writes the primary, so editors always see their own
writes. Outside a request (management commands, migrations, the shell) nothing is marked
and everything uses the primary.
"""

import contextvars
import os

import dj_database_url
from dj_database_url import DBConfig

from config.database import with_planner_options

REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD"})

_reads_on_replica = contextvars.ContextVar("reads_on_replica", default=False)


def replica_database(conn_max_age: int, env=os.environ) -> DBConfig | None:
    """Return the replica's entry for DATABASES, or None when DATABASE_REPLICA_URL is unset.
    Its test database mirrors the default one: tests see one database under two names."""
    url = env.get("DATABASE_REPLICA_URL")
    if not url:
        return None
    config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    with_planner_options(config)
    config["TEST"] = {"MIRROR": "default"}
    return config


def reads_on_replica(request) -> bool:
    """Whether this request's reads may go to the replica (a reader's safe request)."""
    if request.method not in SAFE_METHODS or "Authorization" in request.headers:
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated and user.is_staff)


class ReplicaReadsMiddleware:
    """Mark the request for the router; after AuthenticationMiddleware (it asks who it is)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _reads_on_replica.set(reads_on_replica(request))
        try:
            return self.get_response(request)
        finally:
            _reads_on_replica.reset(token)


class ReplicaRouter:
    """Reads of a marked request go to the replica; every write, every migration and every
    other read go to the primary."""

    def db_for_read(self, model, **hints):
        return REPLICA if _reads_on_replica.get() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database under two names

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
