"""What every write service shares: turning database refusals into field errors."""

import contextlib

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


@contextlib.contextmanager
def constraint_errors(field_for_constraint: dict[str, tuple[str, str]]):
    """Turn a named constraint's IntegrityError into a ValidationError on its field.

    ``field_for_constraint`` maps a constraint name to (field, message).
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        name = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
        if name in field_for_constraint:
            field, message = field_for_constraint[name]
            raise ValidationError({field: message}) from error
        raise


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
