"""The data version: changes with every edit, costs one counted query, planned once per
kept connection."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.versions import data_version
from tests.factories import CountryFactory

pytestmark = pytest.mark.django_db


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_it_changes_with_every_edit_and_only_then():
    before = data_version()
    assert data_version() == before

    country = CountryFactory()
    after_insert = data_version()
    country.name = "Renamed"
    country.save()

    assert after_insert != before
    assert data_version() not in {before, after_insert}


def test_it_costs_one_query_that_the_query_counts_see():
    with CaptureQueriesContext(connection) as queries:
        data_version()

    assert len(queries) == 1
    assert "max(pgh_id)" in queries[0]["sql"]


def test_a_kept_connection_plans_it_once(settings):
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    data_version()
    data_version()

    statements = [s for s in prepared_statements() if "max(pgh_id)" in s]
    assert len(statements) == 1


@pytest.mark.django_db(transaction=True)
def test_nothing_is_prepared_without_kept_connections(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    connection.close()  # a fresh session, without what an earlier test prepared

    data_version()

    assert not [s for s in prepared_statements() if "max(pgh_id)" in s]


def test_the_readers_version_changes_only_with_what_readers_can_see():
    from apps.core.models import Status
    from apps.statements.models import Quote
    from tests.factories import PersonFactory, SourceFactory, make_quote

    start = data_version(readers=True)
    whole = data_version()
    # New: nothing published refers to them yet.
    speaker, source = PersonFactory(country=None), SourceFactory()
    draft = make_quote(speaker=speaker, source=source, status=Status.DRAFT)
    Quote.objects.filter(pk=draft.pk).update(text="Edited, still a draft.")
    assert data_version(readers=True) == start
    assert data_version() != whole

    Quote.objects.filter(pk=draft.pk).update(status=Status.PUBLISHED)
    published = data_version(readers=True)
    assert published != start

    Quote.objects.filter(pk=draft.pk).update(status=Status.DRAFT)  # unpublished: readers lose it
    unpublished = data_version(readers=True)
    assert unpublished != published

    Quote.objects.filter(pk=draft.pk).delete()  # a draft deleted: nothing readers saw
    assert data_version(readers=True) == unpublished

    speaker.name = "Renamed"
    speaker.save()  # an edit of an existing person counts (it may be shown)
    assert data_version(readers=True) != unpublished


def test_only_those_who_may_change_something_get_the_whole_version():
    from django.contrib.auth.models import AnonymousUser

    from apps.core.versions import sees_drafts
    from tests.factories import EditorFactory, UserFactory

    assert not sees_drafts(AnonymousUser())
    assert not sees_drafts(UserFactory())
    assert sees_drafts(EditorFactory())
