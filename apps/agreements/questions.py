"""The agreements' questions, each with one parameter class, one query and one result shape:
the list, asked at two doors (the page /agreements/ and the API's /api/v1/agreements/); what
each ally had signed on a day, clause category by category (/agreements/clauses/) and the
clauses behind each count; and the signatures month by month."""

import dataclasses
import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Prefetch, Q

from apps.actors.models import Country, Organization
from apps.agreements.models import Agreement, AgreementKind, Clause, ClauseCategory, Party
from apps.agreements.signatures import UKRAINE
from apps.core.models import Status
from apps.core.params import (
    QUERY_VALUE_MAX,
    ChoiceParam,
    DateParam,
    PythonSelect,
    QueryParams,
    today,
)

COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


class PartyParam(forms.Field):
    """A party: a country by its code (UA) or an organization by its slug."""

    widget = PythonSelect
    openapi = {"type": "string", "maxLength": 100, "pattern": r"^[-a-zA-Z0-9_]+$"}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value)
        if len(value) <= 100 and COUNTRY_CODE.fullmatch(value):
            country = Country.objects.filter(code=value.upper()).first()
            if country is not None:
                return country
        elif len(value) <= 100 and SLUG.fullmatch(value):
            organization = Organization.objects.filter(slug=value).first()
            if organization is not None:
                return organization
        shown = value[:100].replace("\x00", "")
        raise ValidationError(
            f"Unknown party “{shown}”: give a country's code (UA) or an organization's slug.",
            code="invalid_choice",
        )


