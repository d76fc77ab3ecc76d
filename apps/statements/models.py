"""What was said: sources, events and quotes."""

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchVector,
    SearchVectorField,
)
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, Func, OuterRef, Q

from apps.actors.models import Country, Organization, Person, Role, trigram_index
from apps.core.dates import from_earliest
from apps.core.models import (
    DatePrecision,
    Status,
    TimestampedModel,
    format_partial_date,
    long_text_field,
    may_change,
    name_field,
)
from apps.core.validators import reject_future

LANGUAGE = RegexValidator(r"^[a-z]{2,3}\Z", "Use an ISO 639 language code, e.g. en.")


class EventKind(models.TextChoices):
    SUMMIT = "summit", "Summit"
    MINISTERIAL = "ministerial", "Ministerial meeting"
    DECLARATION = "declaration", "Declaration"
    AGREEMENT = "agreement", "Agreement"
    ELECTION = "election", "Election"
    REFERENDUM = "referendum", "Referendum"
    OTHER = "other", "Other"


class CitedQuerySet(models.QuerySet):
    """Sources and events: readers see reference data (loaded by no user: the seed, and rows
    from before this rule) and those a published quote refers to; an editor's new one stays
    out of sight until a quote citing it is published."""

    quote_key: str  # the quotes' foreign key to this model

    def public(self):
        """Return the rows readers may see: reference data, and those a published quote
        refers to (an EXISTS on the quotes' indexed foreign key)."""
        published = Quote.objects.published().filter(**{self.quote_key: OuterRef("pk")})
        return self.filter(Q(created_by__isnull=True) | Exists(published))

    def visible_to(self, user):
        """Return the rows this user may see: all for those who may change them (editors,
        administrators), the public ones for everyone else."""
        return self if may_change(user, self.model) else self.public()


class EventQuerySet(CitedQuerySet):
    quote_key = "event"


class SourceQuerySet(CitedQuerySet):
    quote_key = "source"


@pghistory.track()
class Event(TimestampedModel):
    slug = models.SlugField(unique=True, max_length=100)
    name = name_field()
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    start_date = models.DateField(validators=[reject_future])
    end_date = models.DateField(null=True, blank=True, validators=[reject_future])
    place = models.CharField(max_length=200, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date"]
        indexes = [trigram_index("name", "event_name_trgm")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="event_end_after_start",
                violation_error_message="An event cannot end before it starts.",
            ),
            from_earliest("start_date", name="event_start_from_1900"),
            from_earliest("end_date", name="event_end_from_1900", null=True),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_date.year})"


class SourceKind(models.TextChoices):
    NEWS_REPORT = "news_report", "News report"
    OFFICIAL_DOCUMENT = "official_document", "Official document"
    TRANSCRIPT = "transcript", "Transcript"
    INTERVIEW = "interview", "Interview"
    PRESS_BRIEFING = "press_briefing", "Press briefing"
    SOCIAL_MEDIA = "social_media", "Social media"
    ANALYSIS = "analysis", "Analysis"


class Reliability(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"


@pghistory.track()
class Source(TimestampedModel):
    title = name_field()
    publisher = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="published"
    )
    author = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="authored"
    )
    url = models.URLField(max_length=500, blank=True)
    published_on = models.DateField(validators=[reject_future])
    published_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    reliability = models.CharField(max_length=10, choices=Reliability.choices)
    language = models.CharField(max_length=3, default="en", validators=[LANGUAGE])
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "title"]
        indexes = [
            trigram_index("title", "source_title_trgm"),
            models.Index(fields=["-published_on", "id"], name="source_newest"),
        ]
        constraints = [from_earliest("published_on", name="source_published_from_1900")]

    def __str__(self) -> str:
        return f"{self.title} ({self.published_display})"

    @property
    def published_display(self) -> str:
        return format_partial_date(self.published_on, self.published_precision)


# Private-use characters mark matches, so the text can be escaped before <mark> is added.
MARK_START, MARK_STOP = "\ue000", "\ue001"


def _websearch(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config="english")


# A search for a phrase of two common words that never follow each other ("undermine would")
# had the full-text index name every quote holding both words, a third of a million quotes,
# each read to check the words' positions (half a second). A quote's word pairs
# (search_bigrams: "undermin_would" where the two stand side by side) are indexed too, and
# tsquery_pairs() (migration statements 0009) turns a search into the pairs every match must
# hold ('undermin_would'), or NULL where there are none: no phrase, or one under "or" or a
# negation. Both are immutable, so PostgreSQL works the pairs out once, when it plans the
# query, and asks the index for the few quotes holding them; no query of its own.
PAIRS = "tsquery_pairs(websearch_to_tsquery('english'::regconfig, %s))"


