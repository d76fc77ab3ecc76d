"""The analysts' pages. One URL serves the full page or, for htmx, only the partial."""

import datetime
import functools

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.actors.models import Country, Person
from apps.agreements.changes import shown_for_topics
from apps.agreements.signatures import GUARANTEES, counterparty, say_sign_gap, signed_on_day
from apps.core.dates import day_before
from apps.core.models import Status
from apps.core.params import Cursor, drop_blank
from apps.dashboard import exports
from apps.dashboard.caching import cached_for_readers, conditional_page
from apps.dashboard.maps import stance_map
from apps.dashboard.steps import chart_steps, stance_steps_chart
from apps.positions import questions
from apps.positions.models import Position, Topic
from apps.positions.queries import published_evidence, published_evidence_counts
from apps.positions.questions import AsOfParams, ChangesParams, CompareParams, MatrixParams
from apps.statements.models import Event, Quote, Source, sees_unpublished_quotes
from apps.statements.questions import (
    FACET_WINDOW,
    PAGE_SIZE_MAX,
    QuoteSearchParams,
    quote_search,
)

QUOTES_PER_PAGE = 20
# A country page shows, per topic, this many of the newest positions (and links to the whole
# history of the topic), and this many of its officials by name.
TIMELINE_RECENT = 10
PEOPLE_ON_COUNTRY = 60
# ... and its newest quotes (the quote search, one click away, has the rest).
QUOTES_ON_COUNTRY = 20
# A detail page (person, source, event) lists at most this many quotes, newest first; the
# quote search pages through the rest.
QUOTES_ON_DETAIL = 100
# The as-of control offers the eve of this many of the latest summits and ministerials.
PRESETS = 24


def render(request, template: str, partial: str, context: dict, status: int = 200):
    """Render the page, or only its named partial for an htmx request.

    A filter refused (400) answers htmx with the filter form alone, its errors beside the
    fields and on top, put in place of the form (HX-Retarget), with the address left as it
    was: the results of the last good filter stay on screen. Without JavaScript the whole
    page says the same."""
    htmx = request.htmx and not request.htmx.boosted
    if htmx and status == 400 and "form" in context:
        response = TemplateResponse(request, f"{template}#filters", context, status=status)
        response["HX-Retarget"] = "#filters"
        response["HX-Reswap"] = "outerHTML"
        response["HX-Push-Url"] = "false"
        return response
    name = f"{template}#{partial}" if htmx else template
    return TemplateResponse(request, name, context, status=status)


def event_presets(user):
    """Named dates for the as-of control: the eve and the end of each summit the user may see."""
    presets = []
    latest = (
        Event.objects.visible_to(user)
        .filter(kind__in=["summit", "ministerial"])
        .order_by("-start_date")
        .only("name", "start_date")
    )
    for event in latest[:PRESETS]:
        presets.append((day_before(event.start_date), f"Eve of {event.name}"))
    return presets


def _status_for(form) -> int:
    return 400 if form.errors else 200


# Page links saved before the parameters took the API's spelling: (parameter, old value) ->
# new value. Such a link is redirected to its new address, so it keeps working.
LEGACY_VALUES = {("nato", "on"): "true"}


def legacy_redirect(request):
    """A permanent redirect to the current spelling of an old page address, or None."""
    query = request.GET.copy()
    changed = False
    for (name, old), new in LEGACY_VALUES.items():
        if query.get(name) == old:
            query[name] = new
            changed = True
    if not changed:
        return None
    return HttpResponsePermanentRedirect(f"{request.path}?{query.urlencode()}")


def ask(request, params_class):
    """The page's parameters, validated by the question's parameter class (the one the API
    uses), after dropping the empty values an HTML form sends for the fields left blank."""
    form = params_class(drop_blank(request.GET)).for_user(request.user)
    valid = form.is_valid()
    # A misspelt parameter (?countr=EE) would answer everything: name it instead, as the API.
    known = set(params_class.base_fields) | set(params_class.passthrough)
    unknown = sorted({name.replace("\x00", "")[:100] for name in request.GET} - known)
    if unknown:
        form.add_error(
            None,
            f"Unknown parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown[:20])}. "
            f"This page takes: {', '.join(sorted(known))}.",
        )
        valid = False
    return form, valid


