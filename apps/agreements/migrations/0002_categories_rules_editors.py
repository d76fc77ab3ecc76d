"""The seeded clause categories (DESIGN §8), the Editors' permissions on agreements, and the
rule "a published agreement has at least two parties" held by the database.

The rule is a constraint trigger checked at commit, when an agreement and its parties have
all been written, so every door (admin, API, shell, plain SQL) meets the same refusal
(SQLSTATE 23001, restrict_violation, constraint agreement_two_parties)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CATEGORIES = [
    ("nato-membership", "Support for NATO membership"),
    ("consultations-24h", "Consultations within 24 hours of a new attack"),
    ("military-aid", "Military aid"),
    ("financial-support", "Financial support"),
    ("intelligence", "Intelligence"),
    ("defence-industry", "Defence industry"),
    ("sanctions", "Sanctions"),
    ("reconstruction", "Reconstruction"),
    ("other", "Other"),
]

EDITORIAL = ["agreement", "party", "clause", "clausecategory"]


def seed(apps, schema_editor):
    ClauseCategory = apps.get_model("agreements", "ClauseCategory")
    for order, (slug, name) in enumerate(CATEGORIES, start=1):
        ClauseCategory.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="agreements",
            codename__in=[f"{a}_{m}" for m in EDITORIAL for a in ("add", "change", "view")],
        )
    )


def unseed(apps, schema_editor):
    apps.get_model("agreements", "ClauseCategory").objects.filter(
        slug__in=[slug for slug, _ in CATEGORIES]
    ).delete()


TWO_PARTIES = """
CREATE FUNCTION agreement_has_two_parties() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target bigint;
BEGIN
    IF TG_TABLE_NAME = 'agreements_agreement' THEN
        target := NEW.id;
    ELSE
        target := OLD.agreement_id;
    END IF;
    IF EXISTS (SELECT FROM agreements_agreement WHERE id = target AND status = 'published')
       AND (SELECT count(*) FROM agreements_party WHERE agreement_id = target) < 2
    THEN
        RAISE EXCEPTION 'Agreement % is published with fewer than two parties.', target
            USING ERRCODE = 'restrict_violation',
                  CONSTRAINT = 'agreement_two_parties',
                  HINT = 'Give it at least two parties, or keep it unpublished.';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER agreement_two_parties
    AFTER INSERT OR UPDATE OF status ON agreements_agreement
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.status = 'published')
    EXECUTE FUNCTION agreement_has_two_parties();

CREATE CONSTRAINT TRIGGER agreement_two_parties
    AFTER UPDATE OF agreement_id OR DELETE ON agreements_party
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION agreement_has_two_parties();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
        migrations.RunSQL(
            TWO_PARTIES,
            reverse_sql="""
                DROP TRIGGER agreement_two_parties ON agreements_agreement;
                DROP TRIGGER agreement_two_parties ON agreements_party;
                DROP FUNCTION agreement_has_two_parties();
            """,
        ),
    ]
