"""The analysts' pages. One URL serves the full page or, for htmx, only the partial."""

import datetime
import functools

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Q, Window, prefetch_related_objects
from django.db.models.functions import RowNumber
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.actors.models import Country, Person
from apps.dashboard import exports
from apps.dashboard.caching import conditional_page, page_etag
from apps.dashboard.forms import ChangesFilter, CompareFilter, MatrixFilter, QuoteSearch
from apps.dashboard.maps import stance_map
from apps.positions.models import Position, Topic
from apps.positions.queries import build_changes, build_matrix, in_force, published_evidence
from apps.statements.models import Event, Quote, Source

QUOTES_PER_PAGE = 20
# A country page shows, per topic, this many of the newest positions (and links to the whole
# history of the topic), and this many of its officials by name.
TIMELINE_RECENT = 10
PEOPLE_ON_COUNTRY = 60
# A detail page (person, source, event) lists at most this many quotes, newest first; the
# quote search pages through the rest.
QUOTES_ON_DETAIL = 100
# The as-of control offers the eve of this many of the latest summits and ministerials.
PRESETS = 24
# Counting all matches of a broad search costs a scan of the whole table: beyond this many
# the page says "1000+".
TOTAL_CAP = 1_000
# Facets count the newest matches up to this many: exact for a narrow search, a sample of
# the newest for a broad one (the page says so). Each facet shows its largest values.
FACET_WINDOW = 500
FACET_SIZE = 10


def render(request, template: str, partial: str, context: dict, status: int = 200):
    """Render the page, or only its named partial for an htmx request."""
    name = f"{template}#{partial}" if request.htmx and not request.htmx.boosted else template
    return TemplateResponse(request, name, context, status=status)


PAGE_TTL = 300


