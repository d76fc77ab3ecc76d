"""Every analyst page and API endpoint answers in at most QUERY_BUDGET queries, and in the same
number whatever the amount of data: a page's cost must not grow with the rows it shows.

The URL patterns are read from the resolver, so a new page or endpoint fails here until it
has sample requests below (or an exemption saying why it has none).
"""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from apps.actors.models import Person
from apps.core.models import Status
from apps.positions.models import Position, Topic
from apps.statements.models import Event, Quote, Source
from tests.factories import (
    AgreementFactory,
    CountryFactory,
    OrganizationFactory,
    PersonFactory,
    RoleFactory,
    SourceFactory,
    make_position,
    make_quote,
    synthetic_clause,
)

# The costliest page is the matrix filtered by a bloc or by countries: the data version, the
# "jump to" events, the filter's lookup, topics, stances, countries, positions, what each ally
# signed, and the form's three lists of choices.
QUERY_BUDGET = 11

# URL names with no sample requests, and why.
EXEMPT = {
    "accounts:logout": "POST only: signs the reader out, reads no editorial data.",
    # Editors' review work, closed to analysts (like the admin): budgeted as an editor in
    # tests/api/test_revisions.py (these samples run as an anonymous reader, who gets a 401).
    "api:revision-list": "Editors only: budgeted in tests/api/test_revisions.py.",
    "api:revision-detail": "Editors only: budgeted in tests/api/test_revisions.py.",
    "api:revision-publish": "POST only: an editor publishes a revision.",
    "api:revision-reject": "POST only: an editor rejects a revision.",
}
# The editors' admin is not an analyst page: its changelists are kept cheap by the estimated
# count paginator (tests/core/test_admin_counts.py), its forms by autocomplete widgets.
EXEMPT_NAMESPACES = ("admin",)

HTMX = {"HTTP_HX_REQUEST": "true"}


