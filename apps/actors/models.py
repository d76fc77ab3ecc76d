"""Who: countries, blocs, organizations, people and their dated roles."""

import pghistory
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Upper

from apps.core.dates import from_earliest
from apps.core.models import Status, TimestampedModel, long_text_field, may_change, name_field
from apps.core.validators import reject_future


def trigram_index(field: str, name: str) -> GinIndex:
    """A trigram index on UPPER(field): what icontains (admin search, autocomplete and the
    API's `search`) compiles to on PostgreSQL, so a substring search needs no full scan."""
    return GinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=name)


class CountryQuerySet(models.QuerySet):
    def nato_members(self, on=None):
        """Return countries that were NATO members on the given day (today if None)."""
        from django.utils import timezone

        day = on or timezone.localdate()
        return self.filter(nato_joined__isnull=False, nato_joined__lte=day)


@pghistory.track()
class Country(TimestampedModel):
    code = models.CharField(
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}\Z", "Use an ISO 3166-1 alpha-2 code, e.g. EE.")],
        help_text="ISO 3166-1 alpha-2 code, upper case.",
    )
    name = name_field(unique=True)
    nato_joined = models.DateField(
        null=True, blank=True, validators=[reject_future], help_text="Empty for non-members."
    )
    eu_member = models.BooleanField(default=False)

    objects = CountryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        indexes = [trigram_index("name", "country_name_trgm")]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{2}$"), name="country_code_iso2"
            ),
            from_earliest("nato_joined", name="country_nato_joined_from_1900", null=True),
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Bloc(TimestampedModel):
    slug = models.SlugField(unique=True, max_length=100)
    name = name_field(unique=True)
    description = long_text_field()
    members = models.ManyToManyField(Country, related_name="blocs", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganizationKind(models.TextChoices):
    ALLIANCE = "alliance", "Alliance"
    INTERGOVERNMENTAL = "intergovernmental", "Intergovernmental body"
    GOVERNMENT = "government", "Government"
    MINISTRY = "ministry", "Ministry"
    NGO = "ngo", "Non-governmental organization"
    UNIVERSITY = "university", "University"
    MEDIA = "media", "Media"
    THINK_TANK = "think_tank", "Think tank"
    OTHER = "other", "Other"


# What readers see of the editorial objects: reference data loaded by no user (the seed, and
# rows from before this rule), and whatever something published refers to. An object an
# editor creates for a draft stays out of sight until the draft is published. The upper apps'
# rows are reached through their reverse relations (quotes, positions, sources), each an
# EXISTS on an indexed foreign key, so a list costs the same queries whatever its length.
QUOTE_SEEN = Status.PUBLISHED
POSITION_SEEN = (Status.PUBLISHED, Status.RETRACTED)  # a retracted one stays on record


def _referred(model, **lookups) -> Exists:
    """EXISTS: the outer row of `model` matches the lookups (through its reverse relations)."""
    return Exists(model._base_manager.filter(pk=OuterRef("pk"), **lookups))


class OrganizationQuerySet(models.QuerySet):
    def public(self):
        """Return organizations readers may see: reference data, holders of positions on
        record, publishers of sources a published quote cites, and organizations of the
        posts published quotes were said in."""
        model = self.model
        return self.filter(
            Q(created_by__isnull=True)
            | _referred(model, positions__status__in=POSITION_SEEN)
            | _referred(model, published__quotes__status=QUOTE_SEEN)
            | _referred(model, roles__quotes__status=QUOTE_SEEN)
        )

    def visible_to(self, user):
        """Return the organizations this user may see: all for those who may change them
        (editors, administrators), the public ones for everyone else."""
        return self if may_change(user, self.model) else self.public()


@pghistory.track()
class Organization(TimestampedModel):
    slug = models.SlugField(unique=True, max_length=100)
    name = name_field(unique=True)
    kind = models.CharField(max_length=20, choices=OrganizationKind.choices)
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="organizations"
    )

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [trigram_index("name", "organization_name_trgm")]

    def __str__(self) -> str:
        return self.name


class PersonQuerySet(models.QuerySet):
    def public(self):
        """Return people readers may see: reference data, speakers of published quotes
        (named, or through the post they spoke in), and authors of sources a published
        quote cites."""
        model = self.model
        return self.filter(
            Q(created_by__isnull=True)
            | _referred(model, quotes__status=QUOTE_SEEN)
            | _referred(model, roles__quotes__status=QUOTE_SEEN)
            | _referred(model, authored__quotes__status=QUOTE_SEEN)
        )

    def visible_to(self, user):
        """Return the people this user may see: all for those who may change people
        (editors, administrators), the public ones for everyone else."""
        return self if may_change(user, self.model) else self.public()


@pghistory.track()
class Person(TimestampedModel):
    slug = models.SlugField(unique=True, max_length=100)
    name = name_field()
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    bio = long_text_field()

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        indexes = [trigram_index("name", "person_name_trgm")]

    def __str__(self) -> str:
        return self.name


class RoleQuerySet(models.QuerySet):
    def held_on(self, day):
        """Return roles held on the given day (open-ended dates count as held)."""
        return self.filter(Q(start__isnull=True) | Q(start__lte=day)).filter(
            Q(end__isnull=True) | Q(end__gte=day)
        )

    def visible_to(self, user):
        """Return the roles this user may see: all for those who may change roles (editors,
        administrators); for everyone else the posts of the people they may see."""
        if may_change(user, self.model):
            return self
        people = Person.objects.public().filter(pk=OuterRef("person_id"))
        return self.filter(Exists(people))


@pghistory.track()
class Role(TimestampedModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roles")
    title = name_field()
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="roles"
    )
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="roles"
    )
    start = models.DateField(null=True, blank=True, validators=[reject_future])
    end = models.DateField(
        null=True, blank=True, validators=[reject_future], help_text="Empty while the post is held."
    )

    objects = RoleQuerySet.as_manager()

    class Meta:
        ordering = ["person__name", "-start"]
        indexes = [trigram_index("title", "role_title_trgm")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True)
                | Q(end__isnull=True)
                | Q(end__gte=models.F("start")),
                name="role_end_after_start",
                violation_error_message="A role cannot end before it starts.",
            ),
            models.UniqueConstraint(fields=["person", "title", "start"], name="role_unique_post"),
            from_earliest("start", name="role_start_from_1900", null=True),
            from_earliest("end", name="role_end_from_1900", null=True),
        ]

    def __str__(self) -> str:
        return f"{self.person.name}, {self.title}"
