from apps.agreements.imports import agreements_import, read_file
from apps.core.import_command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import agreements with their parties and clauses from a CSV or JSON file as an "
        "editor; all or nothing, and the agreements go to review. Columns and keys: see "
        "apps/agreements/imports.py or the README."
    )
    permissions = ("agreements.add_agreement",)
    may_not = "may not add agreements"

    def read(self, data: bytes, name: str, fmt: str) -> list:
        return read_file(data, name, fmt)

    def import_rows(self, **kwargs):
        return agreements_import(**kwargs)

    def summary(self, result, verb: str) -> str:
        return (
            f"{verb} {result.agreements} agreement(s), {result.parties} parties and "
            f"{result.clauses} clause(s) from {result.rows} row(s)."
        )
