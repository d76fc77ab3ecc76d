"""Writes to positions: recording a stance fits it into its holder's history."""

import contextlib
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from apps.actors.models import Country, Organization
from apps.core.models import Status
from apps.core.revisions import (
    changed_values,
    four_eyes_applies,
    review_check,
    reviewed,
    revision_propose,
)
from apps.core.services import (
    constraint_errors,
    foreign_keys_checked_now,
    review_errors,
    stamp,
    version_lock,
)
from apps.core.validators import today
from apps.positions.models import (
    Conditionality,
    Confidence,
    Position,
    PossibleShift,
    ShiftStatus,
    Stance,
    Topic,
)
from apps.statements.models import Quote

OVERLAP_CONSTRAINTS = {
    "position_country_no_overlap": (
        "valid_from",
        "This country already has a position on this topic for that period.",
    ),
    "position_organization_no_overlap": (
        "valid_from",
        "This organization already has a position on this topic for that period.",
    ),
    "position_stance_of_topic": ("stance", "The stance must belong to the position's topic."),
}


def _holder_errors(country, organization) -> dict:
    if (country is None) == (organization is None):
        message = "A position is held by a country or an organization, exactly one."
        return {"country": message, "organization": message}
    return {}


def position_check(
    *,
    topic: Topic,
    stance: Stance,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    country: Country | None = None,
    organization: Organization | None = None,
    status: str = Status.DRAFT,
    evidence=(),
    exclude_id: int | None = None,
    same_day: bool = True,
    confidence: str | None = None,
) -> None:
    """Raise a ValidationError naming each field that breaks a position rule; write nothing.

    ``evidence`` holds quotes (stored or not yet, as an import's) or their ids.
    ``same_day=False`` leaves out the one rule that asks the database about other positions
    of a draft (an import checks its whole file at once: position_same_day_clashes)."""
    errors = _holder_errors(country, organization)
    if stance is not None and topic is not None and stance.topic_id != topic.pk:
        errors["stance"] = (
            f"“{stance.label}” is a stance on {stance.topic.name}, not on {topic.name}."
        )
    if valid_from and valid_from > today():
        errors["valid_from"] = "The date cannot be in the future."
    if valid_from and valid_to and valid_to <= valid_from:
        errors["valid_to"] = "A position must end after it starts (the end date is exclusive)."
    evidence = list(evidence)
    if status == Status.PUBLISHED:
        evidence_error = _published_evidence_error(evidence)
        if evidence_error:
            errors["evidence"] = evidence_error
    if "evidence" not in errors:
        claims_error = _claims_only_error(confidence=confidence, status=status, evidence=evidence)
        if claims_error:
            errors["confidence"] = claims_error
    if errors or topic is None or valid_from is None:
        if errors:
            raise ValidationError(errors)
        return
    if status == Status.RETRACTED:
        return
    if same_day or status == Status.PUBLISHED:
        clash = position_same_day(
            country=country,
            organization=organization,
            topic=topic,
            valid_from=valid_from,
            exclude_id=exclude_id,
        )
        if clash is not None:
            raise ValidationError({"valid_from": same_day_error(clash)})
    if status != Status.PUBLISHED:
        # Drafts and positions in review stay out of the published history until published.
        return
    history = _published_history(country, organization, topic)
    if exclude_id is not None:
        history = history.exclude(pk=exclude_id)
    if valid_to is not None:
        following = history.filter(valid_from__gt=valid_from).order_by("valid_from").first()
        if following is not None and valid_to > following.valid_from:
            raise ValidationError(
                {
                    "valid_to": f"This would overlap the position from {following.valid_from:%d %B %Y}: "
                    f"end it on or before that date, or leave it empty."
                }
            )


# A second position of one holder on one topic from the same day is a duplicate, whatever
# its status: the published one is corrected, the waiting one completed or withdrawn.
SAME_DAY_STATUSES = (Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED)