class PhrasePairs(Func):
    """True for a quote holding every word pair the search's phrases need (and for every
    quote when they need none)."""

    output_field = models.BooleanField()

    def __init__(self, text: str):
        super().__init__(models.F("search_bigrams"))
        self.text = text

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra):
        field, params = compiler.compile(self.source_expressions[0])
        return f"({PAIRS} IS NULL OR {field} @@ {PAIRS})", [self.text, *params, self.text]


# The words a search reads, weighed as one text: the search vector, and its word pairs.
SEARCHED = SearchVector("text", "translation", "speaker_label", config="english")


class Bigrams(Func):
    """A tsvector's word pairs side by side, as one tsvector (migration statements 0008)."""

    function = "tsvector_bigrams"
    output_field = SearchVectorField()


def sees_unpublished_quotes(user) -> bool:
    """Whether the user may see quotes that are not published: those who may change quotes
    (editors and administrators)."""
    return user is not None and user.is_authenticated and user.has_perm("statements.change_quote")


# What a quote is shown with: joined wherever quotes are listed (QuoteQuerySet.with_attribution,
# and the evidence of a change list, read through the evidence links).
QUOTE_ATTRIBUTION = (
    "speaker",
    "role__organization",
    "country",
    "claimant_country",
    "claimant_organization",
    "source__publisher",
    "source__author",
    "event",
)


# A quote with a claimant: one government's (or organization's) official speaking of another
# government's stance. On its own it never codes that stance above "reported" confidence.
IS_CLAIM = Q(claimant_country__isnull=False) | Q(claimant_organization__isnull=False)


class QuoteQuerySet(models.QuerySet):
    def published(self):
        """Return quotes that analysts and anonymous clients may see."""
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        """Return the quotes this user may see: all of them for those who may change quotes
        (editors and administrators), the published ones for everyone else."""
        return self if sees_unpublished_quotes(user) else self.published()

    def search(self, text: str):
        """Return quotes matching a websearch-syntax query ("a phrase", or, -not). A phrase
        is looked up by its word pairs first (search_bigrams), then checked word by word."""
        if not text:
            return self
        found = self.filter(search_vector=_websearch(text))
        return found.filter(PhrasePairs(text)) if '"' in text else found

    def after(self, said_on, pk):
        """Return quotes after a keyset cursor in newest-first order (no OFFSET)."""
        return self.filter(Q(said_on__lt=said_on) | Q(said_on=said_on, pk__lt=pk))

    def before(self, said_on, pk):
        """Return quotes before a keyset cursor in newest-first order: the newer ones."""
        return self.filter(Q(said_on__gt=said_on) | Q(said_on=said_on, pk__gt=pk))

    def with_headline(self, text: str):
        """Annotate `headline`: the text with matches wrapped in <mark> (escaped otherwise)."""
        return self.annotate(
            headline=SearchHeadline(
                "text",
                _websearch(text),
                config="english",
                start_sel=MARK_START,
                stop_sel=MARK_STOP,
                highlight_all=True,
            )
        )

    def claims(self):
        """Return quotes that are claims about another government's stance (with a claimant)."""
        return self.filter(IS_CLAIM)

    def with_attribution(self):
        """Return quotes with speaker, role, country, claimant, source and event joined in one
        query."""
        return self.select_related(*QUOTE_ATTRIBUTION)


