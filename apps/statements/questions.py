"""The quote search, answered once for every door.

One parameter class (`QuoteSearchParams`, a form the page renders and the API validates with),
one query (`quote_search`, a fixed number of SQL queries whatever the number of matches) and
one result shape (`quote_as_dict`, the API's quote; `QuoteSearchResult.as_dict`, the API's
page) that feeds the API's JSON, every CSV and the page's downloads. The page's template reads
the same result's quotes.

Where the page and the API used to differ, the parameters now mean:
- every reference must exist: an unknown country code, topic, speaker, source or event is a
  400 naming the parameter ("Unknown speaker “nobody”."), on the page as in the API (the API
  used to answer an unknown speaker, source or event with an empty list);
- country codes are upper case, as the API's schema lists them (a page link written in lower
  case is redirected by the page);
- `anonymous` is `true` or `false`; `cursor` is `n<day>-<id>` or `p<day>-<id>` (the page's old
  `after=<date>_<id>` is redirected); free text holds at most 500 characters;
- `year` (the page's) and `said_from`/`said_to`, `language`, `event` (the API's) work at both;
- `status` narrows what the user may see: editors see every quote, everyone else the
  published ones, so `status=draft` gives them an empty list;
- `page_size` is 1 to 1000: the API's pages and the downloads hold 50 by default, the page's
  screen 20, and a page's download links ask for 1000 (what a download held before).
"""

import dataclasses
import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import DateField, ExpressionWrapper, F, Prefetch, prefetch_related_objects
from django.utils import timezone

from apps.actors.models import Country, Organization, Person
from apps.codebook.models import Topic
from apps.core.models import Status
from apps.core.params import (
    BooleanParam,
    ChoiceParam,
    CursorParam,
    DateParam,
    IdReferenceParam,
    PatternParam,
    QueryParams,
    ReferenceParam,
    TextParam,
    WholeNumberParam,
    page_address,
)
from apps.statements.models import Event, Quote, Source

# A page of the API, and a download, unless `page_size` says otherwise.
PAGE_SIZE = 50
# As many as a page's download held before: a keyset page of this many costs the same queries.
PAGE_SIZE_MAX = 1_000
# Counting all matches of a broad search costs a scan of the whole table: beyond this many
# the page says "1000+".
TOTAL_CAP = 1_000
# The page's count and facets read at most this many of the newest quotes that pass the
# filters (and for rare words, the full-text index): a word that is neither rare nor common
# is counted among them, and the page says "at least" ("44+").
SUMMARY_SCAN = 8_000
# Facets count the newest matches up to this many: exact for a narrow search, a sample of
# the newest for a broad one (the page says so). Each facet shows its largest values.
FACET_WINDOW = 500
# A word search reads the quotes that pass the other filters newest first and stops at a page
# of matches: a few rows for a common word. For a rare word it would read the whole table
# (seconds at a million quotes), so it reads at most RECENT_SCAN quotes per row of the page,
# within these bounds (4,200 for a page of 20, 10,200 for one of 50: about 5 and 11 ms at a
# million quotes); short of a page of matches there, the word is rare (under about one quote
# in 200) and the search asks the full-text index for every match and sorts them, which costs
# little because they are few.
RECENT_SCAN = 200
RECENT_SCAN_MIN = 4_000
RECENT_SCAN_MAX = 20_000
FACET_SIZE = 10
# A first page has no cursor: its address is the list's without one.
FIRST_PAGE = ""


# --- the parameters --------------------------------------------------------------------------

CLAIMANT_KEY = re.compile(r"[-a-zA-Z0-9_]{1,100}")


