"""Synthetic data for load tests: a whole, consistent dataset at a chosen scale, seeded.

The rows are built in Python from one seeded random generator, so the same scale and seed
always give the same rows (ids included), and written with COPY into a database that is not
the one the application uses. Every database constraint holds: a quote has a speaker or a
label, a position one holder, a stance of its topic, and published positions of one holder
on one topic never overlap.

History triggers (django-pghistory) are switched off, inside the load's transaction, on the
bulk tables only (sources, quotes, their topic links, evidence links): an "insert" event per
bulk row would double the load's time and size and no read path uses it. They stay on for
the small tables and for positions, so every position has its insert event, as one entered
through the services would. A failed load rolls back with the triggers as they were.
"""

import bisect
import dataclasses
import datetime
import hashlib
import os
import random
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import quote as url_quote

import dj_database_url
import psycopg
import yaml
from django.conf import settings

from apps.positions.seed import SEED_DIR

FIRST_DAY = datetime.date(2008, 1, 1)
LAST_DAY = datetime.date(2026, 6, 30)
SPAN = (LAST_DAY - FIRST_DAY).days
MARK = "allied-positions synthetic"
# What the data holds, in the mark: a database filled by an older generator (before the
# agreements: shape 1) is filled again by the benchmark rather than measured without them.
SHAPE = 2


@dataclasses.dataclass(frozen=True)
class Scale:
    countries: int
    topics: int
    people: int
    sources: int
    quotes: int
    positions: int
    agreements: int = 0
    clauses: int = 0  # in all, about clauses / agreements each


SCALES = {
    "small": Scale(
        countries=12,
        topics=4,
        people=300,
        sources=1_500,
        quotes=6_000,
        positions=600,
        agreements=60,
        clauses=600,
    ),
    "large": Scale(
        countries=40,
        topics=8,
        people=5_000,
        sources=20_000,
        quotes=200_000,
        positions=10_000,
        agreements=600,
        clauses=6_000,
    ),
    "xl": Scale(
        countries=60,
        topics=12,
        people=20_000,
        sources=100_000,
        quotes=1_000_000,
        positions=50_000,
        agreements=2_000,
        clauses=20_000,
    ),
}

# Beyond the 33 countries of the seed: partners, neighbours and others analysts follow.
MORE_COUNTRIES = [
    ("AT", "Austria", True),
    ("IE", "Ireland", True),
    ("CY", "Cyprus", True),
    ("MT", "Malta", True),
    ("CH", "Switzerland", False),
    ("MD", "Moldova", False),
    ("GE", "Georgia", False),
    ("RS", "Serbia", False),
    ("BA", "Bosnia and Herzegovina", False),
    ("AU", "Australia", False),
    ("JP", "Japan", False),
    ("KR", "South Korea", False),
    ("NZ", "New Zealand", False),
    ("BY", "Belarus", False),
    ("RU", "Russia", False),
    ("AZ", "Azerbaijan", False),
    ("AM", "Armenia", False),
    ("KZ", "Kazakhstan", False),
    ("IL", "Israel", False),
    ("BR", "Brazil", False),
    ("IN", "India", False),
    ("CN", "China", False),
    ("ZA", "South Africa", False),
    ("MX", "Mexico", False),
    ("SA", "Saudi Arabia", False),
    ("AE", "United Arab Emirates", False),
    ("EG", "Egypt", False),
]

MORE_TOPICS = [
    ("air-defence", "Air defence", "Should allies send Ukraine more air-defence systems?"),
    ("sanctions", "Sanctions", "Should sanctions on Russia be widened?"),
    ("frozen-assets", "Frozen assets", "Should frozen Russian assets fund Ukraine?"),
    ("reconstruction", "Reconstruction", "Who should pay for Ukraine's reconstruction?"),
    ("training", "Training missions", "Should allies train Ukrainian troops on their soil?"),
    ("long-range", "Long-range weapons", "Should Ukraine receive long-range weapons?"),
    ("peace-talks", "Peace talks", "Should Ukraine negotiate now?"),
    ("energy", "Energy security", "Should allies protect Ukraine's energy grid?"),
    ("eu-accession", "EU accession", "Should Ukraine join the European Union, and when?"),
]
STANCE_WORDS = {
    2: ("Strongly for", "Backs it fully and presses others to follow."),
    1: ("For, with conditions", "Backs it once stated conditions are met."),
    0: ("Undecided", "Has not committed either way."),
    -1: ("Sceptical", "Doubts it or prefers alternatives."),
    -2: ("Against", "Opposes it outright."),
}

