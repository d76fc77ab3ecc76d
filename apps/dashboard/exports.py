"""Downloads of what a page shows: CSV with a header row, or JSON."""

import csv

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse

FORMATS = {"csv", "json"}


def wanted_format(request) -> str | None:
    """Return 'csv' or 'json' when the page is asked for as a download."""
    value = request.GET.get("format")
    return value if value in FORMATS else None


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


def quote_record_dict(quote) -> dict:
    """One quote as an export row (also the JSON shape)."""
    return {
        "id": quote.pk,
        "said_on": quote.said_on.isoformat(),
        "said_precision": quote.said_precision,
        "speaker": quote.speaker_name,
        "role": quote.role.title if quote.role_id else "",
        "country": quote.country.code if quote.country_id else "",
        "text": quote.text,
        "is_paraphrase": quote.is_paraphrase,
        "channel": quote.channel,
        "source": quote.source.title,
        "url": quote.source.url,
        "citation": quote.citation,
    }


QUOTE_COLUMNS = [
    "id",
    "said_on",
    "said_precision",
    "speaker",
    "role",
    "country",
    "text",
    "is_paraphrase",
    "channel",
    "source",
    "url",
    "citation",
]


def quotes_download(fmt: str, filename: str, quotes, extra: dict | None = None):
    records = [quote_record_dict(q) for q in quotes]
    columns = QUOTE_COLUMNS
    rows = [[record[c] for c in columns] for record in records]
    return download(fmt, filename, columns, rows, {**(extra or {}), "quotes": records})
