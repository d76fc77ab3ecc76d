"""Writes to sources and quotes: one door for the admin, the API, the import and the seed."""

import contextlib

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from apps.core.models import Status
from apps.core.services import (
    StillNeeded,
    constraint_errors,
    constraint_name,
    foreign_keys_checked_now,
    review_errors,
    stamp,
    version_lock,
)
from apps.statements.models import Quote, Source
from apps.statements.signals import quote_saved

QUOTE_CONSTRAINTS = {
    "quote_speaker_or_label": (
        "speaker",
        "Give the speaker, or for an anonymous source a speaker label: one, not both.",
    ),
    "quote_text_not_empty": ("text", "The quote's words cannot be empty."),
    "quote_one_claimant": (
        "claimant_country",
        "Give one claimant: the country or the organization whose official makes the claim.",
    ),
    "quote_claimant_not_own_country": (
        "claimant_country",
        "A claim is about another government: the claimant cannot be the country the quote "
        "is about.",
    ),
}

# The database's own refusals (triggers in the positions migrations, where the evidence
# links live): a quote analysts' positions rest on is never deleted, and the last published
# evidence of a published position is never retracted.
EVIDENCE_KEPT = "quote_evidence_kept"
EVIDENCE_PUBLISHED = "published_position_keeps_published_evidence"
# A position coded "stated" never rests on claims by others alone (positions 0016).
STATED_NOT_ONLY_CLAIMS = "position_stated_not_only_claims"
# Positions analysts see, and so whose evidence stays: published, and retracted with a note.
SEEN_STATUSES = (Status.PUBLISHED, Status.RETRACTED)


def quote_check(quote: Quote, topics=None) -> None:
    """Raise a ValidationError naming each field that breaks a quote rule; write nothing."""
    errors = {}
    has_speaker = quote.speaker_id is not None
    has_label = bool((quote.speaker_label or "").strip())
    if has_speaker == has_label:
        message = "Give the speaker, or for an anonymous source a speaker label: one, not both."
        errors["speaker"] = message
        errors["speaker_label"] = message
    errors.update(_claimant_errors(quote))
    role = quote.role  # None without a query when no role is given
    if role is not None and role.person_id != quote.speaker_id:
        errors["role"] = "The role must be one the speaker held."
    if role is not None and quote.said_on and not _role_held(role, quote.said_on):
        errors["role"] = (
            f"{role.person.name} did not hold “{role.title}” on {quote.said_on:%d %B %Y}."
        )
    implied_stance = quote.implied_stance
    if implied_stance is not None and topics is not None:
        if implied_stance.topic not in list(topics):
            errors["implied_stance"] = "The implied stance must be on one of the quote's topics."
    # The source may be new and not yet stored (an import stores its new sources with the
    # quotes): the rule holds for it all the same.
    source = quote.source if quote.source_id or Quote.source.is_cached(quote) else None
    if source is not None and quote.said_on and source.published_on:
        if quote.said_on > source.published_on and source.published_precision == "day":
            errors["said_on"] = "A quote cannot be said after its source was published."
    if errors:
        raise ValidationError(errors)


def _claimant_errors(quote: Quote) -> dict:
    """A claim has one claimant, and is about another government than the claimant's."""
    if quote.claimant_country_id is not None and quote.claimant_organization_id is not None:
        message = (
            "Give one claimant: the country or the organization whose official makes the claim."
        )
        return {"claimant_country": message, "claimant_organization": message}
    if quote.claimant_country_id is not None and quote.claimant_country_id == quote.country_id:
        return {
            "claimant_country": "A claim is about another government: the claimant cannot be "
            "the country the quote is about. Leave it empty when the speaker speaks for their "
            "own country."
        }
    return {}


def _role_held(role, day) -> bool:
    # A month- or year-precise date may fall a little outside the post; only refuse clear misses.
    if role.start and day.year < role.start.year:
        return False
    return not (role.end and day.year > role.end.year)


@transaction.atomic
def quote_record(*, source: Source, text: str, said_on, by=None, topics=(), **details) -> Quote:
    """Record a quote from a source, with its topics; return it."""
    quote = Quote(source=source, text=text, said_on=said_on, **details)
    topics = list(topics)
    quote.full_clean(validate_constraints=False)
    _prepare(quote, topics, by)
    with constraint_errors(QUOTE_CONSTRAINTS):
        quote.save()
    quote.topics.set(topics)
    _after_publish(quote)
    return quote


