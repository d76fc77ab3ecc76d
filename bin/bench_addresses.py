"""What bin/bench.py asks in its cold runs and its search spread, drawn from the bench database.

A cold request must miss every cache. The answers kept for readers (apps.core.caching) are
keyed by the data version, the full address (host included) and the day, so each cold
request asks another real question: another day, other countries, another topic, word or
quote. No parameter is made up for it (the app refuses unknown ones with a 400). Where a
URL's values run out before the run ends (there are only so many countries), wrk's script
also gives every request a host name of its own (bench.py), so that no two requests of a run
share an address.
"""

import dataclasses
import datetime
import random
import re
import urllib.parse

import psycopg

# At most this many distinct addresses per URL: more than any run asks of one URL.
ROTATION = 20_000
# "Two months", as the warm changes URL asks (2023-06-01 to 2023-07-31).
CHANGES_SPAN = datetime.timedelta(days=60)
# "Recent" for the matrix asked without a day: the last two years.
RECENT = datetime.timedelta(days=730)
# Words the issue found scanning the whole table at xl; measured where the data lacks them.
ABSENT_WORDS = ("troops", "weapons", "future", "partners", "russia")
HUNDRED = 100


@dataclasses.dataclass
class Space:
    """The values the bench data holds: days, countries, topics, quotes."""

    today: datetime.date
    first_position: datetime.date  # the first day a published position holds
    quotes_from: datetime.date  # the oldest and newest days a published quote was said
    quotes_to: datetime.date
    countries: list[str]  # every country's code
    allies: list[str]  # NATO members' codes
    country_ids: dict[str, int]
    topics: list[str]  # slugs
    topic_ids: dict[str, int]
    quote_ids: list[int]  # published quotes, a sample in random order
    agreements: list[str]  # published agreements' slugs


def space(url: str) -> Space:
    with psycopg.connect(url, autocommit=True) as conn:
        first_position = conn.execute(
            "SELECT min(valid_from) FROM positions_position WHERE status = 'published'"
        ).fetchone()[0]
        quotes_from, quotes_to = conn.execute(
            "SELECT min(said_on), max(said_on) FROM statements_quote WHERE status = 'published'"
        ).fetchone()
        countries = conn.execute(
            "SELECT code, id, nato_joined IS NOT NULL FROM actors_country ORDER BY code"
        ).fetchall()
        topics = conn.execute(
            'SELECT slug, id FROM positions_topic ORDER BY "order", id'
        ).fetchall()
        # Ids spread over the table without sorting a million rows: every k-th published one.
        total = conn.execute("SELECT max(id) FROM statements_quote").fetchone()[0]
        step = max(1, total // ROTATION)
        quote_ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM statements_quote WHERE status = 'published' AND id %% %s = 0",
                [step],
            )
        ]
        agreements = [
            row[0]
            for row in conn.execute(
                "SELECT slug FROM agreements_agreement WHERE status = 'published' ORDER BY id"
            )
        ]
    random.Random(1).shuffle(quote_ids)
    return Space(
        today=datetime.datetime.now(datetime.UTC).date(),
        first_position=first_position,
        quotes_from=quotes_from,
        quotes_to=quotes_to,
        countries=[code for code, _, _ in countries],
        allies=[code for code, _, ally in countries if ally],
        country_ids={code: pk for code, pk, _ in countries},
        topics=[slug for slug, _ in topics],
        topic_ids=dict(topics),
        quote_ids=quote_ids,
        agreements=agreements,
    )


def days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def shuffled(items, seed: int) -> list:
    items = list(items)
    random.Random(seed).shuffle(items)
    return items[:ROTATION]


def drawn(make, seed: int, possible: int) -> list:
    """Up to ROTATION distinct values of make(rng), in the order drawn."""
    rng, seen = random.Random(seed), {}
    wanted = min(ROTATION, possible)
    for _ in range(wanted * 4):
        seen.setdefault(make(rng), None)
        if len(seen) >= wanted:
            break
    return list(seen)