def position_same_day(
    *, topic, valid_from, country=None, organization=None, exclude_id=None
) -> Position | None:
    """Return the holder's other position on the topic from the same day (published first,
    then the oldest waiting one), or None; retracted ones do not count."""
    if topic is None or valid_from is None or (country is None) == (organization is None):
        return None
    clashes = (
        Position.objects.for_holder(country=country, organization=organization)
        .filter(topic=topic, valid_from=valid_from, status__in=SAME_DAY_STATUSES)
        .select_related("country", "organization", "topic", "created_by")
    )
    if exclude_id is not None:
        clashes = clashes.exclude(pk=exclude_id)
    found = list(clashes.order_by("pk"))
    published = [p for p in found if p.status == Status.PUBLISHED]
    return (published or found or [None])[0]


def same_day_error(clash: Position) -> ValidationError:
    """The error on valid_from for a duplicate of ``clash``; its params name the position."""
    day = f"{clash.valid_from:%d %B %Y}"
    if clash.status == Status.PUBLISHED:
        message = (
            f"{clash.holder} already has a position on {clash.topic.name} from {day} "
            f"(position {clash.pk}, published and in force). Correct that one instead of "
            "adding another."
        )
    else:
        author = clash.created_by.get_username() if clash.created_by else "the system"
        message = (
            f"{clash.holder} already has a position on {clash.topic.name} from {day} "
            f"waiting for review (position {clash.pk}, {clash.get_status_display().lower()}, "
            f"by {author}). Add your evidence to that one instead of adding another, or ask "
            "its author to withdraw it."
        )
    return ValidationError(
        message, code="same_day", params={"position": clash.pk, "status": clash.status}
    )


def position_same_day_clashes(positions: list[Position]) -> dict[int, ValidationError]:
    """For new positions not yet stored (an import's), the same-day error of each that
    duplicates a stored position, by index; one query whatever their number.

    Rows of one file coding the same holder, topic and day are each a position with its own
    quote, stored together in review, as before: the reviewer sees them side by side."""
    keys: dict[tuple, list[int]] = {}
    for index, position in enumerate(positions):
        if position.status == Status.RETRACTED:
            continue
        key = (
            position.country_id,
            position.organization_id,
            position.topic_id,
            position.valid_from,
        )
        keys.setdefault(key, []).append(index)
    if not keys:
        return {}
    stored = {
        (p.country_id, p.organization_id, p.topic_id, p.valid_from): p
        for p in Position.objects.filter(
            valid_from__in={key[3] for key in keys},
            topic_id__in={key[2] for key in keys},
            status__in=SAME_DAY_STATUSES,
        )
        .select_related("country", "organization", "topic", "created_by")
        .order_by("status", "-pk")  # the published one last, then the oldest: they win
    }
    return {
        index: same_day_error(stored[key])
        for key, indexes in keys.items()
        if key in stored
        for index in indexes
    }


def _published_evidence_error(evidence: list) -> str | None:
    """What is wrong with the evidence of a position to be published, if anything: it needs
    a quote analysts can read (the database holds the same rule: migration positions 0012)."""
    if not evidence:
        return "A published position needs at least one evidence quote."
    pks = [getattr(quote, "pk", quote) for quote in evidence]
    if not Quote.objects.filter(pk__in=pks, status=Status.PUBLISHED).exists():
        return (
            "A published position needs at least one published evidence quote: "
            "publish one of these quotes first, or add a published one."
        )
    return None


CLAIMS_ONLY = (
    "Its evidence is only what others claim of this holder's stance (quotes with a "
    "claimant): on their own such claims code a stance as “reported” at most. Choose "
    "“reported” or “inferred”, or add the holder's own words as evidence."
)


def _claims_only_error(*, confidence: str | None, status: str, evidence: list) -> str | None:
    """Why a position cannot be “stated” on this evidence, if it cannot: the evidence that
    counts (the published quotes of a published position, every quote of one not yet or no
    longer published) is made only of claims by others. The database holds the same rule
    (migration positions 0016)."""
    if confidence != Confidence.STATED or not evidence:
        return None
    stored = [getattr(quote, "pk", quote) for quote in evidence]
    stored = [pk for pk in stored if pk is not None]
    # (status, is a claim) of each quote: the stored ones as stored, new ones as given.
    quotes = [
        (quote.status, quote.claimant is not None)
        for quote in evidence
        if isinstance(quote, Quote) and quote.pk is None
    ]
    quotes += [
        (status_, country is not None or organization is not None)
        for status_, country, organization in Quote.objects.filter(pk__in=stored).values_list(
            "status", "claimant_country", "claimant_organization"
        )
    ]
    counted = [
        claim
        for quote_status, claim in quotes
        if status != Status.PUBLISHED or quote_status == Status.PUBLISHED
    ]
    return CLAIMS_ONLY if counted and all(counted) else None


