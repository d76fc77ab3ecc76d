"""The analysts' HTML pages."""

from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.positions.models import Position


@require_GET
def matrix(request):
    """The current published positions, one row per position."""
    today = timezone.localdate()
    positions = (
        Position.objects.published()
        .as_of(today)
        .with_stance()
        .order_by("country__name", "organization__name", "topic__order")
    )
    return TemplateResponse(
        request, "dashboard/matrix.html", {"positions": positions, "as_of": today}
    )
