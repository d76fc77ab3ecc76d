"""The analysts' agreements pages: the list (/agreements/, the API's parameters and its
downloads, with the signatures month by month), one agreement with its parties, dates,
clauses by category and source, and the allies × clause categories on a day
(/agreements/clauses/), each cell's clauses a click away."""

import itertools

from django.http import Http404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.agreements.questions import (
    AgreementListParams,
    ClauseCellParams,
    ClauseMatrixParams,
    agreement_detail,
    agreement_dict,
    agreement_list,
    clause_matrix,
    clauses_signed,
    signature_timeline,
)
from apps.dashboard import exports
from apps.dashboard.views import (
    ask,
    bad_request,
    download,
    event_presets,
    private_if_drafts,
    render,
    takes,
)

# The page lists the matches this many at a time, newest signing first (`?page=2`: the next
# ones); a download holds up to DOWNLOAD_MAX (the API pages through the rest).
PER_PAGE = 50
DOWNLOAD_MAX = 2000


def page_number(request) -> int | None:
    """The page asked for (1 when none), or None when `page` is no page number."""
    raw = request.GET.get("page") or "1"
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or int(raw) < 1:
        return None
    return int(raw)


def _private_if_drafts(request, response):
    if request.user.has_perm("agreements.change_agreement"):
        response["Cache-Control"] = "private, no-store"
    return private_if_drafts(request, response)


@require_GET
@vary_on_headers("HX-Request")
def agreement_list_view(request):
    """Agreements by party, kind, day in force and signing dates; CSV and JSON downloads."""
    form, valid = ask(request, AgreementListParams)
    asked = page_number(request)
    if asked is None:
        form.add_error(None, "page: give a page number, 1 or more.")
        valid = False
    number = asked or 1
    context = {"form": form, "agreements": [], "total": 0, "timeline": None}
    if valid:
        agreements = agreement_list(form.cleaned_data, user=request.user)
        fmt = exports.wanted_format(request)
        if fmt:
            rows = [agreement_dict(a) for a in agreements[:DOWNLOAD_MAX]]
            return _private_if_drafts(request, exports.answer(fmt, "agreements", {"results": rows}))
        total = agreements.count()
        start = (number - 1) * PER_PAGE
        shown = list(agreements[start : start + PER_PAGE]) if start < total else []
        context.update(
            agreements=shown,
            total=total,
            page=number,
            first=start + 1,
            last=start + len(shown),
            pages=max(1, -(-total // PER_PAGE)),
            previous_page=number - 1 if number > 1 else None,
            next_page=number + 1 if start + PER_PAGE < total else None,
            in_force_on=form.cleaned_data.get("in_force_on"),
        )
    if not request.htmx:
        context["timeline"] = timeline_chart(signature_timeline())
    response = render(
        request,
        "dashboard/agreement_list.html",
        "agreement-results",
        context,
        400 if form.errors else 200,
    )
    return _private_if_drafts(request, response)


@require_GET
@takes()
def agreement_detail_view(request, slug: str):
    """One agreement: its parties, dates, clauses grouped by category, and source."""
    agreement = agreement_detail(slug, user=request.user)
    if agreement is None:
        raise Http404("No such agreement.")
    groups = [
        (category, list(clauses))
        for category, clauses in itertools.groupby(
            agreement.clauses.all(), key=lambda clause: clause.category
        )
    ]
    response = TemplateResponse(
        request,
        "dashboard/agreement_detail.html",
        {"agreement": agreement, "groups": groups},
    )
    return _private_if_drafts(request, response)


# The signature chart's geometry, in the SVG's own units (it scales to the page's width).
CHART_HEIGHT = 120  # the bars' area
CHART_TOP = 16  # room above it for the alliance's size
CHART_LEFT = 28  # room for the scale's numbers
CHART_BOTTOM = 22  # room below for the years
MONTH_WIDTH = 12
BAR_WIDTH = 9


def timeline_chart(months) -> dict:
    """What the template draws of the signature timeline: a bar per month, scaled to the
    alliance's largest size in the span (so a bar's height reads as a share of the allies),
    a year's label under each January (and the first month), and the latest month."""
    if not months:
        return {"months": []}
    scale = max(max(m.members for m in months), 1)
    bars = []
    for index, month in enumerate(months):
        height = round(CHART_HEIGHT * month.allies / scale, 1)
        x = CHART_LEFT + index * MONTH_WIDTH
        bars.append(
            {
                "month": month,
                "x": x,
                "y": round(CHART_TOP + CHART_HEIGHT - height, 1),
                "height": height,
                "label": month.month.year if index == 0 or month.month.month == 1 else None,
            }
        )
    return {
        "months": months,
        "bars": bars,
        "latest": months[-1],
        "first": months[0],
        "scale": scale,
        "width": CHART_LEFT + len(months) * MONTH_WIDTH + 4,
        "height": CHART_TOP + CHART_HEIGHT + CHART_BOTTOM,
        "top": CHART_TOP,
        "base": CHART_TOP + CHART_HEIGHT,
        "left": CHART_LEFT,
        "bar_width": BAR_WIDTH,
    }


@require_GET
@vary_on_headers("HX-Request")
def agreement_clauses_view(request):
    """Allies × clause categories on a day: how many clauses of each category each ally was
    bound by; CSV and JSON downloads."""
    form, valid = ask(request, ClauseMatrixParams)
    context = {"form": form, "presets": event_presets(request.user), "result": None}
    if valid:
        result = clause_matrix(form.cleaned_data, user=request.user)
        if fetched := download(request, result, f"clauses-{result.as_of}"):
            return _private_if_drafts(request, fetched)
        context["result"] = result
    response = render(
        request,
        "dashboard/agreement_clauses.html",
        "clause-results",
        context,
        400 if form.errors else 200,
    )
    return _private_if_drafts(request, response)


@require_GET
@takes("as_of")
@vary_on_headers("HX-Request")
def agreement_clause_cell_view(request, party: str, category: str):
    """One cell of the clause matrix: the words of a party's clauses of one category that
    bound it on a day (?as_of=, default today), with their articles, amounts and agreements.
    The whole page, or for htmx the part the matrix opens in its dialog. An unknown party or
    category is not found; a bad day is a 400 naming it."""
    form = ClauseCellParams(
        {"party": party, "category": category, "as_of": request.GET.get("as_of", "")}
    )
    if not form.is_valid():
        errors = form.error_dict()
        if "party" in errors or "category" in errors:
            raise Http404(" ".join(errors.get("party", []) + errors.get("category", [])))
        return bad_request(request, f"as_of: {' '.join(errors['as_of'])}")
    params = form.cleaned_data
    context = {
        "party": params["party"],
        "category": params["category"],
        "as_of": params["as_of"],
        "clauses": clauses_signed(params, user=request.user),
    }
    response = render(request, "dashboard/agreement_clause_cell.html", "clause-cell", context)
    return _private_if_drafts(request, response)
