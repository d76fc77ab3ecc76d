"""/api/v1/: every resource readable by anyone, editable by editors, deletable by administrators."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import MethodNotAllowed, NotFound, ValidationError
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from apps.api import filters, reads, serializers
from apps.api.conditional import ANY, conditional_get, if_match_versions, version_etag
from apps.api.exceptions import Conflict, PreconditionFailed
from apps.api.fields import QUERY_VALUE_MAX, SLUG_MAX
from apps.api.pagination import QuoteCursorPagination, link_header
from apps.api.params import schema_of, validated
from apps.api.renderers import CSVRenderer, JSONRenderer, RenderedJSON
from apps.core.caching import kept_answer
from apps.core.params import QueryParams
from apps.core.services import StillNeeded, VersionConflict
from apps.core.versions import data_version, sees_drafts
from apps.positions import questions
from apps.positions.services import position_delete
from apps.statements.questions import QuoteSearchParams, quote_search
from apps.statements.services import quote_delete

# Free text may be empty (no words). Anything else given empty is no date, number, code,
# choice or list, and is refused rather than silently ignored: leave the parameter out.
MAY_BE_EMPTY = frozenset({"q", "search"})
LISTS = frozenset({"ordering", "topics", "countries"})


def check_query_params(request, known: frozenset[str] | None = None) -> None:
    """Refuse, naming the parameter, a query value with a NUL byte, longer than the limit, or
    empty where a value is expected; and, when the view's ``known`` names are given, any
    parameter it does not know (a misspelt filter would otherwise answer everything)."""
    errors: dict[str, list[str]] = {}
    for name, values in request.query_params.lists():
        label = name.replace("\x00", "")[:100] or "query"
        if known is not None and name not in known:
            if len(errors) < 20:
                errors[label] = [
                    "Unknown parameter. This address takes: " + ", ".join(sorted(known)) + "."
                ]
            continue
        for value in values:
            if "\x00" in name or "\x00" in value:
                errors[label] = ["May not contain NUL characters."]
            elif len(value) > QUERY_VALUE_MAX:
                errors[label] = [f"At most {QUERY_VALUE_MAX} characters."]
            elif value == "" and name not in MAY_BE_EMPTY:
                errors[label] = ["Give a value, or leave the parameter out."]
            elif name in LISTS and "" in (item.strip() for item in value.split(",")):
                errors[label] = ["Give comma-separated values, none of them empty."]
    if errors:
        raise ValidationError(errors)


# The mixin below is mixed into DRF views, which the type checker sees as its base.
if TYPE_CHECKING:
    _APIViewBase = APIView
else:
    _APIViewBase = object


class ApiViewMixin(_APIViewBase):
    """What every API view shares: 405 before anything else, strict query parameters, errors
    always as JSON, and ETag with 304 on GET."""

    csv_filename = "export"

    def initial(self, request, *args, **kwargs):
        if getattr(self, request.method.lower(), None) is None:
            raise MethodNotAllowed(request.method)
        check_query_params(request, self.known_query_params())
        for value in kwargs.values():
            # No key has a NUL byte or is that long (and PostgreSQL refuses NUL in a query).
            if not isinstance(value, str) or "\x00" in value or len(value) > SLUG_MAX:
                raise NotFound()
        super().initial(request, *args, **kwargs)

    def answers_csv(self) -> bool:
        return getattr(self, "action", None) == "list"

    def known_query_params(self) -> frozenset[str]:
        """The query parameters this request may carry: `format` everywhere; on a list its
        filters (with `search` and `ordering` where it has them) and its paging; on a
        question (and the quote search) the fields of its parameter class."""
        names = {"format"}
        action = getattr(self, "action", None)
        if action in (None, "list"):
            params_class = getattr(self, "params_class", None)
            if params_class is not None:
                names |= set(params_class.base_fields) | set(params_class.passthrough)
        if action == "list":
            filterset = getattr(self, "filterset_class", None)
            if filterset is not None:
                names |= set(filterset.base_filters)
            paginator = getattr(self, "paginator", None)
            for attribute in ("page_query_param", "page_size_query_param", "cursor_query_param"):
                if getattr(paginator, attribute, None):
                    names.add(getattr(paginator, attribute))
        return frozenset(names)

    def get_renderers(self):
        renderers = super().get_renderers()
        if self.answers_csv():
            return renderers
        return [r for r in renderers if not isinstance(r, CSVRenderer)]

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400 and isinstance(
            getattr(request, "accepted_renderer", None), CSVRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ("Authorization", "Cookie"))
        if request.method in ("GET", "HEAD") and response.status_code == status.HTTP_200_OK:
            response = conditional_get(request, response)
        return response


class ReadViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = "[^/]+"
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    def list(self, request, *args, **kwargs):
        build = super().list
        return kept_for_readers(request, lambda: build(request, *args, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        build = super().retrieve
        return kept_for_readers(request, lambda: build(request, *args, **kwargs))


class EditorialViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, ReadViewSet
):
    """Create and update through the write serializer (and so the services); answer with the
    read shape. Versioned resources need If-Match to change."""

    # Each resource names both: its write serializer and its read shape.
    write_serializer_class: type[BaseSerializer]
    serializer_class: type[BaseSerializer]
    versioned = False

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return self.write_serializer_class
        return self.serializer_class

    def read_response(self, instance, status_code=status.HTTP_200_OK, headers=None):
        instance = self.get_queryset().get(pk=instance.pk)
        headers = dict(headers or {})
        if self.versioned:
            headers["ETag"] = version_etag(instance.version)
        data = self.serializer_class(instance, context=self.get_serializer_context()).data
        return Response(data, status=status_code, headers=headers)

    def retrieve(self, request, *args, **kwargs):
        def build():
            instance = self.get_object()
            response = Response(self.get_serializer(instance).data)
            if self.versioned:
                response["ETag"] = version_etag(instance.version)
            return response

        return kept_for_readers(request, build)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            instance = serializer.save()
        lookup = getattr(instance, self.lookup_field)
        location = request.build_absolute_uri(f"{lookup}/")
        return self.read_response(instance, status.HTTP_201_CREATED, {"Location": location})

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        if not self.versioned:
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            with transaction.atomic():
                instance = serializer.save()
            return self.read_response(instance)
        versions = if_match_versions(request)
        try:
            with transaction.atomic():
                # The body is checked against the row as it is now (locked: a writer holding
                # the same version waits here); a body invalid anyway is refused first,
                # whatever the version. The service compares the version.
                locked = type(instance).objects.select_for_update().get(pk=instance.pk)
                serializer = self.get_serializer(locked, data=request.data, partial=partial)
                serializer.is_valid(raise_exception=True)
                instance = serializer.save(expected_version=None if versions is ANY else versions)
        except VersionConflict as conflict:
            raise PreconditionFailed(
                f"This object is at version {conflict.current}, not the one in If-Match: "
                "GET it again and redo your edit."
            ) from conflict
        except StillNeeded as refused:
            raise Conflict(str(refused)) from refused
        return self.read_response(instance)

    def perform_destroy(self, instance):
        with transaction.atomic():
            instance.delete()


# --- reference data: read only ---------------------------------------------------------------


class CountryViewSet(ReadViewSet):
    """Countries by ISO 3166-1 alpha-2 code: NATO members (with the date they joined) and others."""

    queryset = reads.countries()
    serializer_class = serializers.CountrySerializer
    filterset_class = filters.CountryFilter
    lookup_field = "code"
    csv_filename = "countries"


class BlocViewSet(ReadViewSet):
    """Named groups of countries: Bucharest Nine, Nordic-Baltic Eight, G7, …"""

    queryset = reads.blocs()
    serializer_class = serializers.BlocSerializer
    filterset_class = filters.BlocFilter
    lookup_field = "slug"
    csv_filename = "blocs"


class TopicViewSet(ReadViewSet):
    """The questions positions answer, each with its stance scale (+2 to −2)."""

    queryset = reads.topics()
    serializer_class = serializers.TopicSerializer
    lookup_field = "slug"
    csv_filename = "topics"


# --- editorial data ------------------------------------------------------------------------


class OrganizationViewSet(EditorialViewSet):
    """NATO, the EU, ministries, NGOs, universities, newspapers."""

    serializer_class = serializers.OrganizationSerializer
    write_serializer_class = serializers.OrganizationWriteSerializer
    filterset_class = filters.OrganizationFilter
    lookup_field = "slug"
    csv_filename = "organizations"

    def get_queryset(self):
        return reads.organizations(self.request.user)


class PersonViewSet(EditorialViewSet):
    """Officials and experts, with their posts over time."""

    serializer_class = serializers.PersonSerializer
    write_serializer_class = serializers.PersonWriteSerializer
    filterset_class = filters.PersonFilter
    lookup_field = "slug"
    csv_filename = "people"

    def get_queryset(self):
        return reads.people(self.request.user)


class RoleViewSet(EditorialViewSet):
    """A person's dated posts."""

    serializer_class = serializers.RoleSerializer
    write_serializer_class = serializers.RoleWriteSerializer
    filterset_class = filters.RoleFilter
    csv_filename = "roles"

    def get_queryset(self):
        return reads.roles(self.request.user)


