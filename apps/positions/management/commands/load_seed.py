from django.core.management.base import BaseCommand, CommandError

from apps.core.audit import audit_context
from apps.positions.seed import SeedError, load_seed


class Command(BaseCommand):
    help = "Load the codebook, countries, actors, events and seeded reports (idempotent)."

    def handle(self, *args, **options):
        try:
            with audit_context(door="command"):
                counts = load_seed()
        except SeedError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"]:
            self.stdout.write(
                f"Seed loaded: {counts['created']} created, {counts['updated']} updated."
            )