def _published_history(country, organization, topic):
    return (
        Position.objects.published()
        .for_holder(country=country, organization=organization)
        .filter(topic=topic)
    )


def _lock_holder(country, organization) -> None:
    # One writer at a time per holder: the history is read, then changed.
    holder = country or organization
    type(holder).objects.select_for_update().filter(pk=holder.pk).exists()


@transaction.atomic
def position_record(
    *,
    topic: Topic,
    stance: Stance,
    valid_from: datetime.date,
    confidence: str,
    by=None,
    country: Country | None = None,
    organization: Organization | None = None,
    valid_to: datetime.date | None = None,
    conditionality: str = Conditionality.NONE,
    conditionality_note: str = "",
    summary: str = "",
    evidence=(),
    status: str = Status.DRAFT,
) -> Position:
    """Record a stance from valid_from on; return it.

    A published position is fitted into the holder's published history: the one in force at
    valid_from is closed there, and the new one ends where the next begins. Drafts and
    positions in review wait outside that history until they are published.
    """
    evidence = list(evidence)
    if (country is None) != (organization is None):
        # Before the checks: a same-day duplicate saved meanwhile by another editor is seen.
        _lock_holder(country, organization)
    position = _position_new(
        by=by,
        evidence=evidence,
        topic=topic,
        stance=stance,
        valid_from=valid_from,
        valid_to=valid_to,
        country=country,
        organization=organization,
        conditionality=conditionality,
        conditionality_note=conditionality_note,
        confidence=confidence,
        summary=summary,
        status=status,
    )
    if status == Status.PUBLISHED:
        _fit_into_history(position, by)
    with constraint_errors(OVERLAP_CONSTRAINTS):
        position.save()
    position.evidence.set(evidence)
    return position


def _position_new(*, by, evidence: list, given=(), same_day: bool = True, **fields) -> Position:
    """A new position (unsaved) checked by every rule that holds before it is written:
    position_check's, its fields' own (choices, lengths, dates) and the review rules for its
    status; stamped with its author. ``given`` names related fields holding stored objects,
    whose existence is not asked again."""
    position = Position(**{**fields, "confidence": fields.get("confidence") or Confidence.REPORTED})
    _check_as_stored(position, evidence, same_day=same_day)
    position.full_clean(exclude=list(given), validate_constraints=False)
    _review_check(position, previous=None, by=by)
    stamp(position, by)
    return position


def position_check_new(
    *,
    topic: Topic,
    stance: Stance,
    valid_from: datetime.date,
    confidence: str,
    by=None,
    country: Country | None = None,
    organization: Organization | None = None,
    valid_to: datetime.date | None = None,
    conditionality: str = Conditionality.NONE,
    conditionality_note: str = "",
    summary: str = "",
    status: str = Status.DRAFT,
    evidence=(),
) -> Position:
    """Check a new draft, or a new position in review, by every rule position_record keeps
    and return it unsaved and stamped, for position_record_many; raise a ValidationError
    naming each field; write nothing. ``evidence``, if given, holds the quotes it will rest
    on, stored or not yet (an import's), for the rules that read what they are.

    Such a position waits outside the published history and needs no evidence yet, so the
    check asks the database nothing (same-day duplicates are found for a whole file at once
    by position_same_day_clashes): the related objects given must be stored ones (an
    importer looks them up once per file). A published position is fitted into its history
    by position_record, one at a time.
    """
    if status == Status.PUBLISHED:
        raise ValueError("A published position is recorded with position_record.")
    related = {"topic": topic, "stance": stance, "country": country, "organization": organization}
    return _position_new(
        by=by,
        evidence=list(evidence),
        given=[name for name, value in related.items() if getattr(value, "pk", None)],
        same_day=False,  # the importer asks once for its whole file: position_same_day_clashes
        **related,
        valid_from=valid_from,
        valid_to=valid_to,
        conditionality=conditionality,
        conditionality_note=conditionality_note,
        confidence=confidence,
        summary=summary,
        status=status,
    )


