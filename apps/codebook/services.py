"""Writes to the codebook: a change to a topic or a stance scale is reviewed.

Every coded position reads its meaning from these rows, so an editor's change to an existing
topic or stance is proposed as a revision and made only when another editor publishes it.
"""

from django.db import transaction

from apps.codebook.models import Stance, Topic
from apps.core.models import Revision
from apps.core.revisions import changed_values, four_eyes_applies, reviewed, revision_propose
from apps.core.services import constraint_errors, stamp

TOPIC_FIELDS = ("slug", "name", "question", "description", "order")
STANCE_FIELDS = ("topic", "value", "label", "definition")
STANCE_CONSTRAINTS = {
    "stance_unique_value": ("value", "The topic already has a stance with this value."),
    "stance_value_range": ("value", "A stance value runs from -2 to +2."),
}


def _codebook_update(obj: Topic | Stance, *, by, changes: dict) -> Revision | None:
    """Change a topic or stance, or propose the change; return the revision proposed, if any."""
    stored = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    for field, value in changes.items():
        setattr(obj, field, value)
    proposed = changed_values(stored, obj)
    if not proposed:
        return None
    obj.full_clean(validate_constraints=False)
    if four_eyes_applies(by):
        revision = revision_propose(target=stored, changes=proposed, by=by)
        obj.refresh_from_db()
        return revision
    _codebook_save(obj, by)
    return None


def _codebook_save(obj: Topic | Stance, by) -> None:
    obj.full_clean(validate_constraints=False)
    stamp(obj, by)
    with constraint_errors(STANCE_CONSTRAINTS):
        obj.save()


@transaction.atomic
def topic_update(*, topic: Topic, by=None, **changes) -> Revision | None:
    """Change a topic; an editor's change (while four eyes hold) is proposed as a revision in
    review instead, and returned; the topic keeps its values until it is published."""
    return _codebook_update(topic, by=by, changes=changes)


@transaction.atomic
def stance_update(*, stance: Stance, by=None, **changes) -> Revision | None:
    """Change a stance (its value, label or definition); an editor's change (while four eyes
    hold) is proposed as a revision in review instead, and returned."""
    return _codebook_update(stance, by=by, changes=changes)


def _revision_apply(obj: Topic | Stance, values: dict, *, author, reviewer) -> None:
    for field, value in values.items():
        setattr(obj, field, value)
    _codebook_save(obj, author)


reviewed(Topic, fields=TOPIC_FIELDS, apply=_revision_apply)
reviewed(Stance, fields=STANCE_FIELDS, apply=_revision_apply)
