"""Fixtures for the whole suite.

Data:
- `seeded`: the whole seed in the test's own transaction (loaded once per session, copied
  in per test; see `seed_snapshot`). Prefer it to calling `load_seed` in a test.
- `editor`, `superuser`: a user in the Editors group, an administrator.
- Data that several tests of a module only read and that is costly to build can be made
  once with `tests.snapshot.RowSnapshot.take(build)` in a module- or session-scoped fixture
  (under `django_db_blocker.unblock()`), and put back with `.replay()` in each test.

Every test: templates fail on an invalid variable of ours, passwords hash fast, static
files need no manifest, the cache starts empty, and the admin's statements upload imports
inside the request instead of in a thread.

`make test` runs the suite on two processes (pytest-xdist): each has its own test database
and its own session fixtures, so a test must not rely on another test having run first.
"""

import inspect

import pytest
from django.conf import settings
from django.template.context import BaseContext

OUR_TEMPLATES = str(settings.BASE_DIR / "templates")


class InvalidVariable(str):
    """Fails on an invalid variable in our own templates; Django admin's own templates rely
    on silent empties, so those (and our admin overrides) keep the default behaviour."""

    def __mod__(self, name):
        for frame_info in inspect.stack(context=0)[1:12]:
            context = frame_info.frame.f_locals.get("context")
            if isinstance(context, BaseContext) and getattr(context, "template", None):
                origin = getattr(context.template.origin, "name", "") or ""
                if origin.startswith(OUR_TEMPLATES) and "/admin/" not in origin:
                    raise AssertionError(f"Invalid template variable {name!r} in {origin}")
                break
        return ""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    # pytest-django creates the test database only for tests that ask for one: a test that
    # uses `seed_snapshot` without `db` gets the marker, so the snapshot is never taken in
    # the development database.
    for item in items:
        if "seed_snapshot" in getattr(item, "fixturenames", ()) and not (
            {"db", "transactional_db", "live_server"} & set(item.fixturenames)
            or item.get_closest_marker("django_db")
        ):
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(autouse=True)
def _invalid_template_variables_fail(settings):
    for template in settings.TEMPLATES:
        template["OPTIONS"]["string_if_invalid"] = InvalidVariable("%s")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher is slow on purpose; tests only need passwords to round-trip.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _imports_inline(settings):
    # The admin's upload imports in a thread of its own in production; a test's rows live in
    # the test's transaction, which another thread's connection cannot see, so the import
    # runs inside the request. tests/positions/test_import_runs.py runs and joins the thread.
    settings.IMPORT_IN_BACKGROUND = False


@pytest.fixture(autouse=True)
def _empty_cache():
    # Pages, the API's matrix and throttling counts live in the cache: each test starts
    # without what an earlier one left (its rows are rolled back, its cache entries are not).
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editor(db):
    from tests.factories import EditorFactory

    return EditorFactory()


@pytest.fixture
def superuser(db):
    from tests.factories import AdminFactory

    return AdminFactory()


@pytest.fixture(scope="session")
def seed_snapshot(django_db_setup, django_db_blocker):
    """`manage.py load_seed` run once per session (per worker under xdist) and rolled back,
    its rows kept (tests/snapshot.py). Use `seeded` in a test; this is for fixtures that
    put the seed somewhere else (a live server's committed data: `seed_snapshot.replay()`
    under `transactional_db`)."""
    from django.core.management import call_command

    from tests.snapshot import RowSnapshot

    with django_db_blocker.unblock():
        return RowSnapshot.take(lambda: call_command("load_seed", verbosity=0))


@pytest.fixture
def seeded(db, seed_snapshot):
    """The whole seed (codebook, countries, actors, events and the report), exactly as
    `load_seed` leaves it (rows, keys, history), in the test's own transaction: the test may
    read, count, change or delete it, and its changes are rolled back as usual. The seed is
    loaded once per session and copied in per test (about 50 ms instead of a second)."""
    seed_snapshot.replay()
