"""Atom feeds of position changes: overall, per country and per topic."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from apps.actors.models import Country
from apps.positions.models import Position, Topic

FEED_SIZE = 50


class ChangesFeed(Feed):
    """The newest position changes; each feed below gives its own title, link and positions."""

    feed_type = Atom1Feed
    subtitle = (
        "New and changed positions of allies on Ukraine's membership, timeline and guarantees."
    )

    def positions(self, obj):
        return Position.objects.published()

    def items(self, obj=None):
        return self.positions(obj).with_stance().order_by("-valid_from", "-updated_at")[:FEED_SIZE]

    def item_title(self, item):
        return f"{item.holder.name}: {item.stance.label} on {item.topic.name} from {item.valid_from:%d %B %Y}"

    def item_description(self, item):
        return item.summary or item.stance.definition

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
