from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.backups import BACKUP_DIR, backup_create


class Command(BaseCommand):
    help = "Write a pg_dump custom-format backup (default under var/backups/) and print its path."

    def add_arguments(self, parser):
        parser.add_argument("--directory", type=Path, default=BACKUP_DIR)

    def handle(self, *args, directory: Path, **options):
        try:
            path = backup_create(directory)
        except Exception as error:  # the dump tool's own message says what went wrong
            raise CommandError(f"Backup failed: {error}") from error
        self.stdout.write(str(path))
