"""Every URL pattern × {anonymous, reader, editor, administrator} × {GET, POST, PUT, PATCH,
DELETE}.

The patterns come from the root resolver, the admin's and the API's included, and each is
filled with real objects: the seed, plus a draft quote and a draft position wherever a route
takes a quote or a position. Anonymous users and signed-in readers succeed in no write and
change no row; drafts stay invisible to them; the admin is closed to them; nobody gets a 500.
With REQUIRE_LOGIN, anonymous users get nothing but a way to the login page.

A pattern this module does not know how to fill fails (see `fill`): add it to FILL_ROUTES
when you add a URL, saying what to put in it.
"""

import datetime
import logging
import re
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, resolve, reverse

ROLES = ("anonymous", "reader", "editor", "administrator")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
WRITES = METHODS[1:]

# Words that appear in the drafts and nowhere else: a response that holds one leaked a draft.
# Searches ask for another of the draft's words ("lighthouse"): a page repeats its query.
DRAFT_QUOTE_TEXT = "Our draft words, never published: zebrafinch lighthouse"
DRAFT_SUMMARY = "A draft coding, never published: quokka harbour"
DRAFT_MARKERS = ("zebrafinch", "quokka")

# Views whose whole job is a session: posting the (here empty) login form answers 200 with
# the form's errors, and logging out answers 200. They write no editorial row either.
SESSION_VIEWS = {"login", "logout"}

# Tables a request may touch without writing data: the session store and the login-attempt
# log of django-axes.
BOOKKEEPING_TABLES = ("django_session", "axes_")


# --- the patterns ----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern: `key` names it whatever prefix its include is mounted under."""

    key: str  # "<namespace>:<route inside the namespace>", e.g. "admin:auth/group/add/"
    route: str  # the full route, prefixes joined, as ResolverMatch.route gives it
    namespace: str
    local: str  # the route inside its namespace
    name: str | None

    def __str__(self):
        return self.key


def walk(patterns, route="", namespace="", local=""):
    for pattern in patterns:
        text = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern.url_patterns, route + text, inner, "")
            else:
                yield from walk(pattern.url_patterns, route + text, namespace, local + text)
        else:
            yield Route(
                key=f"{namespace}:{local}{text}",
                route=route + text,
                namespace=namespace,
                local=local + text,
                name=pattern.name,
            )


ROUTES = list(walk(get_resolver().url_patterns))


def test_the_resolver_was_walked_whole():
    keys = [route.key for route in ROUTES]
    assert len(keys) == len(set(keys)), "two patterns share a key"
    assert {"admin", "api", "dashboard"} <= {route.namespace for route in ROUTES}
    assert any(route.local == "healthz/" for route in ROUTES)


