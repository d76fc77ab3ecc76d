"""What it means: dated positions of allies on the codebook's topics, possible shifts, and
the runs of statement imports."""

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.indexes import GistIndex
from django.db import models
from django.db.models import Q

from apps.actors.models import Country, Organization
from apps.codebook.models import Stance, Topic
from apps.core.dates import from_earliest
from apps.core.import_runs import ImportRunBase
from apps.core.import_runs import ImportRunState as ImportRunState  # where it was defined first
from apps.core.models import Revision, Status, TimestampedModel, long_text_field
from apps.core.validators import reject_future


class Conditionality(models.TextChoices):
    NONE = "none", "None"
    AFTER_WAR = "after_war", "After the war"
    CONDITIONS_MET = "conditions_met", "When allies agree and conditions are met"
    REFORMS = "reforms", "Reforms"
    CONSENSUS = "consensus", "Consensus"
    OTHER = "other", "Other"


class Confidence(models.TextChoices):
    STATED = "stated", "Stated"
    REPORTED = "reported", "Reported"
    INFERRED = "inferred", "Inferred"


class DateRange(models.Func):
    function = "DATERANGE"
    output_field = DateRangeField()


class PositionQuerySet(models.QuerySet):
    def published(self):
        """Return positions that analysts and anonymous clients may see."""
        return self.filter(status=Status.PUBLISHED)

    def on_record(self):
        """Return positions analysts see in a history: published, and retracted with a note."""
        return self.filter(status__in=[Status.PUBLISHED, Status.RETRACTED])

    def visible_to(self, user):
        """Return the positions the user may see: all for those who may change positions
        (editors, administrators), published ones for everyone else."""
        if (
            user is not None
            and user.is_authenticated
            and user.has_perm("positions.change_position")
        ):
            return self
        return self.published()

    def in_force(self, *days):
        """Return positions in force on any of the days (valid_from <= day < valid_to, or still
        open): the one rule for "in force on day D", everywhere.

        Written as a range containment so that PostgreSQL answers it from the
        `position_in_force` GiST index: a few hundred rows read, however long the histories."""
        condition = Q()
        for day in days:
            condition |= Q(in_force_period__contains=day)
        return self.alias(
            in_force_period=DateRange("valid_from", "valid_to", RangeBoundary())
        ).filter(condition)

    def as_of(self, day):
        """Return positions in force on the given day (see in_force)."""
        return self.in_force(day)

    def for_holder(self, *, country=None, organization=None):
        """Return positions held by one country or one organization."""
        if country is not None:
            return self.filter(country=country)
        return self.filter(organization=organization)

    def with_stance(self):
        """Return positions with holder, topic and stance joined in one query."""
        return self.select_related("country", "organization", "topic", "stance")


