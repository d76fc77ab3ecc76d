from django.db import connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.outages import DATABASE_ERRORS, RETRY_AFTER_SECONDS, report


@require_GET
@never_cache
def healthz(request):
    """Answer 200 when the database answers, 503 when it does not (for load balancers and
    Compose)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DATABASE_ERRORS as error:
        # Logged once per outage, as the pages' and the API's 503s are (apps.core.outages).
        report(error)
        response = HttpResponse(
            "database unavailable",
            status=503,
            content_type="text/plain",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
        response._has_been_logged = True  # type: ignore[attr-defined]  # not again per request
        return response
    return HttpResponse("ok", content_type="text/plain")