def cached_for_anonymous(view):
    """Keep a rendered page for anonymous readers, keyed like its ETag (data version, full
    address, page or partial, today's date), so an edit shows at once. Signed-in readers, and
    any page that sets a cookie or carries a per-request nonce, are rendered every time."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        anonymous = not request.COOKIES and not request.user.is_authenticated
        if not anonymous:
            return view(request, *args, **kwargs)
        boosted = "boosted" if request.headers.get("HX-Boosted") else ""
        key = f"page:{page_etag(request, *args, **kwargs)}:{boosted}"
        kept = cache.get(key)
        if kept is not None:
            content, content_type, disposition = kept
            response = HttpResponse(content, content_type=content_type)
            if disposition:
                response["Content-Disposition"] = disposition
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if (
            response.status_code == 200
            and not response.cookies
            and not getattr(response, "streaming", False)
            and b"nonce=" not in response.content
        ):
            kept = (
                response.content,
                response["Content-Type"],
                response.get("Content-Disposition", ""),
            )
            cache.set(key, kept, PAGE_TTL)
        return response

    return wrapper


def event_presets():
    """Named dates for the as-of control: the eve and the end of each summit."""
    presets = []
    latest = Event.objects.filter(kind__in=["summit", "ministerial"]).order_by("-start_date")
    for event in latest[:PRESETS]:
        presets.append((event.start_date - datetime.timedelta(days=1), f"Eve of {event.name}"))
    return presets


def _status_for(form) -> int:
    return 400 if form.errors else 200


@require_GET
@conditional_page
@vary_on_headers("HX-Request")
@cached_for_anonymous
def matrix(request):
    form = MatrixFilter(request.GET)
    topics, rows = [], []
    if form.is_valid():
        data = form.cleaned_data
        topics, rows = build_matrix(
            as_of=data["as_of"],
            topics=data["topics"] or None,
            bloc=data["bloc"],
            nato_only=data["nato"],
        )
        fmt = exports.wanted_format(request)
        if fmt:
            return _matrix_download(fmt, data["as_of"], topics, rows)
    context = {
        "form": form,
        "topics": topics,
        "rows": rows,
        "presets": event_presets(),
        "as_of": form.cleaned_data.get("as_of") if form.is_valid() else None,
    }
    return render(request, "dashboard/matrix.html", "matrix-results", context, _status_for(form))


def _matrix_download(fmt, as_of, topics, rows):
    header = ["holder_type", "holder", "name"]
    for topic in topics:
        header += [
            f"{topic.slug}_value",
            f"{topic.slug}_label",
            f"{topic.slug}_conditionality",
            f"{topic.slug}_confidence",
            f"{topic.slug}_since",
            f"{topic.slug}_evidence",
        ]
    lines, records = [], []
    for row in rows:
        line = [row.holder.type, row.holder.key, row.holder.name]
        cells = {}
        for topic in topics:
            position = row.cells[topic.slug]
            if position is None:
                line += ["", "", "", "", "", ""]
                cells[topic.slug] = None
                continue
            cell = {
                "position": position.pk,
                "stance": {"value": position.stance.value, "label": position.stance.label},
                "conditionality": position.conditionality,
                "confidence": position.confidence,
                "valid_from": position.valid_from,
                "evidence_count": position.evidence_count,
            }
            cells[topic.slug] = cell
            line += [
                position.stance.value,
                position.stance.label,
                position.conditionality,
                position.confidence,
                position.valid_from,
                position.evidence_count,
            ]
        lines.append(line)
        records.append(
            {
                "holder": {"type": row.holder.type, "key": row.holder.key, "name": row.holder.name},
                "cells": cells,
            }
        )
    payload = {"as_of": as_of, "topics": [t.slug for t in topics], "rows": records}
    return exports.download(fmt, f"matrix-{as_of}", header, lines, payload)


@require_GET
@conditional_page
@vary_on_headers("HX-Request")
@cached_for_anonymous
def position_evidence(request, pk: int):
    position = get_object_or_404(
        Position.objects.published().with_stance().prefetch_related(published_evidence()), pk=pk
    )
    context = {"position": position, "evidence": position.published_evidence}
    return render(request, "dashboard/position_evidence.html", "evidence", context)


@require_GET
@conditional_page
@vary_on_headers("HX-Request")
@cached_for_anonymous
def compare(request):
    form = CompareFilter(request.GET)
    context = {"form": form, "columns": [], "topics": []}
    if form.is_valid() and form.cleaned_data["countries"]:
        data = form.cleaned_data
        countries = data["countries"]
        topics = list(Topic.objects.all())
        positions = list(
            Position.objects.published()
            .filter(country__in=countries, valid_from__lte=data["as_of"])
            .with_stance()
            .order_by("valid_from")
        )
        columns = []
        for country in countries:
            mine = [p for p in positions if p.country_id == country.pk]
            by_topic = []
            for topic in topics:
                history = [p for p in mine if p.topic_id == topic.pk]
                current = next(
                    (
                        p
                        for p in reversed(history)
                        if p.valid_to is None or p.valid_to > data["as_of"]
                    ),
                    None,
                )
                by_topic.append({"topic": topic, "current": current, "history": history})
            columns.append({"country": country, "topics": by_topic})
        # Only the stance in force shows its quotes: fetch those alone (one query).
        current = [e["current"] for c in columns for e in c["topics"] if e["current"]]
        prefetch_related_objects(current, published_evidence())
        context.update(columns=columns, topics=topics, as_of=data["as_of"])
        fmt = exports.wanted_format(request)
        if fmt:
            return _compare_download(fmt, data["as_of"], columns)
    return render(request, "dashboard/compare.html", "compare-results", context, _status_for(form))


def _compare_download(fmt, as_of, columns):
    header = [
        "country",
        "topic",
        "value",
        "label",
        "conditionality",
        "confidence",
        "since",
        "evidence",
    ]
    lines, records = [], []
    for column in columns:
        for entry in column["topics"]:
            position = entry["current"]
            evidence = (
                "; ".join(q.citation for q in position.published_evidence) if position else ""
            )
            record = {
                "country": column["country"].code,
                "topic": entry["topic"].slug,
                "value": position.stance.value if position else None,
                "label": position.stance.label if position else "",
                "conditionality": position.conditionality if position else "",
                "confidence": position.confidence if position else "",
                "since": position.valid_from if position else None,
                "evidence": evidence,
            }
            records.append(record)
            lines.append([record[h] if record[h] is not None else "" for h in header])
    return exports.download(
        fmt, f"compare-{as_of}", header, lines, {"as_of": as_of, "entries": records}
    )


@require_GET
@conditional_page
@vary_on_headers("HX-Request")
@cached_for_anonymous
def changes(request):
    form = ChangesFilter(request.GET)
    context = {"form": form, "changes": [], "events": Event.objects.order_by("-start_date")}
    if form.is_valid():
        data = form.cleaned_data
        found = build_changes(
            date_from=data["from"],
            date_to=data["to"],
            topics=data["topics"] or None,
            country_codes=[c.code for c in data["countries"]] or None,
        )
        context.update(changes=found, date_from=data["from"], date_to=data["to"])
        fmt = exports.wanted_format(request)
        if fmt:
            return _changes_download(fmt, data["from"], data["to"], found)
    return render(request, "dashboard/changes.html", "changes-results", context, _status_for(form))


def _changes_download(fmt, date_from, date_to, found):
    header = [
        "holder_type",
        "holder",
        "name",
        "topic",
        "direction",
        "before_value",
        "before_label",
        "after_value",
        "after_label",
        "since",
        "evidence",
    ]
    lines, records = [], []
    for change in found:
        before, after = change.before, change.after
        record = {
            "holder_type": change.holder.type,
            "holder": change.holder.key,
            "name": change.holder.name,
            "topic": change.topic.slug,
            "direction": change.direction,
            "before_value": before.stance.value if before else None,
            "before_label": before.stance.label if before else "",
            "after_value": after.stance.value if after else None,
            "after_label": after.stance.label if after else "",
            "since": (after or before).valid_from,
            "evidence": "; ".join(q.citation for q in change.evidence),
        }
        records.append(record)
        lines.append(["" if record[h] is None else record[h] for h in header])
    return exports.download(
        fmt,
        f"changes-{date_from}-{date_to}",
        header,
        lines,
        {"from": date_from, "to": date_to, "entries": records},
    )


@require_GET
@conditional_page
@vary_on_headers("HX-Request")
@cached_for_anonymous
def quotes(request):
    form = QuoteSearch(request.GET)
    context = {"form": form, "quotes": [], "facets": {}, "next_cursor": None}
    if form.is_valid():
        data = form.cleaned_data
        found = _filtered_quotes(data)
        page = found.with_attribution().order_by("-said_on", "-id")
        if data["after"]:
            page = page.after(*data["after"])
        fmt = exports.wanted_format(request)
        limit = 1000 if fmt else QUOTES_PER_PAGE
        rows = list(page[: limit + 1])
        has_next = len(rows) > limit
        rows = rows[:limit]
        if fmt:
            return exports.quotes_download(fmt, "quotes", rows, {"q": data["q"]})
        if data["q"] and rows:
            headlines = dict(
                Quote.objects.filter(pk__in=[q.pk for q in rows])
                .with_headline(data["q"])
                .values_list("pk", "headline")
            )
            for quote in rows:
                quote.headline = headlines.get(quote.pk)
        if has_next:
            last = rows[-1]
            context["next_cursor"] = f"{last.said_on.isoformat()}_{last.pk}"
        total = _capped_count(found, TOTAL_CAP)
        context.update(
            quotes=rows,
            facets=_facets(found),
            total=min(total, TOTAL_CAP),
            total_capped=total > TOTAL_CAP,
            facet_window=FACET_WINDOW if total > FACET_WINDOW else None,
        )
    return render(request, "dashboard/quote_list.html", "quote-results", context, _status_for(form))


def _filtered_quotes(data):
    found = Quote.objects.published().search(data["q"])
    if data["country"]:
        # The country's id as a literal (not a join or subquery): PostgreSQL then knows from
        # its statistics how many quotes the country has, and reads quote_country_feed in
        # order when that pays. The form looked it up when it checked the code.
        found = found.filter(country_id=data["country_id"])
    if data["topic"]:
        found = found.filter(topics=data["topic"])
    if data["speaker"]:
        found = found.filter(speaker=data["speaker"])
    if data["source"]:
        found = found.filter(source=data["source"])
    if data["year"]:
        found = found.filter(said_on__year=data["year"])
    if data["anonymous"] is not None:
        found = found.filter(speaker__isnull=data["anonymous"])
    return found


def _capped_count(queryset, cap: int) -> int:
    """Count the rows up to cap + 1: a broad search costs no more than a narrow one."""
    return queryset.order_by().values("pk")[: cap + 1].count()


# Each facet counts per id over the window, keeps its largest values, and only then looks up
# their names: a handful of primary-key reads, not a join with every person or source.
FACET_SQL = """
WITH hits AS MATERIALIZED ({window})
SELECT 'country', c.code, c.name, b.n FROM (
  SELECT country_id AS id, count(*) AS n FROM hits WHERE country_id IS NOT NULL
  GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {size}) b JOIN actors_country c ON c.id = b.id
