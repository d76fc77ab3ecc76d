"""Each position's count of published evidence quotes, kept by the database.

Every page that shows positions says how many published quotes stand behind each: the matrix
a thousand at a time. Counted per request, that is a probe into the evidence links and one
into the million-row quote table per position (two thirds of the matrix's SQL at xl). The
count changes only when a link is added or removed or a quote's status crosses "published",
so triggers keep it in positions_evidence_tally, in the transaction of the write, whatever
the door (services, admin, API, import, restore, shell, plain SQL): a read never sees a count
that its data does not hold.

Each trigger counts the position again rather than adding or subtracting one, so the order in
which a delete's links, quote and position go cannot skew it; a position with no row counts 0.
The table is Django's (so a test's flush empties it) without a foreign key: a position's row
goes with it by a trigger, and a count is only written for a position that exists.
"""

import django.db.models.deletion
from django.db import migrations, models

TALLY = """
CREATE FUNCTION positions_evidence_retally(target bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO positions_evidence_tally (position_id, published)
    SELECT position.id, (
        SELECT count(*) FROM positions_position_evidence link
        JOIN statements_quote quote ON quote.id = link.quote_id
        WHERE link.position_id = position.id AND quote.status = 'published'
    )
    FROM positions_position position
    WHERE position.id = target
    ON CONFLICT (position_id) DO UPDATE SET published = EXCLUDED.published
$$;

CREATE FUNCTION positions_evidence_link_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM positions_evidence_retally(OLD.position_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.position_id <> OLD.position_id) THEN
        PERFORM positions_evidence_retally(NEW.position_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER positions_evidence_tally
    AFTER INSERT OR UPDATE OR DELETE ON positions_position_evidence
    FOR EACH ROW EXECUTE FUNCTION positions_evidence_link_changed();

CREATE FUNCTION positions_evidence_quote_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM positions_evidence_retally(link.position_id)
    FROM positions_position_evidence link WHERE link.quote_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE FUNCTION positions_evidence_position_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM positions_evidence_tally WHERE position_id = OLD.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER positions_evidence_tally
    AFTER DELETE ON positions_position
    FOR EACH ROW EXECUTE FUNCTION positions_evidence_position_deleted();

CREATE TRIGGER positions_evidence_tally
    AFTER UPDATE OF status ON statements_quote
    FOR EACH ROW WHEN ((OLD.status = 'published') IS DISTINCT FROM (NEW.status = 'published'))
    EXECUTE FUNCTION positions_evidence_quote_changed();

INSERT INTO positions_evidence_tally (position_id, published)
SELECT link.position_id, count(*) FILTER (WHERE quote.status = 'published')
FROM positions_position_evidence link
JOIN statements_quote quote ON quote.id = link.quote_id
GROUP BY link.position_id;
"""

UNDO = """
DROP TRIGGER positions_evidence_tally ON positions_position;
DROP TRIGGER positions_evidence_tally ON statements_quote;
DROP TRIGGER positions_evidence_tally ON positions_position_evidence;
DROP FUNCTION positions_evidence_quote_changed();
DROP FUNCTION positions_evidence_link_changed();
DROP FUNCTION positions_evidence_position_deleted();
DROP FUNCTION positions_evidence_retally(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("positions", "0014_position_review_note"),
        ("statements", "0006_dates_from_1900"),
    ]

    operations = [
        migrations.CreateModel(
            name="EvidenceTally",
            fields=[
                (
                    "position",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="positions.position",
                    ),
                ),
                ("published", models.IntegerField()),
            ],
            options={
                "db_table": "positions_evidence_tally",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("published__gte", 0)),
                        name="evidence_tally_not_negative",
                    )
                ],
            },
        ),
        migrations.RunSQL(TALLY, reverse_sql=UNDO),
    ]
