from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.core.audit import audit_context
from apps.positions.imports import MAX_IMPORT_BYTES, read_file, statements_import

PROGRESS_ROWS = 5000


class Command(BaseCommand):
    help = (
        "Import statements (quotes with their sources, optionally coding positions) from a "
        "CSV or JSON file as an editor; all or nothing, and the rows go to review. Columns: "
        "see apps/positions/imports.py or the README."
    )

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
        editor = _editor(username)
        try:
            with file.open("rb") as handle:
                data = handle.read(MAX_IMPORT_BYTES + 1)
            rows = read_file(
                data, file.name, format or ("json" if file.suffix.lower() == ".json" else "csv")
            )
        except (OSError, ValueError) as error:
            raise CommandError(f"{file}: {error}") from error
        with audit_context(door="import", user=editor):
            result = statements_import(
                rows=rows, by=editor, dry_run=dry_run, progress=self._progress(len(rows))
            )
        if result.errors:
            for problem in result.errors:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(result.errors)} error(s): nothing was imported.")
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{verb} {result.quotes} quote(s), {result.positions} position(s) and "
            f"{result.sources} new source(s) from {result.rows} row(s)."
        )

    def _progress(self, total: int):
        """Print how far the check got, every PROGRESS_ROWS rows of a big file, to stderr."""
        if total < PROGRESS_ROWS * 2:
            return None
        printed = 0

        def progress(checked: int) -> None:
            nonlocal printed
            if checked - printed >= PROGRESS_ROWS or (checked == total != printed):
                printed = checked
                self.stderr.write(f"checked {checked:,} of {total:,} rows")

        return progress


def _editor(username: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not user.is_active:
        raise CommandError(f"--as {username}: no active user of that name.")
    if not (user.has_perm("statements.add_quote") and user.has_perm("positions.add_position")):
        raise CommandError(f"--as {username}: this user may not add quotes and positions.")
    return user