# --- the objects they point at ---------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The seed, a draft quote and a draft position, users of every role: made once for
    the module inside a transaction rolled back at its end; each test runs in a savepoint."""
    fast_hashing = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with django_db_blocker.unblock(), fast_hashing:
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def build_world() -> dict:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.core.management import call_command

    from apps.accounts.services import api_token_issue
    from apps.actors.models import Country, Person
    from apps.core.models import Status
    from apps.positions.models import ImportRun, Position, PossibleShift, Topic
    from apps.statements.models import Event, Source
    from tests.factories import (
        AdminFactory,
        AgreementFactory,
        EditorFactory,
        UserFactory,
        make_quote,
        synthetic_clause,
    )

    call_command("load_seed", verbosity=0)
    estonia = Country.objects.get(code="EE")
    membership = Topic.objects.get(slug="membership")
    speaker = Person.objects.get(slug="juri-luik")
    source = Source.objects.order_by("pk").first()
    event = Event.objects.order_by("pk").first()
    users = {
        "reader": UserFactory(username="matrix-reader"),
        "editor": EditorFactory(username="matrix-editor"),
        "administrator": AdminFactory(username="matrix-admin"),
    }
    draft_quote = make_quote(
        text=DRAFT_QUOTE_TEXT,
        source=source,
        speaker=speaker,
        event=event,
        topics=[membership],
        status=Status.DRAFT,
        by=users["editor"],
    )
    from apps.positions.services import position_record

    draft_position = position_record(
        country=estonia,
        topic=membership,
        stance=membership.stances.get(value=-2),
        valid_from=datetime.date(2023, 7, 1),
        confidence="stated",
        summary=DRAFT_SUMMARY,
        evidence=[draft_quote],
        status=Status.DRAFT,
        by=users["editor"],
    )
    # A change to a published position, in review: unpublished words, like the drafts.
    from apps.positions.services import position_update

    published = Position.objects.published().order_by("pk").first()
    revision = position_update(
        position=published, by=users["editor"], summary=DRAFT_SUMMARY
    ).proposed_revision
    api_token_issue(user=users["editor"])
    # A draft agreement with a clause: its words must reach no reader either.
    draft_agreement = AgreementFactory(
        status=Status.DRAFT,
        summary=DRAFT_SUMMARY,
        by=users["editor"],
        clauses=[synthetic_clause(text="A draft clause, never published: zebrafinch meadow")],
    )
    # An upload's run, the editor's: the run page shows it to its owner and superusers only.
    import_run = ImportRun.objects.create(
        created_by=users["editor"], file_name="statements.csv", rows=1, dry_run=True
    )
    from apps.agreements.models import AgreementImportRun

    agreement_import_run = AgreementImportRun.objects.create(
        created_by=users["editor"], file_name="agreements.csv", rows=1, dry_run=True
    )
    if not PossibleShift.objects.exists():
        published = Position.objects.published().order_by("pk").first()
        PossibleShift.objects.create(
            position=published,
            quote=published.evidence.first(),
            implied_stance=published.topic.stances.exclude(pk=published.stance_id).first(),
        )
    attempt = {"user_agent": "test", "ip_address": "192.0.2.1", "username": "nobody"}
    AccessAttempt.objects.create(**attempt, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**attempt)
    AccessFailureLog.objects.create(**attempt)
    return {
        "users": users,
        "estonia": estonia,
        "membership": membership,
        "speaker": speaker,
        "source": source,
        "event": event,
        "draft_quote": draft_quote,
        "draft_position": draft_position,
        "revision": revision,
        "import_run": import_run,
        "agreement_import_run": agreement_import_run,
        "draft_agreement": draft_agreement,
    }


def object_for(model, world):
    """The object an admin URL of this model points at: the draft where the model has one."""
    from pghistory.models import Events

    from apps.agreements.models import Agreement
    from apps.positions.models import Position
    from apps.statements.models import Quote

    if model is Position:
        return world["draft_position"]
    if model is Quote:
        return world["draft_quote"]
    if model is Agreement:
        return world["draft_agreement"]
    if model is Events:
        # The events admin aggregates every event table: an event is "<model label>:<id>".
        event = Quote.pgh_event_model.objects.filter(pgh_obj=world["draft_quote"]).first()
        return SimpleNamespace(pk=f"{event._meta.label}:{event.pgh_id}")
    if model is settings.AUTH_USER_MODEL or model._meta.label == settings.AUTH_USER_MODEL:
        return world["users"]["reader"]
    obj = model._default_manager.order_by("pk").first()
    if obj is None:
        pytest.fail(f"No {model._meta.label} to fill its admin URLs with: make one in the world")
    return obj


# Routes outside the admin, each with what to put in it. The admin's own routes are filled
# from its registry (see `admin_values`).
FILL_ROUTES = {
    ":healthz/": lambda w: {},
    "accounts:login/": lambda w: {},
    "accounts:logout/": lambda w: {},
    "dashboard:": lambda w: {},
    "dashboard:positions/<int:pk>/evidence/": lambda w: {"pk": w["draft_position"].pk},
    "dashboard:compare/": lambda w: {},
    "dashboard:changes/": lambda w: {},
    "dashboard:consensus/": lambda w: {},
    "dashboard:quotes/": lambda w: {},
    "dashboard:countries/<str:code>/": lambda w: {"code": w["estonia"].code},
    "dashboard:people/<slug:slug>/": lambda w: {"slug": w["speaker"].slug},
    "dashboard:topics/<slug:slug>/": lambda w: {"slug": w["membership"].slug},
    "dashboard:sources/<int:pk>/": lambda w: {"pk": w["source"].pk},
    "dashboard:events/<slug:slug>/": lambda w: {"slug": w["event"].slug},
    "dashboard:agreements/": lambda w: {},
    "dashboard:agreements/<slug:slug>/": lambda w: {"slug": w["draft_agreement"].slug},
    "dashboard:agreements/clauses/": lambda w: {},
    # The cell of the draft agreement's ally and clause: readers get it without the draft.
    "dashboard:agreements/clauses/<str:party>/<slug:category>/": lambda w: {
        "party": w["draft_agreement"].parties.exclude(country__code="UA").get().country.code,
        "category": w["draft_agreement"].clauses.get().category.slug,
    },
    "dashboard:feeds/changes/": lambda w: {},
    "dashboard:feeds/countries/<str:code>/": lambda w: {"code": w["estonia"].code},
    "dashboard:feeds/topics/<slug:slug>/": lambda w: {"slug": w["membership"].slug},
    "api:v1/matrix/": lambda w: {},
    "api:v1/compare/": lambda w: {},
    "api:v1/changes/": lambda w: {},
    "api:v1/consensus/": lambda w: {},
    "api:v1/consensus/series/": lambda w: {},
    "api:v1/": lambda w: {},
    "api:v1/^countries/$": lambda w: {},
    "api:v1/^countries/(?P<code>[^/]+)/$": lambda w: {"code": w["estonia"].code},
    "api:v1/^blocs/$": lambda w: {},
    "api:v1/^blocs/(?P<slug>[^/]+)/$": lambda w: {"slug": first("actors.Bloc").slug},
    "api:v1/^topics/$": lambda w: {},
    "api:v1/^topics/(?P<slug>[^/]+)/$": lambda w: {"slug": w["membership"].slug},
    "api:v1/^organizations/$": lambda w: {},
    "api:v1/^organizations/(?P<slug>[^/]+)/$": lambda w: {"slug": "nato"},
    "api:v1/^people/$": lambda w: {},
    "api:v1/^people/(?P<slug>[^/]+)/$": lambda w: {"slug": w["speaker"].slug},
    "api:v1/^roles/$": lambda w: {},
    "api:v1/^roles/(?P<pk>[^/]+)/$": lambda w: {"pk": first("actors.Role").pk},
    "api:v1/^events/$": lambda w: {},
    "api:v1/^events/(?P<slug>[^/]+)/$": lambda w: {"slug": w["event"].slug},
    "api:v1/^sources/$": lambda w: {},
    "api:v1/^sources/(?P<pk>[^/]+)/$": lambda w: {"pk": w["source"].pk},
    "api:v1/^quotes/$": lambda w: {},
    "api:v1/^quotes/(?P<pk>[^/]+)/$": lambda w: {"pk": w["draft_quote"].pk},
    "api:v1/^positions/$": lambda w: {},
    "api:v1/^positions/(?P<pk>[^/]+)/$": lambda w: {"pk": w["draft_position"].pk},
    "api:v1/^agreements/$": lambda w: {},
    "api:v1/^agreements/(?P<slug>[^/]+)/$": lambda w: {"slug": w["draft_agreement"].slug},
    "api:v1/^clauses/$": lambda w: {},
    "api:v1/^clauses/(?P<pk>[^/]+)/$": lambda w: {"pk": w["draft_agreement"].clauses.get().pk},
    "api:v1/^revisions/$": lambda w: {},
    "api:v1/^revisions/(?P<pk>[^/.]+)/$": lambda w: {"pk": w["revision"].pk},
    "api:v1/^revisions/(?P<pk>[^/.]+)/publish/$": lambda w: {"pk": w["revision"].pk},
    "api:v1/^revisions/(?P<pk>[^/.]+)/reject/$": lambda w: {"pk": w["revision"].pk},
    "api:schema/": lambda w: {},
    "api:docs/": lambda w: {},
    "api:^.*$": lambda w: {".*": "v1/no-such-resource/"},
}

# Routes whose object is a draft: anonymous users and readers must get a 404 there.
DRAFT_ROUTES = {
    "dashboard:positions/<int:pk>/evidence/",
    "api:v1/^quotes/(?P<pk>[^/]+)/$",
    "api:v1/^positions/(?P<pk>[^/]+)/$",
    "dashboard:agreements/<slug:slug>/",
    "api:v1/^agreements/(?P<slug>[^/]+)/$",
    "api:v1/^clauses/(?P<pk>[^/]+)/$",
}


def first(label):
    from django.apps import apps

    return apps.get_model(label)._default_manager.order_by("pk").first()


def admin_values(route: Route, world) -> dict:
    """Values for a route of the admin: its model's object, that object's first history
    event, a content type; or fail if the route takes something this does not know."""
    values = {}
    params = set(re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route.local))
    params = {a or b for a, b in params}
    model = None
    for candidate in admin.site._registry:
        prefix = f"{candidate._meta.app_label}/{candidate._meta.model_name}/"
        if route.local.startswith(prefix):
            model = candidate
    for param in params:
        if param in {"object_id", "id"} and model is not None:
            values[param] = object_for(model, world).pk
        elif param == "event_id" and model is not None:
            obj = object_for(model, world)
            event = model.pgh_event_model.objects.filter(pgh_obj_id=obj.pk).order_by("pgh_id")
            values[param] = event.first().pgh_id
        elif param == "content_type_id":
            values[param] = ContentType.objects.get_for_model(world["draft_quote"]).pk
        elif param == "object_id" and route.name == "view_on_site":
            values[param] = world["draft_quote"].pk
        elif param == "app_label":
            values[param] = "positions"
        elif param == "run_id":
            from apps.agreements.models import Agreement

            run = "agreement_import_run" if model is Agreement else "import_run"
            values[param] = world[run].pk
        elif param == "url":
            values[param] = "no-such-page/"
        else:
            pytest.fail(f"{route}: the matrix does not know what to put in <{param}>")
    return values


def fill(route: Route, world) -> str:
    """A concrete URL for the route, checked to resolve back to the same pattern."""
    if route.namespace == "admin":
        values = admin_values(route, world)
    elif route.key in FILL_ROUTES:
        values = FILL_ROUTES[route.key](world)
    else:
        pytest.fail(f"{route}: a new URL pattern; add it to FILL_ROUTES with real objects")
    path = route.route
    for name, value in values.items():
        if name == ".*":
            path = path.replace(".*", value)
            continue
        path, count = re.subn(
            rf"<(?:\w+:)?{name}>|\(\?P<{name}>[^)]*\)", lambda _m, v=value: str(v), path
        )
        assert count == 1, f"{route}: <{name}> is not in {route.route}"
    path = "/" + path.replace("^", "").replace("$", "")
    if re.search(r"[<>()\[\]*?\\]", path):
        pytest.fail(f"{route}: the matrix cannot fill {path}")
    match = resolve(urlsplit(path).path)
    assert match.route.replace("^", "") == route.route.replace("^", ""), (
        f"{route}: {path} resolves to {match.route}"
    )
    return path


# --- requests --------------------------------------------------------------------------


def api_bodies(world) -> dict:
    """A valid body for each API resource: only permissions can stop these writes."""
    return {
        "organizations": {"slug": "matrix-org", "name": "Matrix org", "kind": "ngo"},
        "people": {"slug": "matrix-person", "name": "Kaja Kallas", "country": "EE"},
        "roles": {"person": world["speaker"].slug, "title": "Ambassador", "country": "EE"},
        "events": {
            "slug": "matrix-event",
            "name": "Summit",
            "kind": "summit",
            "start_date": "2024-07-09",
        },
        "sources": {
            "title": "Matrix source",
            "published_on": "2023-06-20",
            "kind": "interview",
            "reliability": "primary",
        },
        "quotes": {
            "text": "Matrix words",
            "speaker_label": "a senior diplomat",
            "said_on": "2023-06-10",
            "source": world["source"].pk,
            "topics": ["membership"],
        },
        "positions": {
            "country": "US",
            "topic": "membership",
            "stance": -1,
            "valid_from": "2023-01-01",
            "confidence": "reported",
        },
    }


def resource_of(route: Route) -> str | None:
    match = re.match(r"v1/\^(\w+)/", route.local)
    return match.group(1) if match else None


def send(client, method: str, path: str, route: Route, world):
    """One request: JSON with a valid body for the API, form data elsewhere (with the
    delete confirmation, so an open delete view would really delete)."""
    if route.namespace == "api":
        body = api_bodies(world).get(resource_of(route), {})
        return client.generic(
            method,
            path,
            data=b"" if method in {"GET", "DELETE"} else _json(body),
            content_type="application/json",
            HTTP_IF_MATCH="*",
        )
    if method == "GET":
        return client.get(path)
    if method == "POST":
        return client.post(path, {"post": "yes"})
    return client.generic(
        method, path, data="post=yes", content_type="application/x-www-form-urlencoded"
    )


def _json(body) -> bytes:
    import json

    return json.dumps(body).encode()


def written_rows() -> dict:
    """Rows inserted, updated or deleted so far in this transaction, per table: PostgreSQL
    counts every write, so an update with no new row shows as well as an insert."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables"
            " WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
        return {
            table: counts
            for table, *counts in cursor.fetchall()
            if not table.startswith(BOOKKEEPING_TABLES)
        }


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(table for table in after if after[table] != before.get(table))