def samples(keys: dict) -> dict[str, list[tuple[str, dict]]]:
    """URL name -> the requests (path, headers) that exercise it, with representative
    parameters, their htmx partials and their downloads."""
    country, person, topic = keys["country"], keys["person"], keys["topic"]
    source, event, position, quote = keys["source"], keys["event"], keys["position"], keys["quote"]
    return {
        "healthz": [("/healthz/", {})],
        "accounts:login": [("/accounts/login/", {})],
        "dashboard:matrix": [
            ("/", {}),
            ("/?as_of=2023-07-10", {}),
            ("/?as_of=2023-07-10&bloc=nordic-baltic-eight&nato=true", {}),
            (f"/?countries={country}&countries=US&topics=membership&topics=timeline", {}),
            ("/?topics=membership,guarantees", HTMX),
            ("/?format=csv", {}),
            ("/?format=json", {}),
        ],
        "dashboard:position-evidence": [
            (f"/positions/{position}/evidence/", {}),
            (f"/positions/{position}/evidence/", HTMX),
        ],
        "dashboard:compare": [
            (f"/compare/?countries={country},US,DE", {}),
            (f"/compare/?countries={country},US&as_of=2023-07-10", HTMX),
            (f"/compare/?countries={country},US&format=csv", {}),
            (f"/compare/?countries={country},US&format=json", {}),
        ],
        "dashboard:changes": [
            ("/changes/?from=2022-01-01", {}),
            ("/changes/?from=2022-01-01&to=2024-01-01&topics=membership", HTMX),
            (f"/changes/?from=2022-01-01&countries={country}", {}),
            ("/changes/?from=2022-01-01&format=csv", {}),
            ("/changes/?from=2022-01-01&format=json", {}),
        ],
        "dashboard:consensus": [
            ("/consensus/", {}),
            ("/consensus/?as_of=2024-06-01&threshold=0", {}),
            ("/consensus/?topic=timeline&as_of=2023-07-10", HTMX),
            ("/consensus/?as_of=2024-06-01&format=csv", {}),
            ("/consensus/?as_of=2024-06-01&format=json", {}),
        ],
        "dashboard:quotes": [
            ("/quotes/", {}),
            ("/quotes/?q=ukraine", {}),
            (f"/quotes/?q=ukraine&country={country}&topic={topic}", HTMX),
            (f"/quotes/?speaker={person}&year=2023", {}),
            (f"/quotes/?source={source}&anonymous=false", {}),
            ("/quotes/?cursor=n738686-999999", {}),
            (f"/quotes/?event={event}&said_from=2020-01-01&language=en", {}),
            ("/quotes/?q=nato&format=csv", {}),
            ("/quotes/?format=json", {}),
        ],
        "dashboard:country": [(f"/countries/{country}/", {})],
        "dashboard:person": [(f"/people/{person}/", {})],
        "dashboard:topic": [
            (f"/topics/{topic}/", {}),
            (f"/topics/{topic}/?as_of=2023-07-10", HTMX),
        ],
        "dashboard:source": [(f"/sources/{source}/", {})],
        "dashboard:event": [(f"/events/{event}/", {})],
        "dashboard:feed": [("/feeds/changes/", {})],
        "dashboard:feed-country": [(f"/feeds/countries/{country}/", {})],
        "dashboard:feed-topic": [(f"/feeds/topics/{topic}/", {})],
        "api:api-root": [("/api/v1/", {})],
        "api:schema": [("/api/schema/", {})],
        "api:docs": [("/api/docs/", {})],
        "api:not-found": [("/api/v1/nothing-here/", {})],
        "api:matrix": [
            ("/api/v1/matrix/", {}),
            ("/api/v1/matrix/?as_of=2023-07-10&topics=membership,timeline", {}),
            (f"/api/v1/matrix/?countries={country},US&format=csv", {}),
        ],
        "api:compare": [
            (f"/api/v1/compare/?countries={country},US,DE", {}),
            (f"/api/v1/compare/?countries={country},US&as_of=2023-07-10&format=csv", {}),
        ],
        "api:changes": [
            ("/api/v1/changes/?from=2022-01-01", {}),
            (f"/api/v1/changes/?from=2022-01-01&to=2024-01-01&countries={country}", {}),
            ("/api/v1/changes/?from=2022-01-01&format=csv", {}),
        ],
        "api:consensus": [
            ("/api/v1/consensus/", {}),
            ("/api/v1/consensus/?as_of=2024-06-01&topic=membership&threshold=2", {}),
            ("/api/v1/consensus/?as_of=2024-06-01&format=csv", {}),
        ],
        "api:consensus-series": [
            ("/api/v1/consensus/series/", {}),
            ("/api/v1/consensus/series/?from=2022-01-01&to=2024-06-01&topic=timeline", {}),
            ("/api/v1/consensus/series/?format=csv", {}),
        ],
        "api:country-list": [
            ("/api/v1/countries/", {}),
            ("/api/v1/countries/?nato=true&bloc=bucharest-nine", {}),
            ("/api/v1/countries/?format=csv", {}),
        ],
        "api:country-detail": [(f"/api/v1/countries/{country}/", {})],
        "api:bloc-list": [("/api/v1/blocs/", {}), ("/api/v1/blocs/?format=csv", {})],
        "api:bloc-detail": [("/api/v1/blocs/nordic-baltic-eight/", {})],
        "api:topic-list": [("/api/v1/topics/", {}), ("/api/v1/topics/?format=csv", {})],
        "api:topic-detail": [(f"/api/v1/topics/{topic}/", {})],
        "api:organization-list": [
            ("/api/v1/organizations/", {}),
            ("/api/v1/organizations/?search=nato", {}),
            ("/api/v1/organizations/?format=csv", {}),
        ],
        "api:organization-detail": [("/api/v1/organizations/nato/", {})],
        "api:person-list": [
            ("/api/v1/people/", {}),
            (f"/api/v1/people/?search=person&country={country}", {}),
            ("/api/v1/people/?format=csv", {}),
        ],
        "api:person-detail": [(f"/api/v1/people/{person}/", {})],
        "api:role-list": [
            ("/api/v1/roles/", {}),
            ("/api/v1/roles/?held_on=2023-06-01", {}),
            ("/api/v1/roles/?format=csv", {}),
        ],
        "api:role-detail": [(f"/api/v1/roles/{keys['role']}/", {})],
        "api:event-list": [
            ("/api/v1/events/", {}),
            ("/api/v1/events/?kind=summit&search=summit", {}),
            ("/api/v1/events/?format=csv", {}),
        ],
        "api:event-detail": [(f"/api/v1/events/{event}/", {})],
        "api:source-list": [
            ("/api/v1/sources/", {}),
            ("/api/v1/sources/?search=report&published_from=2020-01-01", {}),
            ("/api/v1/sources/?format=csv", {}),
        ],
        "api:source-detail": [(f"/api/v1/sources/{source}/", {})],
        "api:quote-list": [
            ("/api/v1/quotes/", {}),
            (f"/api/v1/quotes/?country={country}&topic={topic}", {}),
            ("/api/v1/quotes/?q=ukraine", {}),
            (f"/api/v1/quotes/?speaker={person}&said_from=2020-01-01", {}),
            ("/api/v1/quotes/?cursor=n738000-999999", {}),
            (f"/api/v1/quotes/?event={event}&year=2023", {}),
            ("/api/v1/quotes/?format=csv", {}),
        ],
        "api:quote-detail": [(f"/api/v1/quotes/{quote}/", {})],
        "api:position-list": [
            ("/api/v1/positions/", {}),
            (f"/api/v1/positions/?as_of=2023-07-10&country={country}&topic={topic}", {}),
            ("/api/v1/positions/?format=csv", {}),
        ],
        "api:position-detail": [(f"/api/v1/positions/{position}/", {})],
        "dashboard:agreements": [
            ("/agreements/", {}),
            (f"/agreements/?party={country}&kind=bilateral_security", {}),
            ("/agreements/?in_force_on=2024-06-01&signed_from=2020-01-01", HTMX),
            (f"/agreements/?party={country}&format=csv", {}),
            ("/agreements/?format=json", {}),
        ],
        "dashboard:agreement": [(f"/agreements/{keys['agreement']}/", {})],
        "dashboard:agreement-clauses": [
            ("/agreements/clauses/", {}),
            ("/agreements/clauses/?as_of=2024-06-01", HTMX),
            ("/agreements/clauses/?format=csv", {}),
        ],
        "dashboard:agreement-clause-cell": [
            (f"/agreements/clauses/{country}/military-aid/", {}),
            (f"/agreements/clauses/{country}/military-aid/?as_of=2024-06-01", HTMX),
        ],
        "api:agreement-list": [
            ("/api/v1/agreements/", {}),
            (f"/api/v1/agreements/?party={country}&in_force_on=2024-06-01", {}),
            ("/api/v1/agreements/?format=csv", {}),
        ],
        "api:agreement-detail": [(f"/api/v1/agreements/{keys['agreement']}/", {})],
        "api:clause-list": [
            ("/api/v1/clauses/", {}),
            (f"/api/v1/clauses/?category=military-aid&party={country}", {}),
            ("/api/v1/clauses/?format=csv", {}),
        ],
        "api:clause-detail": [(f"/api/v1/clauses/{keys['clause']}/", {})],
    }


