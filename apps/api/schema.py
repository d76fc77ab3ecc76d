"""The OpenAPI schema says exactly what the API accepts and answers.

- Every operation lists every status it can answer (400 for any bad parameter or body, 401 for
  a bad token, 304 for a conditional GET, 412/428 for edits without a current If-Match, …).
- Reference data is listed: country codes, topic and bloc slugs are enums read from the
  database when the schema is generated.
- Dates are `format: date`; the range the API accepts (from 1900, and not after today where
  a date may not be in the future) is said in words: OpenAPI has no bound for a date, and a
  pattern for "up to today" would change every day.
- Free-text query parameters state the length limit and the ban on NUL bytes.
"""

from typing import Any

from django.core.validators import RegexValidator
from django.db import DatabaseError
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import (
    ResolvedComponent,
    build_array_type,
    build_bearer_security_scheme_object,
)
from drf_spectacular.utils import OpenApiParameter
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS

from apps.api.conditional import IF_MATCH_PATTERN
from apps.api.fields import (
    ID_MAX,
    QUERY_VALUE_MAX,
    SLUG_MAX,
    SLUG_PATTERN,
    URL_PATTERN,
    PastDateField,
)
from apps.api.pagination import PageNumberPagination
from apps.core.validators import EARLIEST_DATE, reject_blank

NO_NUL = r"^[^\u0000]*$"
PAST_DATE_DESCRIPTION = f"A date, YYYY-MM-DD, from {EARLIEST_DATE.isoformat()} and not after today."
# Python's str.isspace() characters, which the model's "not only whitespace" rule uses
# (JavaScript's \s differs, so they are listed).
WHITESPACE = (
    r"\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
)
NOT_BLANK = rf"^[^\u0000]*[^\u0000{WHITESPACE}][^\u0000]*$"

ERROR = {
    "type": "object",
    "description": "`detail` says why; a refused body or parameter is named with its messages "
    'instead, e.g. {"as_of": ["The date cannot be in the future."]}.',
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {},
}

CSV = {
    "type": "string",
    "description": "The rows (a list's results, the matrix's rows, the changes' entries) as CSV, "
    "nested fields in dotted columns, after a UTF-8 byte-order mark (for spreadsheets). The "
    "matrix's and a comparison's rows begin with `as_of`, the changes' with `from` and `to`; "
    "where there is no position (a null matrix cell, `current`, `before` or `after`) its "
    "columns say `none`.",
}

STATUS_TEXT = {
    "304": "Not modified: the ETag in If-None-Match is still current.",
    "400": "A parameter or a field of the body is invalid; each is named with its messages.",
    "401": "The token is invalid, expired or revoked (or a write was sent without one).",
    "403": "You may not do this: writes need an editor, deletion an administrator.",
    "404": "No such object (or not published), or a page past the last one.",
    "406": "No representation matches the Accept header.",
    "409": "Still referred to by other data, or in conflict with a simultaneous change.",
    "414": "The URL is longer than the server accepts (about 4 KB).",
    "412": "If-Match names an older version: GET the object again and redo the edit.",
    "415": "Send the body as application/json.",
    "428": "If-Match is required to change this object.",
    "429": "Too many requests: retry after the number of seconds in Retry-After.",
}


# --- field and authentication extensions ---------------------------------------------------


class StrictCharFieldExtension(OpenApiSerializerFieldExtension):
    """Text: no NUL bytes; where the model refuses whitespace-only text, at least one other
    character (or, if it may be blank, nothing at all)."""

    target_class = "apps.api.fields.StrictCharField"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        if direction != "request" or field.read_only:
            return schema
        if any(isinstance(v, RegexValidator) for v in field.validators):
            return schema  # the validator's own pattern says it (a language code, say)
        # For a field that may be blank, spectacular adds the empty string as a oneOf branch,
        # so the pattern must not match it as well.
        schema["pattern"] = NOT_BLANK if reject_blank in field.validators else r"^[^\u0000]+$"
        if not field.allow_blank:
            schema["minLength"] = 1
        return schema


class StrictURLFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "apps.api.fields.StrictURLField"

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        # At least one character, so that it and spectacular's blank branch never both match.
        return {**schema, "pattern": URL_PATTERN, "minLength": 1}


class SlugReferenceExtension(OpenApiSerializerFieldExtension):
    """A person, organization or event by its slug."""

    target_class = "apps.api.fields.StrictSlugRelatedField"

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "pattern": SLUG_PATTERN, "maxLength": SLUG_MAX}


class IdReferenceExtension(OpenApiSerializerFieldExtension):
    """A source, role or quote by its id."""

    target_class = "apps.api.fields.StrictPrimaryKeyRelatedField"

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "integer", "minimum": 1, "maximum": ID_MAX}


class IsoDateFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "apps.api.fields.IsoDateField"

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "format": "date"}


class PastDateFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "apps.api.fields.PastDateField"

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "format": "date", "description": PAST_DATE_DESCRIPTION}


class ListedValuesExtension(OpenApiSerializerFieldExtension):
    """A query parameter that lists values read from the data (apps.api.params)."""

    target_class = "apps.api.params.ListedValuesField"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        try:
            values = list(field.listed_values())
        except DatabaseError:
            values = []
        schema = {"type": "string", "enum": values} if values else dict(field.fallback)
        if field.help_text:
            schema["description"] = str(field.help_text)
        return schema


class ReferenceFieldExtension(OpenApiSerializerFieldExtension):
    """A country code, topic slug or bloc slug: a named component listing the values that exist."""

    target_class = "apps.api.fields.ReferenceField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        model = field.model
        schema = {"type": "string", "description": field.schema_description}
        try:
            values = list(
                model.objects.order_by(field.slug_field).values_list(field.slug_field, flat=True)
            )
        except DatabaseError:
            values = []
        if values:
            schema["enum"] = values
        component = ResolvedComponent(
            name=field.schema_name,
            type=ResolvedComponent.SCHEMA,
            object=field.schema_name,
            schema=schema,
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class CommaSeparatedFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "apps.api.fields.CommaSeparatedField"

    def map_serializer_field(self, auto_schema, direction):
        items = auto_schema._map_serializer_field(self.target.child, direction)
        schema = {**build_array_type(items), "uniqueItems": True}
        bounds = (("minItems", "min_items"), ("maxItems", "max_items"))
        schema.update(
            {
                key: getattr(self.target, name)
                for key, name in bounds
                if getattr(self.target, name, None)
            }
        )
        return schema


class QueryBooleanFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "apps.api.fields.QueryBooleanField"

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "boolean"}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        definition = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )
        definition["description"] = (
            "`Authorization: Token <key>`, the key printed once by "
            "`manage.py create_api_token USERNAME`."
        )
        return definition


# --- operations -----------------------------------------------------------------------------


class ApiAutoSchema(AutoSchema):
    """Reads are public; writes name their body (write serializer) and answer the read shape;
    every operation documents the statuses and headers it can answer."""

    def get_auth(self):
        auths = super().get_auth()
        if self._signed_in_only():
            return [auth for auth in auths if auth != {}]
        if self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        # A field's own help text would replace the date rule the extension states: say both.
        if isinstance(field, PastDateField) and field.help_text:
            meta["description"] = f"{meta['description']} {PAST_DATE_DESCRIPTION}"
        return meta

    def _write_serializer(self):
        """A write's request serializer: the view's write_serializer_class, when it names one."""
        if self.method not in ("POST", "PUT", "PATCH"):
            return None
        return getattr(self.view, "write_serializer_class", None)

    def _writes(self) -> bool:
        return bool(self._write_serializer())

    def get_request_serializer(self):
        return self._write_serializer() or super().get_request_serializer()

    def get_response_serializers(self):
        if self._writes() and isinstance(self.view, GenericAPIView):
            return self.view.serializer_class
        return super().get_response_serializers()

    def _versioned_write(self) -> bool:
        return self.method in ("PUT", "PATCH") and getattr(self.view, "versioned", False)

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        etag = OpenApiParameter(
            "ETag",
            str,
            OpenApiParameter.HEADER,
            required=True,
            response=[200, 304] if self.method == "GET" else [200, 201],
            description='The version (`"3"`) of a quote, position or source; otherwise a hash '
            "of the body.",
        )
        if self.method == "GET" and self._is_list_view() and self._get_paginator():
            parameters.append(
                OpenApiParameter(
                    "Link",
                    str,
                    OpenApiParameter.HEADER,
                    response=[200],
                    description='The next and previous pages (rel="next", rel="prev"), as in '
                    "the body: for CSV, which has no room for them.",
                )
            )
        if self.method == "GET":
            parameters += [
                OpenApiParameter(
                    "If-None-Match",
                    str,
                    OpenApiParameter.HEADER,
                    description="An ETag you hold: if it is still current the answer is a 304.",
                ),
                etag,
            ]
        if self.method == "POST" and getattr(self.view, "versioned", False):
            parameters.append(etag)
        if self._versioned_write():
            parameters += [
                OpenApiParameter(
                    "If-Match",
                    {"type": "string", "pattern": IF_MATCH_PATTERN},
                    OpenApiParameter.HEADER,
                    required=True,
                    description='The ETag from your last GET of this object, e.g. `"3"`.',
                ),
                etag,
            ]
        parameters.append(
            OpenApiParameter(
                "Retry-After",
                int,
                OpenApiParameter.HEADER,
                required=True,
                response=[429],
                description="Seconds to wait.",
            )
        )
        return parameters

    def _signed_in_only(self) -> bool:
        """Views closed to anonymous readers (the editors' revisions): every method needs a
        token or a session, and answers 401 without one, 403 to who may not use it."""
        return bool(getattr(self.view, "signed_in_only", False))

    def _statuses(self) -> set[str]:
        codes = {"400", "401", "406", "429"}
        if self._signed_in_only():
            codes.add("403")
        # An object's path, or an action on one (…/{id}/publish/): either may not exist.
        detail = "{" in self.path
        paged = isinstance(self._get_paginator(), PageNumberPagination) and self._is_list_view()
        if detail or paged:
            codes.add("404")
        if self.method == "GET":
            codes |= {"304", "414"}
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes |= {"403", "409"}
        if self.method in ("POST", "PUT", "PATCH"):
            codes.add("415")
        if self._versioned_write():
            codes |= {"412", "428"}
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        self.registry.register_on_missing(
            ResolvedComponent(
                name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=ERROR
            )
        )
        error_ref = {"$ref": "#/components/schemas/Error"}
        for code in sorted(self._statuses()):
            if code in responses:
                continue
            headers = self._get_response_headers_for_code(code, direction)
            response: dict[str, Any] = {"description": STATUS_TEXT[code]}
            if headers:
                response["headers"] = headers
            if code not in ("304", "414"):
                response["content"] = {"application/json": {"schema": error_ref}}
            responses[code] = response
        return responses