def client_for(role: str, world) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


def logged_out(response) -> bool:
    cookie = response.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie is not None and not cookie.value


def is_login_redirect(response, login_paths) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response["Location"])
    return location.path in login_paths and "next" in parse_qs(location.query)


@pytest.fixture(autouse=True, scope="module")
def _quiet_logs():
    """Thousands of refused requests each log a traceback: formatting them would take most
    of the run, and what matters here is the responses."""
    logging.disable(logging.CRITICAL)
    yield
    logging.disable(logging.NOTSET)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # Thousands of requests from one address would otherwise meet the API's rate limit.
    cache.clear()
    yield
    cache.clear()


# --- the matrix ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_permission_matrix(world, db, route, role):
    path = fill(route, world)
    client = client_for(role, world)
    admin_login = reverse("admin:login")
    failures = []
    for method in METHODS:
        before = written_rows()
        response = send(client, method, path, route, world)
        after = written_rows()
        status = response.status_code
        where = f"{role} {method} {path} ({route})"
        if status >= 500:
            failures.append(f"{where}: {status}")
        if logged_out(response) and role != "anonymous":
            client = client_for(role, world)
        if role in {"editor", "administrator"}:
            continue
        session_view = route.name in SESSION_VIEWS
        if method in WRITES:
            if 200 <= status < 300 and not session_view:
                failures.append(f"{where}: a write answered {status}")
            if changed := changed_tables(before, after):
                failures.append(f"{where}: wrote to {', '.join(changed)}")
            continue
        body = response.content.decode(errors="replace")
        if leaked := [marker for marker in DRAFT_MARKERS if marker in body]:
            failures.append(f"{where}: the page shows a draft ({', '.join(leaked)})")
        if route.key in DRAFT_ROUTES and status != 404:
            failures.append(f"{where}: a draft answered {status}, not 404")
        if route.namespace == "admin" and not session_view:
            if not (status == 403 or is_login_redirect(response, {admin_login})):
                failures.append(f"{where}: the admin answered {status}, not a login or 403")
    assert not failures, "\n".join(failures)


