"""The querysets behind each resource: the domain's queryset methods plus the prefetches the
API's shapes need, so a page costs the same number of queries whatever its length."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Prefetch

from apps.actors.models import Bloc, Country, Organization, Person, Role
from apps.positions.models import Position, Stance, Topic
from apps.statements.models import Event, Quote, Source


def countries():
    """Countries with their blocs' slugs."""
    return Country.objects.prefetch_related(
        # The plugin misreads a Prefetch of a reverse many-to-many relation.
        Prefetch("blocs", queryset=Bloc.objects.order_by("slug").only("id", "slug"))  # type: ignore[arg-type]
    )


def blocs():
    """Blocs with their members, by name."""
    return Bloc.objects.prefetch_related(
        Prefetch("members", queryset=Country.objects.order_by("name").only("id", "code", "name"))
    )


def topics():
    """Topics in display order, each with its scale from +2 down to −2."""
    return Topic.objects.prefetch_related(
        Prefetch("stances", queryset=Stance.objects.order_by("-value"))
    ).order_by("order", "name")


def organizations(user):
    """Organizations the user may see (those something published refers to, or all for
    editors), with their country."""
    return Organization.objects.visible_to(user).select_related("country").order_by("name")


def people(user):
    """People the user may see (those something published refers to, or all for editors),
    with their country and their roles (newest first)."""
    roles = Role.objects.select_related("organization", "country").order_by("-start", "id")
    return (
        Person.objects.visible_to(user)
        .select_related("country")
        .prefetch_related(Prefetch("roles", queryset=roles))
        .order_by("name", "slug")
    )


def roles(user):
    """Roles of the people the user may see."""
    return (
        Role.objects.visible_to(user)
        .select_related("person", "organization", "country")
        .order_by("person__name", "-start", "id")
    )


def events(user):
    """Events the user may see (those a published quote refers to, or all for editors)."""
    return Event.objects.visible_to(user).order_by("-start_date", "slug")


def sources(user):
    """Sources the user may see (those a published quote cites, or all for editors)."""
    return (
        Source.objects.visible_to(user)
        .select_related("publisher", "author")
        .order_by("-published_on", "id")
    )


def quotes(user):
    """Quotes the user may see (published, or all for editors), attributed, with their topics'
    slugs in the same query (an array subquery, in the codebook's order): one quote by id is
    one query rather than two."""
    topics = Topic.objects.filter(quotes=OuterRef("pk")).order_by("order", "slug").values("slug")
    return (
        Quote.objects.visible_to(user)
        .with_attribution()
        .select_related("implied_stance__topic")
        .annotate(topic_slugs=ArraySubquery(topics))
    )


def positions(user):
    """Positions the user may see, with stance and holder, and the evidence they may see."""
    evidence = Quote.objects.visible_to(user)
    return (
        Position.objects.visible_to(user)
        .with_stance()
        .prefetch_related(
            Prefetch(
                "evidence",
                queryset=evidence.with_attribution().order_by("-said_on", "-id"),
                to_attr="visible_evidence",
            )
        )
        .order_by("topic__order", "valid_from", "id")
    )
