"""tsquery_pairs(query): the word pairs ('a_b' & 'b_c') every quote matching a search must hold
in search_bigrams, or NULL when it needs none (no phrase; a phrase under "or" or a negation,
where a match need not hold it). Immutable, so a search's pairs are worked out when its query
is planned (apps.statements.models.PhrasePairs). The query's text is read as tokens (lexemes
and operators, in order): a lexeme, "<->", a lexeme make a pair."""

from django.db import migrations

PAIRS = r"""
CREATE FUNCTION tsquery_pairs(q tsquery) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN q::text ~ '[|!]' THEN NULL ELSE (
        WITH tokens AS (
            SELECT n, m[1] AS lexeme, m[2] AS op
            FROM regexp_matches(
                q::text, '''((?:[^'']|'''')*)''|(<->|<[0-9]+>|&|\(|\))', 'g'
            ) WITH ORDINALITY AS found (m, n)
        )
        SELECT string_agg(DISTINCT '''' || a.lexeme || '_' || c.lexeme || '''', ' & ')::tsquery
        FROM tokens a
        JOIN tokens b ON b.n = a.n + 1 AND b.op = '<->'
        JOIN tokens c ON c.n = a.n + 2 AND c.lexeme IS NOT NULL
        WHERE a.lexeme IS NOT NULL
    ) END
$$
"""


class Migration(migrations.Migration):
    dependencies = [("statements", "0008_search_bigrams")]

    operations = [migrations.RunSQL(PAIRS, "DROP FUNCTION tsquery_pairs(tsquery)")]
