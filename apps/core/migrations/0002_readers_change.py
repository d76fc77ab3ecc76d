"""The readers' data version: a row in core_readerschange for every write readers can see.

Statement-level triggers (one check per statement, however many rows it writes):
- quotes count when a row was or becomes published; positions when one was or becomes
  published or retracted (a retracted one stays on record); their topic and evidence links
  when the quote or position they belong to counts;
- people, organizations, sources and events count when changed or deleted, not when
  inserted: a new one is referred to by nothing published yet, so readers cannot see it;
- roles count whenever written (a visible person's posts show with them).
Countries, blocs, topics and stances are reference data: their history tables count as they
are (apps.core.versions).
"""

from django.db import migrations, models

FUNCTIONS = """
CREATE FUNCTION core_readers_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM old_rows) THEN
            INSERT INTO core_readerschange DEFAULT VALUES;
        END IF;
    ELSIF EXISTS (SELECT 1 FROM new_rows) THEN
        INSERT INTO core_readerschange DEFAULT VALUES;
    END IF;
    RETURN NULL;
END $$;

-- TG_ARGV: the statuses readers see.
CREATE FUNCTION core_readers_changed_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM old_rows WHERE status = ANY (TG_ARGV)) THEN
            INSERT INTO core_readerschange DEFAULT VALUES;
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM new_rows WHERE status = ANY (TG_ARGV)) THEN
            INSERT INTO core_readerschange DEFAULT VALUES;
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION core_readers_changed_quote_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF EXISTS (
            SELECT 1 FROM old_rows r JOIN statements_quote q ON q.id = r.quote_id
            WHERE q.status = 'published'
        ) THEN
            INSERT INTO core_readerschange DEFAULT VALUES;
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF EXISTS (
            SELECT 1 FROM new_rows r JOIN statements_quote q ON q.id = r.quote_id
            WHERE q.status = 'published'
        ) THEN
            INSERT INTO core_readerschange DEFAULT VALUES;
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION core_readers_changed_position_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF EXISTS (
            SELECT 1 FROM old_rows r JOIN positions_position p ON p.id = r.position_id
            WHERE p.status IN ('published', 'retracted')
        ) THEN
            INSERT INTO core_readerschange DEFAULT VALUES;
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF EXISTS (
            SELECT 1 FROM new_rows r JOIN positions_position p ON p.id = r.position_id
            WHERE p.status IN ('published', 'retracted')
        ) THEN
            INSERT INTO core_readerschange DEFAULT VALUES;
        END IF;
    END IF;
    RETURN NULL;
END $$;
"""

# table: (function and its arguments, the operations that count)
WATCHED = {
    "statements_quote": (
        "core_readers_changed_status('published')",
        ("INSERT", "UPDATE", "DELETE"),
    ),
    "positions_position": (
        "core_readers_changed_status('published', 'retracted')",
        ("INSERT", "UPDATE", "DELETE"),
    ),
    "statements_quote_topics": (
        "core_readers_changed_quote_link()",
        ("INSERT", "UPDATE", "DELETE"),
    ),
    "positions_position_evidence": (
        "core_readers_changed_position_link()",
        ("INSERT", "UPDATE", "DELETE"),
    ),
    "actors_person": ("core_readers_changed()", ("UPDATE", "DELETE")),
    "actors_organization": ("core_readers_changed()", ("UPDATE", "DELETE")),
    "statements_source": ("core_readers_changed()", ("UPDATE", "DELETE")),
    "statements_event": ("core_readers_changed()", ("UPDATE", "DELETE")),
    "actors_role": ("core_readers_changed()", ("INSERT", "UPDATE", "DELETE")),
}

TRANSITIONS = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}


def _trigger(table: str, operation: str) -> str:
    return f"readers_change_{operation.lower()}"


CREATE = FUNCTIONS + "".join(
    f"CREATE TRIGGER {_trigger(table, op)} AFTER {op} ON {table} {TRANSITIONS[op]} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {function};\n"
    for table, (function, operations) in WATCHED.items()
    for op in operations
)
DROP = "".join(
    f"DROP TRIGGER IF EXISTS {_trigger(table, op)} ON {table};\n"
    for table, (_, operations) in WATCHED.items()
    for op in operations
) + "".join(
    f"DROP FUNCTION IF EXISTS {name}();\n"
    for name in (
        "core_readers_changed",
        "core_readers_changed_status",
        "core_readers_changed_quote_link",
        "core_readers_changed_position_link",
    )
)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_revision"),
        ("actors", "0003_scale_indexes"),
        ("statements", "0005_codebook_topics_stances"),
        ("positions", "0010_evidence_kept"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReadersChange",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False))],
            options={"default_permissions": ()},
        ),
        migrations.RunSQL(CREATE, DROP),
    ]
