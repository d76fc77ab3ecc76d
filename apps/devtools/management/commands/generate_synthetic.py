import time

from django.core.management.base import BaseCommand, CommandError

from apps.devtools import synthetic


class Command(BaseCommand):
    help = (
        "Fill a separate database with seeded synthetic data (small, large or xl) for load "
        "tests. Creates and migrates it; never touches the database the application uses."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(synthetic.SCALES), default="small")
        parser.add_argument(
            "--database-url",
            required=True,
            help="postgresql:// URL of the database to fill (created if missing).",
        )
        parser.add_argument("--seed", type=int, default=2023)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Drop and create the target database first if it exists.",
        )

    def handle(self, *args, scale: str, database_url: str, seed: int, replace: bool, **options):
        started = time.monotonic()
        try:
            synthetic.refuse_working_database(database_url)
            synthetic.ensure_database(database_url, replace=replace)
            synthetic.migrate(database_url)
            counts = synthetic.load(
                database_url,
                scale,
                seed,
                log=lambda line: self.stdout.write(line) if options["verbosity"] > 1 else None,
            )
        except synthetic.SyntheticError as error:
            raise CommandError(str(error)) from error
        summary = ", ".join(
            f"{table.split('_', 1)[1]} {count}"
            for table, count in counts.items()
            if table
            in {
                "actors_country",
                "positions_topic",
                "actors_person",
                "statements_source",
                "statements_quote",
                "positions_position",
            }
        )
        self.stdout.write(
            f"Synthetic {scale} (seed {seed}) loaded in {time.monotonic() - started:.0f} s: "
            f"{summary}."
        )
