from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.backups import backup_restore


class Command(BaseCommand):
    help = "Restore the database from a backup file made by `manage.py backup`."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            backup_restore(file)
        except Exception as error:
            raise CommandError(f"Restore failed: {error}") from error
        self.stdout.write(f"Restored {file}.")