def cold_addresses(p: dict, s: Space) -> dict[str, tuple[str, list[str]]]:
    """For each URL of bench.our_urls, by name: what varies, and the addresses asked in turn."""
    since_first = days(s.first_position, s.today)
    recent = days(max(s.first_position, s.today - RECENT), s.today)
    said = days(s.quotes_from, s.quotes_to)
    change_starts = days(s.first_position - CHANGES_SPAN, s.today - CHANGES_SPAN)

    def changes(prefix: str) -> list[str]:
        return [
            f"{prefix}?from={day}&to={day + CHANGES_SPAN}"
            for day in shuffled(change_starts, seed=4)
        ]

    four = min(4, len(s.allies))
    compare = drawn(
        lambda rng: (",".join(rng.sample(s.allies, four)), rng.choice(since_first)),
        seed=3,
        possible=len(since_first) * 100,
    )
    topic_days = drawn(
        lambda rng: (rng.choice(s.topics), rng.choice(since_first)),
        seed=7,
        possible=len(s.topics) * len(since_first),
    )
    country_topic_days = drawn(
        lambda rng: (rng.choice(s.countries), rng.choice(s.topics), rng.choice(said)),
        seed=8,
        possible=len(s.countries) * len(s.topics) * len(said),
    )
    consensus_days = drawn(
        lambda rng: (rng.choice(s.topics), rng.choice(since_first)),
        seed=14,
        possible=len(s.topics) * len(since_first),
    )

    def series_start(day: datetime.date) -> datetime.date:
        """The longest series asked: from the first position, 20 years at most."""
        try:
            earliest = day.replace(year=day.year - 20)
        except ValueError:  # 29 February
            earliest = day.replace(year=day.year - 20, day=28)
        return max(s.first_position, earliest)

    word = urllib.parse.quote_plus(p["word"])
    return {
        "matrix": (
            "/?as_of=<a day of the last two years>",
            [f"/?as_of={day}" for day in shuffled(recent, seed=1)],
        ),
        "matrix as of a past date": (
            "/?as_of=<any day since the first position>",
            [f"/?as_of={day}" for day in shuffled(since_first, seed=2)],
        ),
        "compare": (
            "/compare/?countries=<4 allies>&as_of=<day>",
            [f"/compare/?countries={codes}&as_of={day}" for codes, day in compare],
        ),
        "changes": ("/changes/?from=<day>&to=<day + 60>", changes("/changes/")),
        "quote search with facets": (
            f"/quotes/?q={word}&said_to=<day>",
            [f"/quotes/?q={word}&said_to={day}" for day in shuffled(said, seed=5)],
        ),
        "country page": (
            "/countries/<each country>/",
            [f"/countries/{code}/" for code in shuffled(s.countries, seed=6)],
        ),
        "topic page": (
            "/topics/<topic>/?as_of=<day>",
            [f"/topics/{slug}/?as_of={day}" for slug, day in topic_days],
        ),
        "API quotes by country and topic": (
            "/api/v1/quotes/?country=<country>&topic=<topic>&said_to=<day>",
            [
                f"/api/v1/quotes/?country={code}&topic={slug}&said_to={day}"
                for code, slug, day in country_topic_days
            ],
        ),
        "API matrix": (
            "/api/v1/matrix/?as_of=<a day of the last two years>",
            [f"/api/v1/matrix/?as_of={day}" for day in shuffled(recent, seed=9)],
        ),
        "API changes": ("/api/v1/changes/?from=<day>&to=<day + 60>", changes("/api/v1/changes/")),
        "agreements in force": (
            "/agreements/?in_force_on=<any day since the first position>",
            [f"/agreements/?in_force_on={day}" for day in shuffled(since_first, seed=10)],
        ),
        "agreement page": (
            "/agreements/<an agreement>/",
            [f"/agreements/{slug}/" for slug in shuffled(s.agreements, seed=11)],
        ),
        "clauses by ally": (
            "/agreements/clauses/?as_of=<any day since the first position>",
            [f"/agreements/clauses/?as_of={day}" for day in shuffled(since_first, seed=12)],
        ),
        "API agreements of a party": (
            "/api/v1/agreements/?party=<country>&in_force_on=<day>",
            [
                f"/api/v1/agreements/?party={code}&in_force_on={day}"
                for code, day in drawn(
                    lambda rng: (rng.choice(s.countries), rng.choice(since_first)),
                    seed=13,
                    possible=len(s.countries) * len(since_first),
                )
            ],
        ),
        "consensus": (
            "/consensus/?topic=<topic>&as_of=<any day since the first position>",
            [f"/consensus/?topic={slug}&as_of={day}" for slug, day in consensus_days],
        ),
        "API consensus": (
            "/api/v1/consensus/?topic=<topic>&as_of=<any day since the first position>",
            [
                f"/api/v1/consensus/?topic={slug}&as_of={day}"
                for slug, day in shuffled(consensus_days, seed=15)
            ],
        ),
        "API consensus series": (
            "/api/v1/consensus/series/?topic=<topic>&from=<up to 20 years back>&to=<day>",
            [
                f"/api/v1/consensus/series/?topic={slug}&from={series_start(day)}&to={day}"
                for slug, day in shuffled(consensus_days, seed=16)
            ],
        ),
    }


