"""Reviewed changes: a change to something published waits, as a revision, for another editor.

A domain app declares which of a model's fields are reviewed and how a revision is applied
(through its own update service, so every rule of the model holds) with ``reviewed()`` in its
``services`` module. The doors (API, admin, history restore, import) call the app's update
service, which proposes a revision instead of changing a published object; analysts go on
seeing the published version until ``revision_publish``.
"""

import dataclasses
import importlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from apps.core.history import Change
from apps.core.models import Revision, RevisionStatus, Status
from apps.core.services import review_errors, stamp


@dataclasses.dataclass(frozen=True)
class Reviewed:
    """How one model's revisions are made and applied.

    ``fields`` are the reviewed fields by name; ``many`` the many-to-many ones among them,
    stored as lists of ids. ``apply(obj, values, author=, reviewer=)`` writes the values
    (python values by field name) through the model's service. ``nested`` names values that
    are not fields of the model (an agreement's parties and clauses): the service stores them
    as plain JSON and reads them back itself; ``describe(obj, name, value)`` returns the
    (now, proposed) text of one for display."""

    fields: tuple[str, ...]
    apply: Callable[..., Any]
    many: tuple[str, ...] = ()
    nested: tuple[str, ...] = ()
    describe: Callable[..., tuple[str, str]] | None = None


REVIEWED: dict[type[models.Model], Reviewed] = {}


def reviewed(model, *, fields, apply, many=(), nested=(), describe=None) -> None:
    """Declare that changes to the model's published rows are reviewed as revisions."""
    REVIEWED[model] = Reviewed(tuple(fields), apply, tuple(many), tuple(nested), describe)


def review_rule(model) -> Reviewed:
    """The model's declared review: its app's services module declares it when imported."""
    if model not in REVIEWED:
        importlib.import_module(f"{model._meta.app_config.name}.services")
    return REVIEWED[model]


def four_eyes_applies(by) -> bool:
    """Whether a change by this user is reviewed: with four eyes on, a signed-in editor's."""
    return bool(settings.FOUR_EYES and by is not None and getattr(by, "is_authenticated", False))


def review_check(
    obj, *, noun: str, previous: str | None, by, stored=None, rewritten: bool = False
) -> None:
    """Refuse a status change the review rules forbid; note the publishing reviewer, for any
    reviewed model (a position, an agreement): ``noun`` names it in the messages.

    Whoever publishes is neither the author, nor the last editor of what is published, nor
    changing what it says in the same save (which would make them its last editor)."""
    errors = review_errors(previous=previous, new=obj.status, note=obj.correction_note)
    publishing = obj.status == Status.PUBLISHED and previous != Status.PUBLISHED
    if publishing and four_eyes_applies(by):
        me = by.pk
        author = obj.created_by_id if previous is not None else me
        last_editor = stored.updated_by_id if stored is not None else None
        if author is not None and author == me:
            errors["status"] = (
                f"Another editor must review and publish this {noun} (four-eyes rule): "
                "submit it for review instead."
            )
        elif last_editor == me or rewritten:
            errors["status"] = (
                f"You edited this {noun}, so another editor must review and publish it "
                "(four-eyes rule): save your changes and submit it for review."
            )
    if errors:
        raise ValidationError(errors)
    if publishing and by is not None and getattr(by, "is_authenticated", False):
        obj.reviewed_by = by


def _stored(value, field) -> Any:
    if field.many_to_many:
        return sorted(getattr(item, "pk", item) for item in value)
    if field.is_relation:
        return getattr(value, "pk", value)
    return value


def changed_values(stored, edited, *, many: dict | None = None) -> dict[str, Any]:
    """The reviewed fields whose value differs between the stored row and the edited one,
    as storable values (related objects as ids); ``many`` gives the edited many-to-many
    values (lists of objects or ids) that were given."""
    rule = review_rule(type(stored))
    changes: dict[str, Any] = {}
    for name in rule.fields:
        field = stored._meta.get_field(name)
        if field.many_to_many:
            if many is None or many.get(name) is None:
                continue
            before = _stored(getattr(stored, name).all(), field)
            after = _stored(many[name], field)
        else:
            before = getattr(stored, field.attname)
            after = getattr(edited, field.attname)
        if before != after:
            changes[name] = after if field.many_to_many else _stored(after, field)
    return changes


def _python_values(model, changes: dict) -> dict[str, Any]:
    values: dict[str, Any] = {}
    nested = review_rule(model).nested
    for name, value in changes.items():
        if name in nested:
            values[name] = value
            continue
        field = model._meta.get_field(name)
        if field.many_to_many:
            values[name] = list(field.related_model._default_manager.filter(pk__in=value))
        elif field.is_relation:
            values[field.attname] = None if value is None else field.target_field.to_python(value)
        else:
            values[name] = field.to_python(value)
    return values


@transaction.atomic
def revision_propose(*, target, changes: dict, by, note: str = "") -> Revision:
    """Store a proposed change to a published object, in review; the object is not changed.

    ``changes`` are storable values by field name (see ``changed_values``)."""
    if not changes:
        raise ValidationError("The revision changes nothing.")
    revision = Revision(
        content_type=ContentType.objects.get_for_model(type(target)),
        object_id=target.pk,
        changes=changes,
        base_version=getattr(target, "version", None),
        note=note,
    )
    stamp(revision, by)
    revision.full_clean(validate_constraints=False)
    revision.save()
    return revision


def _lock(revision: Revision) -> Revision:
    locked = Revision.objects.select_for_update().filter(pk=revision.pk).first()
    if locked is None:
        raise ValidationError("That revision no longer exists.")
    if locked.status != RevisionStatus.IN_REVIEW:
        raise ValidationError(
            {"status": f"This revision was already {locked.get_status_display().lower()}."}
        )
    return locked