def takes(*names: str):
    """A detail page's parameters: any other (a misspelt ``?histroy=``) is a 400 naming it and
    the ones the page takes, as on the question pages and the API, rather than a page that
    silently ignores it."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            unknown = sorted({name.replace("\x00", "")[:100] for name in request.GET} - set(names))
            if unknown:
                return bad_request(
                    request,
                    f"Unknown parameter{'s' if len(unknown) > 1 else ''}: "
                    f"{', '.join(unknown[:20])}. "
                    + (
                        f"This page takes: {', '.join(names)}."
                        if names
                        else "This page takes no parameters."
                    ),
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def bad_request(request, message: str):
    """A 400 page that says what was wrong with the address."""
    return TemplateResponse(request, "dashboard/bad_request.html", {"message": message}, status=400)


def download(request, result, filename: str):
    """`?format=json` or `?format=csv`: the API's answer for the same query, as a download."""
    fmt = exports.wanted_format(request)
    if fmt is None:
        return None
    return exports.answer(fmt, filename, result.as_dict())


@require_GET
@conditional_page
@vary_on_headers("HX-Request")
@cached_for_readers
def matrix(request):
    if moved := legacy_redirect(request):
        return moved
    form, valid = ask(request, MatrixParams)
    context = {
        "form": form,
        "topics": [],
        "rows": [],
        "presets": event_presets(request.user),
        "as_of": None,
    }
    if valid:
        result = questions.matrix(form.cleaned_data)
        if fetched := download(request, result, f"matrix-{result.as_of}"):
            return fetched
        context.update(
            topics=result.topics,
            rows=result.rows,
            as_of=result.as_of,
            sort=result.sort,
            countries=result.countries,
            without_position=result.without_position,
            hide_empty=form.cleaned_data.get("hide_empty"),
        )
    return render(request, "dashboard/matrix.html", "matrix-results", context, _status_for(form))


@require_GET
@takes()
@conditional_page
@vary_on_headers("HX-Request")
@cached_for_readers
def position_evidence(request, pk: int):
    position = get_object_or_404(
        Position.objects.published().with_stance().prefetch_related(published_evidence()), pk=pk
    )
    context = {"position": position, "evidence": position.published_evidence}
    return render(request, "dashboard/position_evidence.html", "evidence", context)


@require_GET
@conditional_page
@vary_on_headers("HX-Request")
@cached_for_readers
def compare(request):
    form, valid = ask(request, CompareParams)
    context = {"form": form, "columns": [], "topics": [], "rows": []}
    if valid and form.cleaned_data["countries"]:
        # The page opens a cell's quotes on demand; a download carries them.
        wanted = exports.wanted_format(request) is not None
        result = questions.compare(form.cleaned_data, evidence=wanted)
        if fetched := download(request, result, f"compare-{result.as_of}"):
            return fetched
        context.update(
            columns=result.columns, topics=result.topics, rows=result.by_topic(), as_of=result.as_of
        )
    return render(request, "dashboard/compare.html", "compare-results", context, _status_for(form))


@require_GET
@conditional_page
@vary_on_headers("HX-Request")
@cached_for_readers
def changes(request):
    form, valid = ask(request, ChangesParams)
    context = {"form": form, "changes": []}
    if valid:
        # The page counts each change's quotes (they open on the evidence page); a download
        # carries them.
        wanted = exports.wanted_format(request) is not None
        result = questions.changes(form.cleaned_data, evidence=wanted)
        if fetched := download(request, result, f"changes-{result.date_from}-{result.date_to}"):
            return fetched
        context.update(
            changes=result.entries,
            moves=result.moves,
            first_recorded=result.first_recorded,
            counts=result.counts,
            date_from=result.date_from,
            date_to=result.date_to,
            agreements=result.agreements,
            agreement_counts=result.agreement_counts,
            agreements_shown=shown_for_topics(form.cleaned_data.get("topics")),
        )
    return render(request, "dashboard/changes.html", "changes-results", context, _status_for(form))