def url_names() -> set[str]:
    """Every named URL pattern outside the exempt namespaces, as namespace:name."""

    def walk(patterns, namespaces):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
                if inner and inner[0] in EXEMPT_NAMESPACES:
                    continue
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                yield ":".join((*namespaces, pattern.name or f"<unnamed {pattern.pattern}>"))

    return set(walk(get_resolver().url_patterns, ()))


def test_every_page_and_endpoint_has_a_query_budget():
    names = url_names()
    keys = dict.fromkeys(
        [
            "country",
            "person",
            "topic",
            "source",
            "event",
            "position",
            "quote",
            "role",
            "agreement",
            "clause",
        ],
        "x",
    )
    covered = set(samples(keys))

    assert names - covered - set(EXEMPT) == set(), "pages without a query budget"
    assert covered - names == set(), "budgets for pages that no longer exist"
    assert set(EXEMPT) <= names


def grow(n: int, *, start: int) -> None:
    """Add n of everything each page lists: quotes of the sample country, speaker, source,
    topic and event; positions of new countries (so more matrix rows, changes and feed
    entries) and of the sample country; people, roles, organizations and sources."""
    estonia = Person.objects.get(slug="juri-luik").country
    speaker = Person.objects.get(slug="juri-luik")
    source = Source.objects.order_by("id").first()
    event = Event.objects.get(slug="vilnius-summit-2023")
    membership = Topic.objects.get(slug="membership")
    for i in range(start, start + n):
        day = datetime.date(2023, 1, 1) + datetime.timedelta(days=i)
        quote = make_quote(
            text=f"Ukraine's place is in the alliance, number {i}.",
            speaker=speaker,
            country=estonia,
            source=source,
            event=event,
            topics=[membership],
            said_on=day,
        )
        country = CountryFactory(code=f"Q{chr(65 + i % 26)}", name=f"Testland {i}")
        # A claim about Estonia's stance by another government: its claimant is read with it.
        make_quote(
            speaker_label="a senior diplomat",
            country=estonia,
            claimant_country=country,
            topics=[membership],
        )
        make_position(topic=membership, country=country, evidence=[quote], valid_from=day)
        make_position(
            topic=membership, country=country, value=-1, valid_from=day + datetime.timedelta(365)
        )
        person = PersonFactory(country=estonia)
        organization = OrganizationFactory(country=estonia)
        RoleFactory(person=person, organization=organization, country=estonia)
        SourceFactory(publisher=organization, author=person)
        AgreementFactory(
            signed_on=day,
            parties=[{"country": estonia}, {"country": country}],
            clauses=[synthetic_clause("military-aid"), synthetic_clause("sanctions")],
        )


