from apps.core.import_command import ImportCommand
from apps.positions.imports import read_file, statements_import

PROGRESS_ROWS = 5000


class Command(ImportCommand):
    help = (
        "Import statements (quotes with their sources, optionally coding positions) from a "
        "CSV or JSON file as an editor; all or nothing, and the rows go to review. Columns: "
        "see apps/positions/imports.py or the README."
    )
    permissions = ("statements.add_quote", "positions.add_position")
    may_not = "may not add quotes and positions"

    def read(self, data: bytes, name: str, fmt: str) -> list:
        return read_file(data, name, fmt)

    def import_rows(self, **kwargs):
        return statements_import(**kwargs)

    def summary(self, result, verb: str) -> str:
        return (
            f"{verb} {result.quotes} quote(s), {result.positions} position(s) and "
            f"{result.sources} new source(s) from {result.rows} row(s)."
        )

    def progress(self, total: int):
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