FIRST_NAMES = (
    "Anna Jonas Marta Pieter Sofia Tomas Elena Lukas Ingrid Mateo Olga Henrik Clara Piotr "
    "Laura Andrei Maria Jan Eva Karl Nora Stefan Ines Viktor Lea Milan Irena Oskar Hanna Emil "
    "Dana Rui Agnes Filip Zofia Leon Marek Greta Ivan Alma"
).split()
LAST_NAMES = (
    "Tamm Kask Berg Novak Rossi Dubois Schmidt Kowalski Horvat Jensen Silva Popescu Nagy "
    "Petrov Larsen Costa Weber Nowak Meyer Moreau Bianchi Santos Kovac Lund Fischer Varga "
    "Janssen Ionescu Hansen Martin Lambert Koch Ricci Dimitrov Wagner Olsen Ferrari Blanc "
    "Lindqvist Marin"
).split()
TITLES = [
    "Minister of Defence",
    "Foreign Minister",
    "Prime Minister",
    "President",
    "Ambassador to NATO",
    "National Security Adviser",
    "Deputy Foreign Minister",
    "Member of Parliament",
    "Chief of Defence",
    "Senior Fellow",
]
LABELS = [
    "a senior diplomat",
    "a NATO official",
    "a government source",
    "an official familiar with the talks",
    "a senior defence official",
    "a European diplomat",
]
CHANNELS = ["told reporters", "in a speech", "online briefing", "in an interview", "on X", ""]
SUBJECTS = [
    "Ukraine's membership",
    "The alliance",
    "Our government",
    "A roadmap to accession",
    "Security guarantees",
    "Air defence for Kyiv",
    "The Vilnius summit",
    "Article 5",
    "Long-term support",
    "The eastern flank",
    "Nuclear deterrence",
    "Sanctions on Moscow",
]
VERBS = [
    "must remain",
    "cannot become",
    "should be seen as",
    "will depend on",
    "is no longer",
    "has always been",
    "needs to include",
    "would undermine",
    "is essential for",
    "goes beyond",
]
OBJECTS = [
    "a clear signal to Moscow",
    "the open door policy",
    "a question of timing",
    "a matter for all allies",
    "the Bucharest promise",
    "an invitation at the next summit",
    "conditions on the ground",
    "reforms and the rule of law",
    "binding commitments",
    "the Israel model",
    "interoperability with NATO forces",
    "a ceasefire first",
    "deterrence and defence",
    "grain exports through the Black Sea",
    "frozen assets and reconstruction",
]
TAILS = [
    "We will not waver.",
    "That is our position today.",
    "Nothing is decided yet.",
    "The debate continues.",
    "History will judge us.",
    "We said so in Bucharest.",
    "Allies agree on this.",
    "This is not negotiable.",
    "Talks continue next month.",
    "The war changed everything.",
]
LANGUAGES = [("en", 80), ("fr", 5), ("de", 5), ("pl", 4), ("uk", 4), ("et", 2)]
SOURCE_KINDS = [
    ("news_report", 50),
    ("official_document", 10),
    ("transcript", 10),
    ("interview", 10),
    ("press_briefing", 10),
    ("social_media", 5),
    ("analysis", 5),
]


class SyntheticError(Exception):
    pass


# --- where the rows go -----------------------------------------------------------------------


def url_for(params: dict, dbname: str) -> str:
    """A postgresql:// URL for another database on the server that params (psycopg's
    connection parameters) point at; a Unix-socket directory goes in the host parameter."""
    user = url_quote(str(params.get("user") or ""), safe="")
    password = url_quote(str(params.get("password") or ""), safe="")
    host = str(params.get("host") or "")
    port = params.get("port")
    auth = f"{user}:{password}@" if user else ""
    if host.startswith("/"):
        return f"postgresql://{auth}/{dbname}?host={url_quote(host, safe='/')}" + (
            f"&port={port}" if port else ""
        )
    netloc = (host or "localhost") + (f":{port}" if port else "")
    return f"postgresql://{auth}{netloc}/{dbname}"


# Which database of which running server a connection reaches.
IDENTITY = "SELECT current_database(), pg_postmaster_start_time(), inet_server_port()"


