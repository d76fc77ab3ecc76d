"""A cheap fingerprint of all editorial data, for HTTP validators (ETag, 304).

Every insert, update and delete of a tracked model adds a row to its pghistory event table,
so the newest event id of each table changes whenever anything an analyst sees changes.
"""

import functools

import pghistory.models
from django.apps import apps
from django.db import connections, router


@functools.cache
def _event_tables() -> tuple[str, ...]:
    # Computed once per process: it runs on every analyst's page view.
    return tuple(
        sorted(
            model._meta.db_table
            for model in apps.get_models()
            if issubclass(model, pghistory.models.Event) and not model._meta.proxy
        )
    )


def data_version() -> str:
    """Return a string that changes whenever any tracked row changes (one query), read from
    the database this request's reads go to (a replica's version matches its own rows)."""
    tables = _event_tables()
    if not tables:
        return "0"
    connection = connections[router.db_for_read(pghistory.models.Events)]
    sql = " UNION ALL ".join(
        f"SELECT '{table}', (SELECT max(pgh_id) FROM {connection.ops.quote_name(table)})"
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return ";".join(f"{name}={value or 0}" for name, value in cursor.fetchall())