def _decide(revision: Revision, status: str, by, note: str | None) -> Revision:
    revision.status, revision.reviewed_by, revision.decided_at = status, by, timezone.now()
    if note is not None:
        revision.note = note
    revision.full_clean(validate_constraints=False)
    revision.save()
    return revision


@transaction.atomic
def revision_publish(*, revision: Revision, by) -> Revision:
    """Apply a revision in review to its object through the object's service; return it.

    Refused when ``by`` wrote the revision (four eyes) or when the object changed since the
    revision was proposed (the reviewer would publish over a version they did not see).
    """
    revision = _lock(revision)
    if settings.FOUR_EYES and revision.created_by_id is not None:
        if revision.created_by_id == getattr(by, "pk", None):
            raise ValidationError(
                {
                    "reviewed_by": "Another editor must publish this revision (four-eyes rule): "
                    "you proposed it."
                }
            )
    model = revision.content_type.model_class()
    if model is None:
        raise ValidationError("The revision's object type no longer exists.")
    target = model._default_manager.select_for_update().filter(pk=revision.object_id).first()
    if target is None:
        raise ValidationError("The revised object no longer exists: reject the revision.")
    current = getattr(target, "version", None)
    if revision.base_version is not None and current != revision.base_version:
        raise ValidationError(
            {
                "base_version": f"The {model._meta.verbose_name} changed since this revision was "
                f"proposed (version {revision.base_version} → {current}): reject it and "
                "propose the change again on the current version."
            }
        )
    rule = review_rule(model)
    rule.apply(
        target,
        _python_values(model, revision.changes),
        author=revision.created_by,
        reviewer=by,
    )
    return _decide(revision, RevisionStatus.PUBLISHED, by, None)


@transaction.atomic
def revision_reject(*, revision: Revision, by, note: str = "") -> Revision:
    """Close a revision in review without applying it; the published version stays."""
    revision = _lock(revision)
    return _decide(revision, RevisionStatus.REJECTED, by, note)


def revision_changes(revision: Revision, target=None) -> list[Change]:
    """What the revision would change: each field's value now and proposed, for display."""
    targets = None if target is None else {(revision.content_type_id, revision.object_id): target}
    return revision_changes_many([revision], targets=targets)[revision.pk]


def revision_changes_many(revisions, *, targets=None) -> dict[Any, list[Change]]:
    """``revision_changes`` of each revision, by revision id, in a few queries whatever their
    number: one per kind of object for the targets (with their many-to-many values), one per
    related model for the proposed values."""
    revisions = list(revisions)
    targets = dict(targets or {})
    wanted: dict[type[models.Model], dict[str, set]] = {}  # model -> kind of lookup -> ids
    by_type: dict[int, list[Revision]] = {}
    for revision in revisions:
        by_type.setdefault(revision.content_type_id, []).append(revision)
    for type_revisions in by_type.values():
        model = type_revisions[0].content_type.model_class()
        if model is None:
            continue
        nested = review_rule(model).nested
        many = {
            name
            for revision in type_revisions
            for name in revision.changes
            if name not in nested and model._meta.get_field(name).many_to_many
        }
        missing = {r.object_id for r in type_revisions} - {
            pk for (ct, pk) in targets if ct == type_revisions[0].content_type_id
        }
        single = {
            name
            for revision in type_revisions
            for name in revision.changes
            if name not in nested
            and model._meta.get_field(name).is_relation
            and not model._meta.get_field(name).many_to_many
        }
        if missing:
            found = model._default_manager.filter(pk__in=missing)
            for obj in found.select_related(*single).prefetch_related(*many):
                targets[(type_revisions[0].content_type_id, obj.pk)] = obj
        for revision in type_revisions:
            for name, value in revision.changes.items():
                if name in nested:
                    continue
                field = model._meta.get_field(name)
                if field.is_relation and not field.many_to_many and value is not None:
                    related: Any = field.related_model
                    wanted.setdefault(related, {}).setdefault("pk", set()).add(value)
    related_objects = {
        (model, obj.pk): obj
        for model, lookups in wanted.items()
        for obj in model._default_manager.filter(pk__in=lookups["pk"])
    }
    changes: dict[Any, list[Change]] = {}
    for revision in revisions:
        model = revision.content_type.model_class()
        rows: list[Change] = []
        changes[revision.pk] = rows
        if model is None:
            continue
        target = targets.get((revision.content_type_id, revision.object_id))
        rule = review_rule(model)
        for name, value in revision.changes.items():
            if name in rule.nested:
                shown = rule.describe(target, name, value) if rule.describe else ("", "")
                rows.append(Change(name, name.capitalize(), shown[0], shown[1]))
                continue
            field = model._meta.get_field(name)
            label = str(getattr(field, "verbose_name", name))
            if field.many_to_many:
                now = sorted(obj.pk for obj in getattr(target, name).all()) if target else []
                rows.append(Change(name, label, now, value))
            elif field.is_relation:
                before = getattr(target, name, None) if target else None
                after = related_objects.get((field.related_model, value))
                rows.append(Change(name, label, str(before or "—"), str(after or "—")))
            else:
                before = getattr(target, name, None) if target else None
                rows.append(Change(name, label, before, value))
    return changes


def revision_values(revision: Revision) -> dict[str, Any]:
    """The revision's proposed values as python values by field name (related objects by
    their ``<name>_id``, many-to-many as lists of objects), as its publication would apply them."""
    model = revision.content_type.model_class()
    if model is None:
        return {}
    return _python_values(model, revision.changes)