# --- the side-by-side questions, cold --------------------------------------------------------


DATASETTE_PLAIN = "_shape=array&_size=50&_labels=on&_nocount=1&_nofacet=1&_nosuggest=1"


def in_topic(topic_id: int) -> str:
    return urllib.parse.quote(
        f"id in (select quote_id from quote_topics where topic_id = {topic_id})"
    )


def cold_side_by_side(s: Space, db: str, words: list[str]) -> list[tuple[str, list, list]]:
    """(name, our addresses, Datasette's) for each side-by-side question, each asked of
    different values in turn, the same values on both sides."""
    said = days(s.quotes_from, s.quotes_to)
    asked = drawn(
        lambda rng: (rng.choice(s.countries), rng.choice(s.topics), rng.choice(said)),
        seed=11,
        possible=len(s.countries) * len(s.topics) * len(said),
    )
    words = shuffled(words, seed=12)
    return [
        (
            "quotes by country and topic (50, JSON)",
            [
                f"/api/v1/quotes/?country={code}&topic={slug}&said_to={day}"
                for code, slug, day in asked
            ],
            [
                f"/{db}/quotes.json?{DATASETTE_PLAIN}&_sort_desc=said_on"
                f"&country_id={s.country_ids[code]}&_where={in_topic(s.topic_ids[slug])}"
                f"&said_on__lte={day}"
                for code, slug, day in asked
            ],
        ),
        (
            "full-text search (50, JSON)",
            [f"/api/v1/quotes/?q={word}" for word in words],
            [f"/{db}/quotes.json?{DATASETTE_PLAIN}&_sort_desc=said_on&_search={w}" for w in words],
        ),
        (
            "one quote by id",
            [f"/api/v1/quotes/{pk}/" for pk in s.quote_ids],
            [f"/{db}/quotes/{pk}.json?_shape=array&_labels=on" for pk in s.quote_ids],
        ),
    ]


# --- the search spread -----------------------------------------------------------------------


@dataclasses.dataclass
class Search:
    label: str
    q: str
    matches: int = 0  # published quotes matching, counted exactly


MATCHING = (
    "SELECT count(*) FROM statements_quote WHERE status = 'published' "
    "AND search_vector @@ websearch_to_tsquery('english', %s)"
)


@dataclasses.dataclass
class Vocabulary:
    """The words of the published quotes: ts_stat over a sample of about 20,000 of them, each
    lexeme named by a word of the texts that stems to it."""

    total: int  # published quotes
    shares: list[tuple[str, float]]  # (word, share of the quotes holding it), commonest first
    pairs: dict[tuple[str, str], int]  # adjacent words of the sampled texts, and how often


