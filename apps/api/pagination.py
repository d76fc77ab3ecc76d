"""Pagination: page numbers for the small lists, a keyset cursor for quotes.

Page numbers refuse a malformed page or page size with a 400 naming the parameter, where DRF
would quietly fall back to a default or answer 404. The quotes' cursor and page size are
parameters of the quote search (apps.statements.questions), checked the same way.
"""

import re

from rest_framework import pagination
from rest_framework.exceptions import ValidationError

MAX_PAGE_SIZE = 200
PAGE_MAX = 999_999_999


def link_header(next_url, previous_url) -> dict:
    """The page links again as an RFC 8288 Link header, for clients reading CSV."""
    links = [
        f'<{url}>; rel="{rel}"' for url, rel in ((next_url, "next"), (previous_url, "prev")) if url
    ]
    return {"Link": ", ".join(links)} if links else {}


def _page_size(request, default: int) -> int:
    raw = request.query_params.get("page_size")
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationError({"page_size": [f"Give a whole number from 1 to {MAX_PAGE_SIZE}."]})
    return int(raw)


PAGE_SIZE_PARAMETER = {
    "name": "page_size",
    "required": False,
    "in": "query",
    "description": f"Results per page (1–{MAX_PAGE_SIZE}).",
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
}


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ()

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        for name, value in link_header(self.get_next_link(), self.get_previous_link()).items():
            response[name] = value
        return response

    def get_page_size(self, request):
        return _page_size(request, self.page_size)

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None or raw == "":
            return 1
        if not re.fullmatch(r"[1-9][0-9]{0,8}", raw):
            raise ValidationError({"page": [f"Give a whole number from 1 to {PAGE_MAX}."]})
        return int(raw)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "required": False,
                "in": "query",
                "description": "Page number; a page past the last one is a 404.",
                "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_MAX},
            },
            PAGE_SIZE_PARAMETER,
        ]


class QuoteCursorPagination(pagination.BasePagination):
    """The shape of the quote search's pages: `{"next", "previous", "results"}`, newest first,
    by (said_on, id), each page starting after the last row of the one before (no OFFSET
    scan, and new quotes don't shift the pages already read).

    The quote search pages itself (apps.statements.questions.quote_search, which the page
    uses too); this class only states the shape in the schema. Its parameters, `cursor`
    (`n<day>-<id>` or `p<day>-<id>`) and `page_size`, are QuoteSearchParams' fields.
    """

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return []
