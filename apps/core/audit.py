"""Who changed what, and through which door: context for the history triggers."""

import contextlib

import pghistory
from django.db import connection


def _user_id(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user._meta.pk.get_db_prep_value(user.pk, connection)


@contextlib.contextmanager
def audit_context(*, door: str, user=None):
    """Group the writes inside under one history context naming the user and the door."""
    with pghistory.context(door=door, user=_user_id(user)):
        yield
