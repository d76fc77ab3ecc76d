"""Private mode: with REQUIRE_LOGIN, the dashboard and the API answer signed-in users only."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control
from django_htmx.http import HttpResponseClientRedirect
from rest_framework.exceptions import AuthenticationFailed

from apps.accounts.authentication import ApiTokenAuthentication


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
