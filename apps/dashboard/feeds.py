"""Atom feeds of position changes: overall, per country and per topic. Each entry gives the
stance before (the holder's previous position on the topic, or none on record) and after."""

import datetime

from django.contrib.syndication.views import Feed
from django.db.models import JSONField, OuterRef, Subquery
from django.db.models.functions import Coalesce, JSONObject
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from apps.actors.models import Country
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


class ChangesFeed(Feed):
    """The newest position changes; each feed below gives its own title, link and positions."""

    feed_type = Atom1Feed
    subtitle = (
        "New and changed positions of allies on Ukraine's membership, timeline and guarantees."
    )

    def positions(self, obj):
        return Position.objects.published()

    def items(self, obj=None):
        return (
            self.positions(obj)
            .with_stance()
            .annotate(previous=previous_position())
            .order_by("-valid_from", "-updated_at")[:FEED_SIZE]
        )

    def item_title(self, item):
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
        after = _stance(item.stance.value, item.stance.label)
        return f"Before: {before_words(item)}. After: {after}, from {_day(item.valid_from)}. " + (
            item.summary or item.stance.definition
        )

    def item_link(self, item):
        return reverse("dashboard:position-evidence", args=[item.pk])

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.updated_at


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


class TopicChangesFeed(ChangesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Topic, slug=slug)

    def title(self, obj):
        return f"Allied Positions: {obj.name}"

    def link(self, obj):
        return reverse("dashboard:topic", args=[obj.slug])

    def positions(self, obj):
        return Position.objects.published().filter(topic=obj)
