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
