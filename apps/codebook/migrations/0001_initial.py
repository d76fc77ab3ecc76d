"""Topic and Stance move here from `positions`, with every row and every event.

The tables keep their names (see the models), so this migration changes no table: it takes
the four models into the codebook's state, swaps the history triggers for ones named after
their new home (same tables, same columns: pgtrigger names a trigger after its model's
label), and moves the content types, so that permissions, the Editors' grants and admin log
entries follow. `statements` and `positions` then point their foreign keys here, state only.
"""

import django.core.validators
import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

import apps.core.validators

MOVED = ["topic", "stance", "topicevent", "stanceevent"]

# The history triggers as `positions` installed them (positions 0002), dropped here and put
# back if this migration is reversed.
OLD_TRIGGERS = [
    # positions.topic
    pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "positions_topicevent" ("created_at", "created_by_id", "description", "id", "name", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "question", "slug", "updated_at", "updated_by_id") VALUES (NEW."created_at", NEW."created_by_id", NEW."description", NEW."id", NEW."name", NEW."order", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."question", NEW."slug", NEW."updated_at", NEW."updated_by_id"); RETURN NULL;', hash='9577261db61bf2d76f6ab43e92f6fb4b6dfc3aaf', operation='INSERT', pgid='pgtrigger_insert_insert_60d9c', table='positions_topic', when='AFTER')),
    # positions.topic
    pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "positions_topicevent" ("created_at", "created_by_id", "description", "id", "name", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "question", "slug", "updated_at", "updated_by_id") VALUES (NEW."created_at", NEW."created_by_id", NEW."description", NEW."id", NEW."name", NEW."order", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."question", NEW."slug", NEW."updated_at", NEW."updated_by_id"); RETURN NULL;', hash='a819fbe320261ab036507957b9e0043eeaf9ad1e', operation='UPDATE', pgid='pgtrigger_update_update_a5d83', table='positions_topic', when='AFTER')),
    # positions.topic
    pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "positions_topicevent" ("created_at", "created_by_id", "description", "id", "name", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "question", "slug", "updated_at", "updated_by_id") VALUES (OLD."created_at", OLD."created_by_id", OLD."description", OLD."id", OLD."name", OLD."order", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."question", OLD."slug", OLD."updated_at", OLD."updated_by_id"); RETURN NULL;', hash='0696070ed1dc1c9d70df5fc3899cf66f08cfebce', operation='DELETE', pgid='pgtrigger_delete_delete_3058d', table='positions_topic', when='AFTER')),
    # positions.stanceevent
    pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='71b1a893b19b9f8aa15d49058449cec7b2557b4f', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_fcf36', table='positions_stanceevent', when='BEFORE')),
    # positions.stance
    pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "positions_stanceevent" ("created_at", "created_by_id", "definition", "id", "label", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "topic_id", "updated_at", "updated_by_id", "value") VALUES (NEW."created_at", NEW."created_by_id", NEW."definition", NEW."id", NEW."label", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."topic_id", NEW."updated_at", NEW."updated_by_id", NEW."value"); RETURN NULL;', hash='1fbba57a579048ca8340fb757e4ea7186306ec5d', operation='INSERT', pgid='pgtrigger_insert_insert_5a3ea', table='positions_stance', when='AFTER')),
    # positions.stance
    pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "positions_stanceevent" ("created_at", "created_by_id", "definition", "id", "label", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "topic_id", "updated_at", "updated_by_id", "value") VALUES (NEW."created_at", NEW."created_by_id", NEW."definition", NEW."id", NEW."label", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."topic_id", NEW."updated_at", NEW."updated_by_id", NEW."value"); RETURN NULL;', hash='2f08979c297df613f77eb46110e0c1cb959ac54e', operation='UPDATE', pgid='pgtrigger_update_update_3c907', table='positions_stance', when='AFTER')),
    # positions.stance
    pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "positions_stanceevent" ("created_at", "created_by_id", "definition", "id", "label", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "topic_id", "updated_at", "updated_by_id", "value") VALUES (OLD."created_at", OLD."created_by_id", OLD."definition", OLD."id", OLD."label", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."topic_id", OLD."updated_at", OLD."updated_by_id", OLD."value"); RETURN NULL;', hash='6c6c930827d01b0c367a14c6f25e4782ada68d1d', operation='DELETE', pgid='pgtrigger_delete_delete_49d70', table='positions_stance', when='AFTER')),
    # positions.topicevent
    pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='6e4199738e85d300267c98529995cc6bcfb09cbb', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_d4b88', table='positions_topicevent', when='BEFORE')),
]


