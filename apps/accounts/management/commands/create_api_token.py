from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.services import api_token_issue


class Command(BaseCommand):
    help = "Issue an API token for a user and print its key (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=None, help="Expire after N days.")

    def handle(self, *args, username, days, **options):
        if days is not None and days < 1:
            raise CommandError("--days must be a positive number of days.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username} is not active.")
        token, key = api_token_issue(user=user, days=days)
        if options["verbosity"] >= 1:
            expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if days else "never expires"
            self.stderr.write(f"Token {token.prefix}… for {username}, {expiry}. Store the key now:")
        self.stdout.write(key)
