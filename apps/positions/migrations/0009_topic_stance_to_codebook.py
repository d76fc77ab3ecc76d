"""Topic and Stance leave `positions` for the codebook (codebook 0001 takes them in).

State only: the tables, their rows, their history and every foreign key stay where they
are (the composite foreign key of 0003 included); positions now point at the codebook.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("codebook", "0001_initial"),
        ("positions", "0008_scale_indexes"),
        ("statements", "0005_codebook_topics_stances"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='stanceevent',
                    name='pgh_obj',
                ),
                migrations.AlterField(
                    model_name='possibleshift',
                    name='implied_stance',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='codebook.stance'),
                ),
                migrations.AlterField(
                    model_name='positionevent',
                    name='stance',
                    field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='codebook.stance'),
                ),
                migrations.AlterField(
                    model_name='position',
                    name='stance',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='positions', to='codebook.stance'),
                ),
                migrations.AlterField(
                    model_name='possibleshiftevent',
                    name='implied_stance',
                    field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='codebook.stance'),
                ),
                migrations.RemoveField(
                    model_name='stanceevent',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='stanceevent',
                    name='pgh_context',
                ),
                migrations.RemoveField(
                    model_name='stanceevent',
                    name='topic',
                ),
                migrations.RemoveField(
                    model_name='stanceevent',
                    name='updated_by',
                ),
                migrations.RemoveField(
                    model_name='topic',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='topic',
                    name='updated_by',
                ),
                migrations.RemoveField(
                    model_name='topicevent',
                    name='pgh_obj',
                ),
                migrations.AlterField(
                    model_name='position',
                    name='topic',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='positions', to='codebook.topic'),
                ),
                migrations.AlterField(
                    model_name='positionevent',
                    name='topic',
                    field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='codebook.topic'),
                ),
                migrations.RemoveField(
                    model_name='topicevent',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='topicevent',
                    name='pgh_context',
                ),
                migrations.RemoveField(
                    model_name='topicevent',
                    name='updated_by',
                ),
                migrations.DeleteModel(
                    name='Stance',
                ),
                migrations.DeleteModel(
                    name='StanceEvent',
                ),
                migrations.DeleteModel(
                    name='Topic',
                ),
                migrations.DeleteModel(
                    name='TopicEvent',
                ),
            ],
        ),
    ]