UNION ALL
SELECT 'topic', t.slug, t.name, b.n FROM (
  SELECT qt.topic_id AS id, count(*) AS n FROM hits h
  JOIN statements_quote_topics qt ON qt.quote_id = h.id
  GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {size}) b JOIN positions_topic t ON t.id = b.id
UNION ALL
SELECT 'speaker', p.slug, p.name, b.n FROM (
  SELECT speaker_id AS id, count(*) AS n FROM hits WHERE speaker_id IS NOT NULL
  GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {size}) b JOIN actors_person p ON p.id = b.id
UNION ALL
SELECT 'source', s.id::text, s.title, b.n FROM (
  SELECT source_id AS id, count(*) AS n FROM hits
  GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {size}) b JOIN statements_source s ON s.id = b.id
UNION ALL
SELECT 'year', EXTRACT(YEAR FROM said_on)::int::text, NULL, count(*) FROM hits GROUP BY 2
UNION ALL
SELECT 'anonymous', (speaker_id IS NULL)::text, NULL, count(*) FROM hits GROUP BY 2
"""

FACET_KEYS = {
    "country": ("country__code", "country__name"),
    "topic": ("topics__slug", "topics__name"),
    "speaker": ("speaker__slug", "speaker__name"),
    "source": ("source__id", "source__title"),
}


def _facets(found) -> dict:
    """Counts per country, topic, speaker, source, year and anonymity, in one query over the
    newest FACET_WINDOW matches (all of them when there are fewer)."""
    window = (
        found.order_by("-said_on", "-id")
        .values("id", "country_id", "speaker_id", "source_id", "said_on")[:FACET_WINDOW]
        .query
    )
    sql, params = window.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(FACET_SQL.format(window=sql, size=int(FACET_SIZE)), params)
        found_rows = cursor.fetchall()
    facets: dict = {name: [] for name in (*FACET_KEYS, "year", "anonymous")}
    for facet, value, name, n in found_rows:
        if facet in FACET_KEYS:
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
    return facets


@require_GET
@conditional_page
@cached_for_anonymous
def country(request, code: str):
    country = get_object_or_404(Country.objects.prefetch_related("blocs"), code=code.upper())
    topics = list(Topic.objects.all())
    # ?history=<topic> shows that topic's whole timeline; otherwise each topic shows its
    # newest positions and says how many earlier ones there are.
    history = next((t for t in topics if t.slug == request.GET.get("history")), None)
    positions = list(
        Position.objects.on_record()
        .filter(country=country)
        .annotate(
            newness=Window(
                RowNumber(), partition_by=F("topic_id"), order_by=F("valid_from").desc()
            ),
            on_topic=Window(Count("pk"), partition_by=F("topic_id")),
        )
        .filter(Q(topic=history) if history else Q(newness__lte=TIMELINE_RECENT))
        .with_stance()
        .prefetch_related(published_evidence())
        .order_by("topic__order", "valid_from")
    )
    timelines = []
    for topic in [history] if history else topics:
        shown = [p for p in positions if p.topic_id == topic.pk]
        earlier = shown[0].on_topic - len(shown) if shown else 0
        timelines.append({"topic": topic, "positions": shown, "earlier": earlier})
    people = list(
        Person.objects.filter(country=country)
        .annotate(listed=Window(Count("pk")))
        .prefetch_related("roles")
        .order_by("name", "slug")[:PEOPLE_ON_COUNTRY]
    )
    context = {
        "country": country,
        "timelines": timelines,
        "history": history,
        "people": people,
        "more_people": people[0].listed - len(people) if people else 0,
        "quotes": (
            Quote.objects.published()
            .filter(country=country)
            .with_attribution()
            .order_by("-said_on", "-id")[:50]
        ),
    }
    return TemplateResponse(request, "dashboard/country_detail.html", context)


def newest_quotes(quotes) -> tuple[list, bool]:
    """A detail page's newest QUOTES_ON_DETAIL quotes, and whether it has more (the page says
    so and links to the search). One query."""
    rows = list(quotes[: QUOTES_ON_DETAIL + 1])
    return rows[:QUOTES_ON_DETAIL], len(rows) > QUOTES_ON_DETAIL


@require_GET
@conditional_page
@cached_for_anonymous
def person(request, slug: str):
    person = get_object_or_404(Person.objects.select_related("country"), slug=slug)
    roles = person.roles.select_related("organization", "country").order_by("-start")
    quotes_, more_quotes = newest_quotes(
        Quote.objects.published()
        .filter(speaker=person)
        .with_attribution()
        .order_by("-said_on", "-id")
    )
    return TemplateResponse(
        request,
        "dashboard/person_detail.html",
        {"person": person, "roles": roles, "quotes": quotes_, "more_quotes": more_quotes},
    )


@require_GET
@conditional_page
@vary_on_headers("HX-Request")
@cached_for_anonymous
def topic(request, slug: str):
    topic = get_object_or_404(Topic.objects.prefetch_related("stances"), slug=slug)
    form = MatrixFilter(request.GET)
    as_of = form.cleaned_data["as_of"] if form.is_valid() else timezone.localdate()
    positions = list(
        in_force(Position.objects.published(), as_of)
        .filter(topic=topic)
        .with_stance()
        .order_by("-stance__value", "country__name", "organization__name")
    )
    stances = list(topic.stances.all())
    values = {p.country.code: p.stance.value for p in positions if p.country_id}
    names = dict(Country.objects.values_list("code", "name"))
    context = {
        "all_topics": Topic.objects.all(),
        "map_svg": stance_map(values, names),
        "topic": topic,
        "form": form,
        "as_of": as_of,
        "positions": positions,
        "stances": stances,
        "presets": event_presets(),
    }
    return render(
        request, "dashboard/topic_detail.html", "topic-results", context, _status_for(form)
    )


@require_GET
@conditional_page
@cached_for_anonymous
def source(request, pk: int):
    source = get_object_or_404(Source.objects.select_related("publisher", "author"), pk=pk)
    quotes_, more_quotes = newest_quotes(
        Quote.objects.published()
        .filter(source=source)
        .with_attribution()
        .prefetch_related("topics")
        .order_by("-said_on", "id")
    )
    positions = (
        Position.objects.published()
        .filter(evidence__source=source)
        .distinct()
        .with_stance()
        .order_by("country__name", "organization__name", "topic__order")
    )
    return TemplateResponse(
        request,
        "dashboard/source_detail.html",
        {
            "source": source,
            "quotes": quotes_,
            "more_quotes": more_quotes,
            "positions": positions,
        },
    )


@require_GET
@conditional_page
@cached_for_anonymous
def event(request, slug: str):
    event = get_object_or_404(Event, slug=slug)
    quotes_, more_quotes = newest_quotes(
        Quote.objects.published().filter(event=event).with_attribution().order_by("-said_on", "-id")
    )
    eve = event.start_date - datetime.timedelta(days=1)
    return TemplateResponse(
        request,
        "dashboard/event_detail.html",
        {
            "event": event,
            "quotes": quotes_,
            "more_quotes": more_quotes,
            "eve": eve,
            "after": event.end_date or event.start_date,
        },
    )