class ClaimantParam(forms.Field):
    """Who makes a claim: a country by its code (UA), else an organization by its slug."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        # Stated for the schema (apps.api.params): a code or a slug.
        self.openapi = {"type": "string", "maxLength": 100, "pattern": r"^[-a-zA-Z0-9_]+$"}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value)
        if CLAIMANT_KEY.fullmatch(value):
            if len(value) == 2:
                country = Country.objects.filter(code=value.upper()).first()
                if country is not None:
                    return country
            organization = Organization.objects.filter(slug=value).first()
            if organization is not None:
                return organization
        shown = value[:100].replace("\x00", "")
        raise ValidationError(
            f"Unknown claimant “{shown}”: give a country's code (UA) or an organization's slug.",
            code="invalid_choice",
        )


class QuoteSearchParams(QueryParams):
    q = TextParam(
        label="Search the quotes",
        help_text='Full-text search (web-search syntax: words, "a phrase", or, -word).',
        widget=forms.TextInput(attrs={"type": "search", "placeholder": 'e.g. "road map" -Israel'}),
    )
    country = ReferenceParam(
        Country.objects.order_by("name"),
        key="code",
        noun="country code",
        label="Country",
        empty_label="Any country",
        help_text="The country whose position the words reflect (its code).",
    )
    topic = ReferenceParam(
        Topic.objects.order_by("order", "name"),
        key="slug",
        noun="topic",
        label="Topic",
        empty_label="Any topic",
        help_text="What the words are about (a topic's slug).",
    )
    speaker = ReferenceParam(
        Person.objects.all(),
        key="slug",
        noun="speaker",
        label="Speaker",
        widget=forms.TextInput(attrs={"placeholder": "e.g. juri-luik"}),
        help_text="The speaker's slug (the last part of their page's address).",
    )
    claimant = ClaimantParam(
        label="Reported by",
        widget=forms.TextInput(attrs={"placeholder": "e.g. UA"}),
        help_text="Claims about another government's stance made by this country (its code) "
        "or organization (its slug).",
    )
    source = IdReferenceParam(
        Source.objects.all(),
        noun="source",
        label="Source",
        widget=forms.NumberInput(attrs={"min": 1}),
        help_text="The source's id.",
    )
    event = ReferenceParam(
        Event.objects.all(),
        key="slug",
        noun="event",
        label="Event",
        widget=forms.TextInput(attrs={"placeholder": "e.g. vilnius-summit-2023"}),
        help_text="The event's slug.",
    )

    def for_user(self, user):
        """Narrow the speaker, source and event to those the user may see: a reader naming
        one that only a draft refers to is told it is unknown, as for one that is missing."""
        for name, model in (("speaker", Person), ("source", Source), ("event", Event)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = model.objects.visible_to(user)
        return self

    # Bounds of a search: one in the future is harmless (it means "up to now").
    said_from = DateParam(past=False, label="Said from", help_text="Said on or after this day.")
    said_to = DateParam(past=False, label="Said until", help_text="Said on or before this day.")
    year = WholeNumberParam(
        minimum=1900, maximum=2100, label="Year", help_text="Said in this year."
    )
    language = PatternParam(
        "[a-z]{2,3}",
        "Use an ISO 639 language code, e.g. en.",
        label="Language",
        widget=forms.TextInput(attrs={"placeholder": "e.g. en", "size": 4}),
        help_text="The language of the words, an ISO 639 code.",
    )
    anonymous = BooleanParam(
        label="Speaker named?",
        widget=forms.Select(
            choices=[("", "Named or anonymous"), ("false", "Named"), ("true", "Anonymous")]
        ),
        help_text="Anonymous speakers only (true), or named ones only (false).",
    )
    status = ChoiceParam(
        choices=[("", "Any status"), *Status.choices],
        label="Status",
        help_text="Editors only: others see published quotes alone.",
    )
    cursor = CursorParam(help_text="Where the page starts: copy it from a next or previous link.")
    page_size = WholeNumberParam(
        minimum=1,
        maximum=PAGE_SIZE_MAX,
        label="Per page",
        help_text=f"Quotes per page (default {PAGE_SIZE}).",
    )

    def clean(self):
        cleaned = self.cleaned_data
        start, end = cleaned.get("said_from"), cleaned.get("said_to")
        if start and end and start > end:
            self.add_error(
                "said_to",
                ValidationError("Give a day on or after said_from.", code="reversed"),
            )
        return cleaned


# --- the result ------------------------------------------------------------------------------


def _timestamp(value: datetime.datetime) -> str:
    """A moment as the API writes it: ISO 8601 in the current time zone, UTC as Z."""
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _named(obj, key: str) -> dict | None:
    return None if obj is None else {key: getattr(obj, key), "name": obj.name}


def claimant_as_dict(quote: Quote) -> dict | None:
    """Who claims what the quote says of another government's stance, as a holder reads:
    {type, code or slug, name}; None when the speaker speaks for their own side."""
    if quote.claimant_country is not None:
        country = quote.claimant_country
        return {"type": "country", "code": country.code, "name": country.name}
    if quote.claimant_organization is not None:
        organization = quote.claimant_organization
        return {"type": "organization", "slug": organization.slug, "name": organization.name}
    return None


def quote_as_dict(quote: Quote) -> dict:
    """A quote as the API reads it (and every CSV and download of quotes): the words, who said
    them, when, where it was published, its topics and citation. Needs the quote's attribution
    (`with_attribution()`), implied stance and topics loaded."""
    stance = quote.implied_stance
    return {
        "id": quote.pk,
        "text": quote.text,
        "translation": quote.translation,
        "language": quote.language,
        "is_paraphrase": quote.is_paraphrase,
        "speaker": _named(quote.speaker, "slug"),
        "speaker_label": quote.speaker_label,
        "speaker_name": quote.speaker_name,
        "country": _named(quote.country, "code"),
        "claimant": claimant_as_dict(quote),
        "role": None if quote.role is None else {"id": quote.role.pk, "title": quote.role.title},
        "said_on": quote.said_on.isoformat(),
        "said_precision": quote.said_precision,
        "said_display": quote.said_display,
        "source": {"id": quote.source.pk, "title": quote.source.title, "url": quote.source.url},
        "channel": quote.channel,
        "event": _named(quote.event, "slug"),
        "topics": [topic.slug for topic in quote.topics.all()],
        "implied_stance": None
        if stance is None
        else {"topic": stance.topic.slug, "value": stance.value, "label": stance.label},
        "citation": quote.citation,
        "status": quote.status,
        "correction_note": quote.correction_note,
        "version": quote.version,
        "updated_at": _timestamp(quote.updated_at),
    }


def topics_prefetch() -> Prefetch:
    """A quote's topics in display order, as quote_as_dict lists them."""
    return Prefetch("topics", queryset=Topic.objects.order_by("order", "slug"))