def refuse_working_database(url: str) -> None:
    """Raise SyntheticError if url names the database the application itself uses."""
    from django.db import connections

    target = dj_database_url.parse(url)
    working = connections["default"].settings_dict
    same_name = target["NAME"] == working["NAME"]
    target_host = target.get("HOST") or target.get("OPTIONS", {}).get("host") or ""
    working_host = working.get("HOST") or working.get("OPTIONS", {}).get("host") or ""
    if same_name and str(target_host) == str(working_host):
        raise SyntheticError("Refusing to fill the database the application uses.")
    # Names can differ while the server and database are the same (a host alias, a socket):
    # compare what the servers say about themselves.
    with connections["default"].cursor() as cur:
        cur.execute(IDENTITY)
        mine = cur.fetchone()
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            theirs = conn.execute(IDENTITY).fetchone()
    except psycopg.OperationalError:
        return  # the target does not exist yet, so it cannot be the working database
    if mine is not None and theirs is not None and tuple(mine) == tuple(theirs):
        raise SyntheticError("Refusing to fill the database the application uses.")


def _maintenance_url(url: str) -> tuple[str, str]:
    parsed = psycopg.conninfo.conninfo_to_dict(url)
    dbname = str(parsed.pop("dbname"))
    return psycopg.conninfo.make_conninfo("", **{**parsed, "dbname": "postgres"}), dbname


def ensure_database(url: str, *, replace: bool) -> None:
    """Create the target database if missing; with replace, drop and create it again."""
    maintenance, dbname = _maintenance_url(url)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        name = psycopg.sql.Identifier(dbname)
        if exists and replace:
            conn.execute(psycopg.sql.SQL("DROP DATABASE {} WITH (FORCE)").format(name))
            exists = None
        if not exists:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(name))


def migrate(url: str) -> None:
    """Bring the target's schema up to date with the application's migrations."""
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "migrate", "--noinput", "-v", "0"],
        check=True,
        env=env,
        cwd=settings.BASE_DIR,
    )


