"""What allies signed: agreements with their parties and clauses (DESIGN §8)."""

import datetime

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from apps.actors.models import Country, Organization
from apps.core.dates import from_earliest
from apps.core.import_runs import ImportRunBase
from apps.core.models import Status, TimestampedModel, long_text_field, name_field
from apps.core.validators import clean_text_validators, reject_future

CURRENCY_PATTERN = r"^[A-Z]{3}$"
MAX_DURATION_YEARS = 100


class ConstraintsOnFields(models.Model):
    """Reports a broken check constraint on the field an editor would change (a form shows
    it beside that field, as the services do), not on top of the form."""

    constraint_fields: dict[str, str] = {}

    class Meta:
        abstract = True

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            by_message = {
                str(c.violation_error_message): self.constraint_fields[c.name]
                for c in self._meta.constraints
                if c.name in self.constraint_fields
            }
            errors: dict[str, list] = {}
            for field, messages in error.message_dict.items():
                for message in messages:
                    errors.setdefault(by_message.get(message, field), []).append(message)
            raise ValidationError(errors) from error


class AgreementKind(models.TextChoices):
    BILATERAL_SECURITY = "bilateral_security", "Bilateral security agreement"
    JOINT_DECLARATION = "joint_declaration", "Joint declaration"
    COMPACT = "compact", "Compact"
    MEMORANDUM = "memorandum", "Memorandum"
    TREATY = "treaty", "Treaty"
    OTHER = "other", "Other"