def test_the_write_detector_sees_a_write(world, db):
    """The matrix's no-write check can fail: an editor's API write shows in it."""
    client = client_for("editor", world)
    route = next(r for r in ROUTES if r.key == "api:v1/^sources/$")
    before = written_rows()

    response = send(client, "POST", fill(route, world), route, world)

    assert response.status_code == 201, response.content
    assert "statements_source" in changed_tables(before, written_rows())


def test_the_api_bodies_are_valid(world, db):
    """An editor's create with the matrix's bodies succeeds, so where anonymous users and
    readers are refused, their permissions refused them, not the body."""
    client = client_for("editor", world)
    for resource in api_bodies(world):
        route = next(r for r in ROUTES if r.key == f"api:v1/^{resource}/$")

        response = send(client, "POST", fill(route, world), route, world)

        assert response.status_code == 201, (resource, response.content)


# --- drafts in what readers read -------------------------------------------------------

READS = [
    "/",
    "/?as_of=2023-07-15",
    "/?as_of=2023-07-15&format=csv",
    "/?as_of=2023-07-15&format=json",
    "/compare/?countries=EE,US&as_of=2023-07-15",
    "/compare/?countries=EE,US&as_of=2023-07-15&format=csv",
    "/compare/?countries=EE,US&as_of=2023-07-15&format=json",
    "/changes/?from=2023-01-01&to=2024-12-31",
    "/changes/?from=2023-01-01&to=2024-12-31&format=csv",
    "/changes/?from=2023-01-01&to=2024-12-31&format=json",
    "/consensus/?as_of=2023-07-15",
    "/consensus/?as_of=2023-07-15&threshold=2&format=csv",
    "/consensus/?as_of=2023-07-15&threshold=2&format=json",
    "/quotes/",
    "/quotes/?q=lighthouse",
    "/quotes/?q=lighthouse&format=csv",
    "/quotes/?q=lighthouse&format=json",
    "/quotes/?speaker={speaker}",
    "/countries/EE/",
    "/people/{speaker}/",
    "/topics/membership/?as_of=2023-07-15",
    "/sources/{source}/",
    "/events/{event}/",
    "/feeds/changes/",
    "/feeds/countries/EE/",
    "/feeds/topics/membership/",
    "/api/v1/quotes/",
    "/api/v1/quotes/?q=lighthouse",
    "/api/v1/quotes/?status=draft",
    "/api/v1/quotes/?speaker={speaker}&format=csv",
    "/api/v1/positions/",
    "/api/v1/positions/?status=draft",
    "/api/v1/positions/?country=EE&as_of=2023-07-15",
    "/api/v1/positions/?country=EE&format=csv",
    "/api/v1/matrix/?as_of=2023-07-15",
    "/api/v1/matrix/?as_of=2023-07-15&format=csv",
    "/api/v1/changes/?from=2023-01-01&to=2024-12-31",
    "/api/v1/changes/?from=2023-01-01&to=2024-12-31&format=csv",
    "/api/v1/compare/?countries=EE,US&as_of=2024-12-31",
    "/api/v1/compare/?countries=EE,US&format=csv",
    "/api/v1/consensus/?as_of=2023-07-15&threshold=2",
    "/api/v1/consensus/?as_of=2023-07-15&threshold=2&format=csv",
    "/api/v1/consensus/series/?to=2023-07-15&format=csv",
    "/api/v1/sources/{source}/",
    "/api/v1/people/{speaker}/",
]


