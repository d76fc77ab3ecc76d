"""HTTP validators: ETags for conditional GETs, If-Match for edits that must not be lost.

Lists, the matrix and the change list get a weak ETag hashed from the rendered body, so any
change in what a client would receive changes it. Quotes, positions and sources get the strong
ETag `"<version>"`: the version the services count on every edit, which is what If-Match must
name to change them. (Nested names, such as a quote's speaker, belong to other objects and
don't change the version.)
"""

import hashlib
import re

from django.utils.cache import get_conditional_response
from rest_framework.exceptions import ValidationError

from apps.api.exceptions import PreconditionRequired

ANY = "*"
ENTITY_TAG = r'(?:W/)?"[0-9]{1,10}"'
IF_MATCH_PATTERN = rf"^(?:\*|{ENTITY_TAG}(?:\s*,\s*{ENTITY_TAG})*)$"


def version_etag(version: int) -> str:
    return f'"{version}"'


def content_etag(content: bytes) -> str:
    return f'W/"{hashlib.sha256(content).hexdigest()[:32]}"'


def if_match_versions(request):
    """Return the versions If-Match names (strong tags only), or ANY for `*`.

    Missing: 428. Malformed: 400 naming the header.
    """
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    if not re.fullmatch(IF_MATCH_PATTERN, header):
        raise ValidationError(
            {"If-Match": ['Give the ETag from your last GET, e.g. "3" (or * for any version).']}
        )
    if header == ANY:
        return ANY
    # A weak tag never matches in If-Match (RFC 9110, 13.1.1).
    return {int(tag.strip('"')) for tag in re.findall(r'(?<!W/)"[0-9]+"', header)}


def conditional_get(request, response):
    """Give a 200 GET response its ETag, and answer 304 when If-None-Match already has it."""
    if not response.has_header("ETag"):
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        response["ETag"] = content_etag(response.content)
    return get_conditional_response(request, etag=response["ETag"], response=response)
