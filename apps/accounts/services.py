"""Issuing and revoking API tokens."""

import datetime
import secrets

from django.utils import timezone

from apps.accounts.models import PREFIX_LENGTH, ApiToken, key_hash


def api_token_issue(*, user, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for the user; return it and its key, which is never stored or shown again."""
    key = secrets.token_urlsafe(32)
    expires_at = timezone.now() + datetime.timedelta(days=days) if days else None
    token = ApiToken.objects.create(
        user=user, prefix=key[:PREFIX_LENGTH], key_hash=key_hash(key), expires_at=expires_at
    )
    return token, key


def api_token_revoke(*, tokens) -> int:
    """Revoke the given tokens that are not revoked yet; return how many were revoked."""
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