# --- the whole schema -----------------------------------------------------------------------


def harden_query_parameters(result, generator, request, public):
    """State the limits every query value has: at most QUERY_VALUE_MAX characters, no NUL
    bytes; and send lists as comma-separated values (explode: false), never empty."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "query":
                    continue
                schema = parameter.get("schema", {})
                if schema.get("type") == "array":
                    parameter["style"], parameter["explode"] = "form", False
                    schema.setdefault("minItems", 1)  # `countries=` is ambiguous: leave it out
                    _limit_text(schema.get("items", {}))
                else:
                    _limit_text(schema)
            for response in operation.get("responses", {}).values():
                if "text/csv" in response.get("content", {}):
                    response["content"]["text/csv"] = {"schema": CSV}
    return result


def _limit_text(schema: dict) -> None:
    if schema.get("type") != "string" or "enum" in schema:
        return
    schema.setdefault("maxLength", QUERY_VALUE_MAX)
    if "pattern" not in schema and "format" not in schema:
        schema["pattern"] = NO_NUL


def link_created_objects(result, generator, request, public):
    """Link each create (201) to the read, change and delete of what it made, passing the new
    object's key and, for versioned objects, its ETag as If-Match."""
    paths = result.get("paths", {})
    for path, operations in paths.items():
        created = operations.get("post", {}).get("responses", {}).get("201")
        if created is None:
            continue
        detail = next(
            (p for p in paths if p.startswith(path + "{") and p.count("/") == path.count("/") + 1),
            None,
        )
        if detail is None:
            continue
        key = detail[len(path) + 1 : detail.index("}")]
        links = {}
        for operation in paths[detail].values():
            parameters = {key: f"$response.body#/{key}"}
            if any(p["name"] == "If-Match" for p in operation.get("parameters", [])):
                parameters["header.If-Match"] = "$response.header.ETag"
            links[operation["operationId"]] = {
                "operationId": operation["operationId"],
                "parameters": parameters,
            }
        created["links"] = links
    return result


BLANK = {"type": "string", "maxLength": 0}


def merge_blank_alternatives(result, generator, request, public):
    """Write "empty, or text matching P" as one pattern, `^$|P`, instead of spectacular's
    oneOf of the two: a fuzzer negating one branch of a oneOf may produce the other."""
    for schema in result.get("components", {}).get("schemas", {}).values():
        for name, prop in schema.get("properties", {}).items():
            alternatives = prop.get("oneOf", [])
            if len(alternatives) != 2 or alternatives[1] != BLANK:
                continue
            inner = alternatives[0]
            if "pattern" not in inner:
                continue
            merged = {key: value for key, value in prop.items() if key != "oneOf"}
            merged.update(type="string", pattern=f"^$|{inner['pattern']}")
            if "maxLength" in inner:
                merged["maxLength"] = inner["maxLength"]
            schema["properties"][name] = merged
    return result