def _prepare(quote: Quote, topics: list, by) -> None:
    quote_check(quote, topics)
    _review(quote, previous=None, by=by)
    stamp(quote, by)


def quote_check_new(*, source: Source, text: str, said_on, by=None, topics=(), **details):
    """Check a new quote by every rule quote_record keeps and return it (unsaved) with its
    topics, for quote_record_many; raise a ValidationError naming each field; write nothing.

    The related objects given must be stored ones (an importer looks them up once per file),
    so their existence is not asked again for every quote.
    """
    quote = Quote(source=source, text=text, said_on=said_on, **details)
    topics = list(topics)
    given = [
        field.name
        for field in Quote._meta.concrete_fields
        if field.is_relation and field.name in details and getattr(details[field.name], "pk", None)
    ]
    if isinstance(source, Source):
        given.append("source")  # stored, or checked by source_check_new to be stored first
    quote.full_clean(exclude=given, validate_constraints=False)
    _prepare(quote, topics, by)
    return quote, topics


@transaction.atomic
def quote_record_many(checked: list[tuple[Quote, list]], *, batch_size: int = 1000) -> list[Quote]:
    """Store quotes checked by quote_check_new, with their topics, in a few statements.

    The same rules as quote_record (checked before), the same stamps; the database's own
    constraints still hold. Returns the stored quotes.
    """
    quotes = [quote for quote, _ in checked]
    through = Quote.topics.through
    with foreign_keys_checked_now():
        with constraint_errors(QUOTE_CONSTRAINTS):
            Quote.objects.bulk_create(quotes, batch_size=batch_size)
        links = [
            through(quote_id=quote.pk, topic_id=topic.pk)
            for quote, topics in checked
            for topic in {topic.pk: topic for topic in topics}.values()
        ]
        through.objects.bulk_create(links, batch_size=batch_size)
    for quote in quotes:
        if quote.status == Status.PUBLISHED:
            _after_publish(quote)
    return quotes


def _review(quote: Quote, *, previous: str | None, by) -> None:
    errors = review_errors(previous=previous, new=quote.status, note=quote.correction_note)
    if errors:
        raise ValidationError(errors)
    if quote.status == Status.PUBLISHED and previous != Status.PUBLISHED and by is not None:
        if getattr(by, "is_authenticated", False):
            quote.reviewed_by = by


def _after_publish(quote: Quote) -> None:
    # Positions build on quotes, so the shift check lives with them: they listen.
    quote_saved.send(sender=Quote, quote=quote)


@transaction.atomic
def quote_update(*, quote: Quote, by=None, topics=None, expected_version=None, **changes) -> Quote:
    """Change a quote's fields (and topics), keeping every rule; return it.

    With ``expected_version`` (the version the editor read, or a set of them), a quote saved
    by someone else since is refused with VersionConflict. Retracting the last published
    evidence of a published position is refused with StillNeeded.
    """
    version_lock(quote, expected_version)
    for field, value in changes.items():
        setattr(quote, field, value)
    topics_now = list(topics) if topics is not None else list(quote.topics.all())
    quote.full_clean(validate_constraints=False)
    quote_check(quote, topics_now)
    previous, *claimant = Quote.objects.filter(pk=quote.pk).values_list(
        "status", "claimant_country", "claimant_organization"
    ).first() or (None, None, None)
    _review(quote, previous=previous, by=by)
    stamp(quote, by)
    # A new claimant, or a new status, may leave a position coded "stated" resting on
    # claims by others alone: the refusal names what changed.
    changed: str | None = None
    if claimant != [quote.claimant_country_id, quote.claimant_organization_id]:
        changed = "claimant_organization" if quote.claimant_organization_id else "claimant_country"
    elif previous != quote.status:
        changed = "status"
    claims_checked = _claims_refusal(quote, changed) if changed else contextlib.nullcontext()
    with claims_checked, _evidence_refusals(quote), constraint_errors(QUOTE_CONSTRAINTS):
        quote.save()
    if topics is not None:
        quote.topics.set(topics_now)
    _after_publish(quote)
    return quote


@transaction.atomic
def source_record(*, title: str, published_on, by=None, quotes=(), **details) -> Source:
    """Record a source and, all or nothing, the quotes given as dicts of quote fields."""
    source = Source(title=title, published_on=published_on, **details)
    source.full_clean(validate_constraints=False)
    stamp(source, by)
    source.save()
    for index, fields in enumerate(quotes):
        try:
            quote_record(source=source, by=by, **fields)
        except ValidationError as error:
            raise ValidationError(
                {
                    f"quotes[{index}].{field}": messages
                    for field, messages in error.message_dict.items()
                }
            ) from error
    return source


