"""Every connection the app opens plans joins in the order the ORM writes them."""

import pytest
from django.db import connection

from config.database import with_planner_options


@pytest.mark.django_db
def test_the_apps_connections_keep_the_written_join_order():
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        assert cursor.fetchone() == ("1",)


def test_options_given_in_the_database_url_are_kept():
    given = {"OPTIONS": {"options": "-c statement_timeout=5000"}}

    assert with_planner_options(given)["OPTIONS"]["options"] == "-c statement_timeout=5000"
    assert with_planner_options({})["OPTIONS"] == {"options": "-c join_collapse_limit=1"}
