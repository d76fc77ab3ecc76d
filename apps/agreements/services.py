"""Writes to agreements: an agreement is written with its parties and clauses, as one whole,
under the rules of DESIGN §8 and the same review as positions.

Parties and clauses are given as lists of dicts: a party ``{"country" | "organization",
"joined_on"}``, a clause ``{"id" (to keep a stored one), "category", "article", "text",
"amount", "currency", "period"}``; related objects as instances or ids. Given, a list
replaces the agreement's: stored rows are kept (by holder, or by clause id), changed,
added or removed to match it.
"""

import datetime
import decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.agreements.models import Agreement, Clause, Party
from apps.core.models import Status
from apps.core.revisions import (
    changed_values,
    four_eyes_applies,
    review_check,
    reviewed,
    revision_propose,
)
from apps.core.services import constraint_errors, review_errors, stamp, version_lock

PARTY_FIELDS = ("country", "organization", "joined_on")
CLAUSE_FIELDS = ("category", "article", "text", "amount", "currency", "period")

TWO_PARTIES = "An agreement has at least two parties."

# The database's refusals (models.Agreement's constraints, migration 0002's trigger), by name,
# on the field an editor would change: the service's own checks run first and say the same.
CONSTRAINTS = {
    "agreements_agreement_slug_key": ("slug", "An agreement with this slug already exists."),
    "agreement_two_parties": ("parties", TWO_PARTIES),
    "party_country_once": ("parties", "A country is a party of an agreement only once."),
    "party_organization_once": (
        "parties",
        "An organization is a party of an agreement only once.",
    ),
}

# What an agreement says: once it is on record, a change to any of these is reviewed.
REVIEWED_FIELDS = (
    "slug",
    "title",
    "kind",
    "signed_on",
    "place",
    "in_force_on",
    "duration_years",
    "expires_on",
    "needs_ratification",
    "ratified_on",
    "terminated_on",
    "termination_note",
    "source",
    "summary",
    "correction_note",
)
NESTED = ("parties", "clauses")
ON_RECORD = (Status.PUBLISHED, Status.RETRACTED)


def _pk(value):
    return getattr(value, "pk", value)


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _party_rows(agreement: Agreement, parties) -> list[Party]:
    rows = []
    for given in parties:
        rows.append(
            Party(
                agreement=agreement,
                country_id=_pk(given.get("country")),
                organization_id=_pk(given.get("organization")),
                joined_on=given.get("joined_on"),
            )
        )
    return rows


def _clause_rows(agreement: Agreement, clauses) -> list[Clause]:
    rows = []
    for order, given in enumerate(clauses):
        amount = given.get("amount")
        if amount is not None and not isinstance(amount, decimal.Decimal):
            try:
                amount = decimal.Decimal(str(amount))
            except decimal.InvalidOperation:
                pass  # full_clean names it
        rows.append(
            Clause(
                pk=given.get("id"),
                agreement=agreement,
                category_id=_pk(given.get("category")),
                article=given.get("article") or "",
                text=given.get("text") or "",
                amount=amount,
                currency=given.get("currency") or "",
                period=given.get("period") or "",
                order=order,
            )
        )
    return rows