@require_GET
@conditional_page
@vary_on_headers("HX-Request")
@cached_for_readers
def quotes(request):
    """The quote search (apps.statements.questions): the API's parameters; its downloads are
    the API's answer for the same query."""
    if moved := quote_legacy_redirect(request):
        return moved
    form, valid = ask(request, QuoteSearchParams)
    context = {
        "form": form,
        "result": None,
        "downloads": {},
        "download_size": PAGE_SIZE_MAX,
        "chosen": chosen_names(form),
        "chips": filter_chips(request, form) if valid else [],
        "words": searched_words(form) if valid else "",
        "clear": clear_links(request),
        "rank_window": FACET_WINDOW,
    }
    if valid:
        fmt = exports.wanted_format(request)
        if fmt:
            result = quote_search(form.cleaned_data, user=request.user)
            body = result.as_dict(api_address(request, "api:quote-list"))
            return private_if_drafts(request, exports.answer(fmt, "quotes", body))
        result = quote_search(
            form.cleaned_data, user=request.user, page_size=QUOTES_PER_PAGE, summary=True
        )
        context.update(result=result, downloads=quote_downloads(request))
    response = render(
        request, "dashboard/quote_list.html", "quote-results", context, _status_for(form)
    )
    return private_if_drafts(request, response)


def private_if_drafts(request, response):
    """An answer that may hold drafts is kept by no cache, the browser's included: a cache
    keyed by the address alone would give it to the next reader of that address."""
    if sees_unpublished_quotes(request.user):
        response["Cache-Control"] = "private, no-store"
    return response


def chosen_names(form) -> dict[str, str]:
    """The names of the speaker, event and source a search names by slug or id, shown beside
    the fields (none where the value was refused)."""
    given = getattr(form, "cleaned_data", {})
    speaker, event, source = (given.get(name) for name in ("speaker", "event", "source"))
    return {
        "speaker": speaker.name if speaker else "",
        "event": event.name if event else "",
        "source": source.title if source else "",
    }


# The quote search's filters a reader may have chosen, each shown as a chip with its own remove
# link (the words too): parameter -> what the chip calls it.
FILTER_CHIPS = {
    "q": "Words",
    "country": "Country",
    "topic": "Topic",
    "speaker": "Speaker",
    "anonymous": "Speaker",
    "said_from": "Said from",
    "said_to": "Said until",
    "year": "Year",
    "language": "Language",
    "event": "Event",
    "source": "Source",
    "claimant": "Reported by",
    "status": "Status",
}


def _chip_value(name: str, value) -> str:
    if name == "anonymous":
        return "anonymous" if value else "named"
    if isinstance(value, datetime.date):
        return f"{value.day} {value:%B %Y}"
    if name == "source":
        return value.title
    if name == "status":
        return str(dict(Status.choices).get(value, value))
    return getattr(value, "name", None) or str(value)


def without(request, *names: str) -> str:
    """This page's address without some parameters, back on the first page."""
    query = drop_blank(request.GET)
    for name in (*names, "cursor"):
        query.pop(name, None)
    return f"{request.path}?{query.urlencode()}" if query else request.path


def filter_chips(request, form) -> list[dict]:
    """The chosen filters (and words), each with its name, value and the address without it."""
    given = form.cleaned_data
    chips = []
    for name, label in FILTER_CHIPS.items():
        value = given.get(name)
        if value is None or value == "":
            continue
        chips.append(
            {
                "name": name,
                "label": label,
                "value": _chip_value(name, value),
                "remove": without(request, name),
            }
        )
    return chips


def searched_words(form) -> str:
    """The words searched for, as the count shows them: in quotation marks, unless they hold
    their own (a phrase), which would otherwise show doubled."""
    words = form.cleaned_data.get("q") or ""
    if not words or '"' in words or "“" in words:
        return words
    return f"“{words}”"


def clear_links(request) -> dict[str, str | None]:
    """Clearing the filters keeps the words; clearing all starts a new search. None where
    there is nothing to clear."""
    query = drop_blank(request.GET)
    filters = [name for name in FILTER_CHIPS if name != "q"]
    return {
        "filters": without(request, *filters) if any(n in query for n in filters) else None,
        "all": request.path if query else None,
    }


