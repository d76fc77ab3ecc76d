"""Validators shared by every text and date an editor enters."""

import contextlib
import contextvars
import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone


def reject_nul(value: str) -> None:
    """Refuse text containing NUL bytes (PostgreSQL cannot store them)."""
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError("Text may not contain NUL characters.", code="nul")


def reject_blank(value: str) -> None:
    """Refuse text that is only whitespace."""
    if isinstance(value, str) and value and not value.strip():
        raise ValidationError("This field cannot be only whitespace.", code="blank")


# Stored and asked-for dates start here: nothing this product records is older, and date
# arithmetic on the pages ("the eve of …") never reaches below year 1.
EARLIEST_DATE = datetime.date(1900, 1, 1)
FUTURE_MESSAGE = "The date cannot be in the future."
EARLY_MESSAGE = "Dates start in 1900."


_fixed_today: contextvars.ContextVar[datetime.date | None] = contextvars.ContextVar(
    "fixed_today", default=None
)


def today() -> datetime.date:
    """Return today in the current time zone: the day "in the future" is counted from."""
    return _fixed_today.get() or timezone.localdate()


@contextlib.contextmanager
def one_today():
    """Inside, today() is the day it was entered. An import checks tens of thousands of
    dates; asking the current time zone (a context-local) for each costs more than the
    rest of the date rule."""
    token = _fixed_today.set(timezone.localdate())
    try:
        yield
    finally:
        _fixed_today.reset(token)


def check_date(day: datetime.date, *, past: bool = True) -> None:
    """Refuse a date before 1900 or, where `past`, after today: the one date rule of every
    door (model fields, admin forms, API bodies and query parameters, pages)."""
    if day < EARLIEST_DATE:
        raise ValidationError(EARLY_MESSAGE, code="too_early")
    if past and day > today():
        raise ValidationError(FUTURE_MESSAGE, code="future")


def reject_future(value: datetime.date) -> None:
    """Refuse dates after today, and dates before 1900 (see check_date)."""
    if value:
        check_date(value)


def clean_text_validators(max_length: int | None = None) -> list:
    validators = [reject_nul, reject_blank]
    if max_length:
        validators.append(MaxLengthValidator(max_length))
    return validators