# Pages whose answer must be longer with more data: proof that the second size shows more rows.
GROWING = [
    "/",
    "/changes/?from=2022-01-01",
    "/countries/EE/",
    "/people/juri-luik/",
    "/events/vilnius-summit-2023/",
    "/feeds/changes/",
    "/topics/membership/",
    "/consensus/?as_of=2024-06-01&threshold=0",
    "/api/v1/matrix/",
    "/api/v1/consensus/?as_of=2024-06-01&topic=membership&threshold=2",
    "/api/v1/changes/?from=2022-01-01",
    "/api/v1/quotes/?speaker=juri-luik&said_from=2020-01-01",
    "/api/v1/people/",
    "/api/v1/sources/",
    "/api/v1/positions/",
    "/agreements/",
    "/agreements/clauses/",
    "/agreements/clauses/EE/military-aid/",
    "/api/v1/agreements/",
    "/api/v1/clauses/",
]


def measure(client, requests, sizes=None) -> dict[str, int]:
    """The queries of each request in the steady state: after one request of each, so that
    per-process memos (content types, the schema of this data version) are warm."""
    for path, headers in requests:
        cache.clear()
        client.get(path, **headers)
    counts = {}
    for path, headers in requests:
        cache.clear()  # throttling counts live in the cache
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, **headers)
        expected = 404 if "nothing-here" in path else 200
        assert response.status_code == expected, f"{path}: {response.status_code}"
        if sizes is not None and not headers:
            sizes[path] = len(response.content)
        counts[f"{path} {'htmx' if headers else ''}".strip()] = len(queries)
    return counts


@pytest.mark.django_db
def test_queries_stay_within_budget_and_do_not_grow_with_data(client, seeded):
    agreement = AgreementFactory(
        parties=[{"country": CountryFactory(code="EE")}, {"country": CountryFactory(code="US")}],
        clauses=[synthetic_clause("military-aid")],
    )
    keys = {
        "country": "EE",
        "person": "juri-luik",
        "topic": "membership",
        "source": Source.objects.order_by("id").first().pk,
        "event": "vilnius-summit-2023",
        "position": Position.objects.filter(status=Status.PUBLISHED).order_by("id").first().pk,
        "quote": Quote.objects.filter(status=Status.PUBLISHED).order_by("id").first().pk,
        "role": Person.objects.get(slug="juri-luik").roles.first().pk,
        "agreement": agreement.slug,
        "clause": agreement.clauses.first().pk,
    }
    requests = [request for group in samples(keys).values() for request in group]

    few_sizes, more_sizes = {}, {}
    grow(2, start=0)
    few = measure(client, requests, few_sizes)
    grow(6, start=2)
    more = measure(client, requests, more_sizes)

    assert [p for p in GROWING if more_sizes[p] <= few_sizes[p]] == [], "pages that did not grow"

    over = {path: n for path, n in more.items() if n > QUERY_BUDGET}
    grew = {path: (few[path], more[path]) for path in few if few[path] != more[path]}
    assert over == {}, f"over the budget of {QUERY_BUDGET} queries"
    assert grew == {}, "query counts that change with the amount of data (few, more)"