@transaction.atomic
def position_record_many(
    checked: list[tuple[Position, list]], *, batch_size: int = 1000
) -> list[Position]:
    """Store positions checked by position_check_new, each with its evidence (quotes or
    their ids), in a few statements; return them.

    The same rules as position_record (checked before), the same stamps; the database's own
    constraints and history triggers hold as for a position saved alone.
    """
    positions = [position for position, _ in checked]
    if any(position.status == Status.PUBLISHED for position in positions):
        raise ValueError("A published position is recorded with position_record.")
    through = Position.evidence.through
    with foreign_keys_checked_now(), _claims_checked_now():
        with constraint_errors(OVERLAP_CONSTRAINTS):
            Position.objects.bulk_create(positions, batch_size=batch_size)
        links = [
            through(position_id=position.pk, quote_id=quote_id)
            for position, evidence in checked
            for quote_id in dict.fromkeys(getattr(quote, "pk", quote) for quote in evidence)
        ]
        through.objects.bulk_create(links, batch_size=batch_size)
    return positions


# The database's own "stated, not on claims alone" check (migration positions 0016).
STATED_NOT_ONLY_CLAIMS = "position_stated_not_only_claims"


@contextlib.contextmanager
def _claims_checked_now():
    """Check the stated-not-on-claims rule at the end of each statement inside, not at
    commit: a file's thousands of evidence links would otherwise queue one deferred check
    each (see foreign_keys_checked_now). The positions are written before their links, so
    each statement leaves the rule's data whole. Use it inside a transaction (atomic): on a
    refusal, rolling it back restores the deferred check with everything else."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {STATED_NOT_ONLY_CLAIMS} IMMEDIATE")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {STATED_NOT_ONLY_CLAIMS} DEFERRED")


def _fit_into_history(position: Position, by) -> None:
    """Close the published position in force at valid_from, and end this one where the next
    published one begins (unless it has its own end)."""
    history = _published_history(position.country, position.organization, position.topic)
    if position.pk is not None:
        history = history.exclude(pk=position.pk)
    following = history.filter(valid_from__gt=position.valid_from).order_by("valid_from").first()
    if position.valid_to is None and following is not None:
        position.valid_to = following.valid_from
    in_force = history.as_of(position.valid_from).filter(valid_from__lt=position.valid_from).first()
    if in_force is not None:
        in_force.valid_to = position.valid_from
        stamp(in_force, by)
        in_force.save(update_fields=["valid_to", "updated_at", "updated_by", "version"])


def _reopen_predecessor(position: Position, by) -> None:
    """A retracted position leaves no gap: the published one it had closed runs on."""
    predecessor = (
        _published_history(position.country, position.organization, position.topic)
        .exclude(pk=position.pk)
        .filter(valid_to=position.valid_from)
        .first()
    )
    if predecessor is not None:
        following = (
            _published_history(position.country, position.organization, position.topic)
            .exclude(pk=position.pk)
            .filter(valid_from__gt=predecessor.valid_from)
            .order_by("valid_from")
            .first()
        )
        predecessor.valid_to = following.valid_from if following else None
        stamp(predecessor, by)
        predecessor.save(update_fields=["valid_to", "updated_at", "updated_by", "version"])


# What a position says: once it is on record, a change to any of these is reviewed.
REVIEWED_FIELDS = (
    "country",
    "organization",
    "topic",
    "stance",
    "conditionality",
    "conditionality_note",
    "valid_from",
    "valid_to",
    "confidence",
    "summary",
    "correction_note",
    "evidence",
)
ON_RECORD = (Status.PUBLISHED, Status.RETRACTED)


def _review_check(position, *, previous, by, stored=None, rewritten=False) -> None:
    """The review rules (apps.core.revisions.review_check) for a position."""
    review_check(
        position, noun="position", previous=previous, by=by, stored=stored, rewritten=rewritten
    )


@transaction.atomic
def position_update(
    *, position: Position, by=None, evidence=None, expected_version=None, **changes
) -> Position:
    """Change a position's fields (and evidence), keeping every rule; return it.

    With ``expected_version`` (the version the editor read, or a set of them), a position
    saved by someone else since is refused with VersionConflict.

    A change by an editor to what a position on record says (REVIEWED_FIELDS), while four
    eyes hold, is not made: it is proposed as a revision in review, returned as
    ``position.proposed_revision``, and the position keeps its published values until another
    editor publishes the revision (apps.core.revisions.revision_publish).
    """
    version_lock(position, expected_version)
    stored = Position.objects.get(pk=position.pk)
    for field, value in changes.items():
        setattr(position, field, value)
    proposed = changed_values(stored, position, many={"evidence": evidence})
    if stored.status in ON_RECORD and proposed and four_eyes_applies(by):
        if position.status == Status.RETRACTED != stored.status:
            # A retraction comes with its note, and keeps its own rules.
            proposed.pop("correction_note", None)
        if proposed:
            return _position_propose(
                position, stored=stored, proposed=proposed, evidence=evidence, by=by
            )
    return _position_apply(
        position, by=by, evidence=evidence, stored=stored, rewritten=bool(proposed)
    )


def _position_propose(position: Position, *, stored: Position, proposed: dict, evidence, by):
    """Check the proposed change as if it were made, then store it as a revision in review."""
    errors = review_errors(
        previous=stored.status, new=position.status, note=position.correction_note
    )
    if errors:
        raise ValidationError(errors)
    if position.status != stored.status:
        raise ValidationError(
            {
                "status": "Change what this position says, or its status, but not both at "
                "once: a change to a position on record is reviewed as a revision first."
            }
        )
    _check_as_stored(
        position, list(evidence) if evidence is not None else list(stored.evidence.all())
    )
    position.full_clean(validate_constraints=False)
    revision = revision_propose(target=stored, changes=proposed, by=by)
    # The caller's instance shows what is in force: the published values.
    position.refresh_from_db()
    position.proposed_revision = revision
    return position


def _check_as_stored(position: Position, evidence: list, *, same_day: bool = True) -> None:
    """Check an edited position, with this evidence, as if it were stored (position_check)."""
    position_check(
        same_day=same_day,
        topic=position.topic,
        stance=position.stance,
        valid_from=position.valid_from,
        valid_to=position.valid_to,
        country=position.country,
        organization=position.organization,
        status=position.status,
        evidence=evidence,
        exclude_id=position.pk,
        confidence=position.confidence,
    )


def _position_apply(
    position: Position,
    *,
    by,
    evidence,
    stored: Position,
    rewritten: bool = False,
    reviewer=None,
) -> Position:
    """Write a position's changed fields (and evidence) under every rule."""
    evidence_now = list(evidence) if evidence is not None else list(position.evidence.all())
    _check_as_stored(position, evidence_now)
    position.full_clean(validate_constraints=False)
    previous = stored.status
    _review_check(position, previous=previous, by=by, stored=stored, rewritten=rewritten)
    if reviewer is not None:
        position.reviewed_by = reviewer
    if previous == Status.DRAFT and position.status != Status.DRAFT:
        position.review_note = ""  # answered: submitted again (or published)
    if previous != Status.PUBLISHED and position.status == Status.PUBLISHED:
        _lock_holder(position.country, position.organization)
        _fit_into_history(position, by)
    retracting = previous == Status.PUBLISHED and position.status == Status.RETRACTED
    if retracting:
        _lock_holder(position.country, position.organization)
    stamp(position, by)
    with constraint_errors(OVERLAP_CONSTRAINTS):
        position.save()
    if retracting:
        # After the save: until then the retracted position still holds its period.
        _reopen_predecessor(position, by)
    if evidence is not None:
        position.evidence.set(evidence_now)
    return position


