"""Request middleware: request logs with an id, security headers, a 404 for paths no
resource can have, a 503 while the database is out of reach, and the audit context (user
and door) of every change a request makes. Private mode is the accounts' (sign-in)."""

import logging
import re
import sys

import structlog
from django.conf import settings
from django.http import Http404, JsonResponse
from django.utils.functional import SimpleLazyObject, empty
from django_structlog.middlewares import RequestMiddleware
from pghistory.middleware import HistoryMiddleware

from apps.core.clients import client_address
from apps.core.outages import DATABASE_ERRORS, database_unavailable

# An id a proxy or client may pass in X-Request-ID; anything else is replaced by a new one,
# so the logs and the response header never carry attacker-chosen text.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def door_for_path(path: str) -> str:
    """Which door a request came through: the admin (wherever ADMIN_PATH puts it), the API
    or the web pages."""
    if path.startswith("/" + settings.ADMIN_PATH):
        return "admin"
    if path.startswith("/api/"):
        return "api"
    return "web"


class RequestLogMiddleware(RequestMiddleware):
    """django-structlog's request logs, with the request id sent back in X-Request-ID, a
    client's own id accepted only when it looks like one, and no query spent on logging."""

    def prepare(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID")
        if incoming is not None and not REQUEST_ID.fullmatch(incoming):
            del request.META["HTTP_X_REQUEST_ID"]
            request.__dict__.pop("headers", None)  # HttpRequest.headers is cached
        super().prepare(request)

    def handle_response(self, request, response):
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        if request_id:
            response.headers["X-Request-ID"] = request_id
        super().handle_response(request, response)

    @staticmethod
    def bind_user_id(request) -> None:
        user = getattr(request, "user", None)
        if user is None or (
            isinstance(user, SimpleLazyObject) and user._wrapped is empty  # type: ignore[attr-defined]  # private: not in the stubs
        ):
            return  # not loaded by the request: loading it here would cost queries
        structlog.contextvars.bind_contextvars(user_id=user.pk)

    @classmethod
    def bind_ip(cls, request) -> None:
        # The client's address by the rule the login lockout and the rate limits use: the
        # forwarded-for header only as far as NUM_PROXIES trusted proxies wrote it.
        structlog.contextvars.bind_contextvars(ip=client_address(request))

    def process_got_request_exception(self, sender, request, **kwargs) -> None:
        if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
            # Answered with a 503 and logged once per outage (apps.core.outages), not with
            # a traceback per request; request_finished still records the request.
            return
        super().process_got_request_exception(sender, request, **kwargs)

    def _log_level_for_status_code(self, status_code: int) -> int:
        # A 503 answers an outage already reported once as an error: each request's record
        # is a warning, so an outage raises one error, not one per request.
        if status_code == 503:
            return logging.WARNING
        return super()._log_level_for_status_code(status_code)


class NulPathMiddleware:
    """A 404 for a path holding a NUL character, before anything reads it.

    No resource can have such a name (PostgreSQL text cannot hold NUL, so a lookup would
    fail with a 500). One check here covers every route, the admin's and the API router's
    catch-all patterns included, which URL converters of our own could not reach."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            if door_for_path(request.path) == "api":
                return JsonResponse({"detail": "Not found."}, status=404)
            raise Http404("No such page.")
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A 503 with Retry-After, not a 500, when a view cannot reach the database (see
    apps.core.outages). A failure raised by a middleware (private mode's or pghistory's user
    lookup, a session save) never reaches process_exception: handler500 answers it alike."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return database_unavailable(request, exception)
        return None


class SecurityHeadersMiddleware:
    """The security headers Django's SecurityMiddleware does not send."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(
            "Cross-Origin-Resource-Policy", settings.CROSS_ORIGIN_RESOURCE_POLICY
        )
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class AuditContextMiddleware(HistoryMiddleware):
    def get_context(self, request):
        return {**super().get_context(request), "door": door_for_path(request.path)}
