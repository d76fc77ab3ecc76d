"""A position's stance must belong to its topic: a composite foreign key holds it."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("positions", "0002_initial")]

    operations = [
        migrations.RunSQL(
            sql="""
                ALTER TABLE positions_position
                ADD CONSTRAINT position_stance_of_topic
                FOREIGN KEY (stance_id, topic_id)
                REFERENCES positions_stance (id, topic_id)
                DEFERRABLE INITIALLY DEFERRED;
            """,
            reverse_sql="ALTER TABLE positions_position DROP CONSTRAINT position_stance_of_topic;",
        ),
        TrigramExtension(),
    ]
