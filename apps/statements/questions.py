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

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from apps.actors.models import Country, Person
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
# Facets count the newest matches up to this many: exact for a narrow search, a sample of
# the newest for a broad one (the page says so). Each facet shows its largest values.
FACET_WINDOW = 500
FACET_SIZE = 10
# A first page has no cursor: its address is the list's without one.
FIRST_PAGE = ""


# --- the parameters --------------------------------------------------------------------------


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
    found = Quote.objects.visible_to(user).search(params.get("q") or "")
    # Objects were looked up when the parameters were checked: filter on their ids as
    # literals, not through a join or subquery, so that PostgreSQL knows from its statistics
    # how many quotes a country or speaker has, and reads its feed index in order when that
    # pays.
    for name in ("country", "speaker", "source", "event"):
        if params.get(name) is not None:
            found = found.filter(**{f"{name}_id": params[name].pk})
    if params.get("topic") is not None:
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
    reads the page; with `summary` (the page's screen), one more counts the matches and their
    facets and one more highlights the search words. The result's rows() read the topics in
    one more."""
    found = matching_quotes(params, user=user)
    size = params.get("page_size") or page_size
    quotes, next_cursor, previous_cursor = _page(found, params.get("cursor"), size)
    result = QuoteSearchResult(quotes, next_cursor, previous_cursor)
    if summary:
        total, result.facets = _count_and_facets(found)
        result.total = min(total, TOTAL_CAP)
        result.total_capped = total > TOTAL_CAP
        result.facet_window = FACET_WINDOW if total > FACET_WINDOW else None
        if params.get("q") and quotes:
            _highlight(quotes, params["q"])
    return result


def _cursor(direction: str, quote: Quote) -> str:
    return f"{direction}{quote.said_on.toordinal()}-{quote.pk}"


def _page(found, cursor, size: int):
    """Read one page: the rows after (or before) the cursor, one more than the page holds
    to know whether there is a page beyond, and no OFFSET whatever the depth."""
    rows = found.with_attribution().select_related("implied_stance__topic")
    if cursor is None or cursor.direction == "n":
        if cursor is not None:
            rows = rows.after(cursor.day, cursor.pk)
        quotes = list(rows.order_by("-said_on", "-id")[: size + 1])
        has_next, has_previous = len(quotes) > size, cursor is not None
        quotes = quotes[:size]
    else:
        quotes = list(rows.before(cursor.day, cursor.pk).order_by("said_on", "id")[: size + 1])
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
    return quotes, next_cursor, previous_cursor


def _highlight(quotes: list[Quote], text: str) -> None:
    """Set `headline` on each quote: its text with the search words marked."""
    headlines = dict(
        Quote.objects.filter(pk__in=[q.pk for q in quotes])
        .with_headline(text)
        .values_list("pk", "headline")
    )
    for quote in quotes:
        quote.headline = headlines.get(quote.pk)  # type: ignore[attr-defined]  # for the page


# The matches are counted up to TOTAL_CAP + 1 (a broad search costs no more than a narrow
# one). Each facet counts per id over the newest FACET_WINDOW matches, keeps its largest
# values, and only then looks up their names: a handful of primary-key reads, not a join with
# every person or source. All in one statement.
FACET_SQL = """
WITH hits AS MATERIALIZED ({window}), capped AS ({capped})
SELECT 'total', NULL::text, NULL::text, (SELECT count(*) FROM capped)
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


def _count_and_facets(found) -> tuple[int, dict]:
    """The number of matches up to TOTAL_CAP + 1, and counts per country, topic, speaker,
    source, year and anonymity over the newest FACET_WINDOW matches, in one query."""
    window = found.order_by("-said_on", "-id").values(
        "id", "country_id", "speaker_id", "source_id", "said_on"
    )[:FACET_WINDOW]
    capped = found.order_by().values("pk")[: TOTAL_CAP + 1]
    window_sql, window_params = window.query.sql_with_params()
    capped_sql, capped_params = capped.query.sql_with_params()
    sql = FACET_SQL.format(
        window=window_sql,
        capped=capped_sql,
        size=int(FACET_SIZE),
        country=Country._meta.db_table,
        topic=Topic._meta.db_table,
        quote_topics=Quote.topics.through._meta.db_table,
        person=Person._meta.db_table,
        source=Source._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*window_params, *capped_params))
        found_rows = cursor.fetchall()
    total = 0
    facets: dict = {name: [] for name in (*FACET_KEYS, "year", "anonymous")}
    for facet, value, name, n in found_rows:
        if facet == "total":
            total = n
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
    return total, facets
