"""When the database cannot answer: a 503 with Retry-After instead of a 500, and one log
record per outage instead of a traceback per request.

The answer is built without the database or the session (it is sent because they are out
of reach): JSON under /api/, a small page elsewhere. An outage starts with the first
failure and ends when a connection to the database is made again; nothing needs a restart.
"""

import sys
import threading
import time

import psycopg
import structlog
from django.db import InterfaceError, OperationalError
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = structlog.get_logger(__name__)

# Django's wrappers of the driver's errors, and the driver's own (raised where Django does
# not wrap them, e.g. on closing a broken connection).
DATABASE_ERRORS = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)

# Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 30

# SQLSTATE classes that mean the server is out of reach or refusing work: connection
# exceptions, insufficient resources (too many connections, disk full), and shutdowns
# (57P01-57P05). Other operational errors (a statement timeout, a lock timeout, a deadlock)
# belong to one request: they get the same 503 but are logged each time, with traceback.
_UNREACHABLE_SQLSTATES = ("08", "53", "57P")


def is_unreachable(error: BaseException) -> bool:
    """Whether an error says the database is out of reach (not that one query failed)."""
    if isinstance(error, InterfaceError | psycopg.InterfaceError):
        return True
    driver_error = error if isinstance(error, psycopg.Error) else error.__cause__
    sqlstate = getattr(driver_error, "sqlstate", None)
    # No SQLSTATE: the failure is the client's (refused, reset or closed connection).
    return sqlstate is None or sqlstate.startswith(_UNREACHABLE_SQLSTATES)


class Outage:
    """This process's view of the database: reachable, or out of reach since a moment."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.since: float | None = None

    def begin(self) -> bool:
        """Mark the database out of reach; return whether this started a new outage."""
        with self._lock:
            if self.since is not None:
                return False
            self.since = time.monotonic()
            return True

    def end(self) -> float | None:
        """Mark the database reachable; return how many seconds the outage lasted, or None
        if there was none."""
        with self._lock:
            since, self.since = self.since, None
        return None if since is None else time.monotonic() - since


outage = Outage()


def report(error: BaseException) -> None:
    """Log a database failure: an outage once, when it starts; any other failure each time."""
    if not is_unreachable(error):
        logger.error("database_error", error=str(error), exc_info=error)
    elif outage.begin():
        logger.error("database_unavailable", error=str(error).strip())


@receiver(connection_created, dispatch_uid="apps.core.outages.database_reachable")
def database_reachable(sender, connection, **kwargs) -> None:
    """A new connection succeeded: an outage in progress is over."""
    lasted = outage.end()
    if lasted is not None:
        logger.warning("database_available", alias=connection.alias, after_seconds=round(lasted))


def unavailable_response(request) -> HttpResponse:
    """The 503 sent while the database is out of reach: JSON under /api/, a page elsewhere,
    built without touching the database or the session."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": "The service is temporarily unavailable: try again in a moment."},
            status=503,
        )
    else:
        # Rendered without the request: its context processors would load the user.
        page = render_to_string("503.html")
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Logged once per outage by report(): not again per request by Django's request logger.
    response._has_been_logged = True  # type: ignore[attr-defined]  # read by django.utils.log
    return response


def database_unavailable(request, error: BaseException) -> HttpResponse:
    """Report a database failure and return the 503 for it."""
    report(error)
    return unavailable_response(request)


def server_error(request) -> HttpResponse:
    """handler500: a database failure raised outside a view (in a middleware, e.g. private
    mode's session lookup) gets the 503 too; anything else Django's plain 500."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_ERRORS):
        return database_unavailable(request, error)
    return defaults.server_error(request)
