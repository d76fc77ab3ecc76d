"""Validators shared by every text and date an editor enters."""

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


def reject_future(value: datetime.date) -> None:
    """Refuse dates after today."""
    if value and value > timezone.localdate():
        raise ValidationError("The date cannot be in the future.", code="future")


def clean_text_validators(max_length: int | None = None) -> list:
    validators = [reject_nul, reject_blank]
    if max_length:
        validators.append(MaxLengthValidator(max_length))
    return validators