@dataclasses.dataclass
class QuoteSearchResult:
    """One page of matches, newest first, with the cursors of the pages beside it. With a
    summary: the number of matches (capped), facets over the newest, highlighted headlines."""

    quotes: list[Quote]
    next_cursor: str | None
    previous_cursor: str | None  # FIRST_PAGE ("") when the previous page is the first
    total: int | None = None
    total_capped: bool = False
    facets: dict | None = None
    facet_window: int | None = None
    # The rank of the page's first quote among the matches (1 on the first page), where the
    # summary knows it: within the newest FACET_WINDOW matches; None further on.
    start: int | None = None

    @property
    def end(self) -> int | None:
        """The rank of the page's last quote, where its first one's is known."""
        return None if self.start is None else self.start + len(self.quotes) - 1

    def rows(self) -> list[dict]:
        """The quotes as dicts (loads their topics in one query)."""
        prefetch_related_objects(self.quotes, topics_prefetch())
        return [quote_as_dict(quote) for quote in self.quotes]

    def as_dict(self, address: str) -> dict:
        """The API's page: `next` and `previous` are addresses built from `address`, the
        absolute address of this page in the API."""
        return {
            "next": page_address(address, self.next_cursor),
            "previous": page_address(address, self.previous_cursor),
            "results": self.rows(),
        }


# --- the query -------------------------------------------------------------------------------


def matching_quotes(params: dict, *, user):
    """The quotes the user may see that match the parameters (unordered, not yet read)."""
    return _filtered(params, user=user).search(params.get("q") or "")


def _filtered(params: dict, *, user, topic: bool = True):
    """The quotes the user may see that pass every parameter but the words (and but the
    topic, unless `topic`)."""
    found = Quote.objects.visible_to(user)
    # Objects were looked up when the parameters were checked: filter on their ids as
    # literals, not through a join or subquery, so that PostgreSQL knows from its statistics
    # how many quotes a country or speaker has, and reads its feed index in order when that
    # pays.
    for name in ("country", "speaker", "source", "event"):
        if params.get(name) is not None:
            found = found.filter(**{f"{name}_id": params[name].pk})
    claimant = params.get("claimant")
    if claimant is not None:
        kind = "country" if isinstance(claimant, Country) else "organization"
        found = found.filter(**{f"claimant_{kind}_id": claimant.pk})
    if topic and params.get("topic") is not None:
        found = found.filter(topics=params["topic"].pk)
    if params.get("said_from"):
        found = found.filter(said_on__gte=params["said_from"])
    if params.get("said_to"):
        found = found.filter(said_on__lte=params["said_to"])
    if params.get("year"):
        found = found.filter(said_on__year=params["year"])
    if params.get("language"):
        found = found.filter(language=params["language"])
    if params.get("anonymous") is not None:
        found = found.filter(speaker__isnull=params["anonymous"])
    if params.get("status"):
        found = found.filter(status=params["status"])
    return found


