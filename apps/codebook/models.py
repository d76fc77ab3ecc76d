"""The scales: topics and their stances, below every domain app that codes with them."""

import pghistory
from django.db import models
from django.db.models import Q

from apps.core.models import TimestampedModel, long_text_field, name_field

# The models moved here from `positions`; their tables (and their history tables) keep
# the names they were created with, so every row, every event, every foreign key and every
# query that names a table goes on working unchanged.


@pghistory.track(meta={"db_table": "positions_topicevent"})
class Topic(TimestampedModel):
    slug = models.SlugField(unique=True, max_length=50)
    name = name_field(unique=True)
    question = name_field(help_text="The question a position on this topic answers.")
    description = long_text_field()
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "positions_topic"
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


@pghistory.track(meta={"db_table": "positions_stanceevent"})
class Stance(TimestampedModel):
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="stances")
    value = models.SmallIntegerField(help_text="From −2 (against) to +2 (what Ukraine asks for).")
    label = name_field()
    definition = long_text_field(blank=False)

    class Meta:
        db_table = "positions_stance"
        ordering = ["topic__order", "-value"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "value"], name="stance_unique_value"),
            # Lets a position's (stance, topic) pair reference this one: see the positions'
            # composite foreign key in the migrations.
            models.UniqueConstraint(fields=["id", "topic"], name="stance_id_topic"),
            models.CheckConstraint(
                condition=Q(value__gte=-2) & Q(value__lte=2),
                name="stance_value_range",
                violation_error_message="A stance value runs from -2 to +2.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic.name}: {self.signed_value} {self.label}"

    @property
    def signed_value(self) -> str:
        return f"+{self.value}" if self.value > 0 else str(self.value).replace("-", "−")
