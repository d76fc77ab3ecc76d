"""The codebook gives every position its meaning: an editor's change to it is reviewed."""

import pytest
from django.core.exceptions import ValidationError

from apps.codebook.models import Stance, Topic
from apps.codebook.services import stance_update, topic_update
from apps.core.models import RevisionStatus
from apps.core.revisions import revision_publish
from tests.factories import EditorFactory, TopicFactory


@pytest.fixture
def topic(db):
    return TopicFactory(slug="membership", name="Membership")


def test_a_stance_value_change_waits_for_another_editor(topic):
    author, reviewer = EditorFactory(), EditorFactory()
    stance = topic.stances.get(value=2)
    label = stance.label

    revision = stance_update(stance=stance, by=author, label="New label")

    assert revision is not None and revision.status == RevisionStatus.IN_REVIEW
    assert Stance.objects.get(pk=stance.pk).label == label
    with pytest.raises(ValidationError):
        revision_publish(revision=revision, by=author)
    revision_publish(revision=revision, by=reviewer)
    assert Stance.objects.get(pk=stance.pk).label == "New label"


def test_a_topic_rename_is_reviewed(topic):
    revision = topic_update(topic=topic, by=EditorFactory(), name="Accession")

    assert revision is not None
    assert Topic.objects.get(pk=topic.pk).name == "Membership"


def test_a_stance_value_taken_on_the_scale_is_refused_when_published(topic):
    stance = topic.stances.get(value=2)
    revision = stance_update(stance=stance, by=EditorFactory(), value=1)

    with pytest.raises(ValidationError) as error:
        revision_publish(revision=revision, by=EditorFactory())

    assert "value" in error.value.message_dict
    assert Stance.objects.get(pk=stance.pk).value == 2