class EventViewSet(EditorialViewSet):
    """Summits, ministerial meetings, declarations, agreements, elections."""

    serializer_class = serializers.EventSerializer
    write_serializer_class = serializers.EventWriteSerializer
    filterset_class = filters.EventFilter
    lookup_field = "slug"
    csv_filename = "events"

    def get_queryset(self):
        return reads.events(self.request.user)


class SourceViewSet(EditorialViewSet):
    """Where statements were published. Changing one needs If-Match."""

    serializer_class = serializers.SourceSerializer
    write_serializer_class = serializers.SourceWriteSerializer
    filterset_class = filters.SourceFilter
    versioned = True
    csv_filename = "sources"

    def get_queryset(self):
        return reads.sources(self.request.user)


class QuoteViewSet(EditorialViewSet):
    """What was said, by whom, when and where: published quotes for everyone, drafts for
    editors. Newest first, paged by cursor. Changing one needs If-Match."""

    serializer_class = serializers.QuoteSerializer
    write_serializer_class = serializers.QuoteWriteSerializer
    pagination_class = QuoteCursorPagination
    params_class = QuoteSearchParams  # the list's parameters (the page's)
    versioned = True
    csv_filename = "quotes"

    def get_queryset(self):
        return reads.quotes(self.request.user)

    @extend_schema(parameters=[schema_of(QuoteSearchParams)])
    def list(self, request, *args, **kwargs):
        """The quote search: the parameters the page takes, the answer the page downloads."""

        def build():
            params = validated(request, QuoteSearchParams)
            result = quote_search(params, user=request.user)
            body = result.as_dict(request.build_absolute_uri())
            return Response(body, headers=link_header(body["next"], body["previous"]))

        return kept_for_readers(request, build)

    def perform_destroy(self, instance):
        try:
            quote_delete(quote=instance, by=self.request.user)
        except StillNeeded as refused:
            raise Conflict(str(refused)) from refused


