"""The analysts' pages. One URL serves the full page or, for htmx, only the partial."""

import datetime

from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.actors.models import Country, Person
from apps.dashboard import exports
from apps.dashboard.caching import conditional_page
from apps.dashboard.forms import ChangesFilter, CompareFilter, MatrixFilter, QuoteSearch
from apps.dashboard.maps import stance_map
from apps.positions.models import Position, Topic
from apps.positions.queries import build_changes, build_matrix, published_evidence
from apps.statements.models import Event, Quote, Source

QUOTES_PER_PAGE = 20


def render(request, template: str, partial: str, context: dict, status: int = 200):
    """Render the page, or only its named partial for an htmx request."""
    name = f"{template}#{partial}" if request.htmx and not request.htmx.boosted else template
    return TemplateResponse(request, name, context, status=status)


def event_presets():
    """Named dates for the as-of control: the eve and the end of each summit."""
    presets = []
    for event in Event.objects.filter(kind__in=["summit", "ministerial"]).order_by("-start_date"):
        presets.append((event.start_date - datetime.timedelta(days=1), f"Eve of {event.name}"))
    return presets


def _status_for(form) -> int:
    return 400 if form.errors else 200


@require_GET
@conditional_page
@vary_on_headers("HX-Request")
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
def position_evidence(request, pk: int):
    position = get_object_or_404(
        Position.objects.published().with_stance().prefetch_related(published_evidence()), pk=pk
    )
    context = {"position": position, "evidence": position.published_evidence}
    return render(request, "dashboard/position_evidence.html", "evidence", context)


@require_GET
@conditional_page
@vary_on_headers("HX-Request")
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
            .prefetch_related(published_evidence())
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
        context.update(quotes=rows, facets=_facets(found), total=found.count())
    return render(request, "dashboard/quote_list.html", "quote-results", context, _status_for(form))


def _filtered_quotes(data):
    found = Quote.objects.published().search(data["q"])
    if data["country"]:
        found = found.filter(country__code=data["country"])
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


def _facets(found) -> dict:
    """Counts per country, topic, speaker, source, year and anonymity: one query each."""

    def counted(*fields, key):
        return list(
            found.values(*fields).annotate(n=Count("id", distinct=True)).order_by("-n", key)
        )

    return {
        "country": counted("country__code", "country__name", key="country__name"),
        "topic": counted("topics__slug", "topics__name", key="topics__name"),
        "speaker": counted("speaker__slug", "speaker__name", key="speaker__name"),
        "source": counted("source__id", "source__title", key="source__title"),
        "year": list(
            found.annotate(year=ExtractYear("said_on"))
            .values("year")
            .annotate(n=Count("id"))
            .order_by("-year")
        ),
        "anonymous": list(
            found.annotate(anonymous=Q(speaker__isnull=True))
            .values("anonymous")
            .annotate(n=Count("id"))
            .order_by("anonymous")
        ),
    }


@require_GET
@conditional_page
def country(request, code: str):
    country = get_object_or_404(Country.objects.prefetch_related("blocs"), code=code.upper())
    positions = list(
        Position.objects.on_record()
        .filter(country=country)
        .with_stance()
        .prefetch_related(published_evidence())
        .order_by("topic__order", "valid_from")
    )
    topics = list(Topic.objects.all())
    timelines = [
        {"topic": t, "positions": [p for p in positions if p.topic_id == t.pk]} for t in topics
    ]
    people = Person.objects.filter(country=country).prefetch_related("roles")
    quotes_ = (
        Quote.objects.published()
        .filter(country=country)
        .with_attribution()
        .order_by("-said_on", "-id")[:50]
    )
    context = {"country": country, "timelines": timelines, "people": people, "quotes": quotes_}
    return TemplateResponse(request, "dashboard/country_detail.html", context)


@require_GET
@conditional_page
def person(request, slug: str):
    person = get_object_or_404(Person.objects.select_related("country"), slug=slug)
    roles = person.roles.select_related("organization", "country").order_by("-start")
    quotes_ = (
        Quote.objects.published()
        .filter(speaker=person)
        .with_attribution()
        .order_by("-said_on", "-id")
    )
    return TemplateResponse(
        request,
        "dashboard/person_detail.html",
        {"person": person, "roles": roles, "quotes": quotes_},
    )


@require_GET
@conditional_page
@vary_on_headers("HX-Request")
def topic(request, slug: str):
    topic = get_object_or_404(Topic.objects.prefetch_related("stances"), slug=slug)
    form = MatrixFilter(request.GET)
    as_of = form.cleaned_data["as_of"] if form.is_valid() else timezone.localdate()
    positions = list(
        Position.objects.published()
        .as_of(as_of)
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
def source(request, pk: int):
    source = get_object_or_404(Source.objects.select_related("publisher", "author"), pk=pk)
    quotes_ = (
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
        {"source": source, "quotes": quotes_, "positions": positions},
    )


@require_GET
@conditional_page
def event(request, slug: str):
    event = get_object_or_404(Event, slug=slug)
    quotes_ = (
        Quote.objects.published().filter(event=event).with_attribution().order_by("-said_on", "-id")
    )
    eve = event.start_date - datetime.timedelta(days=1)
    return TemplateResponse(
        request,
        "dashboard/event_detail.html",
        {
            "event": event,
            "quotes": quotes_,
            "eve": eve,
            "after": event.end_date or event.start_date,
        },
    )