def filled_mark(url: str) -> str | None:
    """The mark a finished load left on the database (scale and seed), or None."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        ).fetchone()
    comment = row[0] if row else None
    return comment if comment and comment.startswith(MARK) else None


# --- the rows --------------------------------------------------------------------------------


def _read(name: str) -> dict:
    with (SEED_DIR / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _weighted(rng: random.Random, pairs):
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    return lambda: rng.choices(values, weights)[0]


def _day(offset: int) -> datetime.date:
    return FIRST_DAY + datetime.timedelta(days=offset)


def _stamp(day: datetime.date) -> str:
    return f"{day.isoformat()} 12:00:00+00"


# COPY's text format: a backslash, tab or line break inside a value is escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _nullable(value) -> str:
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


class Dataset:
    """Builds the rows of every table in order; each table is a list of column names and
    an iterator of tuples. Nothing here touches a database."""

    def __init__(self, scale: Scale, seed: int):
        self.scale = scale
        self.rng = random.Random(seed)
        self.tables: list[tuple[str, list[str], Iterable[Sequence]]] = []
        self._build_reference()

    # Small tables: built eagerly (the big ones are generators, consumed while copying).
    def _build_reference(self) -> None:
        rng, scale = self.rng, self.scale
        codebook = _read("codebook.yaml")["topics"]
        topics: list[tuple] = []
        stances: list[tuple] = []
        for i in range(scale.topics):
            if i < len(codebook):
                entry = codebook[i]
                slug, name, question = entry["slug"], entry["name"], entry["question"]
                description = entry.get("description") or ""
                scale_rows = [(s["value"], s["label"], s["definition"]) for s in entry["stances"]]
            else:
                slug, name, question = MORE_TOPICS[i - len(codebook)]
                description = f"Where allies stand on {name.lower()}."
                scale_rows = [(v, *STANCE_WORDS[v]) for v in (2, 1, 0, -1, -2)]
            topic_id = i + 1
            topics.append((topic_id, slug, name, question, description, i + 1))
            for value, label, definition in scale_rows:
                stances.append((len(stances) + 1, topic_id, value, label, definition))
        self.topic_ids = [t[0] for t in topics]
        self.stance_of = {(s[1], s[2]): s[0] for s in stances}
        self.topic_slugs = {t[0]: t[1] for t in topics}

        seeded = _read("countries.yaml")
        countries = [
            (c["code"], c["name"], c.get("nato_joined"), bool(c.get("eu_member")))
            for c in seeded["countries"]
        ]
        countries += [(code, name, None, eu) for code, name, eu in MORE_COUNTRIES]
        if scale.countries > len(countries):
            raise SyntheticError(f"At most {len(countries)} countries are known.")
        countries = countries[: scale.countries]
        self.country_ids = list(range(1, len(countries) + 1))
        code_to_id = {c[0]: i + 1 for i, c in enumerate(countries)}
        country_rows = [
            (i + 1, code, name, nato, eu) for i, (code, name, nato, eu) in enumerate(countries)
        ]
        blocs: list[tuple] = []
        members: list[tuple] = []
        for entry in seeded.get("blocs", []):
            ids = [code_to_id[c] for c in entry["members"] if c in code_to_id]
            if not ids:
                continue
            bloc_id = len(blocs) + 1
            blocs.append((bloc_id, entry["slug"], entry["name"], entry.get("description") or ""))
            for cid in ids:
                members.append((len(members) + 1, bloc_id, cid))

        organizations: list[tuple[int, str, str, str, int | None]] = [
            (1, "nato", "NATO", "alliance", None),
            (2, "european-union", "European Union", "intergovernmental", None),
        ]
        for n in range(40):
            country = rng.choice(self.country_ids)
            organizations.append(
                (len(organizations) + 1, f"herald-{n + 1}", f"The Herald {n + 1}", "media", country)
            )
        for cid in self.country_ids:
            code = countries[cid - 1][0].lower()
            organizations.append(
                (
                    len(organizations) + 1,
                    f"ministry-{code}",
                    f"Ministry of Foreign Affairs ({countries[cid - 1][1]})",
                    "ministry",
                    cid,
                )
            )
        self.holder_organizations = [1, 2]
        self.media_ids = [o[0] for o in organizations if o[3] == "media"]

        events: list[tuple] = []
        slugs: set[str] = set()
        for year in range(FIRST_DAY.year, LAST_DAY.year + 1):
            for kind, label in (("summit", "NATO Summit"), ("ministerial", "Defence Ministers")):
                start = datetime.date(year, rng.randint(1, 6), rng.randint(1, 28))
                slug = f"{kind}-{year}"
                slugs.add(slug)
                events.append(
                    (
                        len(events) + 1,
                        slug,
                        f"{label} {year}",
                        kind,
                        start,
                        start + datetime.timedelta(days=1),
                        rng.choice([c[1] for c in countries]),
                    )
                )
        self.event_days = [e[4] for e in events]

        self.tables += [
            (
                "positions_topic",
                ["id", "slug", "name", "question", "description", '"order"'],
                topics,
            ),
            ("positions_stance", ["id", "topic_id", "value", "label", "definition"], stances),
            ("actors_country", ["id", "code", "name", "nato_joined", "eu_member"], country_rows),
            ("actors_bloc", ["id", "slug", "name", "description"], blocs),
            ("actors_bloc_members", ["id", "bloc_id", "country_id"], members),
            (
                "actors_organization",
                ["id", "slug", "name", "kind", "country_id"],
                organizations,
            ),
            (
                "statements_event",
                ["id", "slug", "name", "kind", "start_date", "end_date", "place"],
                events,
            ),
        ]
        self._build_people()
        self._build_sources()
        self._plan_positions()
        quote_columns = [
            "id",
            "text",
            "translation",
            "language",
            "is_paraphrase",
            "speaker_id",
            "speaker_label",
            "country_id",
            "role_id",
            "said_on",
            "said_precision",
            "source_id",
            "channel",
            "event_id",
            "implied_stance_id",
            "status",
            "correction_note",
            "version",
        ]
        self.quote_topics: list[tuple] = []
        self.evidence: list[tuple] = []
        self.tables += [
            ("statements_quote", quote_columns, self._quotes()),
            ("statements_quote_topics", ["id", "quote_id", "topic_id"], self.quote_topics),
            (
                "positions_position",
                [
                    "id",
                    "country_id",
                    "organization_id",
                    "topic_id",
                    "stance_id",
                    "conditionality",
                    "conditionality_note",
                    "valid_from",
                    "valid_to",
                    "confidence",
                    "summary",
                    "status",
                    "correction_note",
                    "version",
                    "review_note",
                ],
                self.positions,
            ),
            ("positions_position_evidence", ["id", "position_id", "quote_id"], self.evidence),
        ]
        self._build_agreements(code_to_id.get("UA"))

    def _build_agreements(self, ukraine: int | None) -> None:
        """Agreements with Ukraine (where the scale has it; else with the first country),
        most of them bilateral, some declarations that others joined later, a few ended;
        each with about clauses/agreements clauses in the seeded categories (ids 1-9, as the
        migration numbers them: `load` checks)."""
        rng, scale = self.rng, self.scale
        if not scale.agreements:
            return
        counterpart = ukraine or self.country_ids[0]
        allies = [cid for cid in self.country_ids if cid != counterpart]
        first, span = datetime.date(2014, 1, 1), (LAST_DAY - datetime.date(2014, 1, 1)).days
        pick_kind = _weighted(
            rng,
            [
                ("bilateral_security", 70),
                ("joint_declaration", 8),
                ("memorandum", 10),
                ("compact", 6),
                ("treaty", 3),
                ("other", 3),
            ],
        )
        agreements: list[tuple] = []
        parties: list[tuple] = []
        clauses: list[tuple] = []
        per_agreement = max(1, scale.clauses // scale.agreements)
        for aid in range(1, scale.agreements + 1):
            kind = pick_kind()
            signed = first + datetime.timedelta(days=rng.randrange(0, span))
            duration = None if kind == "joint_declaration" else rng.choice((5, 10, 10, 10, 20))
            expires = None
            if duration is not None:
                expires = signed.replace(year=signed.year + duration, day=min(signed.day, 28))
            terminated, note = None, ""
            if rng.random() < 0.04 and (LAST_DAY - signed).days > 60:
                terminated = signed + datetime.timedelta(
                    days=rng.randrange(30, (LAST_DAY - signed).days)
                )
                note = "Synthetic termination note."
            status = "published" if rng.random() < 0.95 else rng.choice(("draft", "in_review"))
            agreements.append(
                (
                    aid,
                    f"synthetic-agreement-{aid}",
                    f"Synthetic {kind.replace('_', ' ')} {aid}",
                    kind,
                    signed,
                    "",
                    None,
                    duration,
                    expires,
                    False,
                    None,
                    terminated,
                    note,
                    rng.randrange(1, scale.sources + 1),
                    f"Synthetic summary of agreement {aid}.",
                    status,
                    "",
                    1,
                )
            )
            parties.append((len(parties) + 1, aid, counterpart, None, None))
            others = rng.sample(allies, 1 if kind != "joint_declaration" else min(6, len(allies)))
            for n, cid in enumerate(others):
                joined = None
                if n >= 3 and (LAST_DAY - signed).days > 60:
                    joined = signed + datetime.timedelta(
                        days=rng.randrange(30, (LAST_DAY - signed).days)
                    )
                parties.append((len(parties) + 1, aid, cid, None, joined))
            if kind == "joint_declaration" and rng.random() < 0.5:
                parties.append((len(parties) + 1, aid, None, 2, None))  # the European Union
            for order in range(per_agreement):
                category = rng.randint(1, 9)
                amount = currency = period = None
                if category == 4:  # financial support
                    amount, currency, period = rng.randrange(1, 5000) * 1_000_000, "EUR", "per year"
                clauses.append(
                    (
                        len(clauses) + 1,
                        aid,
                        category,
                        str(order + 1),
                        f"Synthetic clause {order + 1} of agreement {aid}: the parties "
                        f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}.",
                        amount,
                        currency or "",
                        period or "",
                        order,
                    )
                )
        self.tables += [
            (
                "agreements_agreement",
                [
                    "id",
                    "slug",
                    "title",
                    "kind",
                    "signed_on",
                    "place",
                    "in_force_on",
                    "duration_years",
                    "expires_on",
                    "needs_ratification",
                    "ratified_on",
                    "terminated_on",
                    "termination_note",
                    "source_id",
                    "summary",
                    "status",
                    "correction_note",
                    "version",
                ],
                agreements,
            ),
            (
                "agreements_party",
                ["id", "agreement_id", "country_id", "organization_id", "joined_on"],
                parties,
            ),
            (
                "agreements_clause",
                [
                    "id",
                    "agreement_id",
                    "category_id",
                    "article",
                    "text",
                    "amount",
                    "currency",
                    "period",
                    '"order"',
                ],
                clauses,
            ),
        ]

    def _build_people(self) -> None:
        rng, scale = self.rng, self.scale
        people: list[tuple] = []
        roles: list[tuple] = []
        # Each person's posts, in order: (role id, start offset, end offset or None).
        self.person_roles: list[list[tuple]] = [[]]
        self.person_country: list[int | None] = [None]
        for pid in range(1, scale.people + 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            country = rng.choice(self.country_ids) if rng.random() < 0.95 else None
            people.append(
                (
                    pid,
                    f"{first}-{last}-{pid}".lower(),
                    f"{first} {last}",
                    country,
                    f"{first} {last} has spoken on Ukraine and NATO since {2008 + pid % 15}.",
                )
            )
            posts, start = [], rng.randrange(0, SPAN // 2)
            for _ in range(rng.choice((1, 1, 2, 3))):
                length = rng.randrange(365, 365 * 6)
                end = start + length if start + length < SPAN else None
                role_id = len(roles) + 1
                roles.append(
                    (
                        role_id,
                        pid,
                        rng.choice(TITLES),
                        None,
                        country,
                        _day(start),
                        _day(end) if end is not None else None,
                    )
                )
                posts.append((role_id, start, end))
                if end is None:
                    break
                start = end + 1
            self.person_roles.append(posts)
            self.person_country.append(country)
        self.tables += [
            ("actors_person", ["id", "slug", "name", "country_id", "bio"], people),
            (
                "actors_role",
                ["id", "person_id", "title", "organization_id", "country_id", '"start"', '"end"'],
                roles,
            ),
        ]
        self.people_by_country: dict[int | None, list[int]] = {}
        for pid, country in enumerate(self.person_country[1:], start=1):
            self.people_by_country.setdefault(country, []).append(pid)

    def _build_sources(self) -> None:
        rng, scale = self.rng, self.scale
        kind, language = _weighted(rng, SOURCE_KINDS), _weighted(rng, LANGUAGES)
        # Sources are numbered in date order, so the one published on a day is a bisection away.
        offsets = sorted(self._skewed_offset() for _ in range(scale.sources))
        self.source_offsets = offsets
        rows = []
        for sid, offset in enumerate(offsets, start=1):
            precision = "day" if rng.random() < 0.9 else rng.choice(("month", "year"))
            day = _day(offset)
            if precision == "month":
                day = day.replace(day=1)
            elif precision == "year":
                day = day.replace(month=1, day=1)
            rows.append(
                (
                    sid,
                    f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}",
                    rng.choice(self.media_ids) if rng.random() < 0.8 else None,
                    rng.randrange(1, scale.people + 1) if rng.random() < 0.3 else None,
                    f"https://news.example.org/{day.year}/{sid}",
                    day,
                    precision,
                    kind(),
                    "primary" if rng.random() < 0.4 else "secondary",
                    language(),
                    1,
                )
            )
        self.tables.append(
            (
                "statements_source",
                [
                    "id",
                    "title",
                    "publisher_id",
                    "author_id",
                    "url",
                    "published_on",
                    "published_precision",
                    "kind",
                    "reliability",
                    "language",
                    "version",
                ],
                rows,
            )
        )

    def _skewed_offset(self) -> int:
        # More is said in recent years than in 2008: a gentle skew toward the end.
        return min(SPAN, int(SPAN * self.rng.random() ** 0.6))

    def _plan_positions(self) -> None:
        """Positions per holder and topic: a seamless published history (each superseded
        position closed where the next begins), plus drafts and retracted ones beside it."""
        rng, scale = self.rng, self.scale
        holders = [(c, None) for c in self.country_ids] + [
            (None, o) for o in self.holder_organizations
        ]
        pairs = [(h, t) for h in holders for t in self.topic_ids]
        base, extra = divmod(scale.positions, len(pairs))
        bonus = set(rng.sample(range(len(pairs)), extra))
        self.positions: list[list] = []  # lists: _position_details fills in the last one
        # (position id, country, topic id, stance id, valid_from offset, status) for evidence.
        self.evidence_plan: list[tuple] = []
        conditionality = _weighted(
            rng,
            [
                ("none", 40),
                ("after_war", 20),
                ("conditions_met", 20),
                ("reforms", 10),
                ("consensus", 5),
                ("other", 5),
            ],
        )
        confidence = _weighted(rng, [("stated", 60), ("reported", 30), ("inferred", 10)])
        for index, ((country, organization), topic) in enumerate(pairs):
            count = base + (1 if index in bonus else 0)
            if count == 0:
                continue
            statuses = [
                "published" if rng.random() < 0.86 else rng.choice(("draft", "retracted"))
                for _ in range(count)
            ]
            published = statuses.count("published")
            starts = sorted(rng.sample(range(0, SPAN - 30), published))
            value = rng.randint(-2, 2)
            for n, start in enumerate(starts):
                end: int | None
                if n + 1 < len(starts):
                    end = starts[n + 1]
                else:
                    # Most histories run on; a few ended (the holder fell silent).
                    end = None if rng.random() < 0.9 else rng.randrange(start + 1, SPAN)
                value = max(-2, min(2, value + rng.choice((-1, 1))))
                self._add_position(country, organization, topic, value, start, end, "published")
                self._position_details(conditionality, confidence)
            for status in statuses:
                if status == "published":
                    continue
                start = rng.randrange(0, SPAN - 30)
                self._add_position(
                    country, organization, topic, rng.randint(-2, 2), start, None, status
                )
                self._position_details(conditionality, confidence)

    def _add_position(self, country, organization, topic, value, start, end, status):
        pid = len(self.positions) + 1
        self.positions.append(
            [
                pid,
                country,
                organization,
                topic,
                self.stance_of[(topic, value)],
                None,  # conditionality, conditionality_note: filled by _position_details
                None,
                _day(start),
                _day(end) if end is not None else None,
                None,
                None,
                status,
                "Recoded after the source was corrected." if status == "retracted" else "",
                1,
                "",  # review_note: none was sent back
            ]
        )
        self.evidence_plan.append((pid, country, topic, self.stance_of[(topic, value)], start))

    def _position_details(self, conditionality, confidence) -> None:
        row = self.positions[-1]
        row[5] = conditionality()
        row[6] = "" if row[5] == "none" else "As stated at the time."
        row[9] = confidence()
        row[10] = f"Coded from statements around {row[7].isoformat()}."

    def _text(self) -> str:
        rng = self.rng
        sentences = [
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}."
            for _ in range(rng.randint(1, 3))
        ]
        sentences.append(rng.choice(TAILS))
        return " ".join(sentences)

    def _role_on(self, person: int, offset: int):
        for role_id, start, end in self.person_roles[person]:
            if start <= offset and (end is None or offset <= end):
                return role_id
        return None

    def _source_on_or_after(self, offset: int) -> int:
        index = bisect.bisect_left(self.source_offsets, offset)
        index = min(len(self.source_offsets) - 1, index + self.rng.randrange(0, 3))
        return index + 1

    def _quotes(self) -> Iterator[tuple]:
        """Evidence quotes for each position first, then the rest; topic links and evidence
        links are appended to their lists as the quotes are made."""
        rng, scale = self.rng, self.scale
        language = _weighted(rng, LANGUAGES)
        status = _weighted(
            rng, [("published", 92), ("draft", 4), ("in_review", 2), ("retracted", 2)]
        )
        qid = 0

        def quote(country, offset, topics, stance, state):
            nonlocal qid
            qid += 1
            lang = language()
            text = self._text()
            translation = ""
            if lang != "en":
                translation, text = text, f"[{lang}] {text}"
            speakers = self.people_by_country.get(country) or self.people_by_country.get(None)
            anonymous = rng.random() < 0.08 or not speakers
            speaker = None if anonymous or not speakers else rng.choice(speakers)
            source = self._source_on_or_after(offset)
            event = None
            if rng.random() < 0.05:
                event = rng.randrange(1, len(self.event_days) + 1)
            for topic in topics:
                self.quote_topics.append((len(self.quote_topics) + 1, qid, topic))
            return (
                qid,
                text,
                translation,
                lang,
                rng.random() < 0.1,
                speaker,
                rng.choice(LABELS) if anonymous else "",
                country,
                self._role_on(speaker, offset) if speaker else None,
                _day(offset),
                "day" if rng.random() < 0.95 else "month",
                source,
                rng.choice(CHANNELS),
                event,
                stance,
                state,
                "Withdrawn: misattributed." if state == "retracted" else "",
                1,
            )

        for pid, country, topic, stance, start in self.evidence_plan:
            if qid >= scale.quotes:
                break
            for _ in range(rng.choice((1, 1, 2, 3))):
                offset = max(0, start - rng.randrange(0, 20))
                yield quote(country, offset, [topic], stance, "published")
                self.evidence.append((len(self.evidence) + 1, pid, qid))
        while qid < scale.quotes:
            country = rng.choice(self.country_ids) if rng.random() < 0.9 else None
            topics = rng.sample(self.topic_ids, rng.choice((1, 1, 1, 2, 2, 3)))
            stance = None
            if rng.random() < 0.2:
                stance = self.stance_of[(topics[0], rng.randint(-2, 2))]
            yield quote(country, self._skewed_offset(), topics, stance, status())


# --- writing ---------------------------------------------------------------------------------

BULK_TABLES = [
    "statements_source",
    "statements_quote",
    "statements_quote_topics",
    "positions_position_evidence",
]
EVIDENCE_TALLY = """
INSERT INTO positions_evidence_tally (position_id, published)
SELECT link.position_id, count(*) FILTER (WHERE quote.status = 'published')
FROM positions_position_evidence link
JOIN statements_quote quote ON quote.id = link.quote_id
GROUP BY link.position_id
ON CONFLICT (position_id) DO UPDATE SET published = EXCLUDED.published
"""
STAMPED = {
    "positions_topic",
    "positions_stance",
    "actors_country",
    "actors_bloc",
    "actors_organization",
    "actors_person",
    "actors_role",
    "statements_event",
    "statements_source",
    "statements_quote",
    "positions_position",
    "agreements_agreement",
    "agreements_party",
    "agreements_clause",
}
BATCH = 5_000


def _lines(rows: Iterable, stamped: bool) -> Iterator[str]:
    buffer = []
    stamp = _stamp(LAST_DAY) if stamped else ""
    for row in rows:
        values = [_nullable(v) for v in row]
        if stamped:
            values += [stamp, stamp]
        buffer.append("\t".join(values))
        if len(buffer) >= BATCH:
            yield "\n".join(buffer) + "\n"
            buffer.clear()
    if buffer:
        yield "\n".join(buffer) + "\n"


def load(url: str, scale_name: str, seed: int, log=lambda message: None) -> dict:
    """Fill the (migrated, empty) database at url; return the row count of each table."""
    scale = SCALES[scale_name]
    dataset = Dataset(scale, seed)
    counts = {}
    with psycopg.connect(url) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM actors_country")
            if cur.fetchone() != (0,):
                raise SyntheticError("The target database already has data: use --replace.")
            cur.execute("SET LOCAL synchronous_commit = off")
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
            # Foreign keys are deferred to commit by default: checked at the end of each COPY
            # instead, so the triggers can be switched back on in the same transaction.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # Except the rule that a published position has published evidence: positions
            # are copied before their evidence links, so it is checked at commit, on all.
            cur.execute("SET CONSTRAINTS position_published_evidence DEFERRED")
            # And that a published agreement has two parties: agreements come before them.
            cur.execute("SET CONSTRAINTS agreement_two_parties DEFERRED")
            cur.execute("SELECT array_agg(id ORDER BY id) FROM agreements_clausecategory")
            if cur.fetchone() != (list(range(1, 10)),):
                raise SyntheticError("The clause categories are not the migration's nine.")
            for table in BULK_TABLES:
                cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            for table, columns, rows in dataset.tables:
                stamped = table in STAMPED
                names = columns + (["created_at", "updated_at"] if stamped else [])
                statement = f"COPY {table} ({', '.join(names)}) FROM STDIN"
                with cur.copy(statement) as copy:
                    for chunk in _lines(rows, stamped):
                        copy.write(chunk)
                counts[table] = cur.rowcount
                log(f"{table}: {cur.rowcount} rows")
            for table in BULK_TABLES:
                cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            # The evidence tally's triggers (migration positions 0015) were off with the others
            # on the links: count every position's published evidence once, as they would have.
            cur.execute(EVIDENCE_TALLY)
            for table, _columns, _rows in dataset.tables:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            cur.execute(
                psycopg.sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                    psycopg.sql.Identifier(conn.info.dbname),
                    psycopg.sql.Literal(f"{MARK} scale={scale_name} seed={seed} shape={SHAPE}"),
                )
            )
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        for table, _columns, _rows in dataset.tables:
            conn.execute(f"VACUUM ANALYZE {table}")
    return counts


def digest(url: str, tables: Iterable[str] | None = None) -> str:
    """A digest of every synthetic table's rows in id order (timestamps included)."""
    names = tables or [
        "positions_topic",
        "positions_stance",
        "actors_country",
        "actors_bloc",
        "actors_bloc_members",
        "actors_organization",
        "statements_event",
        "actors_person",
        "actors_role",
        "statements_source",
        "statements_quote",
        "statements_quote_topics",
        "positions_position",
        "positions_position_evidence",
    ]
    total = hashlib.sha256()
    with psycopg.connect(url, autocommit=True) as conn:
        for table in names:
            row = conn.execute(
                f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM {table} t"
            ).fetchone()
            assert row is not None, "an aggregate answers one row"
            total.update(f"{table}:{row[0]};".encode())
    return total.hexdigest()
