"""What every domain app shares: timestamps, date precision, editorial status."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from apps.core.validators import clean_text_validators

TEXT_MAX = 20_000
NAME_MAX = 200


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    RETRACTED = "retracted", "Retracted"


def may_change(user, model) -> bool:
    """Whether the user may change rows of the model (editors and administrators): those
    who may see every row of it, published or referred to by something published or not."""
    opts = model._meta
    return (
        user is not None
        and user.is_authenticated
        and user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
    )


class ReadersChange(models.Model):
    """One row per write that readers (who see only what is published) can see: the newest
    id is part of their data version (apps.core.versions). Triggers on the editorial tables
    add the rows (migration 0002_readers_change), so every door is counted; a write that
    only drafts see adds none."""

    id = models.BigAutoField(primary_key=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"Readers' change {self.pk}"


class TimestampedModel(models.Model):
    """Adds who created and last changed a row, and when."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True


def name_field(**kwargs) -> models.CharField:
    """A short, required, clean text field."""
    return models.CharField(max_length=NAME_MAX, validators=clean_text_validators(), **kwargs)


def long_text_field(blank: bool = True, **kwargs) -> models.TextField:
    """A long text field with a sane maximum length and no NUL bytes."""
    return models.TextField(
        blank=blank, max_length=TEXT_MAX, validators=clean_text_validators(TEXT_MAX), **kwargs
    )


def format_partial_date(day, precision: str) -> str:
    """Return a date as precisely as it is known: '15 June 2023', 'June 2023' or '2023'."""
    if day is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{day.year}"
    if precision == DatePrecision.MONTH:
        return day.strftime("%B %Y")
    return f"{day.day} {day.strftime('%B %Y')}"


class RevisionStatus(models.TextChoices):
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"


class RevisionQuerySet(models.QuerySet):
    def in_review(self):
        """Return revisions waiting for another editor, oldest first."""
        return self.filter(status=RevisionStatus.IN_REVIEW).order_by("created_at")

    def of(self, target):
        """Return the revisions proposed for one object."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(type(target)), object_id=target.pk
        )


class Revision(TimestampedModel):
    """A proposed change to something already published (a position, a stance, a topic).

    The published version stays in force while the revision is in review; another editor
    publishes it (apps.core.revisions), and only then does it reach analysts."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    changes = models.JSONField(
        encoder=DjangoJSONEncoder,
        help_text="The proposed values, by field name (evidence as quote ids).",
    )
    base_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The version of the object the change was made on."
    )
    status = models.CharField(
        max_length=10, choices=RevisionStatus.choices, default=RevisionStatus.IN_REVIEW
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The editor who published or rejected it.",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = long_text_field(help_text="Why it was rejected, or a word for the reviewer.")

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "status"], name="revision_target_status"
            ),
            models.Index(fields=["status", "created_at"], name="revision_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=RevisionStatus.IN_REVIEW)
                | (Q(reviewed_by__isnull=False) & Q(decided_at__isnull=False)),
                name="revision_decided_by_someone",
                violation_error_message="A published or rejected revision names its reviewer.",
            ),
        ]

    def __str__(self) -> str:
        return f"Revision {self.pk} of {self.content_type.name} {self.object_id}"
