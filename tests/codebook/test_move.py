"""Topic and Stance moved from `positions` to the codebook with every row and every event."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.codebook.models import Stance, Topic
from apps.positions.models import Position
from apps.statements.models import Quote
from tests.factories import TopicFactory


def test_the_positions_and_quotes_code_with_the_codebooks_topics_and_stances():
    assert Position._meta.get_field("topic").related_model is Topic
    assert Position._meta.get_field("stance").related_model is Stance
    assert Quote._meta.get_field("topics").related_model is Topic
    assert Quote._meta.get_field("implied_stance").related_model is Stance


@pytest.mark.django_db
def test_a_topic_and_a_stance_keep_their_history_in_the_codebook():
    topic = TopicFactory(name="Membership")
    stance = topic.stances.get(value=2)

    topic.name = "Membership of the alliance"
    topic.save()
    stance.label = "Now"
    stance.save()

    assert [(e.pgh_label, e.name) for e in topic.events.order_by("pgh_id")] == [
        ("insert", "Membership"),
        ("update", "Membership of the alliance"),
    ]
    assert [e.pgh_label for e in stance.events.order_by("pgh_id")] == ["insert", "update"]
    assert stance.events.order_by("pgh_id").last().label == "Now"


@pytest.mark.django_db(transaction=True)
def test_rows_history_and_permissions_from_before_the_move_are_read_after_it():
    executor = MigrationExecutor(connection)
    before = ("positions", "0008_scale_indexes")
    try:
        # Back to before the move: codebook 0001 and everything built on it unapplied.
        executor.migrate([("codebook", None)])
        old = executor.loader.project_state(before).apps
        old_topic = old.get_model("positions", "Topic").objects.create(
            slug="before-the-move", name="Before the move", question="Where?", order=99
        )
        old.get_model("positions", "Stance").objects.create(
            topic=old_topic, value=1, label="Yes", definition="Says yes."
        )
        old_topic.name = "Before the move, renamed"
        old_topic.save()
        permission_id = (
            old.get_model("auth", "Permission")
            .objects.get(content_type__app_label="positions", codename="change_topic")
            .pk
        )
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    topic = Topic.objects.get(slug="before-the-move")
    assert [(e.pgh_label, e.name) for e in topic.events.order_by("pgh_id")] == [
        ("insert", "Before the move"),
        ("update", "Before the move, renamed"),
    ]
    assert [e.pgh_label for e in topic.stances.get().events.all()] == ["insert"]
    # The triggers now installed by the codebook go on writing the same history.
    topic.name = "After the move"
    topic.save()
    assert topic.events.order_by("pgh_id").last().name == "After the move"
    # Permissions (and so the Editors' grants) followed the content type.
    assert Permission.objects.get(pk=permission_id).content_type.app_label == "codebook"
    assert ContentType.objects.get_for_model(Topic).permission_set.filter(pk=permission_id)
