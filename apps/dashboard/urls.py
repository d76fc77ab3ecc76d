from django.urls import path
from django.views.decorators.http import require_safe

from apps.dashboard import agreements, consensus, feeds, views

app_name = "dashboard"
urlpatterns = [
    path("", views.matrix, name="matrix"),
    path("positions/<int:pk>/evidence/", views.position_evidence, name="position-evidence"),
    path("compare/", views.compare, name="compare"),
    path("changes/", views.changes, name="changes"),
    path("consensus/", consensus.consensus_view, name="consensus"),
    path("quotes/", views.quotes, name="quotes"),
    path("countries/<str:code>/", views.country, name="country"),
    path("people/<slug:slug>/", views.person, name="person"),
    path("topics/<slug:slug>/", views.topic, name="topic"),
    path("sources/<int:pk>/", views.source, name="source"),
    path("events/<slug:slug>/", views.event, name="event"),
    path("agreements/", agreements.agreement_list_view, name="agreements"),
    # Before the agreement's own page, whose slug would take "clauses".
    path("agreements/clauses/", agreements.agreement_clauses_view, name="agreement-clauses"),
    path(
        "agreements/clauses/<str:party>/<slug:category>/",
        agreements.agreement_clause_cell_view,
        name="agreement-clause-cell",
    ),
    path("agreements/<slug:slug>/", agreements.agreement_detail_view, name="agreement"),
    path("feeds/changes/", require_safe(feeds.PositionChangesFeed()), name="feed"),
    path(
        "feeds/countries/<str:code>/", require_safe(feeds.CountryChangesFeed()), name="feed-country"
    ),
    path("feeds/topics/<slug:slug>/", require_safe(feeds.TopicChangesFeed()), name="feed-topic"),
]
