"""Pagination: page numbers for the small lists, a keyset cursor for quotes.

Both refuse a malformed page, page size or cursor with a 400 naming the parameter, where DRF
would quietly fall back to a default or answer 404.
"""

import datetime
import re

from django.db.models import Q
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

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
    """Newest first, by (said_on, id): each page starts after the last row of the one before,
    so deep pages cost no OFFSET scan and new quotes don't shift the pages already read.

    A cursor is `n<day>-<id>` (the rows after that one) or `p<day>-<id>` (the rows before),
    where day is the date's proleptic ordinal. Every string of that shape is a valid cursor.
    """

    page_size = 50
    cursor_query_param = "cursor"
    CURSOR = re.compile(r"^([np])([1-9][0-9]{0,5})-([1-9][0-9]{0,17})$")

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        size = _page_size(request, self.page_size)
        cursor = self._decode(request.query_params.get(self.cursor_query_param))
        if cursor is None:
            rows = list(queryset.order_by("-said_on", "-id")[: size + 1])
            self.has_next, self.has_previous = len(rows) > size, False
            rows = rows[:size]
        elif cursor[0] == "n":
            rows = list(queryset.after(*cursor[1:]).order_by("-said_on", "-id")[: size + 1])
            self.has_next, self.has_previous = len(rows) > size, True
            rows = rows[:size]
        else:
            day, pk = cursor[1:]
            before = Q(said_on__gt=day) | Q(said_on=day, id__gt=pk)
            rows = list(queryset.filter(before).order_by("said_on", "id")[: size + 1])
            self.has_next, self.has_previous = True, len(rows) > size
            rows = rows[:size][::-1]
        self.rows = rows
        return rows

    def _decode(self, raw):
        if raw is None or raw == "":
            return None
        match = self.CURSOR.match(raw)
        if match is None:
            raise ValidationError({"cursor": ["Invalid cursor: use the next or previous link."]})
        direction, ordinal, pk = match.groups()
        return direction, datetime.date.fromordinal(int(ordinal)), int(pk)

    def _link(self, direction, row):
        if row is None:
            return None
        cursor = f"{direction}{row.said_on.toordinal()}-{row.pk}"
        return replace_query_param(self.base_url, self.cursor_query_param, cursor)

    def get_next_link(self):
        if not (self.has_next and self.rows):
            return None
        return self._link("n", self.rows[-1])

    def get_previous_link(self):
        if not (self.has_previous and self.rows):
            if self.has_previous and not self.rows:
                return remove_query_param(self.base_url, self.cursor_query_param)
            return None
        return self._link("p", self.rows[0])

    def get_paginated_response(self, data):
        next_url, previous_url = self.get_next_link(), self.get_previous_link()
        return Response(
            {"next": next_url, "previous": previous_url, "results": data},
            headers=link_header(next_url, previous_url),
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts: copy it from a `next` or `previous` link.",
                "schema": {"type": "string", "pattern": self.CURSOR.pattern},
            },
            PAGE_SIZE_PARAMETER,
        ]