def quote_search(
    params: dict, *, user, page_size: int = PAGE_SIZE, summary: bool = False
) -> QuoteSearchResult:
    """One page of the quotes matching the parameters, newest first, keyset-paged by
    `cursor`, with `page_size` rows unless the parameters ask for another size. One query
    reads the page, and a word search one more before it (among the newest quotes, or from
    the full-text index for a rare word); with `summary` (the page's screen), the page's
    quotes have a `headline` (the text with the search words marked) and one more query
    counts the matches and their facets. The result's rows() read the topics in one more."""
    size = params.get("page_size") or page_size
    # A first page's rare words give the summary their newest matches too.
    keep = TOTAL_CAP + 1 if summary and params.get("cursor") is None else 0
    quotes, next_cursor, previous_cursor, rare, newest = _page(
        params, user, size, marked=summary, keep=keep
    )
    result = QuoteSearchResult(quotes, next_cursor, previous_cursor)
    if summary:
        paged = params.get("cursor") is not None and quotes
        counted, more, window, result.facets, newer = _count_and_facets(
            params, user, rare=rare, newest=newest, first=quotes[0] if paged else None
        )
        result.start = (None if newer is None else newer + 1) if paged else 1
        result.total = min(counted, TOTAL_CAP)
        result.total_capped = more or counted > TOTAL_CAP
        result.facet_window = window if result.total_capped or counted > window else None
    return result


def _cursor(direction: str, quote: Quote) -> str:
    return f"{direction}{quote.said_on.toordinal()}-{quote.pk}"


def _page(params: dict, user, size: int, *, marked: bool = False, keep: int = 0):
    """Read one page: the rows after (or before) the cursor, one more than the page holds
    to know whether there is a page beyond, and no OFFSET whatever the depth. With words, one
    query finds the page's ids (`rare` says whether from the full-text index, and then
    `newest` holds the ids of up to `keep` matches, newest first) and one more reads them.
    With `marked`, each quote's `headline` is its text with the words marked."""
    text, cursor = params.get("q") or "", params.get("cursor")
    forward = cursor is None or cursor.direction == "n"
    order = NEWEST_FIRST if forward else OLDEST_FIRST
    rows, rare, newest = _beyond(matching_quotes(params, user=user), cursor), False, None
    if text:
        ids, rare = _page_ids(params, user, size + 1, keep=keep)
        if rare and keep:
            newest = ids
        rows = Quote.objects.filter(pk__in=ids[: size + 1])
    rows = rows.with_attribution().select_related("implied_stance__topic")
    if text and marked:
        rows = rows.with_headline(text)  # the page's rows alone, read by id
    quotes = list(rows.order_by(*order)[: size + 1])
    if forward:
        has_next, has_previous = len(quotes) > size, cursor is not None
        quotes = quotes[:size]
    else:
        has_next, has_previous = True, len(quotes) > size
        quotes = quotes[:size][::-1]
    next_cursor = _cursor("n", quotes[-1]) if has_next and quotes else None
    if not has_previous:
        previous_cursor = None
    elif quotes:
        previous_cursor = _cursor("p", quotes[0])
    else:
        # Past either end of the list: back to the first page.
        previous_cursor = FIRST_PAGE
    return quotes, next_cursor, previous_cursor, rare, newest


NEWEST_FIRST = ("-said_on", "-id")
OLDEST_FIRST = ("said_on", "id")
# The same order, which no index gives: `said_on + 0` is the same day.
_SAID_ON = ExpressionWrapper(F("said_on") + 0, output_field=DateField())
UNINDEXED_NEWEST_FIRST = (_SAID_ON.desc(), "-id")
UNINDEXED_OLDEST_FIRST = (_SAID_ON.asc(), "id")


