"""Evidence cannot vanish from under a position analysts see, whatever the door.

Two triggers, so that the admin, the API, the import, the shell and plain SQL all meet
the same refusal (SQLSTATE 23001, restrict_violation, with the constraint names below,
which the quote services turn into a message naming the positions):

- quote_evidence_kept: a quote that is evidence of a published or retracted position is
  not deleted. Django deletes a quote's evidence links before the quote itself, so the
  check is a constraint trigger on the link table run at commit (the service runs it at
  once with SET CONSTRAINTS … IMMEDIATE): it refuses a removed link whose quote is gone
  while its position is still there and seen. A link removed while the quote stays (a
  change of evidence) and the links of a deleted position pass; so do the links of draft
  positions and positions in review, which go with the quote.
- published_position_keeps_published_evidence: a published quote that is the last
  published evidence of a published position is not retracted.
"""

from django.db import migrations

EVIDENCE_KEPT = """
CREATE FUNCTION quote_evidence_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM statements_quote WHERE id = OLD.quote_id) THEN
        RETURN NULL;  -- the evidence changed; the quote stays
    END IF;
    IF EXISTS (
        SELECT FROM positions_position
        WHERE id = OLD.position_id AND status IN ('published', 'retracted')
    ) THEN
        RAISE EXCEPTION
            'Quote % cannot be deleted: it is the evidence of position %, which analysts see.',
            OLD.quote_id, OLD.position_id
            USING ERRCODE = 'restrict_violation',
                  CONSTRAINT = 'quote_evidence_kept',
                  HINT = 'Retract the quote instead, or first remove it from the evidence.';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER quote_evidence_kept
    AFTER DELETE ON positions_position_evidence
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION quote_evidence_kept();
"""

PUBLISHED_EVIDENCE = """
CREATE FUNCTION published_position_keeps_published_evidence() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    orphaned text;
BEGIN
    SELECT string_agg(p.id::text, ', ' ORDER BY p.id) INTO orphaned
    FROM positions_position_evidence link
    JOIN positions_position p ON p.id = link.position_id
    WHERE link.quote_id = OLD.id
      AND p.status = 'published'
      AND NOT EXISTS (
          SELECT FROM positions_position_evidence other
          JOIN statements_quote quote ON quote.id = other.quote_id
          WHERE other.position_id = p.id
            AND other.quote_id <> OLD.id
            AND quote.status = 'published'
      );
    IF orphaned IS NOT NULL THEN
        RAISE EXCEPTION
            'Quote % cannot be retracted: it is the last published evidence of published position %.',
            OLD.id, orphaned
            USING ERRCODE = 'restrict_violation',
                  CONSTRAINT = 'published_position_keeps_published_evidence',
                  HINT = 'First give the position other published evidence, or retract it.';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER published_position_keeps_published_evidence
    BEFORE UPDATE OF status ON statements_quote
    FOR EACH ROW
    WHEN (OLD.status = 'published' AND NEW.status <> 'published')
    EXECUTE FUNCTION published_position_keeps_published_evidence();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("positions", "0009_topic_stance_to_codebook"),
        ("statements", "0005_codebook_topics_stances"),
    ]

    operations = [
        migrations.RunSQL(
            EVIDENCE_KEPT,
            reverse_sql="""
                DROP TRIGGER quote_evidence_kept ON positions_position_evidence;
                DROP FUNCTION quote_evidence_kept();
            """,
        ),
        migrations.RunSQL(
            PUBLISHED_EVIDENCE,
            reverse_sql="""
                DROP TRIGGER published_position_keeps_published_evidence ON statements_quote;
                DROP FUNCTION published_position_keeps_published_evidence();
            """,
        ),
    ]
