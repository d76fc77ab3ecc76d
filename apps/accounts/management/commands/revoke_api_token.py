from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from apps.accounts.models import ApiToken
from apps.accounts.services import api_token_revoke


class Command(BaseCommand):
    help = "Revoke the token with this prefix, or every token of this user."

    def add_arguments(self, parser):
        parser.add_argument("prefix_or_username")

    def handle(self, *args, prefix_or_username, **options):
        tokens = ApiToken.objects.filter(
            Q(prefix=prefix_or_username) | Q(user__username=prefix_or_username)
        )
        if not tokens.exists():
            raise CommandError(f"No token with prefix, or user named, {prefix_or_username!r}.")
        count = api_token_revoke(tokens=tokens)
        self.stdout.write(f"{count} token(s) revoked.")
