"""The review page of a position waiting for another editor: a position in review, or a
change to a published one (a revision). It shows what would change against the position in
force, the evidence in full with each quote's status, what stands in the way, and lets a
reviewer approve it or send it back to its author with a note."""

import dataclasses

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format

from apps.core.models import Revision, Status
from apps.core.revisions import revision_publish, revision_reject, revision_values
from apps.core.services import VersionConflict
from apps.positions.models import Position
from apps.positions.services import (
    position_check,
    position_same_day,
    position_send_back,
    position_update,
)
from apps.statements.models import Quote

NOTE_MAX = 2000


@dataclasses.dataclass
class Compared:
    label: str
    in_force: str
    proposed: str

    @property
    def changed(self) -> bool:
        return self.in_force != self.proposed


@dataclasses.dataclass
class Evidence:
    quote: Quote
    change: str  # "added", "removed" or "kept"


def _day(day) -> str:
    return date_format(day, "j F Y") if day else "—"


def _described(position: Position | None) -> dict[str, str]:
    if position is None:
        return {}
    conditions = position.get_conditionality_display()
    if position.conditionality_note:
        conditions += f": {position.conditionality_note}"
    return {
        "Stance": f"{position.stance.signed_value} {position.stance.label}",
        "From": _day(position.valid_from),
        "Until": _day(position.valid_to) if position.valid_to else "open: still holds",
        "Conditions": conditions,
        "Confidence": position.get_confidence_display(),
        "Summary": position.summary or "—",
    }


def _compared(in_force: Position | None, proposed: Position) -> list[Compared]:
    before, after = _described(in_force), _described(proposed)
    return [Compared(label, before.get(label, "—"), value) for label, value in after.items()]


def _evidence(in_force: list[Quote], proposed: list[Quote]) -> tuple[list, list]:
    kept = {q.pk for q in in_force} & {q.pk for q in proposed}
    return (
        [Evidence(q, "kept" if q.pk in kept else "removed") for q in in_force],
        [Evidence(q, "kept" if q.pk in kept else "added") for q in proposed],
    )


def _quotes(ids) -> list[Quote]:
    return list(Quote.objects.filter(pk__in=list(ids)).with_attribution().order_by("said_on", "pk"))


def _in_force_at(position: Position) -> Position | None:
    """The published position of the same holder and topic in force on its first day."""
    return (
        Position.objects.published()
        .for_holder(country=position.country, organization=position.organization)
        .filter(topic=position.topic)
        .as_of(position.valid_from)
        .with_stance()
        .first()
    )


def _conflicts(
    position: Position, proposed: Position, evidence: list[Quote]
) -> tuple[list[Position], list[str]]:
    """What would stand in the way of publishing the proposed version: a same-day position,
    an overlap, evidence analysts cannot read; each in words."""
    found: list[Position] = []
    clash = position_same_day(
        country=proposed.country,
        organization=proposed.organization,
        topic=proposed.topic,
        valid_from=proposed.valid_from,
        exclude_id=position.pk,
    )
    if clash is not None:
        found.append(clash)
    problems: list[str] = []
    try:
        position_check(
            topic=proposed.topic,
            stance=proposed.stance,
            valid_from=proposed.valid_from,
            valid_to=proposed.valid_to,
            country=proposed.country,
            organization=proposed.organization,
            status=Status.PUBLISHED,
            evidence=evidence,
            exclude_id=position.pk,
            confidence=proposed.confidence,
        )
    except ValidationError as error:
        for field, messages_ in getattr(error, "message_dict", {"": error.messages}).items():
            if field == "valid_from" and clash is not None:
                continue  # said once, with its link
            problems += messages_
    return found, problems


