"""The command-line door of an import: ``manage.py import_<what> FILE --as USERNAME
[--dry-run] [--format csv|json]``. The file is read as the admin's upload reads it
(apps/core/imports.py), imported as a named, active editor who may add what it holds, all
or nothing; each problem is printed by row and column."""

from collections.abc import Callable
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.core.audit import audit_context
from apps.core.imports import MAX_IMPORT_BYTES


class ImportCommand(BaseCommand):
    """A subclass names its reader, its importer, the permissions the editor needs (and how
    to say so), and how to report what it imported."""

    permissions: tuple[str, ...] = ()
    may_not: str = ""  # "may not add quotes and positions"

    def read(self, data: bytes, name: str, fmt: str) -> list:
        raise NotImplementedError

    def import_rows(self, *, rows: list, by, dry_run: bool, progress: Callable | None):
        raise NotImplementedError

    def summary(self, result, verb: str) -> str:
        """What was imported, as a sentence beginning with ``verb``."""
        raise NotImplementedError

    def progress(self, total: int) -> Callable[[int], None] | None:
        """How to show how far the check got, or None."""
        return None

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            metavar="USERNAME",
            help="The active editor the rows are imported by (their author for review).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Validate only; store nothing.")
        parser.add_argument("--format", choices=["csv", "json"], help="Default: from the suffix.")

    def handle(
        self, *args, file: Path, username: str, dry_run: bool, format: str | None, **options
    ):
        editor = self.editor(username)
        try:
            with file.open("rb") as handle:
                data = handle.read(MAX_IMPORT_BYTES + 1)
            rows = self.read(
                data, file.name, format or ("json" if file.suffix.lower() == ".json" else "csv")
            )
        except (OSError, ValueError) as error:
            raise CommandError(f"{file}: {error}") from error
        with audit_context(door="import", user=editor):
            result = self.import_rows(
                rows=rows, by=editor, dry_run=dry_run, progress=self.progress(len(rows))
            )
        if result.errors:
            for problem in result.errors:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(result.errors)} error(s): nothing was imported.")
        self.stdout.write(self.summary(result, "Would import" if dry_run else "Imported"))

    def editor(self, username: str):
        """The active user of that name, who holds the permissions; else a CommandError."""
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(f"--as {username}: no active user of that name.")
        if not all(user.has_perm(permission) for permission in self.permissions):
            raise CommandError(f"--as {username}: this user {self.may_not}.")
        return user