# Old spellings of the quote search's values, redirected to the API's.
LEGACY_BOOLEANS = {"on": "true", "True": "true", "1": "true", "False": "false", "0": "false"}


def quote_legacy_redirect(request):
    """A permanent redirect from an old quote-search address to its current spelling, or
    None: `after=<date>_<id>` becomes `cursor=n<day>-<id>`, a country code is upper case,
    `anonymous` is true or false."""
    query = request.GET.copy()
    changed = False
    if "after" in query:
        after = query.pop("after")[-1]
        if after:
            query["cursor"] = _cursor_of_after(after)
        changed = True
    country = query.get("country")
    if country and country != country.upper():
        query["country"] = country.upper()
        changed = True
    anonymous = query.get("anonymous")
    if anonymous in LEGACY_BOOLEANS:
        query["anonymous"] = LEGACY_BOOLEANS[anonymous]
        changed = True
    if not changed:
        return None
    return HttpResponsePermanentRedirect(f"{request.path}?{query.urlencode()}")


def _cursor_of_after(after: str) -> str:
    """The cursor an old `after=<date>_<id>` meant; a broken one is passed on as it is, for
    the cursor's check to refuse."""
    try:
        day, pk = after.split("_")
        return str(Cursor("n", datetime.date.fromisoformat(day), int(pk)))
    except ValueError:
        return after


def api_address(request, name: str) -> str:
    """The absolute address of the API's answer to this page's query: a download's page links
    point there, as the API's own do."""
    query = drop_blank(request.GET).urlencode()
    return request.build_absolute_uri(reverse(name)) + (f"?{query}" if query else "")


def quote_downloads(request) -> dict[str, str]:
    """The page's download links: its query from the newest match on, as many as a download
    may hold, as CSV or JSON."""
    query = drop_blank(request.GET)
    query.pop("cursor", None)
    query["page_size"] = str(PAGE_SIZE_MAX)
    links = {}
    for fmt in ("csv", "json"):
        query["format"] = fmt
        links[fmt] = "?" + query.urlencode()
    return links


