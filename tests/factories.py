"""Factories for every domain model; positions and quotes are made through the services."""

import datetime
import importlib

import factory
from django.contrib.auth.models import Group, User

from apps.actors.models import Bloc, Country, Organization, Person, Role
from apps.agreements.models import Agreement, AgreementKind, ClauseCategory
from apps.agreements.services import agreement_record
from apps.core.models import Status
from apps.positions.models import Confidence, Position, Stance, Topic
from apps.positions.services import position_record
from apps.statements.models import Event, Quote, Source
from apps.statements.services import quote_record

STANCE_LABELS = {2: "Strongly for", 1: "For", 0: "Neutral", -1: "Sceptical", -2: "Against"}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery")


class EditorFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def editors_group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(editors_group())


EDITORIAL_MODELS = {
    "codebook": ["topic", "stance"],
    "actors": ["country", "bloc", "organization", "person", "role"],
    "statements": ["event", "source", "quote"],
    "positions": ["position"],
    "agreements": ["agreement", "party", "clause", "clausecategory"],
}


def editors_group() -> Group:
    """The Editors group its migration makes; made again if a transactional test's flush
    removed it (the flush keeps permissions, recreated after it, but not migration data)."""
    from django.contrib.auth.models import Permission

    group, created = Group.objects.get_or_create(name="Editors")
    if created:
        codenames = [
            f"{action}_{model}"
            for models in EDITORIAL_MODELS.values()
            for model in models
            for action in ("add", "change", "view")
        ] + ["view_possibleshift", "change_possibleshift"]
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label__in=EDITORIAL_MODELS, codename__in=codenames
            )
        )
    return group


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{chr(65 + (n // 26) % 26)}{chr(65 + n % 26)}")
    name = factory.Sequence(lambda n: f"Country {n}")
    nato_joined = datetime.date(1949, 8, 24)


class BlocFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bloc

    slug = factory.Sequence(lambda n: f"bloc-{n}")
    name = factory.Sequence(lambda n: f"Bloc {n}")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Organization {n}")
    kind = "alliance"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    slug = factory.Sequence(lambda n: f"person-{n}")
    name = factory.Sequence(lambda n: f"Person {n}")
    country = factory.SubFactory(CountryFactory)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    person = factory.SubFactory(PersonFactory)
    title = factory.Sequence(lambda n: f"Minister {n}")
    country = factory.SelfAttribute("person.country")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    slug = factory.Sequence(lambda n: f"event-{n}")
    name = factory.Sequence(lambda n: f"Summit {n}")
    kind = "summit"
    start_date = datetime.date(2023, 7, 11)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Report {n}")
    published_on = datetime.date(2023, 6, 15)
    kind = "news_report"
    reliability = "secondary"


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.Sequence(lambda n: f"Topic {n}")
    question = "Where do they stand?"
    order = factory.Sequence(lambda n: n)

    @factory.post_generation
    def stances(self, create, extracted, **kwargs):
        if create and not self.stances.exists():
            for value, label in STANCE_LABELS.items():
                Stance.objects.create(
                    topic=self, value=value, label=label, definition=f"{label} on {self.name}."
                )


def make_quote(*, source=None, speaker=None, by=None, topics=(), **fields) -> Quote:
    """Record a published quote through the service, with sensible defaults."""
    fields.setdefault("text", "We simply don't know how the war will end.")
    fields.setdefault("said_on", datetime.date(2023, 6, 15))
    fields.setdefault("status", Status.PUBLISHED)
    if speaker is None and not fields.get("speaker_label"):
        speaker = PersonFactory()
    return quote_record(
        source=source or SourceFactory(), speaker=speaker, by=by, topics=topics, **fields
    )


def make_position(*, topic=None, value=1, country=None, organization=None, **fields) -> Position:
    """Record a published position through the service, with one evidence quote."""
    topic = topic or TopicFactory()
    if country is None and organization is None:
        country = CountryFactory()
    fields.setdefault("valid_from", datetime.date(2023, 6, 1))
    fields.setdefault("confidence", Confidence.STATED)
    fields.setdefault("status", Status.PUBLISHED)
    if "evidence" not in fields:
        fields["evidence"] = [make_quote(country=country, topics=[topic])]
    return position_record(
        topic=topic,
        stance=topic.stances.get(value=value),
        country=country,
        organization=organization,
        **fields,
    )


# The categories the migration seeds: slug -> (order, name).
SEEDED_CATEGORIES = {
    slug: (order, name)
    for order, (slug, name) in enumerate(
        importlib.import_module(
            "apps.agreements.migrations.0002_categories_rules_editors"
        ).CATEGORIES,
        start=1,
    )
}


class ClauseCategoryFactory(factory.django.DjangoModelFactory):
    """A clause category; the seeded ones by their slug (a transactional test's flush
    removes the migration's rows: they come back through here)."""

    class Meta:
        model = ClauseCategory
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.LazyAttribute(lambda c: SEEDED_CATEGORIES.get(c.slug, (0, c.slug))[1])
    order = factory.LazyAttribute(lambda c: SEEDED_CATEGORIES.get(c.slug, (99, ""))[0])


def country_other_than(*countries) -> Country:
    """A new synthetic country: the code sequence runs through every pair of letters, and a
    factory country that comes back as one already given (UA, say) would be the same party."""
    taken = {country.pk for country in countries}
    while (country := CountryFactory()).pk in taken:
        pass
    return country


class AgreementFactory(factory.django.DjangoModelFactory):
    """A synthetic agreement, recorded through agreement_record: by default published, between
    Ukraine and a new country, with no clauses. ``parties`` and ``clauses`` take the lists
    the service takes."""

    class Meta:
        model = Agreement

    slug = factory.Sequence(lambda n: f"synthetic-agreement-{n}")
    title = factory.Sequence(lambda n: f"Synthetic agreement {n}")
    kind = AgreementKind.BILATERAL_SECURITY
    signed_on = datetime.date(2024, 1, 12)
    duration_years = 10
    source = factory.SubFactory(SourceFactory)
    status = Status.PUBLISHED
    parties = None
    clauses = ()

    @classmethod
    def _create(cls, model_class, *args, parties=None, clauses=(), by=None, **kwargs):
        if parties is None:
            ukraine = CountryFactory(code="UA", name="Ukraine", nato_joined=None)
            parties = [{"country": ukraine}, {"country": country_other_than(ukraine)}]
        return agreement_record(by=by, parties=parties, clauses=list(clauses), **kwargs)


def synthetic_clause(category_slug: str = "military-aid", **fields) -> dict:
    """A clause as agreement_record takes it, with clearly synthetic words."""
    return {
        "category": ClauseCategoryFactory(slug=category_slug),
        "article": "1",
        "text": "Synthetic clause text for a test; not the words of any agreement.",
        **fields,
    }
