"""Atom feeds of position changes: overall, per country and per topic. Each entry gives the
stance before (the holder's previous position on the topic, or none on record) and after.

Beside them, the agreements signed, joined, terminated and expired (apps.agreements.changes):
in the overall feed, a country's feed where it is a party, and the guarantees topic's feed.
Entries come newest first by the day they happened."""

import datetime

from django.contrib.sites.shortcuts import get_current_site
from django.contrib.syndication.views import Feed, add_domain
from django.db.models import JSONField, OuterRef, Subquery
from django.db.models.functions import Coalesce, JSONObject
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from apps.actors.models import Country
from apps.agreements.changes import AGREEMENTS_TOPIC, AgreementEvent, latest_agreement_events
from apps.dashboard.templatetags.dashboard import signed
from apps.positions.models import Position, Topic

FEED_SIZE = 50


def previous_position():
    """The holder's previous published position on the topic (its stance value, label and
    end), as an annotation: a subquery per entry, answered from the holder's time index."""
    earlier = Position.objects.published().filter(
        topic_id=OuterRef("topic_id"), valid_from__lt=OuterRef("valid_from")
    )
    fields = JSONObject(value="stance__value", label="stance__label", valid_to="valid_to")

    def newest(holder: str):
        rows = earlier.filter(**{holder: OuterRef(holder)}).order_by("-valid_from")
        return Subquery(rows.values(json=fields)[:1], output_field=JSONField())

    return Coalesce(newest("country_id"), newest("organization_id"), output_field=JSONField())


def _stance(value: int, label: str) -> str:
    return f"{signed(value)} {label}"


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def before_words(item) -> str:
    """What the holder's position was before this one: the stance, none for a while, or none
    on record (the first recorded)."""
    previous = item.previous
    if not previous:
        return "none on record (first recorded)"
    stance = _stance(previous["value"], previous["label"])
    ended = datetime.date.fromisoformat(previous["valid_to"]) if previous["valid_to"] else None
    if ended is not None and ended < item.valid_from:
        return f"none since {_day(ended)} (earlier: {stance})"
    return stance


def midnight(day: datetime.date) -> datetime.datetime:
    """The start of the day, in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class ChangesFeed(Feed):
    """The newest position changes and agreement events; each feed below gives its own title,
    link, positions and agreements."""

    feed_type = Atom1Feed
    subtitle = (
        "New and changed positions of allies on Ukraine's membership, timeline and guarantees, "
        "and the agreements they signed, joined and ended."
    )

    def positions(self, obj):
        return Position.objects.published()

    def agreement_countries(self, obj) -> list | None:
        """Whose agreements the feed gives: None for all, [] for none."""
        return None

    def items(self, obj=None):
        positions = list(
            self.positions(obj)
            .with_stance()
            .annotate(previous=previous_position())
            .order_by("-valid_from", "-updated_at")[:FEED_SIZE]
        )
        countries = self.agreement_countries(obj)
        if countries == []:
            return positions
        events = latest_agreement_events(timezone.localdate(), limit=FEED_SIZE, countries=countries)
        merged: list = [*positions, *events]
        merged.sort(
            key=lambda item: (self.item_day(item), self.item_updateddate(item)), reverse=True
        )
        return merged[:FEED_SIZE]

    def item_day(self, item) -> datetime.date:
        return item.day if isinstance(item, AgreementEvent) else item.valid_from

    def item_title(self, item):
        if isinstance(item, AgreementEvent):
            return f"{item.headline}, {_day(item.day)}"
        after = _stance(item.stance.value, item.stance.label)
        previous = item.previous
        if not previous:
            move = f"first recorded: {after}"
        elif previous["valid_to"] and previous["valid_to"] < item.valid_from.isoformat():
            move = f"none → {after}"
        else:
            move = f"{_stance(previous['value'], previous['label'])} → {after}"
        return f"{item.holder.name} on {item.topic.name}: {move}, from {_day(item.valid_from)}"

    def item_description(self, item):
        if isinstance(item, AgreementEvent):
            return agreement_description(item)
        after = _stance(item.stance.value, item.stance.label)
        return f"Before: {before_words(item)}. After: {after}, from {_day(item.valid_from)}. " + (
            item.summary or item.stance.definition
        )

    def item_link(self, item):
        if isinstance(item, AgreementEvent):
            return reverse("dashboard:agreement", args=[item.slug])
        return reverse("dashboard:position-evidence", args=[item.pk])

    def item_guid(self, item):
        """An entry's id, made absolute in get_feed: a position's page (as before agreements
        joined the feed), an agreement's page with the event (`#signed`, `#joined-CA`), which
        no correction of its day changes."""
        if isinstance(item, AgreementEvent):
            return f"{self.item_link(item)}#{item.key}"
        return self.item_link(item)

    def item_pubdate(self, item):
        if isinstance(item, AgreementEvent):
            # Recorded before it happened (an expiry): published on its day.
            return max(item.created_at, midnight(item.day))
        return item.created_at

    def item_updateddate(self, item):
        if isinstance(item, AgreementEvent):
            return max(item.updated_at, midnight(item.day))
        return item.updated_at

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        domain = get_current_site(request).domain
        for entry in feed.items:
            entry["unique_id"] = add_domain(domain, entry["unique_id"], request.is_secure())
        return feed


def agreement_description(event: AgreementEvent) -> str:
    """An agreement event in words: what happened, when, between whom, and for an ending
    the last day in force and the note."""
    parts = [f"{event.kind_label}. {event.label}"]
    if event.event in ("terminated", "expired"):
        parts[0] += f"; its last day in force was {_day(event.day)}."
    else:
        parts[0] += f" on {_day(event.day)}."
    if event.parties:
        parts.append(f"Parties: {event.party_names}.")
    if event.note:
        parts.append(event.note)
    return " ".join(parts)


class PositionChangesFeed(ChangesFeed):
    title = "Allied Positions: position changes"

    def link(self):
        return reverse("dashboard:changes")


class CountryChangesFeed(ChangesFeed):
    def get_object(self, request, code):
        return get_object_or_404(Country, code=code.upper())

    def title(self, obj):
        return f"Allied Positions: {obj.name}"

    def link(self, obj):
        return reverse("dashboard:country", args=[obj.code])

    def positions(self, obj):
        return Position.objects.published().filter(country=obj)

    def agreement_countries(self, obj):
        return [obj]


class TopicChangesFeed(ChangesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Topic, slug=slug)

    def title(self, obj):
        return f"Allied Positions: {obj.name}"

    def link(self, obj):
        return reverse("dashboard:topic", args=[obj.slug])

    def positions(self, obj):
        return Position.objects.published().filter(topic=obj)

    def agreement_countries(self, obj):
        # Agreements are commitments on guarantees: only that topic's feed gives them.
        return None if obj.slug == AGREEMENTS_TOPIC else []
