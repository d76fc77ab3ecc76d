"""Reading and restoring the history that pghistory's triggers record.

Every tracked model has an event model (`Model.pgh_event_model`) holding a snapshot of the
row at each insert, update and delete, with the context (user, door) of the change.
"""

import dataclasses
import datetime

import pghistory
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction

# Bookkeeping fields: they change on every save and say nothing an editor would compare.
QUIET_FIELDS = {"updated_at", "updated_by", "version", "search_vector", "created_at"}
NOT_RESTORED = QUIET_FIELDS | {"id", "created_by", "reviewed_by"}


@dataclasses.dataclass
class Change:
    field: str
    label: str
    before: object
    after: object


@dataclasses.dataclass
class Entry:
    event_id: int
    label: str  # insert, update, delete
    at: datetime.datetime
    user: str
    door: str
    version: int | None
    changes: list[Change]
    restored_from: int | None = None


def tracked_fields(model) -> list[models.Field]:
    """The model's fields that its event model copies, in model order."""
    event_model = model.pgh_event_model
    names = {f.name for f in event_model._meta.concrete_fields if not f.name.startswith("pgh_")}
    return [f for f in model._meta.concrete_fields if f.name in names]


def _display(event, field) -> object:
    value = getattr(event, field.attname)
    if value is None or value == "":
        return "—"
    if field.is_relation:
        return str(getattr(event, field.name))
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    return value


def object_history(obj) -> list[Entry]:
    """Return the object's history, newest first, each entry with the fields it changed."""
    fields = tracked_fields(type(obj))
    relations = [f.name for f in fields if f.is_relation]
    events = list(
        type(obj)
        .pgh_event_model.objects.filter(pgh_obj_id=obj.pk)
        .select_related("pgh_context", *relations)
        .order_by("pgh_id")
    )
    user_ids = {e.pgh_context.metadata.get("user") for e in events if e.pgh_context_id is not None}
    users: dict[int | None, str] = {
        u.pk: u.get_username() for u in get_user_model().objects.filter(pk__in=user_ids - {None})
    }
    entries, previous = [], None
    for event in events:
        metadata = event.pgh_context.metadata if event.pgh_context_id else {}
        changes = [
            Change(
                f.name,
                str(f.verbose_name),
                _display(previous, f) if previous else "—",
                _display(event, f),
            )
            for f in fields
            if f.name not in QUIET_FIELDS
            and (previous is None or getattr(previous, f.attname) != getattr(event, f.attname))
        ]
        entries.append(
            Entry(
                event_id=event.pgh_id,
                label=event.pgh_label,
                at=event.pgh_created_at,
                user=users.get(metadata.get("user"), "system" if not metadata.get("user") else "?"),
                door=metadata.get("door", "unknown"),
                version=getattr(event, "version", None),
                changes=changes,
                restored_from=metadata.get("restored_from"),
            )
        )
        previous = event
    return list(reversed(entries))


def changes_since(obj, version: int) -> list[Change]:
    """What changed in the stored row since the given version (for a stale edit)."""
    event_model = type(obj).pgh_event_model
    old = event_model.objects.filter(pgh_obj_id=obj.pk, version=version).order_by("-pgh_id").first()
    new = event_model.objects.filter(pgh_obj_id=obj.pk).order_by("-pgh_id").first()
    if old is None or new is None:
        return []
    return [
        Change(f.name, str(f.verbose_name), _display(old, f), _display(new, f))
        for f in tracked_fields(type(obj))
        if f.name not in QUIET_FIELDS and getattr(old, f.attname) != getattr(new, f.attname)
    ]


def snapshot_values(obj, event_id: int) -> dict:
    """The restorable field values of one recorded version of the object."""
    event = type(obj).pgh_event_model.objects.filter(pgh_obj_id=obj.pk, pgh_id=event_id).first()
    if event is None:
        raise ValidationError("That version of this object is not in its history.")
    if event.pgh_label == "delete":
        raise ValidationError("A deletion cannot be restored over the object.")
    return {
        f.attname: getattr(event, f.attname)
        for f in tracked_fields(type(obj))
        if f.name not in NOT_RESTORED and f.editable
    }


@transaction.atomic
def history_restore(*, obj, event_id: int, by, save):
    """Bring the object back to a recorded version through `save(obj, by)` (its service);
    return what `save` returns (a revision in review, when the service proposed one).

    The restore is itself a change: it is recorded, with the version it came from.
    """
    values = snapshot_values(obj, event_id)
    for attname, value in values.items():
        setattr(obj, attname, value)
    with pghistory.context(restored_from=event_id):
        return save(obj, by)
