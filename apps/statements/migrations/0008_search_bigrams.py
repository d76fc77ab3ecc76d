"""A quote's word pairs (two words side by side: "undermin_would"), indexed, so a phrase
search asks the index for the quotes that hold its pairs rather than every quote holding its
words (apps.statements.models.phrase_pairs)."""

import apps.statements.models
import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.conf import settings
from django.db import migrations, models


# Each lexeme with the one at the next position, "_" between (the parser never leaves "_" in a
# lexeme). Positions are those of the search vector, so a pair stands where a phrase of the
# two would match.
BIGRAMS = """
CREATE FUNCTION tsvector_bigrams(v tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT pair)), ''::tsvector)
    FROM (
        SELECT lexeme || '_' || lead(lexeme) OVER w AS pair, pos, lead(pos) OVER w AS next_pos
        FROM (SELECT lexeme, unnest(positions) AS pos FROM unnest(v)) AS words
        WINDOW w AS (ORDER BY pos)
    ) AS pairs
    WHERE next_pos = pos + 1
$$
"""


class Migration(migrations.Migration):
    dependencies = [
        ("actors", "0004_dates_from_1900"),
        ("codebook", "0001_initial"),
        ("statements", "0007_claimant"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(BIGRAMS, "DROP FUNCTION tsvector_bigrams(tsvector)"),
        migrations.AddField(
            model_name="quote",
            name="search_bigrams",
            field=models.GeneratedField(
                db_persist=True,
                expression=apps.statements.models.Bigrams(
                    django.contrib.postgres.search.SearchVector(
                        "text", "translation", "speaker_label", config="english"
                    )
                ),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="quote",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_bigrams"], name="quote_bigrams_gin"
            ),
        ),
    ]
