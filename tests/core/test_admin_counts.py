"""The editors' changelists of big tables count from the planner's statistics when unfiltered,
exactly when filtered, and never count the whole table a second time."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core import admin as core_admin


def count_queries_on(queries, table: str) -> list[str]:
    return [
        q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and f'FROM "{table}"' in q["sql"]
    ]


@pytest.fixture
def big_tables(monkeypatch, seeded):
    """Every table counts as big, and the statistics are fresh."""
    monkeypatch.setattr(core_admin, "ESTIMATE_FROM", 1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE statements_quote")


@pytest.mark.django_db
def test_an_unfiltered_changelist_counts_from_statistics(client, superuser, big_tables):
    client.force_login(superuser)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:statements_quote_changelist"))

    assert response.status_code == 200
    assert count_queries_on(queries, "statements_quote") == []
    assert any("reltuples" in q["sql"] for q in queries)
    assert response.context["cl"].result_count == core_admin.estimated_rows(
        response.context["cl"].model
    )


@pytest.mark.django_db
def test_a_filtered_changelist_counts_exactly_and_once(client, superuser, big_tables):
    client.force_login(superuser)
    url = reverse("admin:statements_quote_changelist") + "?status__exact=published"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200
    assert len(count_queries_on(queries, "statements_quote")) == 1
    assert response.context["cl"].result_count == response.context["cl"].queryset.count()


@pytest.mark.django_db
def test_a_small_table_is_counted_exactly(client, superuser, seeded):
    client.force_login(superuser)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:actors_country_changelist"))

    assert response.status_code == 200
    assert len(count_queries_on(queries, "actors_country")) == 1


@pytest.mark.django_db
def test_quote_search_in_the_admin_is_full_text(client, superuser, seeded):
    client.force_login(superuser)
    url = reverse("admin:statements_quote_changelist") + "?q=nuclear"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1
    assert any("websearch_to_tsquery" in q["sql"] for q in queries)
    assert not any('UPPER("statements_quote"."text"' in q["sql"] for q in queries)