def _recent(params: dict, user, fields: tuple[str, ...], scan: int, *, cursor=None):
    """The newest `scan` quotes (beyond the cursor, in its direction) that pass the filters,
    with `fields` and their search vector, as SQL to select from as `recent`; and the
    condition the words set on them. With words, the topic is part of that condition too:
    a quote's topics are a join, which would have the scan read every quote of other topics
    before it reaches `scan` rows of this one. (SQL, parameters) each."""
    text = params.get("q") or ""
    rows = _beyond(_filtered(params, user=user, topic=not text), cursor)
    order = OLDEST_FIRST if cursor is not None and cursor.direction == "p" else NEWEST_FIRST
    inner = rows.order_by(*order).values(*fields, "search_vector")[:scan]
    conditions, condition_params = [], []
    if text:
        conditions.append("search_vector @@ websearch_to_tsquery('english'::regconfig, %s)")
        condition_params.append(text)
        if params.get("topic") is not None:
            conditions.append(
                f"EXISTS (SELECT 1 FROM {Quote.topics.through._meta.db_table} qt "
                "WHERE qt.quote_id = recent.id AND qt.topic_id = %s)"
            )
            condition_params.append(params["topic"].pk)
    where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
    return inner.query.sql_with_params(), (where, tuple(condition_params))


def recent_scan(limit: int) -> int:
    """How many of the newest quotes a word search reads for `limit` matches before it turns
    to the full-text index."""
    return min(max(RECENT_SCAN * limit, RECENT_SCAN_MIN), RECENT_SCAN_MAX)


def _beyond(rows, cursor):
    """The rows after the cursor in its direction (all of them without one)."""
    if cursor is None:
        return rows
    return (
        rows.after(cursor.day, cursor.pk)
        if cursor.direction == "n"
        else rows.before(cursor.day, cursor.pk)
    )


# The page's ids in one statement: the first matches among the newest quotes (`fenced`) and,
# only when they fall short of a page (a one-time filter: PostgreSQL runs that branch only
# then), every match from the full-text index, sorted by an expression that no index gives in
# order so that PostgreSQL reads them through the full-text index instead of walking the
# newest-first one in the hope of meeting them.
PAGE_IDS_SQL = """
WITH fenced AS MATERIALIZED (
  SELECT id FROM ({recent}) recent {where}
  ORDER BY said_on {direction}, id {direction} LIMIT {limit})
SELECT id, true FROM fenced
UNION ALL
SELECT id, false FROM ({rare}) rare WHERE (SELECT count(*) FROM fenced) < {limit}
"""


def _page_ids(params: dict, user, limit: int, *, keep: int = 0) -> tuple[list[int], bool]:
    """The ids of the first `limit` matches beyond the cursor, in page order, and whether the
    words are rare: fewer than `limit` matches among the recent_scan(limit) quotes beyond the
    cursor, which are then read from the full-text index (up to `keep` of them, if more). The
    limit on those quotes is a fence that PostgreSQL does not look through: it reads them in
    index order and stops at `limit` matches or at the fence, whichever comes first."""
    cursor = params.get("cursor")
    forward = cursor is None or cursor.direction == "n"
    (recent, recent_params), (where, where_params) = _recent(
        params, user, ("id", "said_on"), recent_scan(limit), cursor=cursor
    )
    unindexed = UNINDEXED_NEWEST_FIRST if forward else UNINDEXED_OLDEST_FIRST
    rare = _beyond(matching_quotes(params, user=user), cursor).order_by(*unindexed)
    rare_sql, rare_params = rare.values("id")[: max(limit, keep)].query.sql_with_params()
    sql = PAGE_IDS_SQL.format(
        recent=recent,
        where=where,
        direction="DESC" if forward else "ASC",
        limit=int(limit),
        rare=rare_sql,
    )
    with connection.cursor() as db:
        db.execute(sql, (*recent_params, *where_params, *rare_params))
        found = db.fetchall()
    fenced = [pk for pk, from_fence in found if from_fence]
    if len(fenced) >= limit:
        return fenced, False
    return [pk for pk, from_fence in found if not from_fence], True


