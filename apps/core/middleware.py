"""Request middleware: request logs with an id, security headers, private mode, and the
audit context (user and door) of every change a request makes."""

import re

import structlog
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject, empty
from django_htmx.http import HttpResponseClientRedirect
from django_structlog.middlewares import RequestMiddleware
from pghistory.middleware import HistoryMiddleware
from rest_framework.exceptions import AuthenticationFailed

from apps.accounts.authentication import ApiTokenAuthentication

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
        # The connection's address: forwarded-for headers are the client's to forge.
        structlog.contextvars.bind_contextvars(ip=request.META.get("REMOTE_ADDR"))


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


def is_open_path(path: str) -> bool:
    """Whether a path stays open to anonymous visitors in private mode: the sign-in pages,
    the health check, static files, the admin (it has its own sign-in) and the API (DRF
    answers 401 there, see apps.api.permissions)."""
    open_prefixes = (
        "/" + settings.ADMIN_PATH,
        "/api/",
        settings.STATIC_URL,
        reverse("healthz"),
        reverse("accounts:login"),
        reverse("accounts:logout"),
    )
    return path.startswith(open_prefixes)


def is_unknown_api_path(request) -> bool:
    """Whether the request goes to the API's catch-all (a path no API view answers)."""
    if not request.path.startswith("/api/"):
        return False
    try:
        return resolve(request.path_info).url_name == "not-found"
    except Resolver404:
        return False


def signed_in_for_api(request) -> bool:
    """Whether the request is signed in by session or carries a valid API token."""
    if request.user.is_authenticated:
        return True
    try:
        return ApiTokenAuthentication().authenticate(request) is not None
    except AuthenticationFailed:
        return False


class PrivateModeMiddleware:
    """With REQUIRE_LOGIN, send anonymous visitors of the dashboard to the sign-in page, and
    keep what signed-in users are shown out of shared caches."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.REQUIRE_LOGIN:
            return self.get_response(request)
        if is_unknown_api_path(request) and not signed_in_for_api(request):
            # Elsewhere under /api/ DRF's permissions answer; this catch-all is plain Django.
            return JsonResponse(
                {"detail": "Authentication credentials were not provided."},
                status=401,
                headers={"WWW-Authenticate": ApiTokenAuthentication.keyword},
            )
        if not is_open_path(request.path) and not request.user.is_authenticated:
            response = redirect_to_login(request.get_full_path())
            if request.headers.get("HX-Request"):
                # htmx would follow a redirect and swap the sign-in page into the partial:
                # have it load the sign-in page as a whole page instead.
                return HttpResponseClientRedirect(response["Location"])
            return response
        response = self.get_response(request)
        if not is_open_path(request.path) or request.path.startswith("/api/"):
            patch_cache_control(response, private=True)
        return response


class AuditContextMiddleware(HistoryMiddleware):
    def get_context(self, request):
        return {**super().get_context(request), "door": door_for_path(request.path)}