def years_after(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` later (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class AgreementQuerySet(models.QuerySet):
    def published(self):
        """Return agreements that analysts and anonymous clients may see."""
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        """Return the agreements the user may see: all for editors and administrators,
        published ones for everyone else."""
        if (
            user is not None
            and user.is_authenticated
            and user.has_perm("agreements.change_agreement")
        ):
            return self
        return self.published()

    def in_force(self, day: datetime.date):
        """Return agreements in force on the day: signed (or in force) on or before it, and
        neither expired nor terminated before it (the expiry and termination days count)."""
        return self.filter(
            Q(signed_on__lte=day) | Q(in_force_on__lte=day),
            Q(expires_on__isnull=True) | Q(expires_on__gte=day),
            Q(terminated_on__isnull=True) | Q(terminated_on__gte=day),
        )

    def with_party(self, *, country=None, organization=None):
        """Return agreements one country or organization is a party of."""
        if country is not None:
            return self.filter(parties__country=country)
        return self.filter(parties__organization=organization)

    def for_list(self):
        """Return agreements with source, parties (and their countries and organizations)
        fetched in a fixed number of queries."""
        return self.select_related("source").prefetch_related(
            models.Prefetch(
                "parties", queryset=Party.objects.select_related("country", "organization")
            )
        )


@pghistory.track()
class Agreement(ConstraintsOnFields, TimestampedModel):
    """An agreement, declaration, compact, memorandum or treaty, with its source."""

    constraint_fields = {
        "agreement_in_force_after_signing": "in_force_on",
        "agreement_ends_after_start": "expires_on",
        "agreement_terminated_after_signing": "terminated_on",
        "agreement_termination_noted": "termination_note",
        "agreement_ratified_after_signing": "ratified_on",
        "agreement_duration_sane": "duration_years",
    }

    slug = models.SlugField(max_length=120, unique=True)
    title = name_field()
    kind = models.CharField(max_length=20, choices=AgreementKind.choices)
    signed_on = models.DateField(validators=[reject_future])
    place = models.CharField(max_length=200, blank=True, validators=clean_text_validators())
    in_force_on = models.DateField(
        null=True,
        blank=True,
        validators=[reject_future],
        help_text="When it entered into force, if not on signing.",
    )
    duration_years = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_YEARS)],
        help_text="How long it holds, from entry into force (or signing).",
    )
    expires_on = models.DateField(
        null=True,
        blank=True,
        help_text="Left empty, it is derived from the start and the duration. "
        "The agreement is still in force on this day.",
    )
    needs_ratification = models.BooleanField(default=False)
    ratified_on = models.DateField(null=True, blank=True, validators=[reject_future])
    terminated_on = models.DateField(
        null=True,
        blank=True,
        validators=[reject_future],
        help_text="The last day it held, if a party ended it.",
    )
    termination_note = long_text_field(help_text="How and why it was terminated.")
    source = models.ForeignKey(
        "statements.Source", on_delete=models.PROTECT, related_name="agreements"
    )
    summary = long_text_field()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    correction_note = long_text_field(help_text="Why the agreement was corrected or retracted.")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="The editor who published it.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = AgreementQuerySet.as_manager()

    # Set by agreement_update when the change was proposed as a revision in review instead.
    proposed_revision = None

    class Meta:
        ordering = ["-signed_on", "title"]
        indexes = [
            models.Index(fields=["status", "-signed_on"], name="agreement_signed"),
            models.Index(fields=["kind", "status"], name="agreement_kind"),
            # The change list's and the feeds' events in a period (apps.agreements.changes).
            models.Index(fields=["status", "expires_on"], name="agreement_expires"),
            models.Index(
                fields=["status", "terminated_on"],
                name="agreement_terminated",
                condition=Q(terminated_on__isnull=False),
            ),
        ]
        constraints = [
            from_earliest("signed_on", name="agreement_signed_on_1900"),
            from_earliest("in_force_on", name="agreement_in_force_on_1900", null=True),
            models.CheckConstraint(
                condition=Q(in_force_on__isnull=True) | Q(in_force_on__gte=F("signed_on")),
                name="agreement_in_force_after_signing",
                violation_error_message="An agreement enters into force on or after its signing.",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(expires_on__gt=Coalesce(F("in_force_on"), F("signed_on"))),
                name="agreement_ends_after_start",
                violation_error_message="An agreement expires after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(terminated_on__isnull=True) | Q(terminated_on__gt=F("signed_on")),
                name="agreement_terminated_after_signing",
                violation_error_message="An agreement is terminated after it is signed.",
            ),
            models.CheckConstraint(
                condition=Q(terminated_on__isnull=True) | Q(termination_note__regex=r"\S"),
                name="agreement_termination_noted",
                violation_error_message="Say how and why the agreement was terminated.",
            ),
            models.CheckConstraint(
                condition=Q(ratified_on__isnull=True)
                | Q(needs_ratification=True, ratified_on__gte=F("signed_on")),
                name="agreement_ratified_after_signing",
                violation_error_message="Only an agreement that needs ratification is ratified, "
                "on or after its signing.",
            ),
            models.CheckConstraint(
                condition=Q(duration_years__isnull=True)
                | Q(duration_years__gte=1, duration_years__lte=MAX_DURATION_YEARS),
                name="agreement_duration_sane",
                violation_error_message=f"A duration is 1 to {MAX_DURATION_YEARS} years.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def starts_on(self) -> datetime.date:
        return self.in_force_on or self.signed_on

    def derived_expiry(self) -> datetime.date | None:
        """The expiry its start and duration give, or None without a duration."""
        if not self.duration_years or not self.signed_on:
            return None
        return years_after(self.starts_on, self.duration_years)

    def in_force_on_day(self, day: datetime.date) -> bool:
        """Whether it is in force on the day: the rule of AgreementQuerySet.in_force."""
        started = self.signed_on <= day or (
            self.in_force_on is not None and self.in_force_on <= day
        )
        return (
            started
            and (self.expires_on is None or self.expires_on >= day)
            and (self.terminated_on is None or self.terminated_on >= day)
        )


@pghistory.track()
class Party(ConstraintsOnFields, TimestampedModel):
    """A country or an organization that signed (or later joined) an agreement."""

    constraint_fields = {"party_exactly_one_holder": "country"}

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="agreement_parties"
    )
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreement_parties",
    )
    joined_on = models.DateField(
        null=True,
        blank=True,
        validators=[reject_future],
        help_text="Only for a party that joined later than the signing.",
    )

    class Meta:
        verbose_name_plural = "parties"
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(country__isnull=False) & Q(organization__isnull=True))
                | (Q(country__isnull=True) & Q(organization__isnull=False)),
                name="party_exactly_one_holder",
                violation_error_message="A party is a country or an organization, exactly one.",
            ),
            models.UniqueConstraint(fields=["agreement", "country"], name="party_country_once"),
            models.UniqueConstraint(
                fields=["agreement", "organization"], name="party_organization_once"
            ),
            from_earliest("joined_on", name="party_joined_on_1900", null=True),
        ]
        indexes = [
            models.Index(fields=["country", "agreement"], name="party_country"),
            models.Index(fields=["organization", "agreement"], name="party_organization"),
            models.Index(
                fields=["joined_on", "agreement"],
                name="party_joined",
                condition=Q(joined_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return str(self.holder)

    @property
    def holder(self):
        return self.country if self.country_id else self.organization


@pghistory.track()
class ClauseCategory(TimestampedModel):
    """One entry of the editable codebook of clause categories (seeded: migration 0002)."""

    slug = models.SlugField(max_length=60, unique=True)
    name = name_field()
    description = long_text_field()
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "clause categories"

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class Clause(ConstraintsOnFields, TimestampedModel):
    """A commitment of an agreement: its words verbatim, with the article they stand in."""

    constraint_fields = {
        "clause_text_not_empty": "text",
        "clause_amount_not_negative": "amount",
        "clause_currency_iso": "currency",
        "clause_amount_with_currency": "currency",
    }

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="clauses")
    category = models.ForeignKey(ClauseCategory, on_delete=models.PROTECT, related_name="clauses")
    article = models.CharField(
        max_length=40,
        blank=True,
        validators=clean_text_validators(),
        help_text="Its article or paragraph number, as the text numbers it.",
    )
    text = long_text_field(blank=False, help_text="The clause's words, verbatim.")
    amount = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(
        max_length=3,
        blank=True,
        validators=[
            RegexValidator(CURRENCY_PATTERN, "A currency is an ISO 4217 code such as EUR or USD.")
        ],
    )
    period = models.CharField(
        max_length=100,
        blank=True,
        validators=clean_text_validators(),
        help_text="What the amount covers: a year, a span of years, 'per year'.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        indexes = [models.Index(fields=["category", "agreement"], name="clause_category")]
        constraints = [
            models.CheckConstraint(
                condition=Q(text__regex=r"\S"),
                name="clause_text_not_empty",
                violation_error_message="A clause has its words, verbatim: never empty.",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="clause_amount_not_negative",
                violation_error_message="An amount is never negative.",
            ),
            models.CheckConstraint(
                condition=Q(currency="") | Q(currency__regex=CURRENCY_PATTERN),
                name="clause_currency_iso",
                violation_error_message="A currency is an ISO 4217 code such as EUR or USD.",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True, currency="")
                | Q(amount__isnull=False) & ~Q(currency=""),
                name="clause_amount_with_currency",
                violation_error_message="An amount comes with its currency, and a currency with an amount.",
            ),
        ]

    def __str__(self) -> str:
        article = f"Art. {self.article}: " if self.article else ""
        return f"{article}{self.text[:60]}"


class AgreementImportRun(ImportRunBase):
    """One upload of agreements to import (apps/agreements/imports.py, run by the machinery of
    apps/core/import_runs.py): who, what file, how far it got, how it ended, what it stored."""

    counts = ("agreements", "parties", "clauses")
    thread_prefix = "agreement-import-run"

    agreements = models.PositiveIntegerField(default=0)
    parties = models.PositiveIntegerField(default=0)
    clauses = models.PositiveIntegerField(default=0)

    class Meta(ImportRunBase.Meta):
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="agreementimportrun_owner")
        ]