# Up to TOTAL_CAP + 1 matches (`capped`) are counted: a broad search costs no more than a
# narrow one. Where they come from a bounded scan of the newest quotes (`recent`), `scanned`
# says how many quotes it read when it found fewer (it read them all): as many as
# SUMMARY_SCAN, and there may be more matches beyond. Each facet counts per id over the newest
# FACET_WINDOW matches (`hits`), keeps its largest values, and only then looks up their
# names: a handful of primary-key reads, not a join with every person or source. All in one
# statement.
FACET_SQL = """
WITH {sources}
SELECT 'total', NULL::text, NULL::text, (SELECT count(*) FROM capped)
UNION ALL
SELECT 'window', NULL, NULL, (SELECT count(*) FROM hits)
UNION ALL
{rank}
UNION ALL
{scanned}
UNION ALL
SELECT 'country', c.code, c.name, b.n FROM (
  SELECT country_id AS id, count(*) AS n FROM hits WHERE country_id IS NOT NULL
  GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {size}) b JOIN {country} c ON c.id = b.id
UNION ALL
SELECT 'topic', t.slug, t.name, b.n FROM (
  SELECT qt.topic_id AS id, count(*) AS n FROM hits h
  JOIN {quote_topics} qt ON qt.quote_id = h.id
  GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {size}) b JOIN {topic} t ON t.id = b.id
UNION ALL
SELECT 'speaker', p.slug, p.name, b.n FROM (
  SELECT speaker_id AS id, count(*) AS n FROM hits WHERE speaker_id IS NOT NULL
  GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {size}) b JOIN {person} p ON p.id = b.id
UNION ALL
SELECT 'source', s.id::text, s.title, b.n FROM (
  SELECT source_id AS id, count(*) AS n FROM hits
  GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {size}) b JOIN {source} s ON s.id = b.id
UNION ALL
SELECT 'year', EXTRACT(YEAR FROM said_on)::int::text, NULL, count(*) FROM hits GROUP BY 2
UNION ALL
SELECT 'anonymous', (speaker_id IS NULL)::text, NULL, count(*) FROM hits GROUP BY 2
"""

# A facet's items: {key: value, label: name, "n": count}, keyed as the page's links read them.
FACET_KEYS = {
    "country": ("country__code", "country__name"),
    "topic": ("topics__slug", "topics__name"),
    "speaker": ("speaker__slug", "speaker__name"),
    "source": ("source__id", "source__title"),
}


# Where the summary's matches come from. Without words: any TOTAL_CAP + 1 of them counted,
# the newest FACET_WINDOW read newest first for the facets. Rare words: the newest TOTAL_CAP + 1
# matches from the full-text index, sorted. Other words: the newest quotes that pass the
# filters, read newest first (PostgreSQL computes a CTE only as far as it is read, so a common
# word stops at TOTAL_CAP + 1 matches).
NEWEST_HITS = (
    "hits AS MATERIALIZED (SELECT * FROM capped ORDER BY said_on DESC, id DESC LIMIT {window})"
)
FILTER_SOURCES = "capped AS MATERIALIZED ({capped}), hits AS MATERIALIZED ({hits})"
RARE_SOURCES = "capped AS MATERIALIZED ({capped}), " + NEWEST_HITS
RECENT_SOURCES = (
    "recent AS MATERIALIZED ({recent}), capped AS MATERIALIZED ("
    "SELECT id, country_id, speaker_id, source_id, said_on FROM recent {where} LIMIT {cap}), "
    + NEWEST_HITS
)
# Counted only when fewer than TOTAL_CAP + 1 matches were found (a one-time filter), so once
# the whole of `recent` has been read anyway.
RECENT_SCANNED = (
    "SELECT 'scanned', NULL, NULL, count(*) FROM recent WHERE (SELECT count(*) FROM capped) < {cap}"
)
# Where every match was counted (up to TOTAL_CAP + 1).
ALL_SCANNED = "SELECT 'scanned', NULL, NULL, NULL::bigint"
# How many matches are newer than a later page's first quote, when that quote is among the
# newest matches the facets count (`hits`, read anyway): where the page stands, without
# counting from the top of the list.
PAGE_RANK = (
    "SELECT 'rank', NULL, NULL, CASE WHEN EXISTS (SELECT 1 FROM hits WHERE id = %s) "
    "THEN (SELECT count(*) FROM hits WHERE (said_on, id) > (%s::date, %s)) END"
)
NO_RANK = "SELECT 'rank', NULL, NULL, NULL::bigint"


