"""API errors: every refusal is JSON with a status the schema documents, never a 500."""

import contextlib

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "Send If-Match with the ETag from your last GET of this object, so an edit made since "
        "is not overwritten."
    )
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "This object was changed since you read it: GET it again and redo your edit."
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This conflicts with other data."
    default_code = "conflict"


def drf_validation_error(
    error: DjangoValidationError, renamed: dict[str, str] | None = None
) -> exceptions.ValidationError:
    """Return a DRF ValidationError keyed by the fields a domain ValidationError names (by
    the body's names where ``renamed`` maps a model field to one)."""
    if hasattr(error, "error_dict"):
        detail: dict[str, list] = {}
        for field, messages in error.message_dict.items():
            key = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field
            key = (renamed or {}).get(key, key)
            detail.setdefault(key, [])
            detail[key] += [message for message in messages if message not in detail[key]]
    else:
        detail = {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
    return exceptions.ValidationError(detail)


@contextlib.contextmanager
def domain_rules(renamed: dict[str, str] | None = None):
    """Turn a service's ValidationError into a 400 naming the fields (``renamed``: the body's
    name of a model field, where they differ)."""
    try:
        yield
    except DjangoValidationError as error:
        raise drf_validation_error(error, renamed) from error


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = drf_validation_error(exc)
    elif isinstance(exc, ProtectedError | RestrictedError):
        names = sorted({str(obj._meta.verbose_name_plural) for obj in exc.args[1]})
        exc = Conflict(f"Still referred to by {', '.join(names)}: remove or retract those first.")
    elif isinstance(exc, IntegrityError):
        exc = Conflict("This conflicts with data saved at the same time: read it again and retry.")
    return exception_handler(exc, context)