def _agreement_errors(agreement: Agreement) -> dict[str, list]:
    errors: dict[str, list] = {}
    try:
        agreement.full_clean(
            exclude=["source"] if agreement.source_id else None, validate_constraints=False
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    signed = agreement.signed_on
    if not isinstance(signed, datetime.date) or "signed_on" in errors:
        return errors

    def add(field: str, message: str) -> None:
        if field not in errors:
            errors[field] = [message]

    if agreement.in_force_on and agreement.in_force_on < signed:
        add("in_force_on", f"It enters into force on or after its signing ({_day(signed)}).")
    start = agreement.starts_on
    if agreement.expires_on and agreement.expires_on <= start:
        add("expires_on", f"An agreement ends after it starts ({_day(start)}).")
    if agreement.terminated_on and agreement.terminated_on <= signed:
        add("terminated_on", f"An agreement is terminated after its signing ({_day(signed)}).")
    if agreement.terminated_on and not (agreement.termination_note or "").strip():
        add("termination_note", "Say how and why the agreement was terminated.")
    if agreement.ratified_on:
        if not agreement.needs_ratification:
            add("ratified_on", "Only an agreement that needs ratification is ratified.")
        elif agreement.ratified_on < signed:
            add("ratified_on", f"It is ratified on or after its signing ({_day(signed)}).")
    return errors


def _party_errors(agreement: Agreement, parties: list[Party]) -> dict[str, list]:
    errors: dict[str, list] = {}
    seen: set[tuple] = set()
    for index, party in enumerate(parties):
        key = f"parties.{index}"
        if (party.country_id is None) == (party.organization_id is None):
            errors[f"{key}.country"] = ["A party is a country or an organization, exactly one."]
            continue
        try:
            party.full_clean(exclude=["agreement"], validate_constraints=False)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors[f"{key}.{field}"] = messages
            continue
        holder = (party.country_id, party.organization_id)
        if holder in seen:
            field = "country" if party.country_id else "organization"
            errors[f"{key}.{field}"] = [f"{party.holder} is already a party of this agreement."]
        seen.add(holder)
        signed = agreement.signed_on
        if party.joined_on and isinstance(signed, datetime.date) and party.joined_on < signed:
            errors[f"{key}.joined_on"] = [
                f"A party joins on or after the signing ({_day(signed)}); leave it empty "
                "for a party that signed it."
            ]
    if len(parties) < 2:
        errors["parties"] = [TWO_PARTIES]
    return errors


def _clause_errors(clauses: list[Clause], stored_ids: set[int]) -> dict[str, list]:
    errors: dict[str, list] = {}
    for index, clause in enumerate(clauses):
        key = f"clauses.{index}"
        if clause.pk is not None and clause.pk not in stored_ids:
            errors[f"{key}.id"] = [f"Clause {clause.pk} is not a clause of this agreement."]
            continue
        try:
            clause.full_clean(
                exclude=["agreement"] + (["category"] if clause.category_id else []),
                validate_constraints=False,
                validate_unique=False,
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors[f"{key}.{field}"] = messages
        if f"{key}.amount" in errors or f"{key}.currency" in errors:
            continue
        if clause.amount is not None and not clause.currency:
            errors[f"{key}.currency"] = ["An amount comes with its currency (EUR, USD, …)."]
        elif clause.amount is None and clause.currency:
            errors[f"{key}.amount"] = ["A currency comes with an amount."]
    if clauses:
        categories = {c.category_id for c in clauses if c.category_id is not None}
        from apps.agreements.models import ClauseCategory

        known = set(ClauseCategory.objects.filter(pk__in=categories).values_list("pk", flat=True))
        for index, clause in enumerate(clauses):
            if clause.category_id is not None and clause.category_id not in known:
                errors[f"clauses.{index}.category"] = ["No such clause category."]
    return errors


def agreement_check(
    agreement: Agreement, parties: list[Party], clauses: list[Clause], *, stored_ids=()
) -> None:
    """Raise a ValidationError naming each field that breaks a rule of DESIGN §8 (a
    party's or clause's as ``parties.<index>.<field>``, ``clauses.<index>.<field>``);
    write nothing."""
    errors = _agreement_errors(agreement)
    errors.update(_party_errors(agreement, parties))
    errors.update(_clause_errors(clauses, set(stored_ids)))
    if errors:
        raise ValidationError(errors)


def _review_check(agreement, *, previous, by, stored=None, rewritten=False) -> None:
    """The review rules (apps.core.revisions.review_check) for a agreement."""
    review_check(
        agreement, noun="agreement", previous=previous, by=by, stored=stored, rewritten=rewritten
    )


@transaction.atomic
def agreement_record(
    *, by=None, parties, clauses=(), status: str = Status.DRAFT, **fields
) -> Agreement:
    """Record an agreement with its parties and clauses; return it. Left empty, its expiry
    is derived from its start and duration."""
    agreement = Agreement(status=status, **fields)
    if agreement.expires_on is None:
        agreement.expires_on = agreement.derived_expiry()
    party_rows = _party_rows(agreement, parties)
    clause_rows = _clause_rows(agreement, clauses)
    for clause in clause_rows:
        clause.pk = None  # a new agreement's clauses are new
    agreement_check(agreement, party_rows, clause_rows)
    _review_check(agreement, previous=None, by=by)
    stamp(agreement, by)
    with constraint_errors(CONSTRAINTS):
        agreement.save()
        _write_rows(agreement, party_rows, clause_rows, by=by)
    return agreement


def _write_rows(agreement, parties: list[Party] | None, clauses: list[Clause] | None, *, by):
    """Make the stored parties and clauses those given (None: keep them)."""
    if parties is not None:
        stored = {(p.country_id, p.organization_id): p for p in agreement.parties.all()}
        wanted = {(p.country_id, p.organization_id): p for p in parties}
        for key, party in stored.items():
            if key not in wanted:
                party.delete()
        for key, party in wanted.items():
            kept = stored.get(key)
            if kept is None:
                party.agreement = agreement
                stamp(party, by)
                party.save()
            elif kept.joined_on != party.joined_on:
                kept.joined_on = party.joined_on
                stamp(kept, by)
                kept.save()
    if clauses is not None:
        stored_clauses = {c.pk: c for c in agreement.clauses.all()}
        kept_ids = {c.pk for c in clauses if c.pk is not None}
        for pk, clause in stored_clauses.items():
            if pk not in kept_ids:
                clause.delete()
        for clause in clauses:
            clause.agreement = agreement
            before = stored_clauses.get(clause.pk)
            if before is None:
                clause.pk = None
                stamp(clause, by)
                clause.save()
            elif _clause_json(before) != _clause_json(clause) or before.order != clause.order:
                clause.created_by_id = before.created_by_id
                clause.created_at = before.created_at
                clause._state.adding = False
                stamp(clause, by)
                clause.save()


def _party_json(party: Party) -> dict[str, Any]:
    return {
        "country": party.country_id,
        "organization": party.organization_id,
        "joined_on": party.joined_on.isoformat() if party.joined_on else None,
    }


def _clause_json(clause: Clause) -> dict[str, Any]:
    return {
        "id": clause.pk,
        "category": clause.category_id,
        "article": clause.article,
        "text": clause.text,
        "amount": None if clause.amount is None else str(decimal.Decimal(clause.amount)),
        "currency": clause.currency,
        "period": clause.period,
    }


def _nested_from_json(values: list[dict]) -> list[dict]:
    out = []
    for value in values:
        value = dict(value)
        if value.get("joined_on"):
            value["joined_on"] = datetime.date.fromisoformat(value["joined_on"])
        out.append(value)
    return out


def _rederive_expiry(agreement: Agreement, stored: Agreement, changes: dict) -> None:
    """An expiry that was derived follows its start and duration, unless one is given."""
    if "expires_on" in changes and changes["expires_on"] != stored.expires_on:
        return
    if stored.expires_on is None or stored.expires_on == stored.derived_expiry():
        derived = agreement.derived_expiry()
        if derived is not None or stored.expires_on is not None:
            agreement.expires_on = derived


@transaction.atomic
def agreement_update(
    *,
    agreement: Agreement,
    by=None,
    parties=None,
    clauses=None,
    expected_version=None,
    **changes,
) -> Agreement:
    """Change an agreement's fields, and its parties and clauses when given; return it.

    With ``expected_version``, an agreement saved by someone else since is refused with
    VersionConflict. A change by an editor to an agreement on record, while four eyes
    hold, is not made: it is proposed as a revision in review (``proposed_revision``), and
    the published version stays until another editor publishes it."""
    version_lock(agreement, expected_version)
    stored = Agreement.objects.get(pk=agreement.pk)
    for field, value in changes.items():
        setattr(agreement, field, value)
    _rederive_expiry(agreement, stored, changes)
    proposed = changed_values(stored, agreement)
    party_rows = None if parties is None else _party_rows(agreement, parties)
    clause_rows = None if clauses is None else _clause_rows(agreement, clauses)
    if party_rows is not None:
        now = sorted((_party_json(p) for p in stored.parties.all()), key=str)
        given = sorted((_party_json(p) for p in party_rows), key=str)
        if now != given:
            proposed["parties"] = [_party_json(p) for p in party_rows]
    if clause_rows is not None:
        now_clauses = [_clause_json(c) for c in stored.clauses.all()]
        given_clauses = [_clause_json(c) for c in clause_rows]
        if now_clauses != given_clauses:
            proposed["clauses"] = given_clauses
    if stored.status in ON_RECORD and proposed and four_eyes_applies(by):
        if agreement.status == Status.RETRACTED != stored.status:
            proposed.pop("correction_note", None)
        if proposed:
            return _agreement_propose(
                agreement,
                stored=stored,
                proposed=proposed,
                by=by,
                parties=party_rows,
                clauses=clause_rows,
            )
    return _agreement_apply(
        agreement,
        by=by,
        stored=stored,
        parties=party_rows,
        clauses=clause_rows,
        rewritten=bool(proposed),
    )


def _check_whole(agreement: Agreement, stored: Agreement, parties, clauses) -> None:
    agreement_check(
        agreement,
        parties if parties is not None else list(stored.parties.all()),
        clauses if clauses is not None else list(stored.clauses.all()),
        stored_ids=stored.clauses.values_list("pk", flat=True),
    )


def _agreement_propose(agreement, *, stored, proposed, by, parties, clauses) -> Agreement:
    """Check the proposed change as if it were made, then store it as a revision in review."""
    errors = review_errors(
        previous=stored.status, new=agreement.status, note=agreement.correction_note
    )
    if errors:
        raise ValidationError(errors)
    if agreement.status != stored.status:
        raise ValidationError(
            {
                "status": "Change what this agreement says, or its status, but not both at "
                "once: a change to an agreement on record is reviewed as a revision first."
            }
        )
    _check_whole(agreement, stored, parties, clauses)
    revision = revision_propose(target=stored, changes=proposed, by=by)
    agreement.refresh_from_db()
    agreement.proposed_revision = revision
    return agreement


def _agreement_apply(
    agreement, *, by, stored, parties, clauses, rewritten=False, reviewer=None
) -> Agreement:
    """Write an agreement's changed fields, parties and clauses under every rule."""
    _check_whole(agreement, stored, parties, clauses)
    _review_check(agreement, previous=stored.status, by=by, stored=stored, rewritten=rewritten)
    if reviewer is not None:
        agreement.reviewed_by = reviewer
    stamp(agreement, by)
    with constraint_errors(CONSTRAINTS):
        agreement.save()
        _write_rows(agreement, parties, clauses, by=by)
    return agreement


def _agreement_revision_apply(agreement: Agreement, values: dict, *, author, reviewer) -> None:
    """Publish a reviewed change: written as its author's edit, with its reviewer noted."""
    stored = Agreement.objects.get(pk=agreement.pk)
    parties = values.pop("parties", None)
    clauses = values.pop("clauses", None)
    for field, value in values.items():
        setattr(agreement, field, value)
    _agreement_apply(
        agreement,
        by=author,
        stored=stored,
        parties=None if parties is None else _party_rows(agreement, _nested_from_json(parties)),
        clauses=None if clauses is None else _clause_rows(agreement, clauses),
        reviewer=reviewer,
    )


def _describe(agreement: Agreement | None, name: str, value: list) -> tuple[str, str]:
    """The parties or clauses now and as a revision proposes them, in words."""
    from apps.actors.models import Country, Organization

    if name == "parties":
        countries = Country.objects.in_bulk([v["country"] for v in value if v["country"]])
        organizations = Organization.objects.in_bulk(
            [v["organization"] for v in value if v["organization"]]
        )

        def named(v):
            holder = countries.get(v["country"]) or organizations.get(v["organization"])
            joined = f" (joined {v['joined_on']})" if v.get("joined_on") else ""
            return f"{holder}{joined}"

        now = "; ".join(str(p) for p in agreement.parties.all()) if agreement else ""
        return now, "; ".join(named(v) for v in value)
    now = (
        " | ".join(f"{c.article or '—'}: {c.text[:80]}" for c in agreement.clauses.all())
        if agreement
        else ""
    )
    return now, " | ".join(f"{v['article'] or '—'}: {v['text'][:80]}" for v in value)


reviewed(
    Agreement,
    fields=REVIEWED_FIELDS,
    apply=_agreement_revision_apply,
    nested=NESTED,
    describe=_describe,
)


def agreement_rows_for_form(agreement: Agreement) -> dict[str, list[dict]]:
    """The agreement's parties and clauses as the services take them."""
    return {
        "parties": [
            {"country": p.country_id, "organization": p.organization_id, "joined_on": p.joined_on}
            for p in agreement.parties.all()
        ],
        "clauses": [_clause_json(c) for c in agreement.clauses.all()],
    }
