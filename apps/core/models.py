"""What every domain app shares: timestamps, date precision, editorial status."""

from django.conf import settings
from django.db import models

from apps.core.validators import clean_text_validators

TEXT_MAX = 20_000
NAME_MAX = 200


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    RETRACTED = "retracted", "Retracted"


class TimestampedModel(models.Model):
    """Adds who created and last changed a row, and when."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True


def name_field(**kwargs) -> models.CharField:
    """A short, required, clean text field."""
    return models.CharField(max_length=NAME_MAX, validators=clean_text_validators(), **kwargs)


def long_text_field(blank: bool = True, **kwargs) -> models.TextField:
    """A long text field with a sane maximum length and no NUL bytes."""
    return models.TextField(
        blank=blank, max_length=TEXT_MAX, validators=clean_text_validators(TEXT_MAX), **kwargs
    )


def format_partial_date(day, precision: str) -> str:
    """Return a date as precisely as it is known: '15 June 2023', 'June 2023' or '2023'."""
    if day is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{day.year}"
    if precision == DatePrecision.MONTH:
        return day.strftime("%B %Y")
    return f"{day.day} {day.strftime('%B %Y')}"