def _count_and_facets(
    params: dict, user, *, rare: bool, newest: list[int] | None = None, first: Quote | None = None
) -> tuple[int, bool, int, dict, int | None]:
    """The number of matches up to TOTAL_CAP + 1; whether there may be more (the newest
    SUMMARY_SCAN quotes were read and the rest not); the number of the newest matches the
    facets count (up to FACET_WINDOW); and their counts per country, topic, speaker, source,
    year and anonymity. In one query: rare words (`rare`) are read from the full-text index,
    unless `newest` holds the ids of their newest TOTAL_CAP + 1 matches already; other words
    from the newest quotes that pass the filters; no words, from the quotes that do. With
    `first` (a later page's first quote), also how many matches are newer than it, where it is
    among the newest FACET_WINDOW (None otherwise)."""
    fields = ("id", "country_id", "speaker_id", "source_id", "said_on")
    cap, window = int(TOTAL_CAP + 1), int(FACET_WINDOW)
    if rare and newest is not None:
        capped_sql = f"SELECT {', '.join(fields)} FROM {Quote._meta.db_table} WHERE id = ANY(%s)"
        sql_params: tuple = ([int(pk) for pk in newest],)
        sources = RARE_SOURCES.format(capped=capped_sql, window=window)
        scanned = ALL_SCANNED
    elif rare:
        matches = matching_quotes(params, user=user).order_by(*UNINDEXED_NEWEST_FIRST)
        capped_sql, sql_params = matches.values(*fields)[:cap].query.sql_with_params()
        sources, scanned = RARE_SOURCES.format(capped=capped_sql, window=window), ALL_SCANNED
    elif not params.get("q"):
        found = _filtered(params, user=user)
        capped_sql, capped_params = found.order_by().values("pk")[:cap].query.sql_with_params()
        hits = found.order_by(*NEWEST_FIRST).values(*fields)[:window]
        hits_sql, hits_params = hits.query.sql_with_params()
        sources = FILTER_SOURCES.format(capped=capped_sql, hits=hits_sql)
        sql_params, scanned = (*capped_params, *hits_params), ALL_SCANNED
    else:
        (recent, inner_params), (where, where_params) = _recent(params, user, fields, SUMMARY_SCAN)
        sources = RECENT_SOURCES.format(recent=recent, where=where, cap=cap, window=window)
        sql_params = (*inner_params, *where_params)
        scanned = RECENT_SCANNED.format(cap=cap)
    rank = NO_RANK
    if first is not None:
        rank = PAGE_RANK
        sql_params = (*sql_params, first.pk, first.said_on, first.pk)
    sql = FACET_SQL.format(
        sources=sources,
        rank=rank,
        scanned=scanned,
        size=int(FACET_SIZE),
        country=Country._meta.db_table,
        topic=Topic._meta.db_table,
        quote_topics=Quote.topics.through._meta.db_table,
        person=Person._meta.db_table,
        source=Source._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, sql_params)
        found_rows = cursor.fetchall()
    total = window = 0
    more, newer = False, None
    facets: dict = {name: [] for name in (*FACET_KEYS, "year", "anonymous")}
    for facet, value, name, n in found_rows:
        if facet == "total":
            total = n
        elif facet == "window":
            window = n
        elif facet == "rank":
            newer = n
        elif facet == "scanned":
            more = n is not None and n >= SUMMARY_SCAN
        elif facet in FACET_KEYS:
            key, label = FACET_KEYS[facet]
            facets[facet].append(
                {key: int(value) if facet == "source" else value, label: name, "n": n}
            )
        elif facet == "year":
            facets["year"].append({"year": int(value), "n": n})
        else:
            facets["anonymous"].append({"anonymous": value == "true", "n": n})
    for facet, (_key, label) in FACET_KEYS.items():
        facets[facet].sort(key=lambda item: (-item["n"], item[label]))
    facets["year"].sort(key=lambda item: -item["year"])
    facets["anonymous"].sort(key=lambda item: item["anonymous"])
    return total, more, window, facets, newer
