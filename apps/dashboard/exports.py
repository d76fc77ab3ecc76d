"""Downloads of what a page shows: CSV with a header row, or JSON."""

import csv

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


def download(fmt: str, filename: str, header: list[str], rows: list[list], payload) -> HttpResponse:
    """Answer the rows as CSV, or the payload as JSON, as an attachment."""
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        writer = csv.writer(response)
        writer.writerow(header)
        writer.writerows(rows)
        return response
    response = JsonResponse(
        payload, encoder=DjangoJSONEncoder, json_dumps_params={"indent": 2}, safe=False
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response
