"""/api/v1/: every resource readable by anyone, editable by editors, deletable by administrators."""

import hashlib

from django.core.cache import cache
from django.db import transaction
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import MethodNotAllowed, NotFound, ValidationError
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api import filters, reads, serializers
from apps.api.conditional import ANY, conditional_get, if_match_versions, version_etag
from apps.api.exceptions import Conflict, PreconditionFailed
from apps.api.fields import QUERY_VALUE_MAX, SLUG_MAX
from apps.api.pagination import QuoteCursorPagination
from apps.api.params import ChangesParams, MatrixParams
from apps.api.renderers import CSVRenderer, JSONRenderer, RenderedJSON
from apps.core.versions import data_version
from apps.positions.queries import build_changes, build_matrix

# Free text may be empty (no words). Anything else given empty is no date, number, code,
# choice or list, and is refused rather than silently ignored: leave the parameter out.
MAY_BE_EMPTY = frozenset({"q", "search"})
LISTS = frozenset({"ordering", "topics", "countries"})


def check_query_params(request) -> None:
    """Refuse, naming the parameter, a query value with a NUL byte, longer than the limit, or
    empty where a value is expected."""
    errors = {}
    for name, values in request.query_params.lists():
        label = name.replace("\x00", "")[:100] or "query"
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


class ApiViewMixin:
    """What every API view shares: 405 before anything else, strict query parameters, errors
    always as JSON, and ETag with 304 on GET."""

    csv_filename = "export"

    def initial(self, request, *args, **kwargs):
        if getattr(self, request.method.lower(), None) is None:
            raise MethodNotAllowed(request.method)
        check_query_params(request)
        for value in kwargs.values():
            # No key has a NUL byte or is that long (and PostgreSQL refuses NUL in a query).
            if not isinstance(value, str) or "\x00" in value or len(value) > SLUG_MAX:
                raise NotFound()
        super().initial(request, *args, **kwargs)

    def answers_csv(self) -> bool:
        return getattr(self, "action", None) == "list"

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
        return kept_for_anonymous(request, lambda: build(request, *args, **kwargs))

    def retrieve(self, request, *args, **kwargs):
        build = super().retrieve
        return kept_for_anonymous(request, lambda: build(request, *args, **kwargs))


class EditorialViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, ReadViewSet
):
    """Create and update through the write serializer (and so the services); answer with the
    read shape. Versioned resources need If-Match to change."""

    write_serializer_class = None
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

        return kept_for_anonymous(request, build)

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
        with transaction.atomic():
            # Lock the row, then compare: of two writers holding the same version, the second
            # waits here and then finds the version moved on. (A body that is invalid anyway
            # is refused first, whatever the version.)
            locked = type(instance).objects.select_for_update().get(pk=instance.pk)
            serializer = self.get_serializer(locked, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            if versions is not ANY and locked.version not in versions:
                raise PreconditionFailed(
                    f"This object is at version {locked.version}, not the one in If-Match: "
                    "GET it again and redo your edit."
                )
            instance = serializer.save()
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

    queryset = reads.organizations()
    serializer_class = serializers.OrganizationSerializer
    write_serializer_class = serializers.OrganizationWriteSerializer
    filterset_class = filters.OrganizationFilter
    lookup_field = "slug"
    csv_filename = "organizations"


class PersonViewSet(EditorialViewSet):
    """Officials and experts, with their posts over time."""

    queryset = reads.people()
    serializer_class = serializers.PersonSerializer
    write_serializer_class = serializers.PersonWriteSerializer
    filterset_class = filters.PersonFilter
    lookup_field = "slug"
    csv_filename = "people"


class RoleViewSet(EditorialViewSet):
    """A person's dated posts."""

    queryset = reads.roles()
    serializer_class = serializers.RoleSerializer
    write_serializer_class = serializers.RoleWriteSerializer
    filterset_class = filters.RoleFilter
    csv_filename = "roles"


class EventViewSet(EditorialViewSet):
    """Summits, ministerial meetings, declarations, agreements, elections."""

    queryset = reads.events()
    serializer_class = serializers.EventSerializer
    write_serializer_class = serializers.EventWriteSerializer
    filterset_class = filters.EventFilter
    lookup_field = "slug"
    csv_filename = "events"


class SourceViewSet(EditorialViewSet):
    """Where statements were published. Changing one needs If-Match."""

    queryset = reads.sources()
    serializer_class = serializers.SourceSerializer
    write_serializer_class = serializers.SourceWriteSerializer
    filterset_class = filters.SourceFilter
    versioned = True
    csv_filename = "sources"


class QuoteViewSet(EditorialViewSet):
    """What was said, by whom, when and where: published quotes for everyone, drafts for
    editors. Newest first, paged by cursor. Changing one needs If-Match."""

    serializer_class = serializers.QuoteSerializer
    write_serializer_class = serializers.QuoteWriteSerializer
    filterset_class = filters.QuoteFilter
    pagination_class = QuoteCursorPagination
    versioned = True
    csv_filename = "quotes"

    def get_queryset(self):
        return reads.quotes(self.request.user)

    def perform_destroy(self, instance):
        if instance.positions.exists():
            raise Conflict("This quote is evidence for a position: retract it instead.")
        super().perform_destroy(instance)


class PositionViewSet(EditorialViewSet):
    """Who stands where on a topic, from when, on what evidence. Recording a position fits it
    into its holder's history (the one in force is closed, never deleted). Changing one needs
    If-Match."""

    serializer_class = serializers.PositionSerializer
    write_serializer_class = serializers.PositionWriteSerializer
    filterset_class = filters.PositionFilter
    versioned = True
    csv_filename = "positions"

    def get_queryset(self):
        return reads.positions(self.request.user)


# --- the hot reads ---------------------------------------------------------------------------


class ComputedView(ApiViewMixin, APIView):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    def answers_csv(self) -> bool:
        return True


# The matrix and the change list are the same for every client: their serialized data is kept
# for this long, keyed by the data version, so an edit shows at once.
COMPUTED_TTL = 300


def kept_key(request, *parts) -> tuple[str, bool]:
    """The cache key of an answer, and whether it is kept rendered: a plain JSON answer is
    kept as its bytes; any other format (CSV, the browsable API) renders from the data."""
    rendered = type(request.accepted_renderer) is JSONRenderer and (
        request.accepted_media_type == JSONRenderer.media_type
    )
    raw = "|".join(map(str, [*parts, "rendered" if rendered else "data"]))
    return "api-kept:" + hashlib.sha256(raw.encode()).hexdigest(), rendered


def render_json(request, data) -> RenderedJSON:
    media_type = request.accepted_media_type
    return RenderedJSON(JSONRenderer().render(data, media_type, {"request": request}))


def computed(request, name: str, parts, build):
    """Return build()'s data (or its rendered JSON) from the cache, keyed by the data
    version and the parameters."""
    key, rendered = kept_key(request, name, data_version(), *parts)
    data = cache.get(key)
    if data is None:
        data = build()
        if rendered:
            data = render_json(request, data)
        cache.set(key, data, COMPUTED_TTL)
    return data


def kept_for_anonymous(request, build):
    """Answer an anonymous reader's list or detail from the cache when the data has not changed
    since it was built: the serialized data (or its rendered JSON) and its ETag, keyed by the
    data version, the full address (paging links are absolute) and today's date. Everyone
    else, who may see drafts, is answered afresh."""
    if request.user.is_authenticated:
        return build()
    key, rendered = kept_key(
        request, "read", data_version(), request.build_absolute_uri(), timezone.localdate()
    )
    kept = cache.get(key)
    if kept is not None:
        data, etag = kept
        return Response(data, headers={"ETag": etag} if etag else None)
    response = build()
    if response.status_code == status.HTTP_200_OK:
        data = render_json(request, response.data) if rendered else response.data
        cache.set(key, (data, response.get("ETag")), COMPUTED_TTL)
    return response


class MatrixView(ComputedView):
    """Allies (and NATO) × topics on a date: the stance in force in each cell, or null.

    Only published positions count."""

    csv_filename = "matrix"

    @extend_schema(parameters=[MatrixParams], responses=serializers.MatrixSerializer)
    def get(self, request):
        params = MatrixParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        options = params.validated_data
        as_of = options.get("as_of") or timezone.localdate()
        topic_list = options.get("topics") or None
        bloc = options.get("bloc")
        codes = [c.code for c in options.get("countries") or []] or None
        nato = options.get("nato", False)

        def build():
            topics, rows = build_matrix(
                as_of=as_of, topics=topic_list, bloc=bloc, country_codes=codes, nato_only=nato
            )
            matrix = {"as_of": as_of, "topics": topics, "rows": rows}
            return serializers.MatrixSerializer(matrix).data

        slugs = [t.slug for t in topic_list] if topic_list else None
        parts = [as_of, slugs, bloc.slug if bloc else None, codes, nato]
        return Response(computed(request, "matrix", parts, build))


class ChangesView(ComputedView):
    """Who moved between two dates: stance changes (up or down the scale), new and ended
    positions, with the evidence behind the later state. Only published positions count."""

    csv_filename = "changes"

    @extend_schema(parameters=[ChangesParams], responses=serializers.ChangesSerializer)
    def get(self, request):
        params = ChangesParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        options = params.validated_data
        date_from = options["from"]
        date_to = options.get("to") or timezone.localdate()
        topic_list = options.get("topics") or None
        codes = [c.code for c in options.get("countries") or []] or None

        def build():
            entries = build_changes(
                date_from=date_from, date_to=date_to, topics=topic_list, country_codes=codes
            )
            changes = {"from": date_from, "to": date_to, "entries": entries}
            return serializers.ChangesSerializer(changes).data

        slugs = [t.slug for t in topic_list] if topic_list else None
        return Response(computed(request, "changes", [date_from, date_to, slugs, codes], build))


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema. Generating it reads the reference data its enumerations list (some
    thirty queries), so it is generated once per data version and process, then reused."""

    _generated: dict = {}

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (data_version(), version, request.GET.get("lang"))
        data = self._generated.get(key)
        if data is None:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            data = generator.get_schema(request=request, public=self.serve_public)
            type(self)._generated = {key: data}  # only the current version is kept
        filename = self._get_filename(request, version)
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
            query = request.META.get("QUERY_STRING", "")
            target = request.path + "/" + (f"?{query}" if query else "")
            response = JsonResponse({"detail": "Moved: add the trailing slash."}, status=308)
            response["Location"] = target
            return response
    return JsonResponse({"detail": "Not found."}, status=404)