def vocabulary(url: str) -> Vocabulary:
    with psycopg.connect(url, autocommit=True) as conn:
        total = conn.execute("SELECT count(*) FROM statements_quote WHERE status = 'published'")
        total = total.fetchone()[0]
        percent = min(100.0, 100.0 * 20_000 / max(total, 1))
        sample = (
            f"FROM statements_quote TABLESAMPLE SYSTEM ({percent:.4f}) REPEATABLE (13) "
            "WHERE status = 'published'"
        )
        sampled = conn.execute(f"SELECT count(*) {sample}").fetchone()[0] or 1
        stats = conn.execute(
            "SELECT word, ndoc FROM ts_stat(%s) ORDER BY ndoc DESC, word",
            [f"SELECT search_vector {sample}"],
        ).fetchall()
        rows = conn.execute(
            f"SELECT text, speaker_label {sample} AND language = 'en' LIMIT 3000"
        ).fetchall()
        texts = [re.findall(r"[a-z]+(?:-[a-z]+)*", text.lower()) for text, _ in rows]
        labels = [re.findall(r"[a-z]+(?:-[a-z]+)*", label.lower()) for _, label in rows]
        words = sorted({w for text in texts + labels for w in text})
        stems = {
            word: lexeme.strip("'")
            for word, lexeme in conn.execute(
                "SELECT w, websearch_to_tsquery('english', w)::text FROM unnest(%s::text[]) AS w",
                [words],
            )
        }
    named: dict[str, str] = {}
    for word in words:
        if len(word) >= 3 and stems[word] and " " not in stems[word]:
            named.setdefault(stems[word], word)
    pairs: dict[tuple[str, str], int] = {}
    for text in texts:
        for first, second in zip(text, text[1:], strict=False):
            if stems[first] and stems[second]:  # two words of substance, side by side
                pairs[first, second] = pairs.get((first, second), 0) + 1
    return Vocabulary(
        total=total,
        shares=[(named[lexeme], ndoc / sampled) for lexeme, ndoc in stats if lexeme in named],
        pairs=pairs,
    )


def search_spread(url: str, words: Vocabulary, planted: dict) -> list[Search]:
    """Words matching no quote, one, about a hundred, the rarest and a third of the quotes, a
    phrase, a phrase of common words in no quote, and a negation, each with its exact count.
    The data's own words where it has them; the benchmark's planted words (bench_fixtures.py)
    for one and a hundred where it has none. An "absent" word the data holds is left out."""
    shares, total = words.shares, words.total
    searches = [Search(f"absent: {word}", word) for word in ABSENT_WORDS]
    with psycopg.connect(url, autocommit=True) as conn:
        # The data's word nearest a hundred matches by the sample, if a count says it is.
        near = sorted(shares, key=lambda item: abs(item[1] * total - HUNDRED))[:3]
        hundred = [w for w, _ in near if 50 <= conn.execute(MATCHING, [w]).fetchone()[0] <= 200]
    searches.append(
        Search("about 100 matches (the data's)", hundred[0])
        if hundred
        else Search("about 100 matches (planted)", planted["hundred_matches"])
    )
    searches.append(Search("1 match (planted)", planted["one_match"]))
    searches.append(Search("the data's rarest word", shares[-1][0]))
    third, _ = min(shares, key=lambda item: abs(item[1] - 1 / 3))
    searches.append(Search("about a third of the quotes", third))
    first, second = max(words.pairs, key=lambda pair: words.pairs[pair])
    searches.append(Search("phrase", f'"{first} {second}"'))
    searches.append(Search("phrase of common words in no quote", f'"{second} {first}"'))
    other = next(w for w, _ in shares if w != third)
    searches.append(Search("negation", f"{third} -{other}"))
    with psycopg.connect(url, autocommit=True) as conn:
        for search in searches:
            search.matches = conn.execute(MATCHING, [search.q]).fetchone()[0]
    absent = ("absent", "phrase of common words in no quote")
    return [s for s in searches if not (s.label.startswith(absent) and s.matches)]


def search_addresses(search: Search, p: dict) -> list[tuple[str, str]]:
    """(shape, address) of one search: the page (with its facets) and the API, each alone and
    filtered by a country and a topic."""
    q = urllib.parse.quote_plus(search.q)
    narrowed = f"&country={p['country']}&topic={p['topic']}"
    return [
        ("page", f"/quotes/?q={q}"),
        ("page, country and topic", f"/quotes/?q={q}{narrowed}"),
        ("API", f"/api/v1/quotes/?q={q}"),
        ("API, country and topic", f"/api/v1/quotes/?q={q}{narrowed}"),
    ]
