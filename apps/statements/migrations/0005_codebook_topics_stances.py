"""Quotes code with the codebook's topics and stances (moved there from `positions`).

State only: the tables and their foreign keys are the ones they were, under the same names.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("codebook", "0001_initial"),
        ("statements", "0004_scale_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='quote',
                    name='implied_stance',
                    field=models.ForeignKey(blank=True, help_text='The stance the words imply, to flag a contradiction with the coded position.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='codebook.stance'),
                ),
                migrations.AlterField(
                    model_name='quote',
                    name='topics',
                    field=models.ManyToManyField(blank=True, related_name='quotes', to='codebook.topic'),
                ),
                migrations.AlterField(
                    model_name='quoteevent',
                    name='implied_stance',
                    field=models.ForeignKey(blank=True, db_constraint=False, help_text='The stance the words imply, to flag a contradiction with the coded position.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='codebook.stance'),
                ),
                migrations.AlterField(
                    model_name='quotetopicevent',
                    name='topic',
                    field=models.ForeignKey(db_constraint=False, db_tablespace='', on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='codebook.topic'),
                ),
            ],
        ),
    ]
