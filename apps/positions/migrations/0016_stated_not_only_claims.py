"""A claim about another government never, on its own, codes that government's stance as
"stated" (DESIGN §9).

A quote with a claimant (statements 0007) is one government's or organization's official
speaking of another's stance. A position whose evidence is made only of such claims may be
"reported" or "inferred", never "stated". The evidence that counts is what its readers read:
the published quotes of a published position; every quote of one not yet published (or
retracted), so that an editor's draft is refused as soon as it is coded.

The position services keep the rule (position_check, an error on `confidence`); the database
holds it too, so that the admin, the API, the import, the shell and plain SQL meet the same
refusal (SQLSTATE 23001, restrict_violation, constraint position_stated_not_only_claims).
The checks are constraint triggers run at commit, when a position, its evidence links and
its quotes have all been written, wherever the rule could break:

- a position inserted, or its confidence or status changed, while it is "stated";
- an evidence link added, changed or removed (the quote staying: a deleted quote is
  quote_evidence_kept's business, 0010, and its links go with it);
- a quote given a claimant, or its status changed: every "stated" position it is evidence of
  is checked again (the quote services run this one at once, to name the field).
"""

from django.db import migrations

STATED_NOT_ONLY_CLAIMS = """
CREATE FUNCTION position_rests_on_claims_only(target bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT FROM positions_position p
        WHERE p.id = target
          AND p.confidence = 'stated'
          AND EXISTS (
              SELECT FROM positions_position_evidence link
              JOIN statements_quote quote ON quote.id = link.quote_id
              WHERE link.position_id = p.id
                AND (p.status <> 'published' OR quote.status = 'published')
          )
          AND NOT EXISTS (
              SELECT FROM positions_position_evidence link
              JOIN statements_quote quote ON quote.id = link.quote_id
              WHERE link.position_id = p.id
                AND (p.status <> 'published' OR quote.status = 'published')
                AND quote.claimant_country_id IS NULL
                AND quote.claimant_organization_id IS NULL
          )
    )
$$;

CREATE FUNCTION position_stated_not_only_claims() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    targets bigint[];
    refused text;
BEGIN
    IF TG_TABLE_NAME = 'positions_position' THEN
        targets := ARRAY[NEW.id];
    ELSIF TG_TABLE_NAME = 'statements_quote' THEN
        SELECT array_agg(link.position_id) INTO targets
        FROM positions_position_evidence link WHERE link.quote_id = NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM statements_quote WHERE id = OLD.quote_id) THEN
            RETURN NULL;  -- the quote was deleted: see quote_evidence_kept
        END IF;
        targets := ARRAY[OLD.position_id];
    ELSIF TG_OP = 'UPDATE' THEN
        targets := ARRAY[OLD.position_id, NEW.position_id];
    ELSE
        targets := ARRAY[NEW.position_id];
    END IF;
    SELECT string_agg(target::text, ', ' ORDER BY target) INTO refused
    FROM (SELECT DISTINCT unnest(targets) AS target) t
    WHERE position_rests_on_claims_only(target);
    IF refused IS NOT NULL THEN
        RAISE EXCEPTION
            'Position % is coded "stated" on claims by others alone.', refused
            USING ERRCODE = 'restrict_violation',
                  CONSTRAINT = 'position_stated_not_only_claims',
                  DETAIL = refused,
                  HINT = 'Code it "reported" or "inferred", or give it the holder''s own words as evidence.';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER position_stated_not_only_claims
    AFTER INSERT OR UPDATE OF confidence, status ON positions_position
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.confidence = 'stated')
    EXECUTE FUNCTION position_stated_not_only_claims();

CREATE CONSTRAINT TRIGGER position_stated_not_only_claims
    AFTER INSERT OR UPDATE OR DELETE ON positions_position_evidence
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION position_stated_not_only_claims();

CREATE CONSTRAINT TRIGGER position_stated_not_only_claims
    AFTER UPDATE OF claimant_country_id, claimant_organization_id, status ON statements_quote
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (
        OLD.claimant_country_id IS DISTINCT FROM NEW.claimant_country_id
        OR OLD.claimant_organization_id IS DISTINCT FROM NEW.claimant_organization_id
        OR OLD.status IS DISTINCT FROM NEW.status
    )
    EXECUTE FUNCTION position_stated_not_only_claims();
"""

UNDO = """
DROP TRIGGER position_stated_not_only_claims ON statements_quote;
DROP TRIGGER position_stated_not_only_claims ON positions_position_evidence;
DROP TRIGGER position_stated_not_only_claims ON positions_position;
DROP FUNCTION position_stated_not_only_claims();
DROP FUNCTION position_rests_on_claims_only(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("positions", "0015_evidence_tally"),
        ("statements", "0007_claimant"),
    ]

    operations = [migrations.RunSQL(STATED_NOT_ONLY_CLAIMS, reverse_sql=UNDO)]
