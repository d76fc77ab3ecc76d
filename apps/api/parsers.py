"""The API's JSON body parser: DRF's, with limits on size and nesting.

Python's json raises RecursionError on very deep nesting, which DRF would let through as a
500; a body nested deeper than any write needs, or larger than any write needs, is a 400.
"""

import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json as drf_json

MAX_BODY_BYTES = 1024 * 1024  # well above any write (a quote is at most 20,000 characters)
MAX_DEPTH = 16


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = _encoding(parser_context or {})
        body = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
        if len(body) > MAX_BODY_BYTES:
            raise ParseError(f"The JSON body is larger than {MAX_BODY_BYTES // 1024} KB.")
        brackets = body.count(b"[") + body.count(b"{")
        if brackets > MAX_DEPTH and _depth_over(body, MAX_DEPTH):
            raise ParseError(f"The JSON body is nested deeper than {MAX_DEPTH} levels.")
        try:
            text = body.decode(encoding)
            parse_constant = drf_json.strict_constant if self.strict else None
            return json.loads(text, parse_constant=parse_constant)
        except UnicodeError:
            raise ParseError("The JSON body is not text in its declared charset.") from None
        except RecursionError:
            raise ParseError(f"The JSON body is nested deeper than {MAX_DEPTH} levels.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None


def _encoding(parser_context: dict) -> str:
    """The request's charset, a text one only (a bytes codec such as bz2 would inflate it)."""
    encoding = parser_context.get("encoding") or settings.DEFAULT_CHARSET
    try:
        "".encode(encoding)
    except (LookupError, UnicodeError):
        raise ParseError(f"Unsupported charset “{encoding}” in the Content-Type header.") from None
    return encoding


def _depth_over(body: bytes, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than ``limit`` (a cheap scan, no parse)."""
    depth, in_string, escaped = 0, False, False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False