@transaction.atomic
def quote_delete(*, quote: Quote, by=None) -> None:
    """Delete a quote, with its links to draft positions and positions in review.

    A quote that is evidence of a position analysts see (published, or retracted with a
    note) is refused with StillNeeded naming those positions, and nothing is deleted: the
    database refuses it whatever the door (see EVIDENCE_KEPT); retract the quote instead.
    ``by`` is the user deleting it (the history records them through the audit context).
    """
    pk = quote.pk
    try:
        with _evidence_refusals(quote):
            quote.delete()
            # The database checks at commit; ask now, so the refusal comes back from here.
            _evidence_check_now(True)
    except StillNeeded:
        quote.pk = pk  # nothing was deleted
        raise
    finally:
        _evidence_check_now(False)


@contextlib.contextmanager
def _claims_refusal(quote: Quote, field: str):
    """Check at once that no position coded "stated" is left resting on claims by others
    alone (the database checks at commit: positions 0016), and refuse it on ``field``."""
    _claims_check_now(True)
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        if constraint_name(error) != STATED_NOT_ONLY_CLAIMS:
            raise
        detail = getattr(getattr(error.__cause__, "diag", None), "message_detail", "") or ""
        ids = [int(pk) for pk in detail.split(", ") if pk.isdigit()]
        positions = (
            Quote.objects.get(pk=quote.pk)
            .positions.filter(pk__in=ids)
            .select_related("country", "organization", "topic", "stance")
            .order_by("pk")
        )
        names = "; ".join(f"{position} (position {position.pk})" for position in positions)
        raise ValidationError(
            {
                field: f"{names or 'A position'} is coded “stated” and would then rest only on "
                "claims by others. Code it “reported” or “inferred” first, or give it the "
                "holder's own words as evidence."
            }
        ) from error
    finally:
        _claims_check_now(False)


def _claims_check_now(now: bool) -> None:
    with connection.cursor() as cursor:
        mode = "IMMEDIATE" if now else "DEFERRED"
        cursor.execute(f"SET CONSTRAINTS {STATED_NOT_ONLY_CLAIMS} {mode}")


def _evidence_check_now(now: bool) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {EVIDENCE_KEPT} {'IMMEDIATE' if now else 'DEFERRED'}")


@contextlib.contextmanager
def _evidence_refusals(quote: Quote):
    """Turn the database's refusal to take evidence from under a position into StillNeeded."""
    pk = quote.pk
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        name = constraint_name(error)
        statuses: tuple[str, ...]
        if name == EVIDENCE_KEPT:
            statuses, action = SEEN_STATUSES, "deleted"
            advice = "Retract it instead (with a note), or first remove it from their evidence."
        elif name == EVIDENCE_PUBLISHED:
            statuses, action = (Status.PUBLISHED,), "retracted"
            advice = "First give them other published evidence, or retract them."
        else:
            raise
        positions = list(
            Quote.objects.get(pk=pk)
            .positions.filter(status__in=statuses)
            .select_related("country", "organization", "topic", "stance")
            .order_by("pk")
        )
        names = "; ".join(str(position) for position in positions) or "a published position"
        raise StillNeeded(
            f"This quote cannot be {action}: it is the evidence of {names}. {advice}",
            dependants=positions,
        ) from error


def source_check_new(*, title: str, published_on, by=None, **details) -> Source:
    """Check a new source by source_record's rules and return it unsaved, for
    source_record_many; raise a ValidationError naming each field; write nothing."""
    source = Source(title=title, published_on=published_on, **details)
    source.full_clean(validate_constraints=False)
    stamp(source, by)
    return source


@transaction.atomic
def source_record_many(sources: list[Source], *, batch_size: int = 1000) -> list[Source]:
    """Store sources checked by source_check_new in a few statements; return them."""
    with foreign_keys_checked_now():
        return Source.objects.bulk_create(sources, batch_size=batch_size)


@transaction.atomic
def source_update(*, source: Source, by=None, expected_version=None, **changes) -> Source:
    """Change a source's fields; return it.

    With ``expected_version``, a source saved by someone else since is refused with
    VersionConflict.
    """
    version_lock(source, expected_version)
    for field, value in changes.items():
        setattr(source, field, value)
    source.full_clean(validate_constraints=False)
    stamp(source, by)
    source.save()
    return source
