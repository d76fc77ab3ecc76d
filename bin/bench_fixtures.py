#!/usr/bin/env python3
"""The rows bin/bench.py adds to its synthetic database for the cold and mixed runs, made and
removed through the application's own services.

    bench_fixtures.py prepare COUNTRY TOPIC   # prints one JSON line (see prepare())
    bench_fixtures.py clean [SESSION_KEY]     # removes what prepare and the editors wrote

Run it with the environment gunicorn gets: DATABASE_URL naming the bench database and the
same SECRET_KEY, so that the reader's session it signs is one the server accepts. It refuses
any database that is not marked as synthetic (apps.devtools.synthetic.MARK).

What it adds, every row marked as the benchmark's and removed by `clean`:
- a reader (a plain active user in no group) signed in by a session, and two editors (the
  Editors group) with an API token each; the users stay, their session and tokens go;
- a source holding one quote with the word ONE_MATCH and a hundred with HUNDRED_MATCHES:
  the synthetic data draws its words from a short list (the rarest matches about 1% of the
  quotes), so a search that matches one quote, or a hundred, needs words of its own;
- a source for each editor's quotes and an organization to hold their positions, so that
  the positions they publish enter no country's history.
"""

import datetime
import json
import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.auth.models import Group  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import ApiToken  # noqa: E402
from apps.accounts.services import api_token_issue  # noqa: E402
from apps.actors.models import Country, Organization  # noqa: E402
from apps.codebook.models import Topic  # noqa: E402
from apps.devtools.synthetic import MARK  # noqa: E402
from apps.positions.models import Position  # noqa: E402
from apps.positions.services import position_delete  # noqa: E402
from apps.statements.models import Quote, Source  # noqa: E402
from apps.statements.services import quote_delete, source_record  # noqa: E402

READER = "bench-reader"
EDITORS = ("bench-editor-1", "bench-editor-2")
# Every source the benchmark adds has a title starting so; `clean` removes them all.
SOURCE_PREFIX = "Benchmark (synthetic): "
SEARCH_SOURCE = SOURCE_PREFIX + "search words"
WRITES_SOURCE = SOURCE_PREFIX + "editors' writes"
ORGANIZATION = "benchmark-writes"
# Words no synthetic quote holds (the generator's words are English; these are not).
ONE_MATCH = "quillmoth"
HUNDRED_MATCHES = "fennowick"
HUNDRED = 100


def refuse_unless_synthetic() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        )
        row = cursor.fetchone()
    if not (row and row[0] and row[0].startswith(MARK)):
        raise SystemExit(f"{connection.settings_dict['NAME']} is no synthetic bench database.")


def user(username: str, groups=()):
    """The user, created if need be: active, no password (signed in by session or token)."""
    found, _ = get_user_model().objects.get_or_create(username=username)
    found.is_active = True
    found.set_unusable_password()
    found.save()
    found.groups.set(groups)
    return found


def session_for(reader) -> str:
    """A session signed in as the reader, as django.contrib.auth.login stores one."""
    store = SessionStore()
    store[SESSION_KEY] = str(reader.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = reader.get_session_auth_hash()
    store.create()
    return store.session_key


def plant_search_words(country: Country, topic: Topic) -> None:
    """One quote holding ONE_MATCH, said on the oldest day (a newest-first scan finds it
    last), and HUNDRED_MATCHES in a hundred quotes spread over the data's days."""
    said = Quote.objects.published().order_by("said_on").values_list("said_on", flat=True)
    first, last = said.first(), said.reverse().first()
    span = (last - first).days

    def quote(word: str, day: datetime.date) -> dict:
        return {
            "text": f"The word {word} is planted by the benchmark.",
            "said_on": day,
            "speaker_label": "A senior diplomat",
            "country": country,
            "topics": [topic],
            "status": "published",
        }

    quotes = [quote(ONE_MATCH, first)]
    quotes += [
        quote(HUNDRED_MATCHES, first + datetime.timedelta(days=span * i // (HUNDRED - 1)))
        for i in range(HUNDRED)
    ]
    source_record(
        title=SEARCH_SOURCE,
        published_on=last,
        kind="analysis",
        reliability="secondary",
        quotes=quotes,
    )


@transaction.atomic
def prepare(country_code: str, topic_slug: str) -> dict:
    """Clean what an earlier run left, then add the users, the session, the tokens and the
    rows; return what the benchmark needs to know of them."""
    clean_rows()
    editors_group = Group.objects.get(name="Editors")
    reader = user(READER)
    editors = [user(name, [editors_group]) for name in EDITORS]
    ApiToken.objects.filter(user__username__in=EDITORS).delete()
    tokens = [api_token_issue(user=editor, days=1)[1] for editor in editors]
    plant_search_words(Country.objects.get(code=country_code), Topic.objects.get(slug=topic_slug))
    # One source per editor: each reads back the newest quote of its own.
    writes = [
        source_record(
            title=f"{WRITES_SOURCE} ({name})",
            published_on=timezone.localdate(),
            kind="analysis",
            reliability="secondary",
        )
        for name in EDITORS
    ]
    organization = Organization(slug=ORGANIZATION, name="Benchmark writes (synthetic)")
    organization.kind = "other"
    organization.full_clean()
    organization.save()
    session_key = session_for(reader)
    return {
        "session_cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}",
        "session_key": session_key,
        "editors": [
            {"username": name, "token": token, "source": source.pk}
            for name, token, source in zip(EDITORS, tokens, writes, strict=True)
        ],
        "organization": ORGANIZATION,
        "one_match": ONE_MATCH,
        "hundred_matches": HUNDRED_MATCHES,
    }


def clean_rows() -> dict:
    """Remove the benchmark's positions, quotes, sources and organization; return counts."""
    positions = Position.objects.filter(organization__slug=ORGANIZATION).order_by("-valid_from")
    removed = {"positions": 0, "quotes": 0, "sources": 0}
    # Newest first: deleting a published one reopens the one it had closed, deleted next.
    for position in positions:
        position_delete(position=position)
        removed["positions"] += 1
    sources = Source.objects.filter(title__startswith=SOURCE_PREFIX)
    for quote in Quote.objects.filter(source__in=sources):
        quote_delete(quote=quote)
        removed["quotes"] += 1
    for source in sources:
        source.delete()
        removed["sources"] += 1
    Organization.objects.filter(slug=ORGANIZATION).delete()
    return removed


@transaction.atomic
def clean(session_key: str | None) -> dict:
    removed = clean_rows()
    ApiToken.objects.filter(user__username__in=EDITORS).delete()
    if session_key:
        SessionStore(session_key).delete()
    return removed


def main() -> None:
    refuse_unless_synthetic()
    if len(sys.argv) == 4 and sys.argv[1] == "prepare":
        print(json.dumps(prepare(sys.argv[2], sys.argv[3])))
    elif len(sys.argv) in (2, 3) and sys.argv[1] == "clean":
        print(json.dumps(clean(sys.argv[2] if len(sys.argv) == 3 else None)))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
