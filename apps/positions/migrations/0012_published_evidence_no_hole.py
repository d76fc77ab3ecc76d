"""A published position rests on published evidence, and deleting one leaves no hole.

Two rules the services keep (position_check, position_delete), held by the database too so
that the admin, the API, the import, the shell and plain SQL meet the same refusal
(SQLSTATE 23001, restrict_violation, with the constraint names below). Both are constraint
triggers checked at commit, when a position and its evidence links have all been written:

- position_published_evidence: a position published (inserted, or its status changed) has
  at least one published quote among its evidence, and removing an evidence link (the quote
  staying) does not leave a published position without one. A deleted quote is
  quote_evidence_kept's business (0010), and a retracted one
  published_position_keeps_published_evidence's.
- published_history_no_hole: deleting a published position reopens the published position
  it had closed (position_delete does), unless another published position now starts on
  the same day.
"""

from django.db import migrations

PUBLISHED_EVIDENCE = """
CREATE FUNCTION position_has_published_evidence() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target bigint;
BEGIN
    IF TG_TABLE_NAME = 'positions_position' THEN
        target := NEW.id;
    ELSE
        IF NOT EXISTS (SELECT FROM statements_quote WHERE id = OLD.quote_id) THEN
            RETURN NULL;  -- the quote was deleted: see quote_evidence_kept
        END IF;
        target := OLD.position_id;
    END IF;
    IF EXISTS (SELECT FROM positions_position WHERE id = target AND status = 'published')
       AND NOT EXISTS (
           SELECT FROM positions_position_evidence link
           JOIN statements_quote quote ON quote.id = link.quote_id
           WHERE link.position_id = target AND quote.status = 'published'
       )
    THEN
        RAISE EXCEPTION
            'Position % is published without a published evidence quote.', target
            USING ERRCODE = 'restrict_violation',
                  CONSTRAINT = 'position_published_evidence',
                  HINT = 'Give it a published evidence quote, or keep it unpublished.';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER position_published_evidence
    AFTER INSERT OR UPDATE OF status ON positions_position
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.status = 'published')
    EXECUTE FUNCTION position_has_published_evidence();

CREATE CONSTRAINT TRIGGER position_published_evidence
    AFTER UPDATE OR DELETE ON positions_position_evidence
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION position_has_published_evidence();
"""

NO_HOLE = """
CREATE FUNCTION published_history_no_hole() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT FROM positions_position earlier
        WHERE earlier.status = 'published'
          AND earlier.topic_id = OLD.topic_id
          AND earlier.country_id IS NOT DISTINCT FROM OLD.country_id
          AND earlier.organization_id IS NOT DISTINCT FROM OLD.organization_id
          AND earlier.valid_to = OLD.valid_from
    ) AND NOT EXISTS (
        SELECT FROM positions_position later
        WHERE later.status = 'published'
          AND later.topic_id = OLD.topic_id
          AND later.country_id IS NOT DISTINCT FROM OLD.country_id
          AND later.organization_id IS NOT DISTINCT FROM OLD.organization_id
          AND later.valid_from = OLD.valid_from
    ) THEN
        RAISE EXCEPTION
            'Published position % cannot be deleted leaving a hole from %: the position it had closed must run on.',
            OLD.id, OLD.valid_from
            USING ERRCODE = 'restrict_violation',
                  CONSTRAINT = 'published_history_no_hole',
                  HINT = 'Reopen the position it had closed, as a retraction does.';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER published_history_no_hole
    AFTER DELETE ON positions_position
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.status = 'published')
    EXECUTE FUNCTION published_history_no_hole();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("positions", "0011_dates_from_1900"),
    ]

    operations = [
        migrations.RunSQL(
            PUBLISHED_EVIDENCE,
            reverse_sql="""
                DROP TRIGGER position_published_evidence ON positions_position;
                DROP TRIGGER position_published_evidence ON positions_position_evidence;
                DROP FUNCTION position_has_published_evidence();
            """,
        ),
        migrations.RunSQL(
            NO_HOLE,
            reverse_sql="""
                DROP TRIGGER published_history_no_hole ON positions_position;
                DROP FUNCTION published_history_no_hole();
            """,
        ),
    ]
