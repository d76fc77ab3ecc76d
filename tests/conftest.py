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


@pytest.fixture
def seeded(db):
    """The whole seed: codebook, countries, actors, events and the report."""
    from django.core.management import call_command

    call_command("load_seed", verbosity=0)