REVIEWED_CHANGE = extend_schema(
    responses={200: serializers.PositionSerializer, 202: serializers.RevisionSerializer},
    description="Change a position. A change to what a published (or retracted) position "
    "says is reviewed: the answer is **202 Accepted** with the revision in review (its "
    "`Location` under /api/v1/revisions/), and the position is unchanged until another editor "
    "publishes the revision. A draft or a position in review is changed at once (200).",
)


@extend_schema_view(update=REVIEWED_CHANGE, partial_update=REVIEWED_CHANGE)
class PositionViewSet(EditorialViewSet):
    """Who stands where on a topic, from when, on what evidence. Recording a position fits it
    into its holder's history (the one in force is closed, never deleted). Changing one needs
    If-Match; changing a published one proposes a revision (202)."""

    serializer_class = serializers.PositionSerializer
    write_serializer_class = serializers.PositionWriteSerializer
    filterset_class = filters.PositionFilter
    versioned = True

    def read_response(self, instance, status_code=status.HTTP_200_OK, headers=None):
        revision = getattr(instance, "proposed_revision", None)
        if revision is None:
            return super().read_response(instance, status_code, headers)
        location = self.request.build_absolute_uri(f"/api/v1/revisions/{revision.pk}/")
        data = serializers.RevisionSerializer(revision, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

    csv_filename = "positions"

    def get_queryset(self):
        return reads.positions(self.request.user)

    def perform_destroy(self, instance):
        # A published position's predecessor runs on, as after a retraction.
        position_delete(position=instance, by=self.request.user)


# --- the hot reads ---------------------------------------------------------------------------


class ComputedView(ApiViewMixin, APIView):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    def answers_csv(self) -> bool:
        return True


def kept_form(request) -> str:
    """What an answer is kept as, which is what its rendering depends on besides the address:
    a plain JSON answer as its bytes ("json"); any other format (CSV, indented JSON, the
    browsable API) as the data it renders from ("data")."""
    rendered = type(request.accepted_renderer) is JSONRenderer and (
        request.accepted_media_type == JSONRenderer.media_type
    )
    return "json" if rendered else "data"


def render_json(request, data) -> RenderedJSON:
    media_type = request.accepted_media_type
    return RenderedJSON(JSONRenderer().render(data, media_type, {"request": request}))


def computed(request, name: str, parts, build):
    """Return build()'s data (or its rendered JSON) from the cache (apps.core.caching), keyed
    by the data version, the address and the parameters: the matrix, a comparison and the
    change list are the same for every client, signed in or not."""
    form = kept_form(request)

    def rendered():
        data = build()
        return render_json(request, data) if form == "json" else data

    return kept_answer(
        request, (name, parts, form), build=rendered, keep=lambda data: data, answer=lambda d: d
    )


def kept_for_readers(request, build):
    """Answer a reader's list or detail (anonymous or signed in: readers see only what is
    published, and get the same answer) from the cache (apps.core.caching) when the data has
    not changed since it was built: the serialized data (or its rendered JSON) with the
    headers the view set (the ETag, a list's Link to its other pages). Those who may see
    drafts are answered afresh."""
    if sees_drafts(request.user):
        return build()
    form = kept_form(request)

    def keep(response):
        if response.status_code != status.HTTP_200_OK:
            return None
        data = render_json(request, response.data) if form == "json" else response.data
        # The renderer sets the type (and a CSV's file name) again on every answer.
        headers = {k: v for k, v in response.items() if k.lower() != "content-type"}
        return data, headers

    def answer(kept):
        data, headers = kept
        return Response(data, headers=headers)

    return kept_answer(request, ("read", form), build=build, keep=keep, answer=answer)


def params_key(params: dict) -> list:
    """The cleaned parameters as cache-key parts: objects by their key, lists in order."""

    def key(value):
        if isinstance(value, list):
            return [key(item) for item in value]
        return getattr(value, "pk", value)

    return sorted((name, key(value)) for name, value in params.items())


class QuestionView(ComputedView):
    """An analyst's question: the parameters validated by the class the page uses, the answer
    from the domain's query, kept for the data version."""

    params_class: type = QueryParams
    question: Callable[[dict], Any] = staticmethod(lambda params: None)  # each view names its own

    def get(self, request):
        params = validated(request, self.params_class)
        name = type(self).__name__
        build = lambda: type(self).question(params).as_dict()  # noqa: E731
        return Response(computed(request, name, params_key(params), build))


class MatrixView(QuestionView):
    """Allies (and NATO) × topics on a date: the stance in force in each cell, or null.

    Only published positions count."""

    csv_filename = "matrix"
    params_class = questions.MatrixParams
    question = staticmethod(questions.matrix)

    @extend_schema(
        parameters=[schema_of(questions.MatrixParams)], responses=serializers.MatrixSerializer
    )
    def get(self, request):
        return super().get(request)


class CompareView(QuestionView):
    """Two to four countries side by side on a date: each topic's stance in force with its
    published evidence, and how it evolved up to that day. Only published positions count."""

    csv_filename = "compare"
    params_class = questions.CompareParams
    question = staticmethod(questions.compare)

    @extend_schema(
        parameters=[schema_of(questions.CompareParams)],
        responses=serializers.ComparisonSerializer,
    )
    def get(self, request):
        return super().get(request)


class ChangesView(QuestionView):
    """Who moved between two dates: stance changes (up or down the scale), new and ended
    positions, with the evidence behind the later state. Only published positions count."""

    csv_filename = "changes"
    params_class = questions.ChangesPageParams
    question = staticmethod(questions.changes)

    @extend_schema(
        parameters=[schema_of(questions.ChangesPageParams)],
        responses=serializers.ChangesSerializer,
    )
    def get(self, request):
        """One page of the changes (`page`, `page_size`), with the count of them all and the
        addresses of the next and previous pages."""
        params = validated(request, self.params_class)

        def build():
            answer = questions.changes(params).as_dict()
            here = request.build_absolute_uri()
            page, pages = answer["page"], answer["pages"]
            answer["next"] = replace_query_param(here, "page", page + 1) if page < pages else None
            answer["previous"] = (
                replace_query_param(here, "page", page - 1) if 1 < page <= pages + 1 else None
            )
            return answer

        return Response(computed(request, "ChangesView", params_key(params), build))


# The schema is written in the site's language, for the one version of the API (its addresses
# name it: /api/v1/). drf-spectacular would otherwise generate a schema for any `lang` or
# `version` a request names, and put the version into the file name.
SCHEMA_LANGUAGES = frozenset({settings.LANGUAGE_CODE})


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema. Generating it reads the reference data its enumerations list (some
    thirty queries), so it is generated once per data version and process, then reused. A
    `lang` other than the site's language, or any `version`, is refused (400): no request can
    make it generate another schema or evict the one kept."""

    _generated: dict = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        errors = {}
        lang = request.query_params.get("lang")
        if lang is not None and lang not in SCHEMA_LANGUAGES:
            known = ", ".join(sorted(SCHEMA_LANGUAGES))
            errors["lang"] = [f"The schema is written in {known} only: use that or leave lang out."]
        if "version" in request.query_params:
            errors["version"] = [
                "The API has one version, named in its addresses (/api/v1/): leave version out."
            ]
        if errors:
            raise ValidationError(errors)

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400:  # errors are JSON, as everywhere in the API
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def _get_schema_response(self, request):
        key = data_version()
        data = self._generated.get(key)
        if data is None:
            generator = self.generator_class(urlconf=self.urlconf, patterns=self.patterns)
            data = generator.get_schema(request=request, public=self.serve_public)
            type(self)._generated = {key: data}  # only the current version is kept
        # The title and the chosen renderer's suffix (yaml or json): nothing from the request.
        filename = self._get_filename(request, None)
        return Response(
            data=data, headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any other path under /api/: a JSON 404, or a redirect where only the slash is missing."""
    if not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not-found":
            response = JsonResponse({"detail": "Moved: add the trailing slash."}, status=308)
            # Percent-encoded, as APPEND_SLASH's redirect is: a non-ASCII path written as is
            # would be a malformed header.
            response["Location"] = request.get_full_path(force_append_slash=True)
            return response
    return JsonResponse({"detail": "Not found."}, status=404)