def _position_revision_apply(position: Position, values: dict, *, author, reviewer) -> None:
    """Publish a reviewed change: written as its author's edit, with its reviewer noted."""
    stored = Position.objects.get(pk=position.pk)
    evidence = values.pop("evidence", None)
    for field, value in values.items():
        setattr(position, field, value)
    _position_apply(position, by=author, evidence=evidence, stored=stored, reviewer=reviewer)


reviewed(Position, fields=REVIEWED_FIELDS, many=("evidence",), apply=_position_revision_apply)


@transaction.atomic
def position_delete(*, position: Position, by=None) -> None:
    """Delete a position with its evidence links (never the quotes themselves).

    A published one leaves no hole in its holder's history, as with a retraction: the
    published position it had closed runs on, to the next one or open-ended. The database
    refuses a delete that leaves the hole (migration positions 0012), whatever the door.
    ``by`` is the user deleting it, recorded on the reopened position.
    """
    status = (
        Position.objects.select_for_update()
        .filter(pk=position.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status is None:
        raise Position.DoesNotExist(f"No position {position.pk}.")
    if status == Status.PUBLISHED:
        _lock_holder(position.country, position.organization)
    position.delete()
    if status == Status.PUBLISHED:
        # After the delete: until then the position still holds its period.
        _reopen_predecessor(position, by)


WAITING = (Status.DRAFT, Status.IN_REVIEW)


def may_withdraw(user, position: Position) -> bool:
    """Whether the user may withdraw (delete) the position: an administrator any, an editor
    only their own that is not on record (a draft, or one in review)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return (
        position.status in WAITING
        and position.created_by_id == user.pk
        and user.has_perm("positions.change_position")
    )


@transaction.atomic
def position_withdraw(*, position: Position, by) -> None:
    """Delete a draft or a position in review at its author's wish (an administrator may
    delete any position: position_delete). Refused for anything on record or not theirs."""
    stored = Position.objects.select_for_update().filter(pk=position.pk).first()
    if stored is None:
        raise Position.DoesNotExist(f"No position {position.pk}.")
    if stored.status not in WAITING and not getattr(by, "is_superuser", False):
        raise ValidationError(
            {
                "status": "A published or retracted position is corrected or retracted, never withdrawn."
            }
        )
    if not may_withdraw(by, stored):
        raise PermissionDenied("Only its author withdraws a draft (or an administrator).")
    position_delete(position=stored, by=by)


@transaction.atomic
def position_send_back(*, position: Position, by, note: str, expected_version=None) -> Position:
    """Return a position in review to its author as a draft, with the reviewer's note (shown
    in the author's review queue); return it."""
    version_lock(position, expected_version)
    stored = Position.objects.select_for_update().get(pk=position.pk)
    if stored.status != Status.IN_REVIEW:
        raise ValidationError(
            {
                "status": f"Only a position in review is sent back; this one is {stored.get_status_display().lower()}."
            }
        )
    note = (note or "").strip()
    if not note:
        raise ValidationError({"review_note": "Say what the author should change."})
    stored.status, stored.review_note = Status.DRAFT, note
    stamp(stored, by)
    stored.full_clean(validate_constraints=False)
    stored.save(update_fields=["status", "review_note", "updated_at", "updated_by", "version"])
    return stored


def shift_detect(quote) -> list[PossibleShift]:
    """Flag a published quote whose implied stance differs from its country's coded position.

    Returns the possible shifts opened (none if the words agree with the position).
    """
    if (
        quote.status != Status.PUBLISHED
        or quote.implied_stance_id is None
        or quote.country_id is None
    ):
        return []
    stance = quote.implied_stance
    position = (
        Position.objects.published()
        .as_of(quote.said_on)
        .filter(country_id=quote.country_id, topic_id=stance.topic_id)
        .select_related("stance")
        .first()
    )
    if position is None or position.stance_id == stance.pk:
        return []
    shift, created = PossibleShift.objects.get_or_create(
        quote=quote,
        position=position,
        defaults={"implied_stance": stance, "status": ShiftStatus.OPEN},
    )
    return [shift] if created else []


@transaction.atomic
def shift_resolve(*, shift: PossibleShift, status: str, by=None, note: str = "") -> PossibleShift:
    """Close a possible shift as confirmed (the position was recoded) or dismissed."""
    if status not in (ShiftStatus.CONFIRMED, ShiftStatus.DISMISSED):
        raise ValidationError({"status": "Close a possible shift as confirmed or dismissed."})
    shift.status, shift.note = status, note
    stamp(shift, by)
    shift.full_clean(validate_constraints=False)
    shift.save()
    return shift
