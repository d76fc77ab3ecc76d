"""The analysts' agreements pages: the list (/agreements/, the API's parameters and its
downloads) and one agreement with its parties, dates, clauses by category and source."""

import itertools

from django.http import Http404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.agreements.questions import (
    AgreementListParams,
    agreement_detail,
    agreement_dict,
    agreement_list,
)
from apps.dashboard import exports
from apps.dashboard.views import ask, private_if_drafts, render, takes

# The page lists this many of the matches, newest signing first; a download holds up to
# DOWNLOAD_MAX (the API pages through the rest).
SHOWN = 200
DOWNLOAD_MAX = 2000


def _private_if_drafts(request, response):
    if request.user.has_perm("agreements.change_agreement"):
        response["Cache-Control"] = "private, no-store"
    return private_if_drafts(request, response)


@require_GET
@vary_on_headers("HX-Request")
def agreement_list_view(request):
    """Agreements by party, kind, day in force and signing dates; CSV and JSON downloads."""
    form, valid = ask(request, AgreementListParams)
    context = {"form": form, "agreements": [], "total": 0, "shown": SHOWN}
    if valid:
        agreements = agreement_list(form.cleaned_data, user=request.user)
        fmt = exports.wanted_format(request)
        if fmt:
            rows = [agreement_dict(a) for a in agreements[:DOWNLOAD_MAX]]
            return _private_if_drafts(request, exports.answer(fmt, "agreements", {"results": rows}))
        page = list(agreements[: SHOWN + 1])
        context.update(
            agreements=page[:SHOWN],
            more=len(page) > SHOWN,
            in_force_on=form.cleaned_data.get("in_force_on"),
        )
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
