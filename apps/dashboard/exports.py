"""Downloads of what a page shows: CSV with a header row, or JSON."""

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse

from apps.core.tables import csv_text

FORMATS = {"csv", "json"}


def wanted_format(request) -> str | None:
    """Return 'csv' or 'json' when the page is asked for as a download."""
    value = request.GET.get("format")
    return value if value in FORMATS else None


def answer(fmt: str, filename: str, data: dict) -> HttpResponse:
    """A question's answer (its result's as_dict(), the API's body for the same query) as a
    CSV or JSON attachment. The CSV comes from the one writer the API uses, which neutralises
    spreadsheet formulas."""
    if fmt == "csv":
        response = HttpResponse(csv_text(data), content_type="text/csv; charset=utf-8")
    else:
        response = JsonResponse(data, encoder=DjangoJSONEncoder, safe=False)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