@pghistory.track(exclude=["search_vector", "search_bigrams"])
class Quote(TimestampedModel):
    text = long_text_field(blank=False, help_text="The exact words, in the original language.")
    translation = long_text_field(help_text="English translation, if the original is not English.")
    language = models.CharField(max_length=3, default="en", validators=[LANGUAGE])
    is_paraphrase = models.BooleanField(
        default=False, help_text="The source reports what was said without quoting it."
    )
    speaker = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="quotes"
    )
    speaker_label = models.CharField(
        max_length=200,
        blank=True,
        help_text='For anonymous sources, e.g. "a senior diplomat".',
    )
    country = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quotes",
        help_text="The country whose position the words reflect.",
    )
    role = models.ForeignKey(
        Role,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quotes",
        help_text="The speaker's post when speaking.",
    )
    # A claim about another government: the country or organization whose official speaks
    # of the stance of `country` (or of NATO). On its own such a quote never codes that
    # stance above "reported" confidence.
    claimant_country = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
        help_text="When the speaker speaks of another government's stance: the speaker's country.",
    )
    claimant_organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
        help_text="When the speaker speaks of another government's stance: the speaker's organization.",
    )
    said_on = models.DateField(validators=[reject_future])
    said_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    source = models.ForeignKey("Source", on_delete=models.PROTECT, related_name="quotes")
    channel = models.CharField(max_length=200, blank=True, help_text='e.g. "told FP"')
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="quotes"
    )
    topics = models.ManyToManyField("codebook.Topic", related_name="quotes", blank=True)
    implied_stance = models.ForeignKey(
        "codebook.Stance",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The stance the words imply, to flag a contradiction with the coded position.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    correction_note = long_text_field(help_text="Why the quote was corrected or retracted.")
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
    search_vector = models.GeneratedField(
        expression=SEARCHED,
        output_field=SearchVectorField(),
        db_persist=True,
    )
    search_bigrams = models.GeneratedField(
        expression=Bigrams(SEARCHED),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = QuoteQuerySet.as_manager()

    class Meta:
        ordering = ["-said_on", "-id"]
        indexes = [
            GinIndex(fields=["search_vector"], name="quote_search_gin"),
            GinIndex(fields=["search_bigrams"], name="quote_bigrams_gin"),
            models.Index(fields=["status", "-said_on", "-id"], name="quote_feed"),
            # Every status, newest first: the editors' changelist.
            models.Index(fields=["-said_on", "-id"], name="quote_newest"),
            # Newest first within one country, speaker, source or event: a filtered page
            # reads its rows in index order and stops after one page.
            models.Index(
                fields=["country", "status", "-said_on", "-id"], name="quote_country_feed"
            ),
            models.Index(
                fields=["speaker", "status", "-said_on", "-id"], name="quote_speaker_feed"
            ),
            models.Index(fields=["source", "status", "-said_on", "-id"], name="quote_source_feed"),
            models.Index(fields=["event", "status", "-said_on", "-id"], name="quote_event_feed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(speaker__isnull=False) & Q(speaker_label=""))
                | (Q(speaker__isnull=True) & ~Q(speaker_label="")),
                name="quote_speaker_or_label",
                violation_error_message="A quote has a speaker or a speaker label, not both or neither.",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="quote_text_not_empty"),
            models.CheckConstraint(
                condition=Q(claimant_country__isnull=True) | Q(claimant_organization__isnull=True),
                name="quote_one_claimant",
                violation_error_message="A claim has one claimant: a country or an organization, not both.",
            ),
            models.CheckConstraint(
                condition=Q(claimant_country__isnull=True)
                | Q(country__isnull=True)
                | ~Q(claimant_country=models.F("country")),
                name="quote_claimant_not_own_country",
                violation_error_message="A claim is about another government: the claimant cannot be the country the quote is about.",
            ),
            from_earliest("said_on", name="quote_said_from_1900"),
        ]

    def __str__(self) -> str:
        short = self.text if len(self.text) <= 60 else self.text[:57] + "…"
        return f"{self.speaker_name}: “{short}”"

    @property
    def speaker_name(self) -> str:
        # No query for an anonymous speaker: a null foreign key reads as None without one.
        return self.speaker.name if self.speaker is not None else self.speaker_label

    @property
    def claimant(self) -> Country | Organization | None:
        """Who makes the claim, when the quote speaks of another government's stance."""
        # No query when there is none: a null foreign key reads as None without one.
        return self.claimant_country or self.claimant_organization

    @property
    def said_display(self) -> str:
        return format_partial_date(self.said_on, self.said_precision)

    @property
    def citation(self) -> str:
        """A ready citation line: speaker, role, date, channel, source, URL."""
        parts = [self.speaker_name]
        if self.role is not None:
            parts.append(self.role.title)
        parts.append(self.said_display)
        if self.channel:
            parts.append(self.channel)
        source = self.source
        cited = f"“{source.title}”"
        if source.author is not None:
            cited = f"{source.author.name}, {cited}"
        if source.publisher is not None:
            cited += f", {source.publisher.name}"
        cited += f", {source.published_display}"
        line = ", ".join(parts) + ". " + ("Reported in " if self.is_paraphrase else "In ") + cited
        return line + (f". {source.url}" if source.url else ".")


# What an editor enters for a quote, in the admin form and in an API body alike.
QUOTE_EDITABLE_FIELDS = [
    "text",
    "translation",
    "language",
    "is_paraphrase",
    "speaker",
    "speaker_label",
    "country",
    "claimant_country",
    "claimant_organization",
    "role",
    "said_on",
    "said_precision",
    "source",
    "channel",
    "event",
    "topics",
    "implied_stance",
    "status",
    "correction_note",
]


@pghistory.track(pghistory.InsertEvent(), pghistory.DeleteEvent())
class QuoteTopic(Quote.topics.through):  # type: ignore[name-defined]  # an auto-created model
    """A quote's topic link, tracked so that its history is kept."""

    class Meta:
        proxy = True