def drop_old_triggers_sql():
    statements = []
    for trigger in OLD_TRIGGERS:
        statements.append(trigger.uninstall_sql)
        statements.append(f"DROP FUNCTION IF EXISTS {trigger.sql.pgid}();")
    return statements


def move_content_types(apps, schema_editor, source="positions", target="codebook"):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if content_type.objects.filter(app_label=target, model=model).exists():
            continue  # made by a post-migrate signal: the old one is left as it was
        content_type.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="codebook", target="positions")


def keep_editors_grants(apps, schema_editor):
    """Editors add, change and view topics and stances, as positions 0004 let them.

    On a database that had them, the moved content types kept them. On a new one, 0004 found
    no topic in `positions` (it reads the apps as they are now, where topics are the
    codebook's) and granted nothing: grant them here.
    """
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    editors = apps.get_model("auth", "Group").objects.filter(name="Editors").first()
    for model in ["topic", "stance"]:
        model_type, _ = content_type.objects.get_or_create(app_label="codebook", model=model)
        for action in ["add", "change", "delete", "view"]:
            granted, _ = permission.objects.get_or_create(
                content_type=model_type,
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {model}"},
            )
            if editors is not None and action != "delete":
                editors.permissions.add(granted)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("pghistory", "0007_auto_20250421_0444"),
        ("positions", "0008_scale_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Stance',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('value', models.SmallIntegerField(help_text='From −2 (against) to +2 (what Ukraine asks for).')),
                        ('label', models.CharField(max_length=200, validators=[apps.core.validators.reject_nul, apps.core.validators.reject_blank])),
                        ('definition', models.TextField(max_length=20000, validators=[apps.core.validators.reject_nul, apps.core.validators.reject_blank, django.core.validators.MaxLengthValidator(20000)])),
                        ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('updated_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'positions_stance',
                        'ordering': ['topic__order', '-value'],
                    },
                ),
                migrations.CreateModel(
                    name='Topic',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('slug', models.SlugField(unique=True)),
                        ('name', models.CharField(max_length=200, unique=True, validators=[apps.core.validators.reject_nul, apps.core.validators.reject_blank])),
                        ('question', models.CharField(help_text='The question a position on this topic answers.', max_length=200, validators=[apps.core.validators.reject_nul, apps.core.validators.reject_blank])),
                        ('description', models.TextField(blank=True, max_length=20000, validators=[apps.core.validators.reject_nul, apps.core.validators.reject_blank, django.core.validators.MaxLengthValidator(20000)])),
                        ('order', models.PositiveSmallIntegerField(default=0)),
                        ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('updated_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'positions_topic',
                        'ordering': ['order', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='StanceEvent',
                    fields=[
                        ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                        ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                        ('pgh_label', models.TextField(help_text='The event label.')),
                        ('id', models.BigIntegerField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('value', models.SmallIntegerField(help_text='From −2 (against) to +2 (what Ukraine asks for).')),
                        ('label', models.CharField(max_length=200, validators=[apps.core.validators.reject_nul, apps.core.validators.reject_blank])),
                        ('definition', models.TextField(max_length=20000, validators=[apps.core.validators.reject_nul, apps.core.validators.reject_blank, django.core.validators.MaxLengthValidator(20000)])),
                        ('created_by', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL)),
                        ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                        ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='codebook.stance')),
                        ('updated_by', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL)),
                        ('topic', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='codebook.topic')),
                    ],
                    options={
                        'db_table': 'positions_stanceevent',
                        'abstract': False,
                    },
                ),
                migrations.AddField(
                    model_name='stance',
                    name='topic',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='stances', to='codebook.topic'),
                ),
                migrations.CreateModel(
                    name='TopicEvent',
                    fields=[
                        ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                        ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                        ('pgh_label', models.TextField(help_text='The event label.')),
                        ('id', models.BigIntegerField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('slug', models.SlugField(db_index=False)),
                        ('name', models.CharField(max_length=200, validators=[apps.core.validators.reject_nul, apps.core.validators.reject_blank])),
                        ('question', models.CharField(help_text='The question a position on this topic answers.', max_length=200, validators=[apps.core.validators.reject_nul, apps.core.validators.reject_blank])),
                        ('description', models.TextField(blank=True, max_length=20000, validators=[apps.core.validators.reject_nul, apps.core.validators.reject_blank, django.core.validators.MaxLengthValidator(20000)])),
                        ('order', models.PositiveSmallIntegerField(default=0)),
                        ('created_by', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL)),
                        ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                        ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='codebook.topic')),
                        ('updated_by', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'positions_topicevent',
                        'abstract': False,
                    },
                ),
                migrations.AddConstraint(
                    model_name='stance',
                    constraint=models.UniqueConstraint(fields=('topic', 'value'), name='stance_unique_value'),
                ),
                migrations.AddConstraint(
                    model_name='stance',
                    constraint=models.UniqueConstraint(fields=('id', 'topic'), name='stance_id_topic'),
                ),
                migrations.AddConstraint(
                    model_name='stance',
                    constraint=models.CheckConstraint(condition=models.Q(('value__gte', -2), ('value__lte', 2)), name='stance_value_range', violation_error_message='A stance value runs from -2 to +2.'),
                ),
            ],
        ),
        migrations.RunSQL(
            sql=drop_old_triggers_sql(),
            reverse_sql=[trigger.install_sql for trigger in OLD_TRIGGERS],
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='topic',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "positions_topicevent" ("created_at", "created_by_id", "description", "id", "name", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "question", "slug", "updated_at", "updated_by_id") VALUES (NEW."created_at", NEW."created_by_id", NEW."description", NEW."id", NEW."name", NEW."order", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."question", NEW."slug", NEW."updated_at", NEW."updated_by_id"); RETURN NULL;', hash='a1b0eb06f52ee1a82ecc37435868a6f382555883', operation='INSERT', pgid='pgtrigger_insert_insert_f6aa7', table='positions_topic', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='topic',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "positions_topicevent" ("created_at", "created_by_id", "description", "id", "name", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "question", "slug", "updated_at", "updated_by_id") VALUES (NEW."created_at", NEW."created_by_id", NEW."description", NEW."id", NEW."name", NEW."order", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."question", NEW."slug", NEW."updated_at", NEW."updated_by_id"); RETURN NULL;', hash='4dd13048996e460b988d86a92462c1531f60928e', operation='UPDATE', pgid='pgtrigger_update_update_ff5ef', table='positions_topic', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='topic',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "positions_topicevent" ("created_at", "created_by_id", "description", "id", "name", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "question", "slug", "updated_at", "updated_by_id") VALUES (OLD."created_at", OLD."created_by_id", OLD."description", OLD."id", OLD."name", OLD."order", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."question", OLD."slug", OLD."updated_at", OLD."updated_by_id"); RETURN NULL;', hash='fc6ece886ed2fd33cc4924bec6f883eb1b2668fe', operation='DELETE', pgid='pgtrigger_delete_delete_cbf0c', table='positions_topic', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='stanceevent',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='f8473b8d051a32e2cdcadbe290d910f8f0a94797', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_8ff38', table='positions_stanceevent', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='stance',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "positions_stanceevent" ("created_at", "created_by_id", "definition", "id", "label", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "topic_id", "updated_at", "updated_by_id", "value") VALUES (NEW."created_at", NEW."created_by_id", NEW."definition", NEW."id", NEW."label", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."topic_id", NEW."updated_at", NEW."updated_by_id", NEW."value"); RETURN NULL;', hash='1271a16c64615a3a6fc49dc9bde5856d3e485a95', operation='INSERT', pgid='pgtrigger_insert_insert_c99be', table='positions_stance', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='stance',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "positions_stanceevent" ("created_at", "created_by_id", "definition", "id", "label", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "topic_id", "updated_at", "updated_by_id", "value") VALUES (NEW."created_at", NEW."created_by_id", NEW."definition", NEW."id", NEW."label", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."topic_id", NEW."updated_at", NEW."updated_by_id", NEW."value"); RETURN NULL;', hash='629b0667af92822970564fb22d6eae20f23f21d8', operation='UPDATE', pgid='pgtrigger_update_update_2a178', table='positions_stance', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='stance',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "positions_stanceevent" ("created_at", "created_by_id", "definition", "id", "label", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "topic_id", "updated_at", "updated_by_id", "value") VALUES (OLD."created_at", OLD."created_by_id", OLD."definition", OLD."id", OLD."label", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."topic_id", OLD."updated_at", OLD."updated_by_id", OLD."value"); RETURN NULL;', hash='2389501a2864019e209b853fbb8492d782d45327', operation='DELETE', pgid='pgtrigger_delete_delete_be3df', table='positions_stance', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='topicevent',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='1fa884bda71c7d97f597c438438aa326de560737', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_e845d', table='positions_topicevent', when='BEFORE')),
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
        migrations.RunPython(keep_editors_grants, migrations.RunPython.noop),
    ]