def position_review(request, object_id):
    """The review page of a position in review (or a draft), or of the change in review to a
    published position (``?revision=`` picks one when there are several)."""
    if not request.user.has_perm("positions.change_position"):
        raise PermissionDenied
    if not str(object_id).isdigit():
        raise Http404("No such position.")
    position = get_object_or_404(
        Position.objects.with_stance().select_related("created_by", "updated_by"), pk=object_id
    )
    revision = None
    if position.status in (Status.PUBLISHED, Status.RETRACTED):
        revisions = Revision.objects.of(position).in_review().select_related("created_by")
        wanted = request.GET.get("revision", "")
        if wanted.isdigit():
            revisions = revisions.filter(pk=wanted)
        revision = revisions.first()
        if revision is None:
            messages.info(request, f"Nothing of {position} waits for review.")
            return HttpResponseRedirect(
                reverse("admin:positions_position_change", args=[position.pk])
            )
    if request.method == "POST":
        done = _decide(request, position, revision)
        if done:
            return HttpResponseRedirect(reverse("admin:positions_review_queue"))
    if revision is not None:
        in_force = position
        proposed = Position.objects.with_stance().get(pk=position.pk)
        values = revision_values(revision)
        evidence_ids = [q.pk for q in values.pop("evidence", None) or position.evidence.all()]
        for name, value in values.items():
            setattr(proposed, name, value)
        author = revision.created_by
    else:
        in_force = _in_force_at(position)
        proposed = position
        evidence_ids = list(position.evidence.values_list("pk", flat=True))
        author = position.created_by
    in_force_quotes = _quotes(in_force.evidence.values_list("pk", flat=True)) if in_force else []
    proposed_quotes = _quotes(evidence_ids)
    before, after = _evidence(in_force_quotes, proposed_quotes)
    clashes, problems = _conflicts(position, proposed, proposed_quotes)
    mine = author is not None and author.pk == request.user.pk
    context = {
        **admin.site.each_context(request),
        "title": f"Review: {position.holder} · {position.topic.name}",
        "opts": Position._meta,
        "position": position,
        "revision": revision,
        "in_force": in_force,
        "proposed": proposed,
        "author": author,
        "mine": mine,
        "can_decide": not mine and (revision is not None or position.status == Status.IN_REVIEW),
        "rows": _compared(in_force, proposed),
        "evidence_before": before,
        "evidence_after": after,
        "clashes": clashes,
        "problems": problems,
        "note": request.POST.get("note", "")[:NOTE_MAX] if request.method == "POST" else "",
    }
    return TemplateResponse(request, "admin/position_review.html", context)


def _decide(request, position: Position, revision: Revision | None) -> bool:
    """Approve or send back; True when done, False with an error message when refused."""
    note = request.POST.get("note", "").strip()
    approve = "approve" in request.POST
    if not approve and "send_back" not in request.POST:
        messages.error(request, "Choose: approve it, or send it back with a note.")
        return False
    if len(note) > NOTE_MAX:
        messages.error(request, f"Keep the note under {NOTE_MAX} characters.")
        return False
    version = request.POST.get("version", "")
    expected = int(version) if version.isdigit() else None
    try:
        if revision is not None and approve:
            revision_publish(revision=revision, by=request.user)
        elif revision is not None:
            if not note:
                raise ValidationError({"note": "Say what the author should change."})
            revision_reject(revision=revision, by=request.user, note=note)
        elif approve:
            position_update(
                position=position,
                by=request.user,
                status=Status.PUBLISHED,
                expected_version=expected,
            )
        else:
            position_send_back(
                position=position, by=request.user, note=note, expected_version=expected
            )
    except ValidationError as error:
        messages.error(request, "Not done: " + " ".join(error.messages))
        return False
    except VersionConflict:
        messages.error(
            request,
            "Not done: someone changed this position while you were reviewing it. "
            "Read it again below.",
        )
        return False
    if approve:
        messages.success(
            request, f"Approved and published: {position.holder} · {position.topic.name}."
        )
    else:
        messages.success(request, "Sent back to its author, with your note, in their review queue.")
    return True