def read_paths(world) -> list[str]:
    names = {
        "speaker": world["speaker"].slug,
        "source": world["source"].pk,
        "event": world["event"].slug,
    }
    return [path.format(**names) for path in READS]


@pytest.mark.parametrize("role", ["anonymous", "reader"])
def test_drafts_stay_out_of_every_list_export_and_feed(world, db, role):
    client = client_for(role, world)
    failures = []
    for path in read_paths(world):
        response = client.get(path)
        body = response.content.decode(errors="replace")
        if response.status_code != 200:
            failures.append(f"{role} GET {path}: {response.status_code}")
        if leaked := [marker for marker in DRAFT_MARKERS if marker in body]:
            failures.append(f"{role} GET {path}: shows a draft ({', '.join(leaked)})")
    assert not failures, "\n".join(failures)


def test_the_draft_check_can_see_a_draft(world, db):
    """Editors see drafts through the API, so the markers are there to be found."""
    client = client_for("editor", world)

    quotes = client.get("/api/v1/quotes/?status=draft").content.decode()
    positions = client.get("/api/v1/positions/?status=draft").content.decode()

    assert DRAFT_MARKERS[0] in quotes
    assert DRAFT_MARKERS[1] in positions


# --- CSRF ------------------------------------------------------------------------------


def test_a_session_post_without_the_csrf_token_is_refused(world, db):
    from apps.statements.models import Source

    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["editor"])
    sources = Source.objects.count()

    api = client.post("/api/v1/sources/", api_bodies(world)["sources"], "application/json")
    form = client.post(reverse("admin:statements_source_add"), {"title": "No token"})
    sign_in = Client(enforce_csrf_checks=True).post(
        reverse("accounts:login"), {"username": "matrix-editor", "password": "x"}
    )

    assert api.status_code == 403, api.content
    assert "CSRF" in api.json()["detail"]
    assert form.status_code == 403
    assert sign_in.status_code == 403
    assert Source.objects.count() == sources