class AgreementListParams(QueryParams):
    party = PartyParam(
        label="Party",
        help_text="A party: a country's code (e.g. UA) or an organization's slug.",
    )
    kind = ChoiceParam(
        choices=[("", "Any kind"), *AgreementKind.choices],
        label="Kind",
        help_text="The kind of agreement.",
    )
    in_force_on = DateParam(
        label="In force on",
        help_text="Only agreements in force on this day (signed by then, neither expired "
        "nor terminated before it).",
    )
    signed_from = DateParam(label="Signed from", help_text="Signed on or after this day.")
    signed_to = DateParam(label="Signed to", help_text="Signed on or before this day.")

    passthrough = frozenset({"format", "page", "page_size"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].widget.choices = once(party_choices)

    def clean(self):
        cleaned = super().clean() or {}
        start, end = cleaned.get("signed_from"), cleaned.get("signed_to")
        if start and end and end < start:
            self.add_error("signed_to", "Give a day on or after “signed from”.")
        return cleaned


def once(read):
    """A select's choices read when it is written (never for the API), and only once."""
    kept: list = []

    def choices():
        if not kept:
            kept.extend(read())
        return kept

    return choices


def party_choices():
    """The party select's options: any, then countries and organizations that are parties
    of a published agreement, by name (one query over the parties)."""
    parties = (
        Party.objects.filter(agreement__status=Status.PUBLISHED)
        .values_list("country__code", "country__name", "organization__slug", "organization__name")
        .distinct()
    )
    found = {(code or slug, name or label) for code, name, slug, label in parties}
    return [("", "Any party"), *sorted(found, key=lambda choice: choice[1])]


def agreement_list(params: dict, *, user=None):
    """Return the agreements the parameters ask for, that the user may see, newest signing
    first, with source and parties fetched (a fixed number of queries)."""
    agreements = Agreement.objects.visible_to(user).for_list()
    party = params.get("party")
    if isinstance(party, Country):
        agreements = agreements.filter(parties__country=party)
    elif isinstance(party, Organization):
        agreements = agreements.filter(parties__organization=party)
    if params.get("kind"):
        agreements = agreements.filter(kind=params["kind"])
    if params.get("in_force_on"):
        agreements = agreements.in_force(params["in_force_on"])
    if params.get("signed_from"):
        agreements = agreements.filter(signed_on__gte=params["signed_from"])
    if params.get("signed_to"):
        agreements = agreements.filter(signed_on__lte=params["signed_to"])
    return agreements.order_by("-signed_on", "title", "pk")


def agreement_detail(slug: str, *, user=None) -> Agreement | None:
    """Return one agreement the user may see, with parties, source and clauses (grouped by
    category in their codebook's order) fetched; None when there is none."""
    return (
        Agreement.objects.visible_to(user)
        .for_list()
        .prefetch_related(
            Prefetch(
                "clauses",
                queryset=Clause.objects.select_related("category").order_by(
                    "category__order", "category__name", "order", "pk"
                ),
            )
        )
        .filter(slug=slug)
        .first()
    )


def party_dict(party) -> dict:
    holder = party.holder
    if party.country_id:
        who = {"type": "country", "code": holder.code, "name": holder.name}
    else:
        who = {"type": "organization", "slug": holder.slug, "name": holder.name}
    return {**who, "joined_on": party.joined_on}


def agreement_dict(agreement: Agreement) -> dict:
    """One agreement as the API, the page's JSON and every CSV show it."""
    source = agreement.source
    return {
        "slug": agreement.slug,
        "title": agreement.title,
        "kind": agreement.kind,
        "kind_label": agreement.get_kind_display(),
        "signed_on": agreement.signed_on,
        "place": agreement.place,
        "in_force_on": agreement.in_force_on,
        "duration_years": agreement.duration_years,
        "expires_on": agreement.expires_on,
        "needs_ratification": agreement.needs_ratification,
        "ratified_on": agreement.ratified_on,
        "terminated_on": agreement.terminated_on,
        "termination_note": agreement.termination_note,
        "parties": [party_dict(party) for party in agreement.parties.all()],
        "source": {"id": source.pk, "title": source.title, "url": source.url},
        "summary": agreement.summary,
        "status": agreement.status,
    }


def clause_dict(clause: Clause) -> dict:
    """One clause as the API and the pages show it."""
    return {
        "id": clause.pk,
        "agreement": clause.agreement.slug,
        "category": clause.category.slug,
        "category_name": clause.category.name,
        "article": clause.article,
        "text": clause.text,
        "amount": None if clause.amount is None else str(clause.amount),
        "currency": clause.currency,
        "period": clause.period,
    }


def _category_slugs() -> list[str]:
    from apps.agreements.models import ClauseCategory

    return list(ClauseCategory.objects.order_by("order", "slug").values_list("slug", flat=True))


class ClauseListParams(QueryParams):
    category = forms.SlugField(
        required=False,
        max_length=QUERY_VALUE_MAX,
        help_text="A clause category's slug.",
    )
    # The schema lists the codebook's categories, read when it is made.
    category.openapi_values = lambda: _category_slugs()  # type: ignore[attr-defined]
    party = PartyParam(label="Party", help_text=AgreementListParams.base_fields["party"].help_text)

    passthrough = frozenset({"format", "page", "page_size"})

    def clean_category(self):
        from apps.agreements.models import ClauseCategory

        slug = self.cleaned_data.get("category")
        if not slug:
            return None
        category = ClauseCategory.objects.filter(slug=slug).first()
        if category is None:
            raise ValidationError(f"Unknown clause category “{slug}”.", code="invalid_choice")
        return category


def clause_list(params: dict, *, user=None):
    """Return the clauses of the agreements the user may see, by category and party."""
    clauses = Clause.objects.filter(
        agreement__in=Agreement.objects.visible_to(user)
    ).select_related("agreement", "category")
    if params.get("category") is not None:
        clauses = clauses.filter(category=params["category"])
    party = params.get("party")
    if isinstance(party, Country):
        clauses = clauses.filter(agreement__parties__country=party)
    elif isinstance(party, Organization):
        clauses = clauses.filter(agreement__parties__organization=party)
    return clauses.order_by("-agreement__signed_on", "agreement_id", "order", "pk")


# --- what each ally had signed, clause category by category ----------------------------------


class ClauseMatrixParams(QueryParams):
    """The allies × clause categories page (/agreements/clauses/): only the day."""

    as_of = DateParam(
        label="As of",
        help_text="The day to show: the agreements in force then (default: today).",
    )

    passthrough = frozenset({"format"})

    def clean_as_of(self):
        return self.cleaned_data.get("as_of") or today()


class ClauseCellParams(QueryParams):
    """One cell of that page: a party's clauses of one category in force on a day (the page
    takes the party and the category in its path)."""

    party = PartyParam(label="Party", help_text=AgreementListParams.base_fields["party"].help_text)
    category = forms.SlugField(
        required=False,
        max_length=QUERY_VALUE_MAX,
        label="Clause category",
        help_text="A clause category's slug, e.g. military-aid.",
    )
    as_of = DateParam(
        label="As of",
        help_text="The day: the agreements in force then (default: today).",
    )

    passthrough: frozenset[str] = frozenset()

    def clean_party(self):
        party = self.cleaned_data.get("party")
        if party is None:
            raise ValidationError(
                "Give a party: a country's code (e.g. FR) or an organization's slug.",
                code="required",
            )
        return party

    def clean_category(self):
        slug = self.cleaned_data.get("category")
        if not slug:
            raise ValidationError(
                "Give a clause category's slug, e.g. military-aid.", code="required"
            )
        category = ClauseCategory.objects.filter(slug=slug).first()
        if category is None:
            raise ValidationError(f"Unknown clause category “{slug}”.", code="invalid_choice")
        return category

    def clean_as_of(self):
        return self.cleaned_data.get("as_of") or today()


def sees_unpublished(user) -> bool:
    """Whether the user is shown the agreements not published (AgreementQuerySet.visible_to):
    editors and administrators."""
    return bool(
        user is not None and user.is_authenticated and user.has_perm("agreements.change_agreement")
    )


def bound_parties(day: datetime.date, *, user=None):
    """Return the parties bound on the day: of an agreement the user may see that is in force
    that day, and a party by then (a later joiner from its joining day)."""
    agreements = Agreement.objects.visible_to(user).in_force(day)
    return Party.objects.filter(agreement__in=agreements.values("pk")).filter(
        Q(joined_on__isnull=True) | Q(joined_on__lte=day)
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Signatory:
    """A row of the clause matrix: an ally (a NATO member that day) or an organization."""

    type: str  # "country" or "organization"
    key: str  # the country's code or the organization's slug
    name: str

    def as_dict(self) -> dict:
        key = "code" if self.type == "country" else "slug"
        return {"type": self.type, key: self.key, "name": self.name}


@dataclasses.dataclass(frozen=True, slots=True)
class ClauseCount:
    """A cell: how many clauses of the category the holder was bound by, and how many of
    them stand in an agreement not published (counted for editors only)."""

    category: ClauseCategory
    clauses: int
    unpublished: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class ClauseRow:
    holder: Signatory
    agreements: int
    unpublished: int  # ... of which not published (editors only)
    cells: tuple[ClauseCount, ...]


@dataclasses.dataclass(frozen=True)
class ClauseMatrix:
    as_of: datetime.date
    categories: list[ClauseCategory]
    rows: list[ClauseRow]
    drafts: bool  # whether unpublished agreements were counted (an editor asked)

    @property
    def signed(self) -> int:
        """How many of the allies (countries) were bound by at least one agreement."""
        return sum(1 for r in self.rows if r.holder.type == "country" and r.agreements)

    @property
    def allies(self) -> int:
        return sum(1 for r in self.rows if r.holder.type == "country")

    def as_dict(self) -> dict:
        rows = []
        for row in self.rows:
            entry: dict = {"holder": row.holder.as_dict(), "agreements": row.agreements}
            if self.drafts:
                entry["agreements_unpublished"] = row.unpublished
            entry["cells"] = {cell.category.slug: cell.clauses for cell in row.cells}
            if self.drafts:
                entry["cells_unpublished"] = {c.category.slug: c.unpublished for c in row.cells}
            rows.append(entry)
        return {
            "as_of": self.as_of.isoformat(),
            "categories": [{"slug": c.slug, "name": c.name} for c in self.categories],
            "rows": rows,
        }


def clause_matrix(params: dict, *, user=None) -> ClauseMatrix:
    """Allies × clause categories on params["as_of"]: for each NATO member that day (and each
    organization party to an agreement in force), the agreements it was bound by and their
    clauses of each category, in the codebook's order. Editors' counts take in the agreements
    not published, counted apart. Ukraine and other countries outside NATO are no rows.
    Three queries, whatever the number of agreements and clauses."""
    day = params["as_of"]
    drafts = sees_unpublished(user)
    categories = list(ClauseCategory.objects.order_by("order", "name").only("slug", "name"))
    found = _counts_by_holder(day, categories, user=user, drafts=drafts)
    members = Country.objects.nato_members(on=day).order_by("name")
    holders = [
        (Signatory("country", code, name), found.get((pk, None)))
        for pk, code, name in members.values_list("pk", "code", "name")
    ]
    organizations = sorted(
        (row for (country, _), row in found.items() if country is None),
        key=lambda row: (row["organization__name"], row["organization__slug"]),
    )
    holders += [
        (Signatory("organization", row["organization__slug"], row["organization__name"]), row)
        for row in organizations
    ]
    rows = [
        ClauseRow(
            holder=holder,
            agreements=row["agreements"] if row else 0,
            unpublished=row.get("unpublished", 0) if row else 0,
            cells=tuple(
                ClauseCount(c, row[f"c{c.pk}"], row.get(f"u{c.pk}", 0))
                if row
                else ClauseCount(c, 0)
                for c in categories
            ),
        )
        for holder, row in holders
    ]
    return ClauseMatrix(day, categories, rows, drafts)


def _counts_by_holder(day, categories, *, user, drafts: bool) -> dict[tuple, dict]:
    """{(country id, organization id): counts} of the holders bound on the day: agreements,
    clauses of each category ("c<id>") and, with ``drafts``, how many of them are not
    published ("unpublished", "u<id>"). One query, grouped by holder."""
    unpublished = ~Q(agreement__status=Status.PUBLISHED)
    counts: dict = {"agreements": Count("agreement", distinct=True)}
    if drafts:
        counts["unpublished"] = Count("agreement", distinct=True, filter=unpublished)
    for category in categories:
        of_category = Q(agreement__clauses__category_id=category.pk)
        counts[f"c{category.pk}"] = Count("agreement__clauses", filter=of_category)
        if drafts:
            counts[f"u{category.pk}"] = Count(
                "agreement__clauses", filter=of_category & unpublished
            )
    rows = (
        bound_parties(day, user=user)
        .order_by()
        .values("country_id", "organization_id", "organization__slug", "organization__name")
        .annotate(**counts)
    )
    return {(row["country_id"], row["organization_id"]): row for row in rows}


def clauses_signed(params: dict, *, user=None) -> list[Clause]:
    """The clauses behind one cell of the clause matrix: params["party"]'s clauses of
    params["category"] in the agreements it was bound by on params["as_of"], newest signing
    first, each with its agreement. One query."""
    party = params["party"]
    parties = bound_parties(params["as_of"], user=user)
    if isinstance(party, Country):
        parties = parties.filter(country=party)
    else:
        parties = parties.filter(organization=party)
    return list(
        Clause.objects.filter(
            category=params["category"], agreement__in=parties.values("agreement_id")
        )
        .select_related("agreement")
        .order_by("-agreement__signed_on", "agreement__title", "agreement_id", "order", "pk")
    )


# --- the signatures month by month ---------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class MonthSigned:
    """One month of the signature timeline."""

    month: datetime.date  # its first day
    day: datetime.date  # the day counted: its last day, or today for the current month
    allies: int  # NATO members that day bound by a bilateral security agreement with Ukraine
    members: int  # NATO members that day

    def as_dict(self) -> dict:
        return {
            "month": self.month.strftime("%Y-%m"),
            "day": self.day.isoformat(),
            "allies": self.allies,
            "members": self.members,
        }


# The rule of AgreementQuerySet.in_force and of bound_parties, written for a day that is a
# column (each month's) rather than a parameter: each ally's bound days are gathered into one
# multirange, so a month asks each ally once (at xl, joining every month to every agreement
# and its parties took half a second).
TIMELINE_SQL = """
WITH bilateral AS (
    SELECT a.id, a.signed_on, a.expires_on, a.terminated_on
    FROM {agreement} a
    WHERE a.status = %(published)s AND a.kind = %(kind)s
      AND EXISTS (
          SELECT 1 FROM {party} u JOIN {country} uc ON uc.id = u.country_id
          WHERE u.agreement_id = a.id AND uc.code = %(ukraine)s
      )
),
bound AS MATERIALIZED (
    -- Each ally's days bound by one: from the signing (or its joining) to the expiry and the
    -- termination, both days counted; one multirange per ally.
    SELECT p.country_id, c.nato_joined,
           range_agg(daterange(
               GREATEST(b.signed_on, p.joined_on),
               LEAST(b.expires_on, b.terminated_on),
               '[]'
           )) AS days
    FROM bilateral b
    JOIN {party} p ON p.agreement_id = b.id
    JOIN {country} c ON c.id = p.country_id AND c.code <> %(ukraine)s
    -- (a party that joined after the end was never bound)
    WHERE p.joined_on IS NULL
       OR p.joined_on <= COALESCE(LEAST(b.expires_on, b.terminated_on), 'infinity')
    GROUP BY p.country_id, c.nato_joined
),
months AS (
    SELECT m::date AS month,
           LEAST((m + interval '1 month' - interval '1 day')::date, %(today)s) AS day
    FROM generate_series(
        date_trunc('month', (SELECT min(signed_on) FROM bilateral)),
        date_trunc('month', %(today)s::date),
        interval '1 month'
    ) AS m
)
SELECT months.month, months.day,
       (SELECT count(*) FROM bound
         WHERE bound.nato_joined <= months.day AND bound.days @> months.day) AS allies,
       (SELECT count(*) FROM {country} n WHERE n.nato_joined <= months.day) AS members
FROM months
ORDER BY months.month
"""


def signature_timeline() -> list[MonthSigned]:
    """Month by month, from the month of the first published bilateral security agreement
    with Ukraine to this month: how many allies (NATO members on the day counted) were a
    party, beside Ukraine, to one in force on the month's last day (this month: today).
    Published agreements only, whoever asks. An empty list when none is recorded. One query."""
    tables = {
        "agreement": Agreement._meta.db_table,
        "party": Party._meta.db_table,
        "country": Country._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            TIMELINE_SQL.format(**tables),
            {
                "published": Status.PUBLISHED,
                "kind": AgreementKind.BILATERAL_SECURITY,
                "ukraine": UKRAINE,
                "today": today(),
            },
        )
        return [MonthSigned(*row) for row in cursor.fetchall()]
