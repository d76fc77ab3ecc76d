from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from apps.api import agreements, consensus, revisions, views


class ApiRouter(DefaultRouter):
    """The v1 router: no format suffixes (`?format=` instead), and a root listing matrix/,
    compare/, changes/ and consensus/ beside the resources."""

    include_format_suffixes = False

    def get_api_root_view(self, api_urls=None):
        names = {
            prefix: self.routes[0].name.format(basename=basename)
            for prefix, _viewset, basename in self.registry
        }
        return self.APIRootView.as_view(
            api_root_dict={
                **names,
                "matrix": "matrix",
                "compare": "compare",
                "changes": "changes",
                "consensus": "consensus",
                "consensus-series": "consensus-series",
            }
        )


router = ApiRouter()
router.register("countries", views.CountryViewSet, basename="country")
router.register("blocs", views.BlocViewSet, basename="bloc")
router.register("topics", views.TopicViewSet, basename="topic")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("people", views.PersonViewSet, basename="person")
router.register("roles", views.RoleViewSet, basename="role")
router.register("events", views.EventViewSet, basename="event")
router.register("sources", views.SourceViewSet, basename="source")
router.register("quotes", views.QuoteViewSet, basename="quote")
router.register("positions", views.PositionViewSet, basename="position")
router.register("agreements", agreements.AgreementViewSet, basename="agreement")
router.register("clauses", agreements.ClauseViewSet, basename="clause")
router.register("revisions", revisions.RevisionViewSet, basename="revision")

# Swagger UI's script is served as a file (the split view) and its page's inline style moved
# into a stylesheet, so the site's Content Security Policy holds here unchanged.
docs_view = SpectacularSwaggerSplitView.as_view(
    url_name="api:schema", template_name="api/swagger_ui.html"
)

app_name = "api"
urlpatterns = [
    path("v1/matrix/", views.MatrixView.as_view(), name="matrix"),
    path("v1/compare/", views.CompareView.as_view(), name="compare"),
    path("v1/changes/", views.ChangesView.as_view(), name="changes"),
    path("v1/consensus/", consensus.ConsensusView.as_view(), name="consensus"),
    path("v1/consensus/series/", consensus.ConsensusSeriesView.as_view(), name="consensus-series"),
    path("v1/", include(router.urls)),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", docs_view, name="docs"),
    re_path(r"^.*$", views.not_found, name="not-found"),
]
