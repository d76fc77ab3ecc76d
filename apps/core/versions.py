"""A cheap fingerprint of all editorial data, for HTTP validators (ETag, 304) and the cache.

Every insert, update and delete of a tracked model adds a row to its pghistory event table,
so the newest event id of each table changes whenever anything changes: the version of those
who see drafts (editors and administrators).

Readers see only what is published, so theirs must not change with a draft: for the
editorial tables it is the newest row of core_readerschange, which the triggers of migration
core 0002 add only for a write readers can see (a quote or position that was or becomes
published, an edit of a person, organization, source or event, a role); the reference tables
(countries, blocs, topics, stances) count by their event tables as for editors.
"""

import functools
import time

import pghistory.models
import psycopg
from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, router

# The tracked tables whose changes the readers' triggers count (or, for possible shifts,
# which only editors see): their event tables are left out of the readers' version.
EDITORIAL_TABLES = frozenset(
    {
        "actors_organization",
        "actors_person",
        "actors_role",
        "statements_event",
        "statements_source",
        "statements_quote",
        "statements_quote_topics",
        "positions_position",
        "positions_position_evidence",
        "positions_possibleshift",
    }
)
READERS_CHANGES = "core_readerschange"


def _editorial(event_model) -> bool:
    tracked = event_model.pgh_tracked_model
    return tracked is not None and tracked._meta.db_table in EDITORIAL_TABLES


@functools.cache
def _event_tables(readers: bool = False) -> tuple[str, ...]:
    # Computed once per process: it runs on every analyst's page view.
    return tuple(
        sorted(
            model._meta.db_table
            for model in apps.get_models()
            if issubclass(model, pghistory.models.Event)
            and not model._meta.proxy
            and not (readers and _editorial(model))
        )
    )


# psycopg's default: a statement run this many times is prepared. Only server-binding cursors
# prepare, and Django's own bind on the client, so in practice only the query below is.
PREPARE_THRESHOLD = 5


@functools.cache
def _version_query(tables: tuple[str, ...], readers: bool = False) -> str:
    quote_name = connections[DEFAULT_DB_ALIAS].ops.quote_name
    parts = [f"SELECT '{table}', (SELECT max(pgh_id) FROM {quote_name(table)})" for table in tables]
    if readers:
        parts.insert(0, f"SELECT 'readers', (SELECT max(id) FROM {READERS_CHANGES})")
    return " UNION ALL ".join(parts)


def data_version(*, readers: bool = False) -> str:
    """Return a string that changes whenever any tracked row changes, or with `readers`
    only when something readers can see changes (one query), read from the database this
    request's reads go to (a replica's version matches its own rows)."""
    tables = _event_tables(readers)
    if not tables and not readers:
        return "0"
    connection = connections[router.db_for_read(pghistory.models.Events)]
    rows = _run_prepared(connection, _version_query(tables, readers))
    return ";".join(f"{name}={value or 0}" for name, value in rows)


def sees_drafts(user) -> bool:
    """Whether the user may see drafts and editorial objects no published row refers to:
    anyone who may change something (editors, administrators). Everyone else is a reader."""
    if user is None or not user.is_authenticated:
        return False
    return any(perm.split(".", 1)[1].startswith("change_") for perm in user.get_all_permissions())


def version_for(user) -> str:
    """The data version of what this user can see: the readers' for readers, the whole one
    for those who see drafts."""
    return data_version(readers=not sees_drafts(user))


def _run_prepared(connection, sql: str) -> list[tuple]:
    """Run a query without parameters as a prepared statement of a kept connection:
    PostgreSQL plans it once per connection instead of on every page view (0.24 ms instead
    of 1.2 ms at xl: planning its fourteen subqueries cost far more than running them).
    Django's cursors bind on the client and never prepare, so this one goes through
    psycopg's own cursor, and is logged as Django's queries are (query counts in tests
    include it). With CONN_MAX_AGE=0 (behind pgbouncer in transaction mode) nothing is
    prepared: each request has a new connection anyway."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    started = time.monotonic()
    raw = connection.connection
    # Django turns psycopg's prepared statements off on its connections (its own cursors
    # bind on the client and never prepare anyway); this cursor binds on the server.
    prepare = bool(connection.settings_dict["CONN_MAX_AGE"])
    if prepare and raw.prepare_threshold is None:
        raw.prepare_threshold = PREPARE_THRESHOLD
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, prepare=prepare)
        rows = cursor.fetchall()
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": sql, "time": f"{time.monotonic() - started:.3f}", "alias": connection.alias}
        )
    return rows
