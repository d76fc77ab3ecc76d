import structlog
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = structlog.get_logger(__name__)


@require_GET
@never_cache
def healthz(request):
    """Answer 200 when the database answers, 503 when it does not (for load balancers and
    Compose)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except (OperationalError, InterfaceError) as error:
        logger.error("database_unavailable", error=str(error))
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