@pghistory.track()
class Position(TimestampedModel):
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="positions"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="positions"
    )
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="positions")
    stance = models.ForeignKey(Stance, on_delete=models.PROTECT, related_name="positions")
    conditionality = models.CharField(
        max_length=20, choices=Conditionality.choices, default=Conditionality.NONE
    )
    conditionality_note = long_text_field()
    valid_from = models.DateField(validators=[reject_future])
    valid_to = models.DateField(
        null=True,
        blank=True,
        help_text="Exclusive; empty while the position still holds.",
    )
    confidence = models.CharField(max_length=10, choices=Confidence.choices)
    summary = long_text_field()
    evidence = models.ManyToManyField("statements.Quote", related_name="positions", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    correction_note = long_text_field(help_text="Why the position was corrected or retracted.")
    review_note = long_text_field(
        editable=False,
        help_text="Why a reviewer sent it back to its author; cleared when it is submitted again.",
    )
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

    objects = PositionQuerySet.as_manager()

    # Not columns: set on the rows of the reads that ask for them (an annotated count, the
    # prefetch of published_evidence()).
    evidence_count: int
    published_evidence: list
    # Set by position_update when the change was proposed as a revision in review instead.
    proposed_revision: Revision | None = None

    class Meta:
        ordering = ["topic__order", "valid_from"]
        indexes = [
            models.Index(fields=["topic", "status", "valid_from"], name="position_topic_time"),
            # One holder's history, topic by topic (country and compare pages, feeds).
            models.Index(
                fields=["country", "topic", "status", "valid_from"], name="position_country_time"
            ),
            models.Index(
                fields=["organization", "topic", "status", "valid_from"],
                name="position_organization_time",
            ),
            models.Index(fields=["status", "-valid_from", "-updated_at"], name="position_feed"),
            # The published positions in force on a day (the matrix, the change list):
            # `in_force(day)` finds them through this index, whatever the length of history.
            GistIndex(
                DateRange("valid_from", "valid_to", RangeBoundary()),
                name="position_in_force",
                condition=Q(status=Status.PUBLISHED),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(country__isnull=False) & Q(organization__isnull=True))
                | (Q(country__isnull=True) & Q(organization__isnull=False)),
                name="position_exactly_one_holder",
                violation_error_message="A position is held by a country or an organization, exactly one.",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="position_ends_after_start",
                violation_error_message="A position must end after it starts.",
            ),
            from_earliest("valid_from", name="position_valid_from_1900"),
            from_earliest("valid_to", name="position_valid_to_1900", null=True),
            ExclusionConstraint(
                name="position_country_no_overlap",
                expressions=[
                    ("country", RangeOperators.EQUAL),
                    ("topic", RangeOperators.EQUAL),
                    (
                        DateRange("valid_from", "valid_to", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                # Only the published history must be seamless: drafts wait outside it.
                condition=Q(country__isnull=False, status=Status.PUBLISHED),
                violation_error_message="This country already has a position on this topic for that period.",
            ),
            ExclusionConstraint(
                name="position_organization_no_overlap",
                expressions=[
                    ("organization", RangeOperators.EQUAL),
                    ("topic", RangeOperators.EQUAL),
                    (
                        DateRange("valid_from", "valid_to", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=Q(organization__isnull=False, status=Status.PUBLISHED),
                violation_error_message="This organization already has a position on this topic for that period.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder} · {self.topic} · {self.stance.label} from {self.valid_from}"

    @property
    def holder(self):
        return self.country if self.country_id else self.organization

    def in_force_on(self, day) -> bool:
        """Whether this position is in force on the day: the rule of PositionQuerySet.in_force,
        for a position already in memory."""
        return self.valid_from <= day and (self.valid_to is None or self.valid_to > day)


class ShiftStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "Confirmed: the position was recoded"
    DISMISSED = "dismissed", "Dismissed"


class PossibleShiftQuerySet(models.QuerySet):
    def open(self):
        """Return shifts still waiting for an editor, with quote and position joined."""
        return self.filter(status=ShiftStatus.OPEN).select_related(
            "quote__speaker",
            "quote__country",
            "position__stance",
            "position__topic",
            "position__country",
            "implied_stance",
        )


@pghistory.track()
class PossibleShift(TimestampedModel):
    """A published quote whose words imply a stance other than the coded position."""

    quote = models.ForeignKey(
        "statements.Quote", on_delete=models.CASCADE, related_name="possible_shifts"
    )
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="possible_shifts")
    implied_stance = models.ForeignKey(Stance, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=ShiftStatus.choices, default=ShiftStatus.OPEN)
    note = long_text_field()

    objects = PossibleShiftQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "position"], name="shift_unique_pair")
        ]

    def __str__(self) -> str:
        return f"{self.quote.speaker_name} implies {self.implied_stance} vs {self.position}"


# Evidence links are rows of Django's many-to-many table; a tracked proxy of it keeps
# their history (pghistory's way for many-to-many), so a change of evidence is never lost.
@pghistory.track(pghistory.InsertEvent(), pghistory.DeleteEvent())
class PositionEvidence(Position.evidence.through):  # type: ignore[name-defined]  # an auto-created model
    class Meta:
        proxy = True
        verbose_name_plural = "position evidence"


class ImportRun(ImportRunBase):
    """One upload of statements to import (apps/core/import_runs.py): who, what file, how far
    the import got and how it ended, with the quotes, positions and sources it stored."""

    counts = ("quotes", "positions", "sources")

    quotes = models.PositiveIntegerField(default=0)
    positions = models.PositiveIntegerField(default=0)
    sources = models.PositiveIntegerField(default=0)

    class Meta(ImportRunBase.Meta):
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importrun_owner")]


class EvidenceTally(models.Model):
    """How many published quotes stand behind a position, kept by the database's triggers
    (migration 0015) in the transaction of every write that changes it, and removed with the
    position by one; read-only here. A position without a row has none."""

    position = models.OneToOneField(
        Position,
        primary_key=True,
        on_delete=models.DO_NOTHING,  # a trigger removes the row with the position
        db_constraint=False,
        related_name="+",
    )
    published = models.IntegerField()

    class Meta:
        db_table = "positions_evidence_tally"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(published__gte=0), name="evidence_tally_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position_id}: {self.published}"
