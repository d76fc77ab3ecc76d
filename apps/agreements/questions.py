"""The agreements list, asked at two doors (the page /agreements/ and the API's
/api/v1/agreements/): one parameter class, one query, one result shape."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Prefetch

from apps.actors.models import Country, Organization
from apps.agreements.models import Agreement, AgreementKind, Clause
from apps.core.params import QUERY_VALUE_MAX, ChoiceParam, DateParam, PythonSelect, QueryParams

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
        self.fields["party"].widget.choices = party_choices

    def clean(self):
        cleaned = super().clean() or {}
        start, end = cleaned.get("signed_from"), cleaned.get("signed_to")
        if start and end and end < start:
            self.add_error("signed_to", "Give a day on or after “signed from”.")
        return cleaned


def party_choices():
    """The party select's options: any, then countries and organizations that are parties
    of a published agreement (one query)."""
    parties = (
        Agreement.objects.published()
        .values_list("parties__country__code", "parties__country__name")
        .union(
            Agreement.objects.published().values_list(
                "parties__organization__slug", "parties__organization__name"
            )
        )
    )
    found = sorted((key, name) for key, name in parties if key)
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
