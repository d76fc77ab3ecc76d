"""Stored dates start in 1900: the database constraint that holds it, and date arithmetic
that never leaves the range (the eve of the earliest day is that day, not an overflow)."""

import datetime

from django.db import models
from django.db.models import Q

from apps.core.validators import EARLIEST_DATE, EARLY_MESSAGE

ONE_DAY = datetime.timedelta(days=1)


def day_before(day: datetime.date) -> datetime.date:
    """Return the day before ``day``, or the earliest date when ``day`` is not after it."""
    return day - ONE_DAY if day > EARLIEST_DATE else EARLIEST_DATE


def from_earliest(field: str, *, name: str, null: bool = False) -> models.CheckConstraint:
    """A CHECK that the date column ``field`` holds nothing before 1900 (empty allowed when
    ``null``): the database's side of apps.core.validators.check_date, whatever the door."""
    condition = Q(**{f"{field}__gte": EARLIEST_DATE})
    if null:
        condition |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(
        condition=condition, name=name, violation_error_message=EARLY_MESSAGE
    )