def test_a_token_needs_no_csrf_token(world, db):
    """The API's token clients are not browsers: CSRF is a session matter only."""
    from apps.accounts.services import api_token_issue

    _, key = api_token_issue(user=world["users"]["editor"])
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/api/v1/sources/",
        api_bodies(world)["sources"],
        "application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )

    assert response.status_code == 201, response.content


# --- private mode ----------------------------------------------------------------------

# Open to anonymous visitors even in private mode: the health check, and the pages that
# sign people in and out (the readers' and the admin's).
PRIVATE_MODE_OPEN = {":healthz/"}


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_private_mode_shows_anonymous_users_nothing(world, db, settings, route):
    settings.REQUIRE_LOGIN = True
    path = fill(route, world)
    client = Client()
    logins = {reverse("accounts:login"), reverse("admin:login")}
    failures = []
    for method in METHODS:
        response = send(client, method, path, route, world)
        status = response.status_code
        where = f"anonymous {method} {path} ({route})"
        if status >= 500:
            failures.append(f"{where}: {status}")
        if route.key in PRIVATE_MODE_OPEN or route.name in SESSION_VIEWS:
            continue
        # A write to a read-only endpoint may be refused as such (405) before anyone is
        # asked who they are: it tells nothing and writes nothing.
        refusals = {401, 403, 405} if method in WRITES else {401, 403}
        if not (status in refusals or is_login_redirect(response, logins)):
            failures.append(f"{where}: {status}, not a way to the login page, 401 or 403")
        body = response.content.decode(errors="replace")
        if "Estonia" in body or "membership" in body.lower():
            failures.append(f"{where}: the response holds data")
    assert not failures, "\n".join(failures)


def test_private_mode_keeps_the_ways_in_open(world, db, settings):
    settings.REQUIRE_LOGIN = True
    client = Client()

    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("accounts:login")).status_code == 200
    assert client.get(reverse("admin:login")).status_code == 200
    dashboard = client.get("/countries/EE/?as_of=2023-07-15")
    assert dashboard.status_code == 302
    assert dashboard["Location"] == (
        reverse("accounts:login") + "?next=/countries/EE/%3Fas_of%3D2023-07-15"
    )


def test_private_mode_lets_a_signed_in_reader_read(world, db, settings):
    settings.REQUIRE_LOGIN = True
    client = client_for("reader", world)

    assert client.get("/").status_code == 200
    assert client.get("/api/v1/positions/").status_code == 200
    assert client.get("/feeds/changes/").status_code == 200
