"""What every write service shares: turning database refusals into field errors, the
optimistic version check, and the refusals the interfaces translate (412, 409)."""

import contextlib
import threading
from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction


@contextlib.contextmanager
def constraint_errors(field_for_constraint: dict[str, tuple[str, str]]):
    """Turn a named constraint's IntegrityError into a ValidationError on its field.

    ``field_for_constraint`` maps a constraint name to (field, message).
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        name = constraint_name(error)
        if name in field_for_constraint:
            field, message = field_for_constraint[name]
            raise ValidationError({field: message}) from error
        raise


class VersionConflict(Exception):
    """Someone saved the row since the editor read it: ``current`` is the version it has now,
    ``expected`` the version (or versions) the editor's change was made on."""

    def __init__(self, instance, *, expected, current: int):
        self.instance, self.expected, self.current = instance, expected, current
        name = instance._meta.verbose_name
        super().__init__(
            f"This {name} is at version {current}, not the one the change was made on."
        )


class StillNeeded(Exception):
    """A delete or change refused because published data rests on the row (the API's 409).

    ``dependants`` are the objects that need it, named in the message."""

    def __init__(self, message: str, *, dependants=()):
        self.dependants = list(dependants)
        super().__init__(message)


def constraint_name(error: Exception) -> str | None:
    """The name of the constraint (or constraint trigger) a database error reports, if any."""
    return getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)


def version_lock(instance, expected_version: int | Collection[int] | None = None) -> int:
    """Lock the instance's row and return the version it holds.

    Raises VersionConflict when ``expected_version`` (one version, or several of which any
    will do) is given and the row holds another. The instance is given the locked version,
    so that stamping counts on from what is stored. Call it inside the service's transaction.
    """
    model = type(instance)
    current = (
        model._default_manager.select_for_update()
        .filter(pk=instance.pk)
        .values_list("version", flat=True)
        .first()
    )
    if current is None:
        raise model.DoesNotExist(f"No {model._meta.verbose_name} {instance.pk}.")
    if expected_version is not None:
        allowed = {expected_version} if isinstance(expected_version, int) else set(expected_version)
        if current not in allowed:
            raise VersionConflict(instance, expected=expected_version, current=current)
    instance.version = current
    return current


def stamp(instance, by) -> None:
    """Record who changed the instance; count its version if it has one."""
    if by is not None and getattr(by, "is_authenticated", False):
        if instance._state.adding:
            instance.created_by = by
        instance.updated_by = by
    if hasattr(instance, "version") and not instance._state.adding:
        instance.version += 1


def review_errors(*, previous: str | None, new: str, note: str, field: str = "status") -> dict:
    """Return field errors for a status change along draft → in review → published → retracted."""
    from apps.core.models import Status

    if previous == new:
        return {}
    if new == Status.RETRACTED and previous is None:
        return {field: "Only something published can be retracted."}
    if new == Status.RETRACTED and not (note or "").strip():
        return {"correction_note": "Say why it is retracted: the note is shown to analysts."}
    if previous in (Status.PUBLISHED, Status.RETRACTED) and new in (Status.DRAFT, Status.IN_REVIEW):
        if previous == Status.PUBLISHED:
            return {field: "A published item is corrected or retracted, never unpublished."}
    return {}


_keys_checked_now = threading.local()


@contextlib.contextmanager
def foreign_keys_checked_now():
    """Check foreign keys at the end of each statement inside, not at commit.

    PostgreSQL queues a deferred check per row written, and each later statement of the
    transaction gets slower with the queue: a file's tens of thousands of rows would take
    minutes. The keys are the same; only when they are checked changes. All of the schema's
    foreign keys are deferred initially (Django's), so they are deferred again after.
    Inside another (an import storing sources, quotes and positions) it changes nothing.
    """
    if getattr(_keys_checked_now, "active", False):
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND condeferred "
            "AND connamespace = current_schema()::regnamespace"
        )
        names = ", ".join(connection.ops.quote_name(name) for (name,) in cursor.fetchall())
        if not names:
            yield
            return
        cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")
        _keys_checked_now.active = True  # this thread's connection
        try:
            yield
        finally:
            _keys_checked_now.active = False
            cursor.execute(f"SET CONSTRAINTS {names} DEFERRED")
