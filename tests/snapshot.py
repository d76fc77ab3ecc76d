"""Load data once per test session and put it back, unchanged, into each test that asks.

`RowSnapshot.take(load)` runs `load` inside a transaction that is rolled back at once, and
keeps every row it wrote, table by table, in PostgreSQL's COPY text format.
`RowSnapshot.replay()` copies those rows back in, with the same primary keys, inside the
current transaction: for a test using the `db` fixture, that is the test's own transaction,
so the rows (and whatever the test writes on top of them) are rolled back with it.

Triggers are off while the rows go back in (`session_replication_role = replica`): the
history rows the triggers wrote during the load are part of the snapshot, so each test sees
exactly what the load left (the same rows, the same history, the same data version), no
more. Foreign keys are not checked during the copy either; the rows were consistent when
the load wrote them.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction


@dataclass(frozen=True)
class TableRows:
    table: str  # quoted
    columns: str  # quoted, comma separated, in COPY's order
    data: bytes  # COPY text format, one row a line


@dataclass(frozen=True)
class RowSnapshot:
    tables: tuple[TableRows, ...]
    # (sequence, highest value the load left in its column) for each sequence-backed
    # column of a table that got rows.
    sequences: tuple[tuple[str, int], ...]
    # False when the database user may not turn triggers off (only a superuser may set
    # session_replication_role): `replay` then runs the load again instead.
    replayable: bool
    load: Callable[[], object]

    @classmethod
    def take(cls, load: Callable[[], object]) -> "RowSnapshot":
        """Run `load`, keep the rows it inserted, and roll everything back. Fails if the load
        changed or deleted a row that was there before (a replay could not do that)."""
        with transaction.atomic(), connection.cursor() as cursor:
            layout = _layout(cursor)
            before = {table: _dump(cursor, table, columns) for table, columns in layout}
            load()
            tables, sequences = [], []
            for table, columns in layout:
                after = _dump(cursor, table, columns)
                added = Counter(after)
                added.subtract(before[table])
                if any(count < 0 for count in added.values()):
                    raise AssertionError(
                        f"The load changed or deleted rows of {table} that were there before; "
                        "a snapshot can only replay inserted rows."
                    )
                lines = []
                for line in after:
                    if added[line] > 0:
                        added[line] -= 1
                        lines.append(line)
                if lines:
                    tables.append(TableRows(table, columns, b"".join(lines)))
                    sequences += _sequences_of(cursor, table)
            replayable = _may_turn_triggers_off()
            transaction.set_rollback(True)
        return cls(tuple(tables), tuple(sequences), replayable, load)

    def replay(self) -> None:
        """Insert the snapshot's rows in the current transaction (a savepoint of the test's
        transaction under the `db` fixture; committed under `transactional_db`)."""
        if not self.replayable:
            with transaction.atomic():
                self.load()
            return
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('session_replication_role', 'replica', true)")
            raw = cursor.cursor
            for rows in self.tables:
                with raw.copy(f"COPY {rows.table} ({rows.columns}) FROM STDIN") as copy:
                    copy.write(rows.data)
            cursor.execute("SELECT set_config('session_replication_role', 'origin', true)")
            # Sequences are never rolled back, so they are already past the snapshot's keys;
            # unless something reset them since (a restore, a flush with reset_sequences).
            if self.sequences:
                values = ", ".join(["(%s::regclass, %s::bigint)"] * len(self.sequences))
                cursor.execute(
                    "SELECT setval(seq, top) FROM (VALUES "
                    + values
                    + ") AS s(seq, top) WHERE coalesce(pg_sequence_last_value(seq), 0) < top",
                    [value for pair in self.sequences for value in pair],
                )

    @property
    def table_names(self) -> list[str]:
        return [rows.table for rows in self.tables]


def _may_turn_triggers_off() -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('session_replication_role', 'replica', true)")
            transaction.set_rollback(True)
    except DatabaseError:
        return False
    return True


def _layout(cursor) -> list[tuple[str, str]]:
    """Every ordinary table of the schemas in the search path, with its columns (generated
    columns left out: PostgreSQL computes them again)."""
    cursor.execute(
        """
        SELECT c.oid::regclass::text,
               string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
        FROM pg_class c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             AND a.attgenerated = ''
        WHERE c.relkind IN ('r', 'p') AND c.relnamespace = ANY(
            SELECT oid FROM pg_namespace WHERE nspname = ANY(current_schemas(false)))
        GROUP BY c.oid
        ORDER BY 1
        """
    )
    return cursor.fetchall()


def _dump(cursor, table: str, columns: str) -> list[bytes]:
    with cursor.cursor.copy(f"COPY {table} ({columns}) TO STDOUT") as copy:
        data = b"".join(bytes(chunk) for chunk in copy)
    return data.splitlines(keepends=True)


def _sequences_of(cursor, table: str) -> list[tuple[str, int]]:
    cursor.execute(
        """
        SELECT quote_ident(a.attname), pg_get_serial_sequence(%s, a.attname)
        FROM pg_attribute a
        WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
          AND pg_get_serial_sequence(%s, a.attname) IS NOT NULL
        """,
        [table, table, table],
    )
    found = []
    for column, sequence in cursor.fetchall():
        cursor.execute(f"SELECT max({column}) FROM {table}")
        top = cursor.fetchone()[0]
        if top is not None:
            found.append((sequence, int(top)))
    return found
