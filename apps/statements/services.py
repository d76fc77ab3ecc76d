"""Writes to sources and quotes: one door for the admin, the API and the seed."""

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.models import Status
from apps.core.services import constraint_errors, review_errors, stamp
from apps.statements.models import Quote, Source
from apps.statements.signals import quote_saved

QUOTE_CONSTRAINTS = {
    "quote_speaker_or_label": (
        "speaker",
        "Give the speaker, or for an anonymous source a speaker label: one, not both.",
    ),
    "quote_text_not_empty": ("text", "The quote's words cannot be empty."),
}


def quote_check(quote: Quote, topics=None) -> None:
    """Raise a ValidationError naming each field that breaks a quote rule; write nothing."""
    errors = {}
    has_speaker = quote.speaker_id is not None
    has_label = bool((quote.speaker_label or "").strip())
    if has_speaker == has_label:
        message = "Give the speaker, or for an anonymous source a speaker label: one, not both."
        errors["speaker"] = message
        errors["speaker_label"] = message
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
    if quote.source_id and quote.said_on and quote.source.published_on:
        if quote.said_on > quote.source.published_on and quote.source.published_precision == "day":
            errors["said_on"] = "A quote cannot be said after its source was published."
    if errors:
        raise ValidationError(errors)


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
    quote_check(quote, topics)
    _review(quote, previous=None, by=by)
    stamp(quote, by)
    with constraint_errors(QUOTE_CONSTRAINTS):
        quote.save()
    quote.topics.set(topics)
    _after_publish(quote)
    return quote


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
def quote_update(*, quote: Quote, by=None, topics=None, **changes) -> Quote:
    """Change a quote's fields (and topics), keeping every rule; return it."""
    for field, value in changes.items():
        setattr(quote, field, value)
    topics_now = list(topics) if topics is not None else list(quote.topics.all())
    quote.full_clean(validate_constraints=False)
    quote_check(quote, topics_now)
    previous = Quote.objects.filter(pk=quote.pk).values_list("status", flat=True).first()
    _review(quote, previous=previous, by=by)
    stamp(quote, by)
    with constraint_errors(QUOTE_CONSTRAINTS):
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
def source_update(*, source: Source, by=None, **changes) -> Source:
    """Change a source's fields; return it."""
    for field, value in changes.items():
        setattr(source, field, value)
    source.full_clean(validate_constraints=False)
    stamp(source, by)
    source.save()
    return source
