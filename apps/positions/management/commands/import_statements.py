from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.audit import audit_context
from apps.positions.imports import read_rows, statements_import


class Command(BaseCommand):
    help = (
        "Import statements (quotes with their sources, optionally coding positions) from a "
        "CSV or JSON file; all or nothing. Columns: see apps/positions/imports.py or the README."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Validate only; store nothing.")
        parser.add_argument("--format", choices=["csv", "json"], help="Default: from the suffix.")

    def handle(self, *args, file: Path, dry_run: bool, format: str | None, **options):
        fmt = format or ("json" if file.suffix.lower() == ".json" else "csv")
        try:
            rows = read_rows(file.read_text(encoding="utf-8"), fmt)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise CommandError(f"{file}: {error}") from error
        with audit_context(door="import"):
            result = statements_import(rows=rows, dry_run=dry_run)
        if result.errors:
            for problem in result.errors:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(result.errors)} error(s): nothing was imported.")
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{verb} {result.quotes} quote(s), {result.positions} position(s) and "
            f"{result.sources} new source(s) from {result.rows} row(s)."
        )