@require_GET
@takes("history", "as_of")
@conditional_page
@cached_for_readers
def country(request, code: str):
    country = get_object_or_404(Country.objects.prefetch_related("blocs"), code=code.upper())
    # ?as_of=<day> (the matrix's day, kept by its links): the history up to that day, the
    # position in force then marked.
    as_of = None
    if "as_of" in request.GET:
        dated = AsOfParams({"as_of": request.GET["as_of"]})
        if not dated.is_valid():
            return bad_request(request, f"as_of: {' '.join(map(str, dated.errors['as_of']))}")
        as_of = dated.cleaned_data["as_of"]
    topics = list(Topic.objects.prefetch_related("stances"))
    # ?history=<topic> shows that topic's whole timeline; otherwise each topic shows its
    # newest positions and says how many earlier ones there are.
    history = next((t for t in topics if t.slug == request.GET.get("history")), None)
    if "history" in request.GET and history is None:
        return bad_request(
            request,
            f"history: give a topic ({', '.join(t.slug for t in topics)}), "
            "to see its whole history.",
        )
    positions = list(
        Position.objects.on_record()
        .filter(country=country)
        .filter(Q(valid_from__lte=as_of) if as_of else Q())
        .annotate(
            newness=Window(
                RowNumber(), partition_by=F("topic_id"), order_by=F("valid_from").desc()
            ),
            on_topic=Window(Count("pk"), partition_by=F("topic_id")),
        )
        .filter(Q(topic=history) if history else Q(newness__lte=TIMELINE_RECENT))
        .with_stance()
        .order_by("topic__order", "valid_from")
    )
    # Each position counts its quotes; they open on demand (the evidence page, or in place).
    counts = published_evidence_counts(p.pk for p in positions)
    for position in positions:
        position.evidence_count = counts.get(position.pk, 0)
    day = as_of or timezone.localdate()
    timelines = []
    for topic in [history] if history else topics:
        shown = [p for p in positions if p.topic_id == topic.pk]
        earlier = shown[0].on_topic - len(shown) if shown else 0
        # The chart draws the positions listed (see apps.dashboard.steps for why).
        chart = stance_steps_chart(
            holder=country.name,
            topic=topic,
            scale={stance.value: stance.label for stance in topic.stances.all()},
            steps=chart_steps(shown, day),
            last_day=day,
            as_of=as_of is not None,
            described_by=f"positions-{topic.slug}",
        )
        timelines.append({"topic": topic, "positions": shown, "earlier": earlier, "chart": chart})
    # What it had signed that day (or today), beside its stated guarantees stance.
    signed = signed_on_day(day, countries=[country.pk]).get(("country", country.pk), [])
    gap = None
    guarantees = next((t for t in topics if t.slug == GUARANTEES), None)
    if guarantees is not None and history in (None, guarantees) and not counterparty(country.code):
        held = [
            p for p in positions if p.topic_id == guarantees.pk and p.status == Status.PUBLISHED
        ]
        in_force = next((p for p in reversed(held) if p.in_force_on(day)), None)
        gap = say_sign_gap(in_force.stance.value if in_force else None, signed)
    people = list(
        Person.objects.visible_to(request.user)
        .filter(country=country)
        .annotate(listed=Window(Count("pk")))
        .prefetch_related("roles")
        .order_by("name", "slug")[:PEOPLE_ON_COUNTRY]
    )
    context = {
        "country": country,
        "as_of": as_of,
        "signed_day": day,
        "signed": signed,
        "gap": gap,
        "timelines": timelines,
        "history": history,
        "people": people,
        "more_people": people[0].listed - len(people) if people else 0,
        "quotes": (
            Quote.objects.published()
            .filter(country=country)
            .with_attribution()
            .order_by("-said_on", "-id")[:QUOTES_ON_COUNTRY]
        ),
    }
    return TemplateResponse(request, "dashboard/country_detail.html", context)


def newest_quotes(quotes) -> tuple[list, bool]:
    """A detail page's newest QUOTES_ON_DETAIL quotes, and whether it has more (the page says
    so and links to the search). One query."""
    rows = list(quotes[: QUOTES_ON_DETAIL + 1])
    return rows[:QUOTES_ON_DETAIL], len(rows) > QUOTES_ON_DETAIL


@require_GET
@takes()
@conditional_page
@cached_for_readers
def person(request, slug: str):
    person = get_object_or_404(
        Person.objects.visible_to(request.user).select_related("country"), slug=slug
    )
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
@cached_for_readers
def topic(request, slug: str):
    topic = get_object_or_404(Topic.objects.prefetch_related("stances"), slug=slug)
    form, valid = ask(request, AsOfParams)
    as_of = form.cleaned_data["as_of"] if valid else timezone.localdate()
    positions = list(
        Position.objects.published()
        .in_force(as_of)
        .filter(topic=topic)
        .with_stance()
        .order_by("-stance__value", "country__name", "organization__name")
    )
    stances = list(topic.stances.all())
    names = dict(Country.objects.values_list("code", "name"))
    context = {
        "all_topics": Topic.objects.all(),
        "map_svg": stance_map(positions, names),
        "topic": topic,
        "form": form,
        "as_of": as_of,
        "positions": positions,
        "stances": stances,
        "presets": event_presets(request.user),
    }
    return render(
        request, "dashboard/topic_detail.html", "topic-results", context, _status_for(form)
    )


@require_GET
@takes()
@conditional_page
@cached_for_readers
def source(request, pk: int):
    source = get_object_or_404(
        Source.objects.visible_to(request.user).select_related("publisher", "author"), pk=pk
    )
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
@takes()
@conditional_page
@cached_for_readers
def event(request, slug: str):
    event = get_object_or_404(Event.objects.visible_to(request.user), slug=slug)
    quotes_, more_quotes = newest_quotes(
        Quote.objects.published().filter(event=event).with_attribution().order_by("-said_on", "-id")
    )
    eve = day_before(event.start_date)
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
